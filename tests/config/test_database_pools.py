"""Database pools of the shared tier: placement, per-pool budgets, and moves that need a record."""

from __future__ import annotations

from typing import Any

import pytest

from odoo_platform.config import ConfigError, parse_platform
from odoo_platform.config.capacity import ServerKey, budgets_by_server, tenant_connections
from odoo_platform.config.defaults import tenant_database
from odoo_platform.config.pools import pool_change_issues

POOL_B = {"instance_class": "db.r7g.large", "max_connections": 400}


def shared_tenant(slug: str, **extra: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "display_name": slug.title(),
        "tier": "shared",
        "image": "odoo:18.0-20251121",
        "hostnames": [f"{slug}.erp.acme.example"],
        "residency": "eu",
        **extra,
    }


def with_pools(base: dict[str, Any], *tenants: dict[str, Any], **pools: Any) -> dict[str, Any]:
    base["multi_tenant"]["database_pools"] = pools or {"pb": POOL_B}
    base["tenants"] += list(tenants)
    return base


def issues(document: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse_platform(document)
    return [str(issue) for issue in raised.value.issues]


def test_tenants_are_placed_on_their_pool_and_unset_is_the_default(base: dict[str, Any]) -> None:
    config = parse_platform(with_pools(base, shared_tenant("gamma", database_pool="pb")))
    alpha, beta, gamma = config.tenants
    assert ServerKey.of(alpha) == "multi-tenant" and ServerKey.of(gamma) == "multi-tenant:pb"
    assert ServerKey.of(beta) == "dedicated:beta-audit"
    assert ServerKey.of(gamma).pool_name == "pb" and ServerKey.of(alpha).pool_name == "default"
    assert ServerKey.of(beta).pool_name is None
    budgets = budgets_by_server(config)
    assert [t.slug for t in budgets[ServerKey.shared()].tenants] == ["alpha-law"]
    assert [t.slug for t in budgets[ServerKey.pool("pb")].tenants] == ["gamma"]
    assert budgets[ServerKey.pool("pb")].max_connections == 400
    assert budgets[ServerKey.pool("pb")].total == 10 + tenant_connections(gamma).worst_case
    assert tenant_database(config, gamma).instance_class == "db.r7g.large"


def test_a_pool_with_no_tenants_still_has_a_budget(base: dict[str, Any]) -> None:
    budgets = budgets_by_server(parse_platform(with_pools(base)))
    assert budgets[ServerKey.pool("pb")].tenants == ()


def test_each_pool_has_its_own_budget_and_the_error_names_its_key(base: dict[str, Any]) -> None:
    # 5 size-s tenants need 5 x 88 + 10 = 450 connections: too many for pb (400), not for default.
    crowd = [shared_tenant(f"t{i}", database_pool="pb") for i in range(5)]
    (issue,) = issues(with_pools(base, *crowd))
    assert issue.startswith("platform.multi_tenant.database_pools.pb.max_connections: ")
    assert "pool 'pb' (server 'multi-tenant:pb') needs 450 connections" in issue
    assert "is 400" in issue and "t0=88" in issue
    # the default pool has room and is suggested
    assert "another pool with database_pool: default (" in issue


def test_a_full_default_pool_names_its_own_key(base: dict[str, Any]) -> None:
    base["multi_tenant"]["database"] = {"max_connections": 100}
    crowd = [shared_tenant(f"t{i}") for i in range(2)]
    (issue,) = issues(with_pools(base, *crowd))
    assert issue.startswith("platform.multi_tenant.database.max_connections: ")
    assert "database_pool: pb (390 free)" in issue  # the empty pool pb is suggested


def test_an_unknown_pool_is_refused_with_what_is_allowed(base: dict[str, Any]) -> None:
    (issue,) = issues(with_pools(base, shared_tenant("gamma", database_pool="pc")))
    assert issue.startswith("platform.tenants[2].database_pool: 'pc' is not a pool")
    assert "allowed: default, pb" in issue


def test_removing_a_pool_that_hosts_tenants_is_refused(base: dict[str, Any]) -> None:
    document = with_pools(base, shared_tenant("gamma", database_pool="pb"))
    parse_platform(document)
    del document["multi_tenant"]["database_pools"]["pb"]
    (issue,) = issues(document)
    assert "tenants[2].database_pool: 'pb' is not a pool" in issue
    assert "cannot be removed" in issue


def test_an_offboarded_tenant_keeps_its_pool(base: dict[str, Any]) -> None:
    gone = shared_tenant(
        "gamma",
        database_pool="pb",
        state="offboarded",
        offboarding={"requested_on": "2026-11-01"},
    )
    document = with_pools(base, gone)
    parse_platform(document)
    document["multi_tenant"]["database_pools"] = {}
    assert any("'pb' is not a pool" in i for i in issues(document))


def test_a_dedicated_tenant_names_no_pool(base: dict[str, Any]) -> None:
    base["tenants"][1]["database_pool"] = "pb"
    (issue,) = issues(with_pools(base))
    assert issue.startswith("platform.tenants[1].database_pool: 'pb' but tenant 'beta-audit'")


@pytest.mark.parametrize("name", ["default", "B", "-x"])
def test_pool_names_are_slugs_and_not_the_default(base: dict[str, Any], name: str) -> None:
    (issue,) = issues(with_pools(base, **{name: POOL_B}))
    assert "multi_tenant.database_pools" in issue


def test_pool_settings_follow_the_prod_guardrails(base: dict[str, Any]) -> None:
    (issue,) = issues(with_pools(base, pb={**POOL_B, "multi_az": False}))
    assert issue.startswith("platform.multi_tenant.database_pools.pb.multi_az")


MOVED = {"from_pool": "default", "migrated_on": "2026-11-30", "change_ref": "CHG-77"}


@pytest.mark.parametrize(
    ("deployed", "pool", "record", "refused"),
    [
        ("multi-tenant", "pb", None, "placed tenant 'gamma' on pool 'default'"),
        ("multi-tenant:pb", None, None, "on pool 'pb' (server 'multi-tenant:pb')"),
        ("multi-tenant:pc", "pb", MOVED, "pool_migration.from_pool is 'default', not 'pc'"),
        ("multi-tenant", "pb", MOVED, None),
        ("multi-tenant:pb", "pb", None, None),
        ("dedicated:gamma", "pb", None, None),  # a tier change is not a pool move
    ],
)
def test_moving_a_tenant_between_pools_needs_a_record(
    base: dict[str, Any],
    deployed: str,
    pool: str | None,
    record: dict[str, str] | None,
    refused: str | None,
) -> None:
    gamma = shared_tenant("gamma", database_pool=pool, pool_migration=record)
    config = parse_platform(with_pools(base, gamma, pb=POOL_B, pc=POOL_B))
    found = pool_change_issues(config, {"gamma": deployed})
    if refused is None:
        assert found == []
        return
    (issue,) = found
    assert issue.path == "platform.tenants[2].database_pool"
    assert refused in issue.message and "data migration" in issue.message
    assert "pool_migration: {from_pool:" in issue.message


def test_a_record_names_the_pool_moved_away_from(base: dict[str, Any]) -> None:
    gamma = shared_tenant("gamma", pool_migration=MOVED)
    (issue,) = issues(with_pools(base, gamma))
    assert issue.startswith("platform.tenants[2].pool_migration.from_pool: 'default' is the")
