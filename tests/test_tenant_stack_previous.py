"""A tenant stack checks its tenant against its own previous deployment, as a platform stack does.

The example exports `tenants.<slug>` (the platform's entry shape plus `platform_stack`); the next
run reads it through a reference to its own stack. A `database_pool` change without
`pool_migration` would point Odoo at an empty database on the other pool's server, and a series
change without a recorded migration would run `-u all` on an unmigrated database: both stop the
update before anything reaches the cluster.
"""

from __future__ import annotations

from typing import Any

import pytest

from odoo_platform.config import ConfigError, TenantConfig
from odoo_platform.config.deployed import deployed_servers, deployed_versions
from odoo_platform.platform.external_tenant import ExternalTenantArgs
from odoo_platform.platform.regional import build_platform
from odoo_platform.synthesis import harness as synthesis_harness
from odoo_platform.testing import ProgramResult, RecordingMonitor, run_program
from tests.platform.composition import TODAY, config, tenant
from tests.test_tenant_stack_example import PLATFORM_STACK, SLUG, example_tenant, run_example

POOL = {"instance_class": "db.r7g.xlarge", "max_connections": 2000}
MOVED = {"from_pool": "default", "migrated_on": "2026-11-28", "change_ref": "CHG-5120"}
MIGRATED = {"from_version": "17.0", "migrated_on": "2026-11-28", "change_ref": "CHG-5121"}


@pytest.fixture(scope="module")
def platform() -> ProgramResult:
    """A prod platform with a second database pool `eu2`."""
    pooled = config(multi_tenant={"database_pools": {"eu2": POOL}}, tenants=[tenant("alpha-law")])
    return run_program(
        lambda: build_platform(pooled, TODAY),
        config={"aws:region": pooled.region},
        stack="prod-eu-west-1",
    )


@pytest.fixture(scope="module")
def first(platform: ProgramResult) -> ProgramResult:
    """The example's first deployment: the tenant on the default pool, Odoo 18.0."""
    return run_example(platform.outputs)


def previous(first: ProgramResult, **entry: Any) -> dict[str, Any]:
    """The first deployment's outputs, its tenant's entry changed by `entry`."""
    return {**first.outputs, "tenants": {SLUG: {**first.outputs["tenants"][SLUG], **entry}}}


