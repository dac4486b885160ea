"""Tenant lifecycle: suspended keeps everything, offboarded keeps data until an explicit purge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from odoo_platform.config import PlatformConfig, lifecycle

Valid = Callable[[dict[str, Any]], PlatformConfig]
TODAY = dt.date(2026, 11, 23)


def offboard(data: dict[str, Any], purge_after: str | None = None) -> dict[str, Any]:
    tenant = data["tenants"][0]
    tenant["state"] = "offboarded"
    tenant["offboarding"] = {"requested_on": "2026-10-01", "purge_after": purge_after}
    return data


def test_states_decide_workloads_and_traffic(base: dict[str, Any], valid: Valid) -> None:
    base["tenants"][1]["state"] = "suspended"
    config = valid(offboard(base))
    offboarded, suspended = config.tenants
    assert lifecycle.runs_workloads(suspended)
    assert not lifecycle.runs_workloads(offboarded)


def test_offboarded_data_stays_protected_until_the_purge_date(
    base: dict[str, Any], valid: Valid
) -> None:
    config = valid(offboard(base, purge_after="2026-12-01"))
    tenant = config.tenants[0]
    assert lifecycle.protect_tenant_data(config, tenant, TODAY)
    assert tenant.slug in lifecycle.retained_tenants(config, TODAY)
    on_the_day = dt.date(2026, 12, 1)
    assert not lifecycle.protect_tenant_data(config, tenant, on_the_day)
    assert tenant.slug not in lifecycle.retained_tenants(config, on_the_day)


def test_without_a_purge_date_data_is_kept_forever(base: dict[str, Any], valid: Valid) -> None:
    config = valid(offboard(base))
    assert lifecycle.retained_tenants(config, dt.date(2099, 1, 1)) == ["alpha-law", "beta-audit"]


def test_dev_data_is_never_protected(base: dict[str, Any], valid: Valid) -> None:
    base["environment"] = "dev"
    base["backup"] = {"immutability": "none"}
    config = valid(base)
    assert not lifecycle.protect_tenant_data(config, config.tenants[0], TODAY)


def test_a_deleted_line_with_data_is_an_error_that_explains_offboarding(
    base: dict[str, Any], valid: Valid
) -> None:
    config = valid(base)
    [issue] = lifecycle.removed_tenant_issues(config, ["alpha-law", "beta-audit", "gamma-tax"])
    assert issue.path == "platform.tenants"
    assert "'gamma-tax' was removed" in issue.message
    assert "state: offboarded" in issue.message and "purge_after" in issue.message
    assert lifecycle.removed_tenant_issues(config, ["alpha-law"]) == []
