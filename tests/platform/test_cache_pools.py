"""Cache pools under the mocks harness: one full RedisCache per pool, each tenant's ACL user and
Redis Secret on its pool's cache, the default cache's names unchanged, alarms per pool, the pool in
the tenant output, and an unrecorded move refused by the stack program."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from odoo_platform.synthesis.mocks import PlatformMocks
from odoo_platform.testing import ProgramResult, run_stack
from tests.platform.composition import BASE, config, plan, tenant

CACHE = "odoo-platform:index:RedisCache"
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
USER_GROUP = "aws:elasticache/userGroup:UserGroup"
USER = "aws:elasticache/user:User"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SECRET = "kubernetes:core/v1:Secret"
SELF = "organization/odoo-platform/prod-eu-west-1"


@pytest.fixture(scope="module")
def pooled() -> ProgramResult:
    tenants = [*BASE["tenants"], tenant("delta-tax", cache_pool="c2")]
    multi_tenant = {"cache_pools": {"c2": {"node_type": "cache.m7g.large"}}}
    return plan(config(multi_tenant=multi_tenant, tenants=tenants))


def _users_of(result: ProgramResult, cache: str) -> set[str]:
    group = result.named(f"{cache}-users", USER_GROUP)
    ids = set(group.inputs["userIds"])
    return {str(u.inputs["userName"]) for u in result.by_type(USER) if u.inputs["userId"] in ids}


def test_each_cache_pool_is_a_full_cache_with_its_own_user_group(pooled: ProgramResult) -> None:
    caches = {r.name for r in pooled.by_type(CACHE) if r.name.startswith("odoo-shared")}
    assert caches == {"odoo-shared-redis", "odoo-shared-cache-c2"}  # the default keeps its name
    pool = pooled.named("odoo-shared-cache-c2-rg", GROUP)
    default = pooled.named("odoo-shared-redis-rg", GROUP)
    assert pool.inputs["nodeType"] == "cache.m7g.large"
    assert pool.inputs["transitEncryptionEnabled"] is True
    assert pool.inputs["atRestEncryptionEnabled"] is True
    assert pool.inputs["userGroupIds"] != default.inputs["userGroupIds"]


def test_a_tenant_has_its_user_only_in_its_pools_cache(pooled: ProgramResult) -> None:
    pool_users = _users_of(pooled, "odoo-shared-cache-c2")
    default_users = _users_of(pooled, "odoo-shared-redis")
    assert pool_users == {"default", "platform-admin", "delta-tax"}
    assert "delta-tax" not in default_users and "alpha-law" in default_users


def test_the_tenants_redis_secret_points_at_its_pools_cache(pooled: ProgramResult) -> None:
    def url(slug: str) -> str:
        return str(pooled.named(f"odoo-shared-{slug}-redis", SECRET).inputs["stringData"]["url"])

    pool = str(pooled.named("odoo-shared-cache-c2-rg", GROUP).outputs["primaryEndpointAddress"])
    default = str(pooled.named("odoo-shared-redis-rg", GROUP).outputs["primaryEndpointAddress"])
    assert pool != default
    assert f"@{pool}:" in url("delta-tax") and f"@{default}:" in url("alpha-law")


def test_each_cache_pool_has_its_alarms(pooled: ProgramResult) -> None:
    names = {r.name for r in pooled.by_type(ALARM)}
    pool_alarms = {n for n in names if "cache-multi-tenant-c2" in n}
    assert pool_alarms, sorted(n for n in names if "cache" in n)
    described = pooled.named(sorted(pool_alarms)[0], ALARM).inputs["alarmDescription"]
    assert "delta-tax" in described and "alpha-law" not in described


def test_the_tenant_output_names_its_cache_pool(pooled: ProgramResult) -> None:
    tenants = pooled.outputs["tenants"]
    assert tenants["delta-tax"]["cache_pool"] == "c2"
    assert tenants["alpha-law"]["cache_pool"] == "default"
    assert tenants["gamma-audit"].get("cache_pool") is None  # its own cache


# --- the stack program refuses a move that would drop what the old cache held ----------------

STACK_FILE = Path(__file__).resolve().parents[1] / "stacks" / "Pulumi.prod-eu-west-1.yaml"


def pooled_stack(folder: Path, **tenant_changes: Any) -> Path:
    document = yaml.safe_load(STACK_FILE.read_text())
    platform = document["config"]["odoo-platform:platform"]
    platform.setdefault("multi_tenant", {})["cache_pools"] = {"c2": {}}
    platform["tenants"][0].update(tenant_changes)
    (folder / STACK_FILE.name).write_text(yaml.safe_dump(document))
    return folder


def deployed_on(pool: str | None) -> PlatformMocks:
    entry: dict[str, Any] = {"tier": "shared", "odoo_version": "18.0"}
    if pool is not None:
        entry["cache_pool"] = pool
    outputs = {"retained_tenants": ["alpha-law"], "tenants": {"alpha-law": entry}}
    return PlatformMocks(stack_outputs={SELF: outputs})


@pytest.mark.parametrize("pool", ["default", None])  # None: deployed before cache pools
def test_an_unrecorded_move_to_another_cache_stops_the_program(
    tmp_path: Path, pool: str | None
) -> None:
    stacks = pooled_stack(tmp_path, cache_pool="c2")
    with pytest.raises(Exception, match=r"tenants\[0\]\.cache_pool") as raised:
        run_stack("prod-eu-west-1", stacks_dir=stacks, mocks=deployed_on(pool))
    assert "placed tenant 'alpha-law' on cache pool 'default'" in str(raised.value)


def test_a_recorded_cache_move_passes(tmp_path: Path) -> None:
    record = {"from_pool": "default", "change_ref": "CHG-9"}
    stacks = pooled_stack(tmp_path, cache_pool="c2", cache_pool_migration=record)
    result = run_stack("prod-eu-west-1", stacks_dir=stacks, mocks=deployed_on("default"))
    assert result.outputs["tenants"]["alpha-law"]["cache_pool"] == "c2"