def recording(monkeypatch: pytest.MonkeyPatch) -> list[RecordingMonitor]:
    """The harness's monitor of each run that follows (what the program declared)."""
    monitors: list[RecordingMonitor] = []

    class Recording(RecordingMonitor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            monitors.append(self)

    monkeypatch.setattr(synthesis_harness, "RecordingMonitor", Recording)
    return monitors


def test_a_first_deployment_is_accepted_and_exports_what_it_placed_where(
    platform: ProgramResult, first: ProgramResult
) -> None:
    assert first.errors() == []
    entry = first.outputs["tenants"][SLUG]
    assert entry["database_server"] == "multi-tenant"
    assert entry["odoo_version"] == example_tenant()["odoo_version"]
    assert entry["tier"] == "shared" and entry["namespace"] == f"odoo-{SLUG}"
    assert entry["platform_stack"] == PLATFORM_STACK
    # the very reader the platform stack's check uses
    assert deployed_servers(first.outputs["tenants"]) == {SLUG: "multi-tenant"}
    assert deployed_versions(first.outputs["tenants"]) == {SLUG: entry["odoo_version"]}


def test_the_same_tenant_as_last_time_is_accepted(
    platform: ProgramResult, first: ProgramResult
) -> None:
    again = run_example(platform.outputs, previous=first.outputs)
    assert again.errors() == []
    assert again.outputs["tenants"] == first.outputs["tenants"]
    assert not [log for log in again.logs if log.severity == "warning" and "tenants." in str(log)]


def test_an_unrecorded_pool_move_stops_before_anything_reaches_the_cluster(
    platform: ProgramResult, first: ProgramResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monitors = recording(monkeypatch)
    with pytest.raises(Exception, match=r"tenant\.database_pool: 'eu2'") as raised:
        run_example(
            platform.outputs, previous=first.outputs, tenant=example_tenant(database_pool="eu2")
        )
    message = str(raised.value)
    assert "placed tenant 'delta-consult' on pool 'default'" in message
    assert "pool_migration: {from_pool: 'default'" in message
    assert "keep database_pool: unset" in message
    (monitor,) = monitors
    declared = {r.type for r in monitor.recorded.values()}
    assert not {t for t in declared if t.startswith(("kubernetes:", "aws:"))}, declared


def test_the_same_move_recorded_as_pool_migration_is_accepted_on_the_new_pool(
    platform: ProgramResult, first: ProgramResult
) -> None:
    moved = run_example(
        platform.outputs,
        previous=first.outputs,
        tenant=example_tenant(database_pool="eu2", pool_migration=MOVED),
    )
    assert moved.errors() == []
    assert moved.outputs["tenants"][SLUG]["database_server"] == "multi-tenant:eu2"
    server = platform.outputs["shared_databases"]["eu2"]
    secret = moved.named(f"{SLUG}-db-credentials", "kubernetes:core/v1:Secret")
    assert secret.inputs["stringData"]["host"] == server["address"]


def test_a_record_from_another_pool_than_the_deployed_one_is_refused(
    platform: ProgramResult, first: ProgramResult
) -> None:
    elsewhere = {**MOVED, "from_pool": "eu3"}
    with pytest.raises(Exception, match=r"pool_migration\.from_pool is 'eu3', not 'default'"):
        run_example(
            platform.outputs,
            previous=first.outputs,
            tenant=example_tenant(database_pool="eu2", pool_migration=elsewhere),
        )


def test_an_unrecorded_series_change_is_refused_and_a_recorded_one_accepted(
    platform: ProgramResult, first: ProgramResult
) -> None:
    on_17 = previous(first, odoo_version="17.0")
    with pytest.raises(Exception, match=r"tenant\.odoo_version: '18\.0' but the last deployment"):
        run_example(platform.outputs, previous=on_17)
    migrated = run_example(
        platform.outputs, previous=on_17, tenant=example_tenant(migration=MIGRATED)
    )
    assert migrated.outputs["tenants"][SLUG]["odoo_version"] == "18.0"


def test_a_downgrade_is_refused(platform: ProgramResult, first: ProgramResult) -> None:
    with pytest.raises(Exception, match=r"tenant\.odoo_version: '18\.0' is a downgrade from 19\.0"):
        run_example(platform.outputs, previous=previous(first, odoo_version="19.0"))


def test_another_platform_stack_than_last_time_is_refused(
    platform: ProgramResult, first: ProgramResult
) -> None:
    elsewhere = "acme/odoo-platform/prod-eu-central-1"
    with pytest.raises(Exception, match=r"platform_stack: 'acme/odoo-platform/prod-eu-central-1'"):
        run_example(platform.outputs, previous=first.outputs, platform_stack=elsewhere)


def test_a_deployment_from_before_the_tenants_output_warns_that_nothing_is_checked(
    platform: ProgramResult, first: ProgramResult
) -> None:
    legacy = {k: v for k, v in first.outputs.items() if k != "tenants"}
    result = run_example(platform.outputs, previous=legacy, tenant=example_tenant())
    warnings = [log.message for log in result.logs if log.severity == "warning"]
    assert any(f"no tenants.{SLUG} output" in message for message in warnings), warnings


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"pool_migration": MOVED}, r"tenant\.pool_migration\.from_pool"),
        ({"cache_pool_migration": {"from_pool": "c2", "change_ref": "CHG-1"}}, "cache_pool_m"),
    ],
)
def test_records_that_cannot_mean_anything_here_are_refused(
    changes: dict[str, Any], key: str
) -> None:
    tenant_config = TenantConfig.model_validate(example_tenant(**changes))
    with pytest.raises(ConfigError, match=key):
        ExternalTenantArgs(
            platform=None,  # type: ignore[arg-type]  # refused before the platform is read
            tenant=tenant_config,
            owner="o",
            cost_centre="c",
            environment="prod",
        )
