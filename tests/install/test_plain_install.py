"""A plain `pip install odoo-platform` (no extras): the wheel's CLI starts and ships the pack.

The wheel is built once per module from this repository; its CLI runs in a subprocess from the
unpacked wheel (ahead of the editable install) with `pulumi_policy` made unimportable, as in an
environment without the `[policy]` extra.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PACK_FILES = {"PulumiPolicy.yaml", "__main__.py", "requirements.txt", "config.example.json"}

# Runs the CLI with the optional extra missing: importing pulumi_policy fails as if absent.
WITHOUT_POLICY_EXTRA = """
import sys

class NoPolicyExtra:
    def find_spec(self, name, path=None, target=None):
        if name == "pulumi_policy" or name.startswith("pulumi_policy."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoPolicyExtra())
sys.argv = ["odoo-platform", *sys.argv[1:]]
from odoo_platform.cli import main
main()
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built from a copy of what packaging reads: setuptools builds in the source tree, and
    # parallel test workers must not share one build/ folder.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "odoo_platform",
        source / "odoo_platform",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("odoo_platform-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel's files as pip installs them (a wheel is laid out as site-packages)."""
    target = tmp_path_factory.mktemp("site-packages")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def cli(installed: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # -P: the working directory (the repository) is not put on sys.path
        [sys.executable, "-P", "-c", WITHOUT_POLICY_EXTRA, *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=installed,
        env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin", "HOME": str(installed)},
        timeout=300,
    )


def test_the_wheel_ships_the_policy_pack(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {f"odoo_platform/policy_pack/{name}" for name in PACK_FILES} <= names


@pytest.mark.parametrize("args", [["--help"], ["plan", "--help"], ["render", "--help"]])
def test_help_works_without_the_policy_extra(installed: Path, args: list[str]) -> None:
    result = cli(installed, *args)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_the_cli_runs_from_the_installed_wheel(installed: Path) -> None:
    where = "import odoo_platform.cli as c; print(c.__file__)"
    result = subprocess.run(
        [sys.executable, "-P", "-c", where],
        check=False,
        capture_output=True,
        text=True,
        cwd=installed,
        env={"PYTHONPATH": str(installed)},
    )
    assert Path(result.stdout.strip()).is_relative_to(installed), result.stderr


def test_version_is_the_package_version(installed: Path) -> None:
    result = cli(installed, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "odoo-platform 0.1.0"


def test_every_command_runs_without_the_policy_extra(installed: Path) -> None:
    dev = ["--stack", "dev-eu-west-1", "--stacks-dir", str(ROOT / "stacks")]
    assert cli(installed, "validate", *dev).returncode == 0
    assert cli(installed, "schema").returncode == 0
    facts = cli(installed, "policy-config", *dev)
    assert json.loads(facts.stdout)["environment"] == "dev", facts.stderr
    policies = cli(installed, "policies", *dev, "--json", "--date", "2026-11-18")
    assert json.loads(policies.stdout)["passed"] is True, policies.stderr


def test_the_printed_pack_path_is_a_policy_pack_inside_the_installed_package(
    installed: Path,
) -> None:
    result = cli(installed, "policy-pack-path")
    assert result.returncode == 0, result.stderr
    pack = Path(result.stdout.strip())
    assert pack.is_relative_to(installed)  # the installed copy, not the repository's
    assert {p.name for p in pack.iterdir()} >= PACK_FILES
    project = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text())
    assert project["runtime"] == "python"
    assert isinstance(project["version"], str)
    entry = (pack / "__main__.py").read_text()
    compile(entry, "__main__.py", "exec")
    assert "PolicyPack(" in entry and "build_policies()" in entry
