"""Golden record of what the harness records about each resource's options, for one sample stack.

`tests/testing/golden/<stack>.options` holds, per URN (sorted), every option the engine is told:
protect, parent, provider, dependencies (per property too), ignore-changes, aliases, custom
timeouts, delete-before-replace, retain-on-delete, additional secret outputs, and which inputs are
secret. A harness change (a shortcut) must not lose or alter any; after an intended change in the
stack itself, rewrite it with:

    .venv/bin/python -m tests.testing.golden_options
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from odoo_platform.testing import RecordedResource, run_stack
from tests.golden_urns import GOLDEN_DAY, ROOT

STACK = "prod-eu-west-1"
GOLDEN = Path(__file__).resolve().parent / "golden" / f"{STACK}.options"
REGENERATE = ".venv/bin/python -m tests.testing.golden_options"


def options(resource: RecordedResource) -> dict[str, Any]:
    """The resource's options; dependency lists sorted (they follow resolution order)."""
    return {
        "parent": resource.parent,
        "protect": resource.protect,
        "provider": resource.provider,
        "dependencies": sorted(resource.dependencies),
        "property_dependencies": {
            key: sorted(urns) for key, urns in sorted(resource.property_dependencies.items())
        },
        "ignore_changes": list(resource.ignore_changes),
        "aliases": list(resource.aliases),
        "custom_timeouts": resource.custom_timeouts,
        "delete_before_replace": resource.delete_before_replace,
        "retain_on_delete": resource.retain_on_delete,
        "additional_secret_outputs": list(resource.additional_secret_outputs),
        "secret_inputs": sorted(resource.secret_inputs),
    }


def option_lines(stack: str = STACK) -> str:
    result = run_stack(stack, stacks_dir=ROOT / "stacks", today=GOLDEN_DAY)
    lines = sorted(
        json.dumps({"urn": r.urn, **options(r)}, sort_keys=True) for r in result.resources
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(option_lines())
    print(f"wrote {GOLDEN.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
