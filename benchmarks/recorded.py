"""Dump everything the harness records for the sample stacks, to compare before/after a change.

A performance change must not alter what a plan sees. This writes, for every sample stack (and
optionally a generated benchmark stack), one JSON line per recorded resource (URN, type, id,
inputs, outputs, every option, secret inputs) plus the stack outputs, secret outputs and
non-debug logs; dependency lists are sorted (they follow resolution order, as under the engine).

    python benchmarks/recorded.py /tmp/before.jsonl                # before the change
    python benchmarks/recorded.py /tmp/after.jsonl --tenants 50    # plus a 50-tenant stack
    cmp /tmp/before.jsonl /tmp/after.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.synthesis import BENCH_DATE, write_stack  # noqa: E402
from odoo_platform.testing import ProgramResult, run_stack  # noqa: E402
from tests.golden_urns import GOLDEN_DAY, STACKS  # noqa: E402


def stable_repr(value: object) -> str:
    """`repr`, without the memory address of objects that have no other (e.g. `Unknown`), which
    differs from run to run."""
    return re.sub(r" at 0x[0-9a-f]+>", ">", repr(value))


def resource_lines(result: ProgramResult) -> Iterator[str]:
    for resource in result.resources:
        record = dataclasses.asdict(resource)
        record["dependencies"] = sorted(record["dependencies"])
        record["property_dependencies"] = {
            k: sorted(v) for k, v in record["property_dependencies"].items()
        }
        record["secret_inputs"] = sorted(record["secret_inputs"])
        yield json.dumps(record, sort_keys=True, default=stable_repr)
    yield json.dumps(
        {
            "stack_outputs": result.outputs,
            "secret_outputs": sorted(result.secret_outputs),
            "logs": [(log.severity, log.message) for log in result.logs],
        },
        sort_keys=True,
        default=stable_repr,
    )


def dump(target: Path, tenants: int | None) -> None:
    runs: list[tuple[str, ProgramResult]] = [
        (stack, run_stack(stack, stacks_dir=REPO / "stacks", today=GOLDEN_DAY)) for stack in STACKS
    ]
    if tenants:
        with tempfile.TemporaryDirectory() as folder:
            path = write_stack(tenants, Path(folder))
            day = dt.date.fromisoformat(BENCH_DATE)
            runs.append((path.stem, run_stack(config_file=path, today=day)))
    with target.open("w") as out:
        for stack, result in runs:
            lines = sorted(resource_lines(result))
            out.writelines(f"{stack} {line}\n" for line in lines)
            print(f"{stack}: {len(result.resources)} resources", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--tenants", type=int, help="also a generated stack of that many")
    args = parser.parse_args()
    dump(args.target, args.tenants)


if __name__ == "__main__":
    main()
