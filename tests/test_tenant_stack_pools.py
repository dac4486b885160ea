"""A tenant stack chooses its database pool: the platform exports every shared server by pool
(`shared_databases`, `shared_database` kept), and `database_pool` picks one, with a clear error
when the platform has no such pool."""

from __future__ import annotations

from typing import Any

import pytest

from odoo_platform.platform.regional import build_platform
from odoo_platform.testing import ProgramResult, run_program
from tests.platform.composition import TODAY, config, tenant
from tests.test_tenant_stack_example import PLATFORM_STACK, example_tenant, run_example

POOL = {"instance_class": "db.r7g.xlarge", "max_connections": 2000}


@pytest.fixture(scope="module")
def platform() -> ProgramResult:
    """A prod platform with a second database pool `eu2` and a second cache pool `c2`."""
    pooled = config(
        multi_tenant={"database_pools": {"eu2": POOL}, "cache_pools": {"c2": {}}},
        tenants=[tenant("alpha-law"), tenant("beta-tax", database_pool="eu2", cache_pool="c2")],
    )
    return run_program(
        lambda: build_platform(pooled, TODAY),
        config={"aws:region": pooled.region},
        stack="prod-eu-west-1",
    )


def bootstrap_namespace(example: ProgramResult) -> str:
    (job,) = [m for m in example.manifests() if m["kind"] == "Job" and "bootstrap" in str(m)]
    return str(job["metadata"]["namespace"])


def test_the_platform_exports_every_pool_and_keeps_shared_database(
    platform: ProgramResult,
) -> None:
    databases = platform.outputs["shared_databases"]
    assert set(databases) == {"default", "eu2"}
    assert databases["default"] == platform.outputs["shared_database"]
    assert databases["eu2"]["address"] != databases["default"]["address"]
    assert databases["eu2"]["max_connections"] == 2000
    caches = platform.outputs["shared_caches"]
    assert set(caches) == {"default", "c2"}
    assert caches["default"] == platform.outputs["shared_cache"]


def test_a_tenant_stack_on_a_named_pool_bootstraps_on_that_server(
    platform: ProgramResult,
) -> None:
    example = run_example(platform.outputs, tenant=example_tenant(database_pool="eu2"))
    server = platform.outputs["shared_databases"]["eu2"]
    assert bootstrap_namespace(example) == server["admin_namespace"]
    assert server["admin_namespace"] != platform.outputs["shared_database"]["admin_namespace"]
    host = example.named(f"{example_tenant()['slug']}-db-credentials", "kubernetes:core/v1:Secret")
    assert host.inputs["stringData"]["host"] == server["address"]


def test_without_a_pool_the_tenant_stack_stays_on_the_default(platform: ProgramResult) -> None:
    example = run_example(platform.outputs)
    assert bootstrap_namespace(example) == platform.outputs["shared_database"]["admin_namespace"]


def test_a_pool_the_platform_does_not_have_is_refused_naming_its_pools(
    platform: ProgramResult,
) -> None:
    with pytest.raises(Exception, match=rf"{PLATFORM_STACK}.*no database pool 'eu9'.*default, eu2"):
        run_example(platform.outputs, tenant=example_tenant(database_pool="eu9"))


def test_a_platform_from_before_pool_outputs_serves_only_the_default(
    platform: ProgramResult,
) -> None:
    outputs: dict[str, Any] = {
        k: v for k, v in platform.outputs.items() if k not in ("shared_databases", "shared_caches")
    }
    run_example(outputs)  # the default pool still works
    with pytest.raises(Exception, match=r"exports no 'shared_databases' output.*'eu2'"):
        run_example(outputs, tenant=example_tenant(database_pool="eu2"))


def test_a_tenant_stack_takes_no_cache_pool(platform: ProgramResult) -> None:
    with pytest.raises(Exception, match=r"cache_pool: must be unset"):
        run_example(platform.outputs, tenant=example_tenant(cache_pool="c2"))
