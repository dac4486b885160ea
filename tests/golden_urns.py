"""Golden URN lists of the sample stacks: what a refactoring must not move.

`tests/golden/<stack>.urns` holds every URN the stack declares (sorted, one a line; a resource
that carries aliases says so after its URN), as of `GOLDEN_DAY`, a day outside every freeze
window. `tests/test_golden_urns.py` fails on any difference. After an intended change, rewrite
them with:

    .venv/bin/python -m tests.golden_urns
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from odoo_platform.testing import ProgramResult, run_stack

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
STACKS = sorted(
    p.name.removeprefix("Pulumi.").removesuffix(".yaml")
    for p in (ROOT / "stacks").glob("Pulumi.*.yaml")
)
GOLDEN_DAY = dt.date(2026, 11, 18)
REGENERATE = ".venv/bin/python -m tests.golden_urns"


@functools.cache
def sample_result(stack: str) -> ProgramResult:
    """The sample stack as of `GOLDEN_DAY`, run once per test session: the golden URN lists and
    the resource index (tests/test_component_reference.py) read the same run."""
    result = run_stack(stack, stacks_dir=ROOT / "stacks", today=GOLDEN_DAY)
    assert result.errors() == [], result.errors()
    return result


def urn_lines(stack: str) -> str:
    """The stack's URNs as the golden file holds them."""
    result = sample_result(stack)
    lines = sorted(
        resource.urn + (f"  aliases: {', '.join(resource.aliases)}" if resource.aliases else "")
        for resource in result.resources
    )
    return "\n".join(lines) + "\n"


def golden_path(stack: str) -> Path:
    return GOLDEN / f"{stack}.urns"


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for stack in STACKS:
        golden_path(stack).write_text(urn_lines(stack))
        print(f"wrote {golden_path(stack).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
