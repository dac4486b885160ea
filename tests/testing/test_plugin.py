"""The `pulumi_harness` plugin in a user's own project: its Pulumi.yaml, its stack files, its day.

Each test writes a small project (its own `Pulumi.yaml`) into tmp_path and runs pytest on it in a
subprocess, as the user's CI would, with the plugin loaded from the installed entry point.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pulumi
import pytest

from odoo_platform.testing import PulumiProject, run_program, run_stack

STACKS = Path(__file__).resolve().parents[1] / "stacks"  # a one-tenant prod stack


def pytest_in(project: Path, tests: str, pulumi_yaml: str) -> subprocess.CompletedProcess[str]:
    (project / "Pulumi.yaml").write_text(textwrap.dedent(pulumi_yaml))
    (project / "test_user.py").write_text(textwrap.dedent(tests))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=project,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )


def passed(result: subprocess.CompletedProcess[str], count: int) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{count} passed" in result.stdout


USER_PROGRAM = """
    import datetime as dt

    import pulumi
    import pulumi_aws as aws
    import pytest

    from odoo_platform.config.clock import utc_today


    def program():
        tenant = pulumi.Config().require("tenant")
        aws.s3.Bucket(f"{tenant}-files")
        pulumi.export("day", utc_today().isoformat())
"""


def test_run_takes_the_project_name_from_pulumi_yaml(tmp_path: Path) -> None:
    tests = (
        USER_PROGRAM
        + """
    def test_config_keys_are_the_projects(pulumi_harness):
        result = pulumi_harness.run(program, config={"mystack:tenant": "beta"})
        assert result.named("beta-files").urn.startswith("urn:pulumi:test::mystack::")

    def test_an_explicit_project_wins(pulumi_harness):
        result = pulumi_harness.run(program, config={"other:tenant": "x"}, project="other")
        assert result.named("x-files")
    """
    )
    result = pytest_in(tmp_path, tests, "name: mystack\nruntime: python\n")
    passed(result, 2)
    # pulumi_aws's import-time notices about its own deprecated classes are not the user's
    assert "DeprecationWarning" not in result.stdout


def test_run_stack_follows_stack_config_dir_and_takes_a_program(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "Pulumi.dev.yaml").write_text("config:\n  mystack:tenant: gamma\n")
    tests = (
        USER_PROGRAM
        + """
    def test_stack_file_from_stack_config_dir(pulumi_harness):
        assert pulumi_harness.run_stack("dev", program=program).named("gamma-files")
    """
    )
    yaml = "name: mystack\nruntime: python\nstackConfigDir: infra\n"
    passed(pytest_in(tmp_path, tests, yaml), 1)


def test_stack_files_default_to_beside_pulumi_yaml(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  mystack:tenant: delta\n")
    tests = (
        USER_PROGRAM
        + """
    def test_stack_file_beside_pulumi_yaml(pulumi_harness):
        assert pulumi_harness.run_stack("dev", program=program).named("delta-files")
    """
    )
    passed(pytest_in(tmp_path, tests, "name: mystack\nruntime: python\n"), 1)


def test_today_pins_the_stack_programs_clock(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  mystack:tenant: e\n")
    tests = (
        USER_PROGRAM
        + """
    def test_run(pulumi_harness):
        day = dt.date(2026, 11, 30)
        result = pulumi_harness.run(program, config={"mystack:tenant": "e"}, today=day)
        assert result.outputs["day"] == "2026-11-30"

    def test_run_stack(pulumi_harness):
        result = pulumi_harness.run_stack("dev", program=program, today=dt.date(2027, 1, 2))
        assert result.outputs["day"] == "2027-01-02"
    """
    )
    passed(pytest_in(tmp_path, tests, "name: mystack\nruntime: python\n"), 2)


def test_a_test_that_expects_a_failure_leaves_no_pending_task_noise(tmp_path: Path) -> None:
    tests = """
    import asyncio

    import pytest

    LEFT_BEHIND = []


    def failing():
        asyncio.ensure_future(asyncio.sleep(3600))  # left running when the program fails
        # as the SDK's resolvers do when a resource fails: an error nobody awaits any more,
        # held (here by a list, there by reference cycles) until after the test
        failed = asyncio.get_event_loop().create_future()
        failed.set_exception(ValueError("already raised"))
        LEFT_BEHIND.append(failed)
        raise RuntimeError("expected failure")


    def test_failure(pulumi_harness):
        with pytest.raises(RuntimeError, match="expected failure"):
            pulumi_harness.run(failing)
    """
    # What the failed run left behind is collected after the session: noise, if any, shows.
    result = pytest_in(tmp_path, tests, "name: mystack\nruntime: python\n")
    passed(result, 1)
    output = result.stdout + result.stderr
    assert "Task was destroyed" not in output
    assert "exception was never retrieved" not in output


def imported_modules(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    )
    return set(result.stdout.split())


def test_loading_the_plugin_imports_neither_pulumi_nor_the_platform() -> None:
    baseline = imported_modules("import pytest, yaml")
    loaded = imported_modules("import pytest, yaml\nimport odoo_platform.testing.plugin")
    extra = loaded - baseline
    assert not {m for m in extra if m.split(".")[0] in ("pulumi", "pulumi_aws", "grpc")}
    assert extra <= {
        "odoo_platform",
        "odoo_platform.testing",
        "odoo_platform.testing.plugin",
        "importlib._abc",
        "importlib.util",
    }, sorted(extra)


def test_the_stack_program_uses_no_deprecated_provider_resource() -> None:
    day = dt.date(2026, 11, 18)
    run_stack("prod-eu-west-1", stacks_dir=STACKS, today=day)  # imports the provider modules
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_stack("prod-eu-west-1", stacks_dir=STACKS, today=day)
    assert [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)] == []
    assert [log.message for log in result.logs if "deprecated" in log.message] == []


def test_run_takes_a_project_explicitly_in_process() -> None:
    def program() -> None:
        pulumi.export("tenant", pulumi.Config().require("tenant"))

    result = run_program(program, config={"acme:tenant": "t1"}, project="acme")
    assert result.outputs["tenant"] == "t1"


@pytest.mark.parametrize("content", ["runtime: python\n", "- not a mapping\n"])
def test_a_pulumi_yaml_without_a_name_is_a_clear_error(tmp_path: Path, content: str) -> None:
    (tmp_path / "Pulumi.yaml").write_text(content)
    with pytest.raises(ValueError, match="needs a 'name'"):
        PulumiProject.at(tmp_path)
