"""A major-version change in place is refused unless the tenant records its migration.

The previous version comes from the last deployment's `tenants` output (read through the same
reference to this stack as `retained_tenants`); the check runs before any resource is declared.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from odoo_platform.config import parse_platform
from odoo_platform.config.lifecycle import version_change_issues
from odoo_platform.synthesis.mocks import PlatformMocks
from odoo_platform.testing import run_stack

STACKS = Path(__file__).resolve().parents[1] / "stacks"  # one tenant, alpha-law on 18.0
SELF = "organization/odoo-platform/prod-eu-west-1"
MIGRATION = {"from_version": "17.0", "migrated_on": "2026-11-28", "change_ref": "CHG-4711"}


def previous(version: str) -> PlatformMocks:
    outputs = {
        "retained_tenants": ["alpha-law"],
        "tenants": {"alpha-law": {"odoo_version": version}},
    }
    return PlatformMocks(stack_outputs={SELF: outputs})


def test_an_unrecorded_major_version_change_stops_the_program() -> None:
    with pytest.raises(Exception, match=r"tenants\[0\]\.odoo_version") as raised:
        run_stack("prod-eu-west-1", stacks_dir=STACKS, mocks=previous("17.0"))
    message = str(raised.value)
    assert "'18.0' but the last deployment ran 17.0" in message
    assert "migration" in message and "docs/runbooks/odoo-tenant.md" in message


def test_the_same_version_as_last_time_passes() -> None:
    result = run_stack("prod-eu-west-1", stacks_dir=STACKS, mocks=previous("18.0"))
    assert result.outputs["tenants"]["alpha-law"]["odoo_version"] == "18.0"


def config(base: dict[str, Any], **changes: Any) -> Any:
    base["tenants"][0].update(changes)
    return parse_platform(base)


def test_a_recorded_migration_from_the_deployed_version_passes(base: dict[str, Any]) -> None:
    migrated = config(base, odoo_version="18.0", image="odoo:18.0-20251121", migration=MIGRATION)
    assert version_change_issues(migrated, {"alpha-law": "17.0"}) == []


@pytest.mark.parametrize(
    ("deployed", "migration", "expected"),
    [
        ("17.0", None, "'18.0' but the last deployment ran 17.0"),
        ("16.0", MIGRATION, "migration.from_version is 17.0 but the last deployment ran 16.0"),
        ("19.0", None, "downgrade"),
    ],
)
def test_version_changes_that_are_refused(
    base: dict[str, Any], deployed: str, migration: dict[str, str] | None, expected: str
) -> None:
    changed = config(base, odoo_version="18.0", image="odoo:18.0-20251121", migration=migration)
    (issue,) = version_change_issues(changed, {"alpha-law": deployed})
    assert issue.path == "platform.tenants[0].odoo_version"
    assert expected in issue.message


def test_new_tenants_and_unchanged_versions_need_no_record(base: dict[str, Any]) -> None:
    same = config(base, odoo_version="18.0", image="odoo:18.0-20251121")
    assert version_change_issues(same, {}) == []
    assert version_change_issues(same, {"alpha-law": "18.0"}) == []


def test_a_migration_must_go_forward(base: dict[str, Any]) -> None:
    with pytest.raises(Exception, match=r"tenants\[0\]\.migration\.from_version") as raised:
        config(base, odoo_version="17.0", image="odoo:17.0-20251121", migration=MIGRATION)
    assert "must be an older series than odoo_version 17.0" in str(raised.value)
    assert dt.date.fromisoformat(MIGRATION["migrated_on"])
