"""The post-acquisition scenario: prod-us-east-1 with an acquired firm's tenants appended.

The consolidated stack is the same stack (same name, so the same URNs) after one change, so it is
not a stack file of its own: it is written from the sample stack and the acquired tenants, which
keeps it from drifting from the sample.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from odoo_platform.config.loader import CONFIG_KEY
from odoo_platform.testing import ProgramResult

REPO = Path(__file__).resolve().parents[2]
BASE_STACK_FILE = REPO / "stacks" / "Pulumi.prod-us-east-1.yaml"
ACQUIRED_TENANTS_FILE = Path(__file__).with_name("acquired-firm-tenants.yaml")


def acquired_tenants() -> list[dict[str, Any]]:
    tenants: list[dict[str, Any]] = yaml.safe_load(ACQUIRED_TENANTS_FILE.read_text())["tenants"]
    return tenants


def acquired_slugs() -> set[str]:
    return {t["slug"] for t in acquired_tenants()}


def write_consolidated_stack(directory: Path) -> Path:
    """`Pulumi.prod-us-east-1.yaml` in `directory`: the sample with the acquired tenants added."""
    document = yaml.safe_load(BASE_STACK_FILE.read_text())
    document["config"][CONFIG_KEY]["tenants"].extend(acquired_tenants())
    path = directory / BASE_STACK_FILE.name
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return path


def logical_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def named_tenant(urn: str, slugs: Iterable[str]) -> str | None:
    """The tenant whose slug is a whole dash-separated part of the URN's logical name.

    Logical names derive from the tenant slug (e.g. `larkspur-cpa-db`), so this attributes
    resources that carry no Tenant tag or label (components, passwords). The longest match wins,
    so a slug that extends another (`nb-consulting-us` vs `nb-consulting`) is told apart.
    """
    name = logical_name(urn)
    found = [s for s in slugs if re.search(rf"(^|-){re.escape(s)}(-|$)", name)]
    return max(found, key=len) if found else None


def unexplained_changes(
    base: Iterable[str], consolidated: Mapping[str, str | None], new_slugs: set[str]
) -> list[str]:
    """What adding the acquired tenants changed beyond adding their own resources.

    `base` holds the URNs before, `consolidated` maps each URN after to its tenant when known
    (`ProgramResult.placements()`); a URN without one is attributed by its logical name.
    """
    before = set(base)
    problems = [f"gone or renamed: {urn}" for urn in sorted(before - consolidated.keys())]
    for urn in sorted(consolidated.keys() - before):
        tenant = consolidated[urn] or named_tenant(urn, new_slugs)
        if tenant not in new_slugs:
            problems.append(f"new but not an acquired tenant's (tenant {tenant}): {urn}")
    return problems


def changed_existing_tenants(
    base: ProgramResult, consolidated: ProgramResult, existing: set[str]
) -> list[str]:
    """Resources of the existing tenants whose URN or inputs differ after the consolidation."""
    after = {r.urn: r for r in consolidated.resources}
    where = base.placements()
    problems = []
    for resource in base.resources:
        tenant = where[resource].tenant or named_tenant(resource.urn, existing)
        if tenant not in existing:
            continue
        if resource.urn not in after:
            problems.append(f"{tenant}: gone or renamed: {resource.urn}")
        elif after[resource.urn].inputs != resource.inputs:
            problems.append(f"{tenant}: inputs changed: {resource.urn}")
    return problems


def acquisition_problems(
    base: ProgramResult, consolidated: ProgramResult, existing: set[str], acquired: set[str]
) -> list[str]:
    """Everything the consolidation changed beyond adding the acquired tenants' resources."""
    where = consolidated.placements()
    after = {r.urn: where[r].tenant for r in consolidated.resources}
    return unexplained_changes(base.urns(), after, acquired) + changed_existing_tenants(
        base, consolidated, existing
    )
