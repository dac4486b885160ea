"""The synthesis benchmark's generated stack files stay valid as the configuration model evolves,
and spread their shared tenants over database pools as a user would."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from odoo_platform.config import ConfigError, load_stack_file
from odoo_platform.config.cache_pools import cache_budgets
from odoo_platform.config.capacity import connection_budgets
from odoo_platform.offline.placement import HEADROOM_WARNING

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "synthesis.py"


def benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("synthesis_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("shared", [1, 10, 57])  # 57: one full pool at the plan's headroom
def test_generated_stacks_are_valid(tmp_path: Path, shared: int) -> None:
    config = load_stack_file(benchmark().write_stack(shared, tmp_path))
    tiers = [t.tier for t in config.tenants]
    assert tiers.count("shared") == shared
    assert tiers.count("dedicated") == benchmark().DEDICATED_TENANTS
    assert config.multi_tenant.database_pools == {}
    assert config.multi_tenant.cache_pools == {}


def test_a_pool_takes_what_its_budget_allows_with_headroom() -> None:
    # size s with db_maxconn 2: 70 connections; (5000 x 0.8 - 10) // 70 = 57
    assert benchmark().tenants_per_pool() == 57


def test_200_shared_tenants_validate_spread_over_pools(tmp_path: Path) -> None:
    config = load_stack_file(benchmark().write_stack(200, tmp_path))
    assert list(config.multi_tenant.database_pools) == ["pool-01", "pool-02", "pool-03"]
    on_pool = Counter(t.database_pool for t in config.tenants if t.tier == "shared")
    assert on_pool == {None: 57, "pool-01": 57, "pool-02": 57, "pool-03": 29}
    shared = [b for b in connection_budgets(config) if b.server.is_shared]
    assert len(shared) == 4
    assert all(b.fits and b.headroom >= HEADROOM_WARNING for b in shared)
    # caches fill in turn too, each up to its user group quota (100 users, 2 of them service)
    assert list(config.multi_tenant.cache_pools) == ["cache-01", "cache-02"]
    on_cache = Counter(t.cache_pool for t in config.tenants if t.tier == "shared")
    assert on_cache == {None: 98, "cache-01": 98, "cache-02": 4}
    assert all(b.fits for b in cache_budgets(config))


def test_one_cache_for_200_tenants_binds_at_its_user_group_quota(tmp_path: Path) -> None:
    path = benchmark().write_stack(200, tmp_path)
    text = path.read_text()
    document = benchmark().yaml.safe_load(text)
    platform = document["config"]["odoo-platform:platform"]
    platform["multi_tenant"]["cache_pools"] = {}
    for tenant in platform["tenants"]:
        tenant.pop("cache_pool", None)
    path.write_text(benchmark().yaml.safe_dump(document))
    with pytest.raises(ConfigError, match=r"multi_tenant\.redis: cache pool 'default' needs 202"):
        load_stack_file(path)


def test_without_pools_one_server_is_the_ceiling_and_says_so(tmp_path: Path) -> None:
    path = benchmark().write_stack(200, tmp_path, per_pool=0)  # everyone on the default pool
    with pytest.raises(ConfigError, match=r"multi_tenant\.database\.max_connections") as raised:
        load_stack_file(path)
    assert "add a pool under multi_tenant.database_pools" in str(raised.value)


@pytest.mark.slow
def test_a_written_1000_tenant_stack_validates_quickly(tmp_path: Path) -> None:
    """`--write-stack` then `odoo-platform validate --config-file`, as a user would run them."""
    path = tmp_path / "Pulumi.bench-1000.yaml"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--write-stack", "1000", str(path)], check=True, cwd=ROOT
    )
    cli = Path(sys.executable).with_name("odoo-platform")
    start = time.perf_counter()
    done = subprocess.run(
        [str(cli), "validate", "--config-file", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stdout + done.stderr
    config = load_stack_file(path)
    assert sum(t.tier == "shared" for t in config.tenants) == 1000
    assert len(config.multi_tenant.database_pools) == 17  # 18 pools of at most 57
    assert len(config.multi_tenant.cache_pools) == 10  # 11 caches of at most 98 users' tenants
    assert config.multi_tenant.cache_quotas.users == 2000  # raised: 1000 + 11 x 2 + 3 x 3
    assert elapsed < 30, f"validate took {elapsed:.1f} s"


def test_the_shaped_floor_replays_the_plans_own_resources(tmp_path: Path) -> None:
    # The shaped floor is only a fair floor if it declares what the plan declared: the same
    # URNs (type, name and parent chain), the same inputs and the same dependencies.
    bench = benchmark()
    stack_file, shapes = bench.write_stack(1, tmp_path), tmp_path / "shapes.json"
    planned = bench.measure_plan(stack_file, stack_file, shapes=shapes)
    written = json.loads(shapes.read_text())
    replayed = bench.replay_shapes(written).resources
    recorded = {shape["urn"]: shape for shape in written}
    assert planned["resources"] == len(recorded) == len(replayed) > 100
    for resource in replayed:
        shape = recorded[resource.urn]
        # reads (`Service.get` of Traefik's service) are not replayed, nor dependencies on them
        declared = set(shape["dependencies"]) & recorded.keys()
        assert set(resource.dependencies) == declared, resource.urn
        if resource.custom or resource.remote:
            assert json.loads(json.dumps(resource.inputs, default=str)) == shape["inputs"]
