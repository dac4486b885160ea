"""DR outside the residency zone: only with a recorded transfer basis (a 'uk' stack has no
second region in its zone)."""

from __future__ import annotations

from typing import Any

from tests.config.conftest import Errors

BASIS = "UK GDPR adequacy regulations for the EEA"


def uk_stack(data: dict[str, Any], dr: dict[str, Any]) -> dict[str, Any]:
    data.update(region="eu-west-2", residency="uk", disaster_recovery=dr)
    for tenant in data["tenants"]:
        tenant["residency"] = "uk"
    return data


def test_dr_outside_the_zone_without_a_basis_names_the_way_out(
    base: dict[str, Any], errors: Errors
) -> None:
    data = uk_stack(base, {"dr_region": "eu-west-1"})
    [message] = errors(data)
    assert message.startswith("platform.disaster_recovery.dr_region:")
    assert all(w in message for w in ("'eu-west-1'", "'eu'", "'uk'", "transfer_basis"))


def test_dr_outside_the_zone_with_a_recorded_basis_is_valid(
    base: dict[str, Any], errors: Errors
) -> None:
    assert errors(uk_stack(base, {"dr_region": "eu-west-1", "transfer_basis": BASIS})) == []


def test_a_basis_for_a_dr_region_inside_the_zone_is_refused(
    base: dict[str, Any], errors: Errors
) -> None:
    base["disaster_recovery"] = {"dr_region": "eu-central-1", "transfer_basis": BASIS}
    [message] = errors(base)
    assert message.startswith("platform.disaster_recovery.transfer_basis:")
    assert "'eu-central-1'" in message and "inside" in message
