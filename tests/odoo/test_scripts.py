"""The shipped scripts as text, and the Python mirror of what they compute (no servers)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest

from odoo_platform.odoo import scripts
from tests.servers import require_binary

# Variables the scripts set themselves (all lower case) are not part of the contract.
_ENV_REFERENCE = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 11, 1), "monthly"),  # a Sunday, but the 1st wins
        (dt.date(2026, 11, 8), "weekly"),
        (dt.date(2026, 11, 9), "daily"),
        (dt.date(2026, 12, 1), "monthly"),
        (dt.date(2026, 11, 14), "daily"),  # Saturday
    ],
)
def test_retention_class(day: dt.date, expected: str) -> None:
    assert scripts.retention_class(day) == expected


def test_key_layout() -> None:
    taken = dt.datetime(2026, 11, 23, 2, 30, 5, tzinfo=dt.UTC)
    assert scripts.backup_prefix("daily", "acme-law", taken) == "daily/acme-law/20261123T023005Z/"
    assert scripts.backup_key_prefix("monthly", "acme") == "monthly/acme/"
    with pytest.raises(ValueError, match="retention class"):
        scripts.backup_key_prefix("yearly", "acme")
    with pytest.raises(ValueError, match="tenant"):
        scripts.backup_key_prefix("daily", "../other")
    assert scripts.restore_database_name("acme") == "acme_restore_check"
    with pytest.raises(ValueError, match="63-byte"):
        scripts.restore_database_name("x" * 50)


@pytest.mark.parametrize("name", scripts.SCRIPT_NAMES)
def test_script_is_strict_posix_sh_reading_only_contract_variables(name: str) -> None:
    text = scripts.script_text(name)
    assert text.startswith("#!/bin/sh\n") and "\nset -eu\n" in text
    assert "@ODOO_PLATFORM_VERSION@" not in text
    syntax = subprocess.run(["sh", "-n"], input=text, text=True, capture_output=True, check=False)
    assert syntax.returncode == 0, syntax.stderr
    used = set(_ENV_REFERENCE.findall(text)) - {"ODOO_PLATFORM_VERSION"}
    # libpq reads PG* itself; everything else must be declared for the CronJob.
    assert used <= set(scripts.SCRIPT_ENV[name]), used - set(scripts.SCRIPT_ENV[name])
    assert "bash" not in text and "[[" not in text


def test_unknown_script_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown script"):
        scripts.script_text("rm-rf.sh")
    assert set(scripts.scripts()) == set(scripts.SCRIPT_NAMES)


def test_no_data_folder_shadows_a_module() -> None:
    """A folder `x/` beside `x.py` is what mypy resolves `import x` to (a namespace package)."""
    package = Path(scripts.__file__).resolve().parents[1]
    shadowed = [
        str(module.relative_to(package))
        for module in package.rglob("*.py")
        if module.with_suffix("").is_dir()
    ]
    assert shadowed == []


def test_scripts_ship_from_the_shell_folder() -> None:
    folder = Path(scripts.__file__).with_name(scripts.SCRIPTS_PACKAGE_DIR)
    assert sorted(p.name for p in folder.glob("*.sh")) == sorted(scripts.SCRIPT_NAMES)


# The restore scripts share restore-lib.sh; shellcheck follows it (-x) from the shipped folder.
RESTORE_SCRIPTS = (
    "restore-lib.sh",
    "restore-fetch.sh",
    "restore-check.sh",
    "restore-verified.sh",
    "dr-restore.sh",
    "dr-drill.sh",
)


def test_restore_and_dr_scripts_are_shellcheck_clean() -> None:
    shellcheck = require_binary("shellcheck", "apt-get install -y shellcheck")
    folder = Path(scripts.__file__).parent / scripts.SCRIPTS_PACKAGE_DIR
    done = subprocess.run(
        [shellcheck, "-x", "-s", "sh", *(str(folder / name) for name in RESTORE_SCRIPTS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
