"""Database pools under the mocks harness: one full PostgresServer per pool, tenants on their
pool's server, alarms per pool, the pool in the tenant output, and an unrecorded move refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from odoo_platform.synthesis.mocks import PlatformMocks
from odoo_platform.testing import ProgramResult, run_stack
from tests.platform.composition import BASE, config, plan, tenant

SERVER = "odoo-platform:index:PostgresServer"
RDS = "aws:rds/instance:Instance"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
JOB = "kubernetes:batch/v1:Job"
SECRET = "kubernetes:core/v1:Secret"
POOL = {"instance_class": "db.r7g.xlarge", "max_connections": 2000}
SELF = "organization/odoo-platform/prod-eu-west-1"


@pytest.fixture(scope="module")
def pooled() -> ProgramResult:
    tenants = [*BASE["tenants"], tenant("delta-tax", database_pool="eu2")]
    return plan(config(multi_tenant={"database_pools": {"eu2": POOL}}, tenants=tenants))


def test_each_pool_is_a_full_server_of_its_own(pooled: ProgramResult) -> None:
    servers = {r.name for r in pooled.by_type(SERVER) if r.name.startswith("odoo-shared")}
    assert servers == {"odoo-shared-postgres", "odoo-shared-pool-eu2"}
    default = pooled.named("odoo-shared-postgres-db", RDS)
    pool = pooled.named("odoo-shared-pool-eu2-db", RDS)
    assert pool.inputs["instanceClass"] == "db.r7g.xlarge" and pool.protect
    assert pool.inputs["multiAz"] is True and pool.inputs["storageEncrypted"] is True
    assert pool.inputs["identifier"] != default.inputs["identifier"]
    assert pool.inputs["password"] != default.inputs["password"]  # its own admin secret
    pool_children = {r.type for r in pooled.resources if r.name.startswith("odoo-shared-pool-eu2")}
    assert "aws:secretsmanager/secret:Secret" in pool_children  # rotated admin secret
    assert "aws:rds/parameterGroup:ParameterGroup" in pool_children
    # AWS Backup selects by tag: the pool's instance carries the same tags as the default's
    assert pool.inputs["tags"] == default.inputs["tags"]


def _admin_namespace(result: ProgramResult, server: str) -> str:
    namespace = result.named(f"{server}-admin", "kubernetes:core/v1:Namespace")
    return str(namespace.outputs["metadata"]["name"])


def test_tenants_get_their_pools_host_and_admin_secret(pooled: ProgramResult) -> None:
    def bootstrap(slug: str) -> dict[str, Any]:
        return pooled.named(f"odoo-shared-{slug}-db-bootstrap", JOB).inputs

    def credentials(slug: str) -> dict[str, Any]:
        return pooled.named(f"odoo-shared-{slug}-db-credentials", SECRET).inputs

    pool = pooled.named("odoo-shared-pool-eu2-db", RDS).outputs["address"]
    default = pooled.named("odoo-shared-postgres-db", RDS).outputs["address"]
    assert pool != default
    assert credentials("delta-tax")["stringData"]["host"] == pool
    assert credentials("alpha-law")["stringData"]["host"] == default
    assert bootstrap("delta-tax")["metadata"]["namespace"] == _admin_namespace(
        pooled, "odoo-shared-pool-eu2"
    )
    assert bootstrap("alpha-law")["metadata"]["namespace"] == _admin_namespace(
        pooled, "odoo-shared-postgres"
    )


def test_each_pool_has_its_alarms_and_budget(pooled: ProgramResult) -> None:
    names = {r.name for r in pooled.by_type(ALARM)}
    assert "odoo-observability-db-multi-tenant-connections" in names  # unchanged name
    pool = "odoo-observability-db-multi-tenant-eu2"
    assert {f"{pool}-{m}" for m in ("cpu", "free-storage", "connections")} <= names
    connections = f"{pool}-connections"
    described = pooled.named(connections, ALARM).inputs["alarmDescription"]
    assert "'multi-tenant:eu2'" in described and "delta-tax" in described
    assert "alpha-law" not in described
    assert "of 2000 connections" in described  # the pool's own max_connections
    budgets = pooled.outputs["connection_budgets"]
    assert budgets["multi-tenant:eu2"]["max_connections"] == 2000
    assert set(budgets) >= {"multi-tenant", "multi-tenant:eu2", "dedicated:gamma-audit"}


def test_the_tenant_output_names_its_server(pooled: ProgramResult) -> None:
    tenants = pooled.outputs["tenants"]
    assert tenants["delta-tax"]["database_server"] == "multi-tenant:eu2"
    assert tenants["alpha-law"]["database_server"] == "multi-tenant"
    assert tenants["gamma-audit"]["database_server"] == "dedicated:gamma-audit"


# --- the stack program refuses a move that the last deployment would not survive -------------

STACK_FILE = Path(__file__).resolve().parents[1] / "stacks" / "Pulumi.prod-eu-west-1.yaml"


def pooled_stack(folder: Path, **tenant_changes: Any) -> Path:
    """The one-tenant test stack with a pool `eu2` and alpha-law changed by `tenant_changes`."""
    document = yaml.safe_load(STACK_FILE.read_text())
    platform = document["config"]["odoo-platform:platform"]
    platform.setdefault("multi_tenant", {})["database_pools"] = {"eu2": POOL}
    platform["tenants"][0].update(tenant_changes)
    (folder / STACK_FILE.name).write_text(yaml.safe_dump(document))
    return folder


def deployed_on(server: str | None) -> PlatformMocks:
    entry: dict[str, Any] = {"tier": "shared", "odoo_version": "18.0"}
    if server is not None:
        entry["database_server"] = server
    outputs = {"retained_tenants": ["alpha-law"], "tenants": {"alpha-law": entry}}
    return PlatformMocks(stack_outputs={SELF: outputs})


@pytest.mark.parametrize("server", ["multi-tenant", None])  # None: deployed before pools
def test_an_unrecorded_move_to_another_pool_stops_the_program(
    tmp_path: Path, server: str | None
) -> None:
    stacks = pooled_stack(tmp_path, database_pool="eu2")
    with pytest.raises(Exception, match=r"tenants\[0\]\.database_pool") as raised:
        run_stack("prod-eu-west-1", stacks_dir=stacks, mocks=deployed_on(server))
    message = str(raised.value)
    assert "last deployment placed tenant 'alpha-law' on pool 'default'" in message
    assert "pool_migration" in message and "docs/runbooks/database-pools.md" in message


def test_a_recorded_move_passes_and_the_tenant_is_on_the_new_pool(tmp_path: Path) -> None:
    record = {"from_pool": "default", "migrated_on": "2026-11-30", "change_ref": "CHG-9"}
    stacks = pooled_stack(tmp_path, database_pool="eu2", pool_migration=record)
    result = run_stack("prod-eu-west-1", stacks_dir=stacks, mocks=deployed_on("multi-tenant"))
    assert result.outputs["tenants"]["alpha-law"]["database_server"] == "multi-tenant:eu2"


def test_staying_on_the_deployed_pool_needs_no_record(tmp_path: Path) -> None:
    stacks = pooled_stack(tmp_path, database_pool="eu2")
    result = run_stack("prod-eu-west-1", stacks_dir=stacks, mocks=deployed_on("multi-tenant:eu2"))
    assert result.outputs["tenants"]["alpha-law"]["database_server"] == "multi-tenant:eu2"
