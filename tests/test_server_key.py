"""One spelling of a dedicated tenant's key (`dedicated:<slug>`): `ServerKey` builds and reads it
for the connection budgets, the placements of the plan and cost report, and the outputs. A second
spelling drifts: a plan group that is not the budget's key names a server nobody has."""

from __future__ import annotations

import ast
from pathlib import Path

from odoo_platform.config.capacity import ServerKey
from odoo_platform.synthesis.ownership import place

PACKAGE = Path(__file__).resolve().parents[1] / "odoo_platform"
OWNER = PACKAGE / "config" / "capacity.py"
PREFIX_NAMES = frozenset({"DEDICATED_PREFIX", "DEDICATED_SERVER_PREFIX"})


def hand_built_keys(path: Path) -> list[str]:
    """String pieces that start the key, and uses of a prefix constant, in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith("dedicated:"):
                found.append(f"line {node.lineno}: {node.value!r}")
        elif isinstance(node, ast.Name | ast.alias):
            name = node.id if isinstance(node, ast.Name) else node.name
            if name in PREFIX_NAMES:
                found.append(f"line {getattr(node, 'lineno', '?')}: {name}")
    return found


def test_only_server_key_spells_the_dedicated_key() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != OWNER and (found := hand_built_keys(path))
    }
    assert not offenders, offenders


def test_a_dedicated_tenants_placement_group_is_its_server_key() -> None:
    placement = place("dedicated", "halden-law", {"halden-law": "dedicated"})
    assert placement.group == ServerKey.dedicated("halden-law")
    assert ServerKey(placement.group).tenant == "halden-law"
    shared = place("shared", "nb-tax-ie", {"nb-tax-ie": "shared"})
    assert ServerKey(shared.group).tenant is None
