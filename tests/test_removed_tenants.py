"""Deleting a tenant's line while its data exists stops the program before anything is deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

from odoo_platform.synthesis.mocks import PlatformMocks
from odoo_platform.testing import run_stack

STACKS = Path(__file__).resolve().parent / "stacks"  # a one-tenant prod stack: fast
SELF = "organization/odoo-platform/prod-eu-west-1"


def previous_deployment(retained: list[str]) -> PlatformMocks:
    return PlatformMocks(stack_outputs={SELF: {"retained_tenants": retained}})


def test_a_tenant_missing_from_the_config_but_holding_data_is_an_error() -> None:
    retained = run_stack("prod-eu-west-1", stacks_dir=STACKS).outputs["retained_tenants"]
    with pytest.raises(Exception, match="tenant 'lost-firm' was removed") as raised:
        run_stack(
            "prod-eu-west-1", stacks_dir=STACKS, mocks=previous_deployment([*retained, "lost-firm"])
        )
    assert "state: offboarded" in str(raised.value)


def test_the_same_tenants_as_last_time_pass_and_are_exported_again() -> None:
    first = run_stack("prod-eu-west-1", stacks_dir=STACKS)
    retained = first.outputs["retained_tenants"]
    assert retained == ["alpha-law"]
    second = run_stack("prod-eu-west-1", stacks_dir=STACKS, mocks=previous_deployment(retained))
    assert second.outputs["retained_tenants"] == retained


def test_a_never_deployed_stack_has_nothing_to_protect() -> None:
    result = run_stack("prod-eu-west-1", stacks_dir=STACKS, mocks=PlatformMocks())
    assert result.outputs["retained_tenants"]


def test_the_reference_names_this_very_stack() -> None:
    other = "organization/odoo-platform/prod-us-east-1"
    mocks = PlatformMocks(stack_outputs={other: {"retained_tenants": ["lost-firm"]}})
    run_stack("prod-eu-west-1", stacks_dir=STACKS, mocks=mocks)  # another stack's data: no error
