"""Cache pools of the shared tier: placement, per-pool budgets, quotas and moves that need a
record."""

from __future__ import annotations

from typing import Any

import pytest

from odoo_platform.config import ConfigError, parse_platform
from odoo_platform.config.cache_pools import (
    account_usage,
    cache_budgets,
    cache_pool_change_issues,
    cache_pool_of,
    tenant_cache_needs,
)


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


def with_cache_pools(
    base: dict[str, Any], *tenants: dict[str, Any], **pools: Any
) -> dict[str, Any]:
    base["multi_tenant"]["cache_pools"] = pools or {"cb": {}}
    base["tenants"] += list(tenants)
    return base


def issues(document: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse_platform(document)
    return [str(issue) for issue in raised.value.issues]


def test_tenants_are_placed_on_their_cache_pool_and_unset_is_the_default(
    base: dict[str, Any],
) -> None:
    config = parse_platform(with_cache_pools(base, shared_tenant("gamma", cache_pool="cb")))
    alpha, _, gamma = config.tenants
    assert cache_pool_of(alpha) == "default" and cache_pool_of(gamma) == "cb"
    budgets = {b.pool: b for b in cache_budgets(config)}
    assert [t.slug for t in budgets["default"].tenants] == ["alpha-law"]
    assert [t.slug for t in budgets["cb"].tenants] == ["gamma"]
    # each cache holds its tenants plus the disabled default user and the admin
    assert budgets["cb"].users == 3 and budgets["default"].users == 3


def test_a_size_s_tenant_needs_little_memory_and_few_connections(base: dict[str, Any]) -> None:
    needs = tenant_cache_needs(parse_platform(base).tenants[0])
    # 3 web pods (max 2 + surge) x (2 HTTP workers + 16 gevent greenlets) + 1 cron worker
    assert needs.connections == 55
    # 2 pods x 2 workers x 6 users x 20 sessions x 2 KiB
    assert needs.memory_mib == pytest.approx(0.9375)


def test_the_user_group_quota_binds_at_99_tenants_and_names_the_pool_key(
    base: dict[str, Any],
) -> None:
    base["tenants"] = base["tenants"][1:]  # only the dedicated tenant stays on the default
    base["multi_tenant"]["database"] = {"instance_class": "db.r7g.4xlarge", "max_connections": 5000}
    crowd = [shared_tenant(f"t{i}", cache_pool="cb", db_maxconn=2) for i in range(99)]
    base["multi_tenant"]["database_pools"] = {}
    document = with_cache_pools(base, *crowd)
    found = [i for i in issues(document) if "cache" in i]
    (issue,) = found
    assert issue.startswith("platform.multi_tenant.cache_pools.cb: ")
    assert "needs 101 ElastiCache users (99 tenants + 2 service users)" in issue
    assert "user group quota is 100" in issue
    assert "cache_pool: default (98 free users)" in issue


def test_a_raised_quota_recorded_in_the_stack_file_lets_the_pool_grow(
    base: dict[str, Any],
) -> None:
    base["multi_tenant"]["cache_quotas"] = {"users_per_user_group": 120}
    crowd = [shared_tenant(f"t{i}", cache_pool="cb") for i in range(99)]
    config_issues = [i for i in _issues_or_none(with_cache_pools(base, *crowd)) if "cache" in i]
    assert config_issues == []


def _issues_or_none(document: dict[str, Any]) -> list[str]:
    try:
        parse_platform(document)
    except ConfigError as error:
        return [str(issue) for issue in error.issues]
    return []


def test_sessions_that_outgrow_the_node_name_its_node_type(base: dict[str, Any]) -> None:
    base["multi_tenant"]["redis"] = {"node_type": "cache.t4g.micro"}  # 512 MiB
    crowd = [shared_tenant(f"t{i}", size="xl") for i in range(40)]
    base["tenants"] += crowd
    found = [i for i in _issues_or_none(base) if "sessions" in i]
    (issue,) = found
    assert issue.startswith("platform.multi_tenant.redis.node_type: ")
    assert "'cache.t4g.micro' has 512 MiB" in issue


def test_the_stack_users_are_checked_against_the_region_quota(base: dict[str, Any]) -> None:
    base["multi_tenant"]["cache_quotas"] = {"users": 6}
    config_issues = _issues_or_none(with_cache_pools(base))
    # default cache 3 users + cb 2 + the dedicated tenant's own cache 3 = 8 users, 3 groups
    (issue,) = [i for i in config_issues if "cache_quotas" in i]
    assert issue.startswith("platform.multi_tenant.cache_quotas.users: 6 but this stack alone")
    assert "creates 8 ElastiCache users" in issue


def test_a_tenant_in_its_own_account_takes_no_platform_account_user(
    base: dict[str, Any],
) -> None:
    config = parse_platform(base)
    assert account_usage(config) == (6, 2)


def test_an_unknown_cache_pool_is_refused_with_what_is_allowed(base: dict[str, Any]) -> None:
    (issue,) = issues(with_cache_pools(base, shared_tenant("gamma", cache_pool="nope")))
    assert issue == (
        "platform.tenants[2].cache_pool: 'nope' is not a cache pool of this stack; "
        "allowed: default, cb"
    )


def test_a_dedicated_tenant_names_no_cache_pool(base: dict[str, Any]) -> None:
    base["tenants"][1]["cache_pool"] = "cb"
    (issue,) = issues(with_cache_pools(base))
    assert issue.startswith("platform.tenants[1].cache_pool: 'cb' but tenant 'beta-audit' is ")


def test_default_is_not_a_cache_pool_name(base: dict[str, Any]) -> None:
    (issue,) = issues(with_cache_pools(base, default={}))
    assert issue.startswith("platform.multi_tenant.cache_pools: ")
    assert "'default' names the default pool" in issue


def test_moving_a_tenant_between_caches_needs_a_record(base: dict[str, Any]) -> None:
    config = parse_platform(with_cache_pools(base, shared_tenant("gamma", cache_pool="cb")))
    (issue,) = cache_pool_change_issues(config, {"gamma": "default", "alpha-law": "default"})
    assert str(issue).startswith("platform.tenants[2].cache_pool: 'cb' but the last deployment ")
    assert "cache_pool_migration: {from_pool: 'default', change_ref}" in str(issue)
    assert "or keep cache_pool: unset" in str(issue)


def test_a_recorded_cache_move_passes_and_a_wrong_record_does_not(base: dict[str, Any]) -> None:
    moved = shared_tenant(
        "gamma",
        cache_pool="cb",
        cache_pool_migration={"from_pool": "default", "change_ref": "CHG-1"},
    )
    config = parse_platform(with_cache_pools(base, moved))
    assert cache_pool_change_issues(config, {"gamma": "default"}) == []
    assert len(cache_pool_change_issues(config, {"gamma": "cx"})) == 1


def test_a_record_naming_the_current_pool_is_refused(base: dict[str, Any]) -> None:
    record = {"from_pool": "cb", "change_ref": "CHG-1"}
    tenant = shared_tenant("gamma", cache_pool="cb", cache_pool_migration=record)
    (issue,) = issues(with_cache_pools(base, tenant))
    assert issue.startswith("platform.tenants[2].cache_pool_migration.from_pool: 'cb' is the ")
