"""Synthesis benchmark: how long planning a stack takes as the number of tenants grows.

For each size it writes a stack file (the sample `stacks/Pulumi.prod-eu-west-1.yaml` with its
tenants replaced by N generated shared tenants plus a few dedicated ones, the shared ones spread
over as many database pools as their connection budget needs, filled in turn as a user would,
each pool kept at the plan's headroom, and over as many cache pools as ElastiCache's users per
user group quota needs, likewise), then, in a fresh process each (so peak memory is that
run's own):

- plan: runs the stack program under the mocks harness (`run_stack(config_file=...)`), then the
  policy rules and the plan analysis (grouping, depth, cost) as `odoo-platform plan` does;
- floor: registers the same number of trivial resources (`pulumi_random.RandomId`) under the
  same harness and mocks, with no components, no configuration and no analysis;
- shaped floor: replays the plan's own resources bare (generic `CustomResource`s and
  `ComponentResource`s of the same types and names, with the recorded inputs as plain values,
  the same parents and dependencies) under the same harness: what the plan costs beyond it is
  how its resources are built (typed provider classes, `Output`s, applies, the program's code),
  not their number, size or shape.

It prints wall time, peak memory (max RSS) and resources per size, the per-resource overhead as a
ratio to the floor (and the CPU time's ratio to the shaped floor), and the growth exponent of
time in tenants between sizes (1.0 is linear).

    python benchmarks/synthesis.py            # 10, 50, 200, 500 and 1000 shared tenants
    python benchmarks/synthesis.py --write-stack 1000 /tmp/Pulumi.bench-1000.yaml   # file only
    python benchmarks/synthesis.py --quick    # 10 and 50
    python benchmarks/synthesis.py --sizes 20,100 --json
    python benchmarks/synthesis.py --program mypackage.module:program   # another program
    python benchmarks/synthesis.py --sizes 50 --baseline /tmp/before   # another checkout beside

With `--baseline DIR` (a checkout of this repository, e.g. `git archive <commit> | tar -x -C DIR`)
each size is also planned and floored by that checkout's code, in turn with this one's, so a
before/after comparison shares the machine's load.

A size whose configuration the platform rejects (e.g. the shared server's connection budget)
is reported with the reason and skipped: that is a finding, not a benchmark failure.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import importlib
import itertools
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # plan this checkout, installed or not

import pulumi  # noqa: E402
import pulumi_random  # noqa: E402
import yaml  # noqa: E402

from odoo_platform.config import ConfigError, load_stack_file  # noqa: E402
from odoo_platform.config.capacity import tenant_connections  # noqa: E402
from odoo_platform.config.catalog import CACHE_SERVICE_USERS  # noqa: E402
from odoo_platform.config.models import CacheQuotas, DatabaseConfig, TenantConfig  # noqa: E402
from odoo_platform.offline.check import StackCheck, resource_views, stack_context  # noqa: E402
from odoo_platform.offline.placement import HEADROOM_WARNING  # noqa: E402
from odoo_platform.offline.plan import plan_stack  # noqa: E402
from odoo_platform.policies import evaluate  # noqa: E402
from odoo_platform.synthesis.harness import run_stack  # noqa: E402
from odoo_platform.testing import run_program  # noqa: E402

SAMPLE_STACK = REPO / "stacks" / "Pulumi.prod-eu-west-1.yaml"
FULL_SIZES = (10, 50, 200, 500, 1000)
QUICK_SIZES = (10, 50)
DEDICATED_TENANTS = 3
BENCH_DATE = "2026-11-18"  # outside the sample's freeze windows


# --- stack generation -------------------------------------------------------------------------


def generated_tenant(index: int, zone: str, tier: str) -> dict[str, Any]:
    slug = f"{'ded' if tier == 'dedicated' else 'tenant'}-{index:04d}"
    return {
        "slug": slug,
        "display_name": f"Generated {tier} tenant {index}",
        "tier": tier,
        "size": "s",
        "odoo_version": "18.0",
        "image": "odoo:18.0-20251121",
        "hostnames": [f"{slug}.{zone}"],
        "residency": "eu",
        # The smallest per-process pool keeps as many tenants as possible inside the shared
        # server's connection budget (max_connections is capped at 5000).
        "db_maxconn": 2,
    }


# The ElastiCache users-per-Region quota a 1,000-tenant stack's account has raised (adjustable in
# Service Quotas; the default, 1000, is below 1,000 tenants plus each cache's two service users).
RAISED_CACHE_USERS = 2000
# Every pool's server, the default one included: RDS caps max_connections at 5000.
POOL_SERVER = {"instance_class": "db.r7g.4xlarge", "max_connections": 5000}


def tenants_per_pool(zone: str = "example.com") -> int:
    """How many generated tenants one pool's server takes with the plan's headroom left free
    (worst-case connections from the platform's own budget model)."""
    worst = tenant_connections(parse_tenant(generated_tenant(0, zone, "shared"))).worst_case
    usable = POOL_SERVER["max_connections"] * (1 - HEADROOM_WARNING)
    return int((usable - DatabaseConfig().reserved_connections) // worst)


def pool_name(index: int) -> str | None:
    """Pool 0 is the default (`multi_tenant.database`, no `database_pool`), then pool-01 ..."""
    return None if index == 0 else f"pool-{index:02d}"


def tenants_per_cache_pool() -> int:
    """How many tenants one shared cache holds: ElastiCache's default users per user group,
    less the disabled default user and the administrator every group also holds."""
    return CacheQuotas().users_per_user_group - CACHE_SERVICE_USERS


def cache_pool_name(index: int) -> str | None:
    """Cache pool 0 is the default (`multi_tenant.redis`, no `cache_pool`), then cache-01 ..."""
    return None if index == 0 else f"cache-{index:02d}"


def place_on_caches(platform: dict[str, Any], tenants: list[dict[str, Any]]) -> None:
    """Fill the default cache, then `cache-01`, `cache-02`, ... in turn (each up to its user
    group quota); past the account's ElastiCache users quota, record it raised as a user must
    before such a stack's first `pulumi up`."""
    per_cache = tenants_per_cache_pool()
    caches = math.ceil(len(tenants) / per_cache) or 1
    platform["multi_tenant"]["cache_pools"] = {
        cache_pool_name(c): {**platform["multi_tenant"].get("redis", {})} for c in range(1, caches)
    }
    for index, tenant in enumerate(tenants):
        pool = cache_pool_name(index // per_cache)
        if pool is not None:
            tenant["cache_pool"] = pool
    users = len(tenants) + caches * CACHE_SERVICE_USERS + DEDICATED_TENANTS * 3
    if users > CacheQuotas().users:
        platform["multi_tenant"]["cache_quotas"] = {"users": RAISED_CACHE_USERS}


def stack_document(
    shared: int, sample: Path = SAMPLE_STACK, per_pool: int | None = None
) -> dict[str, Any]:
    """The sample stack file with its tenants replaced by generated ones: the shared ones fill
    the default pool, then `pool-01`, `pool-02`, ... (`per_pool` each; default: what the budget
    takes with headroom; 0: everyone on the default pool)."""
    document: dict[str, Any] = yaml.safe_load(sample.read_text())
    platform = copy.deepcopy(document["config"]["odoo-platform:platform"])
    zone = platform["shared_services"]["tls"].get("route53_zone_name", "example.com")
    per_pool = tenants_per_pool(zone) if per_pool is None else per_pool
    platform["multi_tenant"]["database"].update(POOL_SERVER)
    tenants = [generated_tenant(i, zone, "shared") for i in range(shared)]
    pools = math.ceil(shared / per_pool) if per_pool else 1
    platform["multi_tenant"]["database_pools"] = {
        pool_name(p): {**platform["multi_tenant"]["database"]} for p in range(1, pools)
    }
    for index, tenant in enumerate(tenants):
        pool = pool_name(index // per_pool) if per_pool else None
        if pool is not None:
            tenant["database_pool"] = pool
    place_on_caches(platform, tenants)
    platform["tenants"] = tenants + [
        generated_tenant(i, zone, "dedicated") for i in range(DEDICATED_TENANTS)
    ]
    # Budgets of the sample's own tenants go with them (the stack's budget covers the rest).
    budgets = platform.get("cost", {}).get("tenant_budgets")
    if budgets:
        slugs = {tenant["slug"] for tenant in platform["tenants"]}
        platform["cost"]["tenant_budgets"] = {k: v for k, v in budgets.items() if k in slugs}
    document["config"]["odoo-platform:platform"] = platform
    return document


def write_stack(shared: int, folder: Path, per_pool: int | None = None) -> Path:
    return write_stack_file(shared, folder / f"Pulumi.bench-{shared}.yaml", per_pool)


def write_stack_file(shared: int, path: Path, per_pool: int | None = None) -> Path:
    path.write_text(yaml.safe_dump(stack_document(shared, per_pool=per_pool), sort_keys=False))
    return path


def parse_tenant(entry: dict[str, Any]) -> TenantConfig:
    return TenantConfig.model_validate(entry)


# --- measurements (each in its own process) ---------------------------------------------------


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_program(spec: str | None) -> Any:
    if not spec:
        return None
    module, _, function = spec.partition(":")
    return getattr(importlib.import_module(module), function)


def measure_plan(
    stack_file: Path, warm_up: Path, program: str | None = None, shapes: Path | None = None
) -> dict[str, Any]:
    """Plan `stack_file`, after an untimed-for-overhead warm-up plan of a one-tenant stack.

    The warm-up pays the one-off costs (lazy imports of provider SDK modules) so the timed run
    measures what grows with tenants; its time is reported as `cold_start_s`. With `shapes`,
    the declared resources are written there for the shaped floor (`measure_shaped_floor`).
    """
    try:
        config = load_stack_file(stack_file)
    except ConfigError as error:
        first = next(line.strip() for line in str(error).splitlines()[1:] if line.strip())
        return {"invalid": re.sub(r"\([^)]{80,}\)", "(...)", first)}
    function = load_program(program)
    day = dt.date.fromisoformat(BENCH_DATE)
    cold = time.perf_counter()
    run_stack(config_file=warm_up, program=function, today=day)
    start, cpu_start = time.perf_counter(), time.process_time()
    result = run_stack(config_file=stack_file, program=function, today=day)
    synthesized = time.perf_counter()
    context = stack_context(config, day)
    findings = evaluate(resource_views(result, context), context)
    check = StackCheck(stack_file.stem, config, result, findings, day)
    plan_stack(check)
    done = time.perf_counter()
    if shapes is not None:
        write_shapes(result, shapes)
    return {
        "resources": len(result.resources),
        "state_mib": state_size(result) / 2**20,
        "cpu_s": time.process_time() - cpu_start,
        "cold_start_s": start - cold,
        "synthesis_s": synthesized - start,
        "analysis_s": done - synthesized,
        "wall_s": done - start,
        "peak_rss_mib": peak_rss_mib(),
    }


def state_size(result: Any) -> int:
    """Bytes of the recorded resources as JSON (URN, type, parent, inputs, outputs, dependencies):
    a proxy for the Pulumi state file, which keeps the same per resource (and a little more)."""
    return len(
        json.dumps(
            [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "parent": r.parent,
                    "inputs": r.inputs,
                    "outputs": r.outputs,
                    "dependencies": r.dependencies,
                }
                for r in result.resources
            ],
            default=str,
        )
    )


def measure_floor(count: int) -> dict[str, Any]:
    def trivial() -> None:
        for index in range(count):
            pulumi_random.RandomId(f"r{index}", byte_length=8)

    # run_program: the same harness path as the plan (mocks, recording monitor, SDK shortcuts)
    return timed_run(lambda: run_program(trivial, preview=True))


def timed_run(run: Callable[[], Any]) -> dict[str, Any]:
    """Time a floor's `run` (a harness run), wall and CPU, with the process's peak memory."""
    start, cpu_start = time.perf_counter(), time.process_time()
    result = run()
    return {
        "resources": len(result.resources),
        "wall_s": time.perf_counter() - start,
        "cpu_s": time.process_time() - cpu_start,
        "peak_rss_mib": peak_rss_mib(),
    }


def write_shapes(result: Any, path: Path) -> None:
    """What the shaped floor replays of each declared resource, in declaration order."""
    shapes = [
        {
            "type": r.type,
            "name": r.name,
            "urn": r.urn,
            "custom": r.custom,
            "remote": r.remote,
            "parent": r.parent,
            "dependencies": list(r.dependencies),
            "inputs": r.inputs if r.custom or r.remote else None,
        }
        for r in result.resources
    ]
    path.write_text(json.dumps(shapes, default=str))


def measure_shaped_floor(path: Path) -> dict[str, Any]:
    """The plan's own resources, replayed bare: each as a generic `CustomResource` (or
    `ComponentResource`) of its type and name, with its recorded inputs as plain values, under
    the same parent and with the same dependencies, under the same harness and mocks. What the
    plan costs beyond this is not its resources' size or shape but how they are built: typed
    provider classes (their output properties and output types), `Output`s among the inputs,
    applies, aliases, invokes and the program's own code. Reads (`Resource.get`) are not
    replayed, nor the dependencies on them."""
    shapes = json.loads(path.read_text())  # read before the clock starts: the plan reads none
    return timed_run(lambda: replay_shapes(shapes))


def replay_shapes(shapes: list[dict[str, Any]]) -> Any:
    """Declare the resources `write_shapes` wrote, bare, under the harness; its result."""

    def replay() -> None:
        made: dict[str, pulumi.Resource] = {}
        for shape in shapes:
            opts = pulumi.ResourceOptions(
                parent=made.get(shape["parent"]),
                depends_on=[made[urn] for urn in shape["dependencies"] if urn in made],
            )
            if shape["custom"]:
                made[shape["urn"]] = pulumi.CustomResource(
                    shape["type"], shape["name"], shape["inputs"], opts
                )
            else:
                made[shape["urn"]] = pulumi.ComponentResource(
                    shape["type"], shape["name"], shape["inputs"], opts, remote=shape["remote"]
                )

    # the plan's stack and project, so that the replayed URNs are the plan's
    stack, project = shapes[0]["urn"].removeprefix("urn:pulumi:").split("::")[:2]
    return run_program(replay, preview=True, stack=stack, project=project)


def in_subprocess(*args: str, checkout: Path = REPO) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(checkout / "benchmarks" / "synthesis.py"), "--worker", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
    )
    if done.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def cpu_per_resource(measured: dict[str, Any]) -> float:
    return float(measured["cpu_s"]) / max(int(measured["resources"]), 1)


def ratios(plan: dict[str, Any], floor: dict[str, Any]) -> dict[str, float]:
    per_plan = plan["wall_s"] / max(plan["resources"], 1)
    per_floor = floor["wall_s"] / max(floor["resources"], 1)
    return {
        "per_resource_ms": 1000 * per_plan,
        "floor_per_resource_ms": 1000 * per_floor,
        "overhead_ratio": per_plan / per_floor,
        # CPU time: the same ratio, less sensitive to other load on a shared machine
        "cpu_overhead_ratio": cpu_per_resource(plan) / cpu_per_resource(floor),
    }


# --- report -----------------------------------------------------------------------------------


def growth_exponent(n1: int, t1: float, n2: int, t2: float) -> float:
    """k in time ~ tenants^k between two sizes (1.0 is linear)."""
    return math.log(t2 / t1) / math.log(n2 / n1)


def run(
    sizes: tuple[int, ...],
    program: str | None,
    progress: bool,
    checkouts: tuple[Path, ...] = (REPO,),
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        warm_up = write_stack(1, Path(folder))
        for shared, checkout in itertools.product(sizes, checkouts):
            stack_file = write_stack(shared, Path(folder))
            shapes = Path(folder) / f"shapes-{shared}.json"
            shapes.unlink(missing_ok=True)  # each checkout's plan writes its own
            plan = in_subprocess(
                "plan",
                str(stack_file),
                str(warm_up),
                program or "",
                str(shapes),
                checkout=checkout,
            )
            row: dict[str, Any] = {"shared_tenants": shared, "plan": plan}
            if checkout != REPO:
                row["checkout"] = str(checkout)
            if "invalid" not in plan and plan["resources"]:
                row["floor"] = in_subprocess("floor", str(plan["resources"]), checkout=checkout)
                row.update(ratios(plan, row["floor"]))
                if shapes.exists():  # a baseline from before the shaped floor writes none
                    row["shaped_floor"] = in_subprocess("shaped", str(shapes), checkout=checkout)
                    row["cpu_over_shaped"] = cpu_per_resource(plan) / cpu_per_resource(
                        row["shaped_floor"]
                    )
            rows.append(row)
            if progress:
                print(line(row), file=sys.stderr, flush=True)
    return rows


def line(row: dict[str, Any]) -> str:
    return (f"[{row['checkout']}] " if "checkout" in row else "") + _measured(row)


def _measured(row: dict[str, Any]) -> str:
    plan = row["plan"]
    if "invalid" in plan:
        return f"{row['shared_tenants']:>5} tenants: configuration rejected: {plan['invalid']}"
    if "floor" not in row:
        return f"{row['shared_tenants']:>5} tenants: the program declares no resources yet"
    return (
        f"{row['shared_tenants']:>5} tenants: {plan['resources']:>6} resources, "
        f"plan {plan['wall_s']:7.2f} s (synthesis {plan['synthesis_s']:.2f} s, analysis "
        f"{plan['analysis_s']:.2f} s; cold start {plan['cold_start_s']:.2f} s), "
        f"peak {plan['peak_rss_mib']:7.1f} MiB, state ~{plan.get('state_mib', 0):.1f} MiB; floor "
        f"{row['floor']['wall_s']:6.2f} s, {row['floor']['peak_rss_mib']:6.1f} MiB; "
        f"overhead x{row['overhead_ratio']:.2f} per resource "
        f"(CPU: plan {plan['cpu_s']:.2f} s, floor {row['floor']['cpu_s']:.2f} s, "
        f"x{row['cpu_overhead_ratio']:.2f})" + _shaped(row)
    )


def _shaped(row: dict[str, Any]) -> str:
    if "shaped_floor" not in row:
        return ""
    return (
        f"; shaped floor (the plan's resources replayed bare) CPU "
        f"{row['shaped_floor']['cpu_s']:.2f} s, plan x{row['cpu_over_shaped']:.2f} of it"
    )


def growth(rows: list[dict[str, Any]]) -> list[str]:
    measured = [r for r in rows if "floor" in r and "checkout" not in r]
    lines = []
    for a, b in itertools.pairwise(measured):
        n1, n2 = a["shared_tenants"], b["shared_tenants"]
        k = growth_exponent(n1, a["plan"]["wall_s"], n2, b["plan"]["wall_s"])
        k_cpu = growth_exponent(n1, a["plan"]["cpu_s"], n2, b["plan"]["cpu_s"])
        lines.append(
            f"{n1} -> {n2} tenants: time grows as tenants^{k:.2f}, CPU time as "
            f"tenants^{k_cpu:.2f} (1.00 is linear)"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only 10 and 50 shared tenants")
    parser.add_argument("--sizes", help="comma-separated shared tenant counts")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--program", help="MODULE:FUNCTION to plan instead of the stack program (as the CLI)"
    )
    parser.add_argument(
        "--baseline", type=Path, help="another checkout to measure beside this one, size by size"
    )
    parser.add_argument(
        "--write-stack",
        nargs=2,
        metavar=("N", "PATH"),
        help="only write the generated stack file of N shared tenants to PATH",
    )
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_stack:
        count, target = args.write_stack
        written = write_stack_file(int(count), Path(target))
        print(
            f"wrote {written}: {count} shared tenants, {tenants_per_pool()} per database pool, "
            f"{tenants_per_cache_pool()} per cache pool"
        )
        return
    if args.worker:
        kind, value, *rest = args.worker
        if kind == "plan":
            warm_up, program, shapes = rest
            measured = measure_plan(Path(value), Path(warm_up), program or None, Path(shapes))
        elif kind == "shaped":
            measured = measure_shaped_floor(Path(value))
        else:
            measured = measure_floor(int(value))
        print(json.dumps(measured))
        return
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    if args.sizes:
        sizes = tuple(int(s) for s in args.sizes.split(","))
    checkouts = (REPO, args.baseline.resolve()) if args.baseline else (REPO,)
    rows = run(sizes, args.program, progress=args.json, checkouts=checkouts)
    if args.json:
        print(json.dumps({"results": rows, "growth": growth(rows)}, indent=2))
        return
    for row in rows:
        print(line(row))
    for text in growth(rows):
        print(text)


if __name__ == "__main__":
    main()
