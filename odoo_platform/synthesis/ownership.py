"""Which tier and tenant own a declared resource: the one rule the harness, the offline plan,
the cost report and the tests share.

A resource's own marks are its `Tier`/`Tenant` tags or `odoo-platform.io/tier`/`tenant` labels
(`policies.model.marked_tier_and_tenant`, read the same way by the policy findings). A resource
marked with neither takes its parent's placement; one marked only with a tier takes its parent's
tenant when the parent is of the same tier. A component carries no tags, so its tier and tenant
are the ones all its marked descendants agree on, if they do.

Groups: `platform` (the shared platform and anything unmarked), `multi-tenant` (the multi-tenant
tier, its shared services and its tenants' resources), `dedicated:<slug>` (one dedicated tenant:
the key of its database server, `ServerKey.dedicated`, so plan groups and budgets share it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from odoo_platform.config.capacity import ServerKey
from odoo_platform.policies.model import marked_tier_and_tenant

PLATFORM = "platform"
MULTI_TENANT = "multi-tenant"

Marks = tuple[str | None, str | None]


class Declared(Protocol):
    """What placing a resource reads of its record (`RecordedResource`)."""

    @property
    def urn(self) -> str: ...
    @property
    def parent(self) -> str | None: ...
    @property
    def custom(self) -> bool: ...
    @property
    def inputs(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Placement:
    """Where one resource belongs: its group, its tier, and the tenant it serves if any."""

    group: str
    tier: str
    tenant: str | None


def dedicated_tenant(group: str) -> str | None:
    """The dedicated tenant a group is (`dedicated:<slug>`); None for the other groups."""
    return ServerKey(group).tenant


def place(tier: str | None, tenant: str | None, tenant_tiers: Mapping[str, str]) -> Placement:
    """The group of a tier/tenant pair; a tenant's configured tier wins over a missing tag."""
    if tenant is not None:
        tier = tenant_tiers.get(tenant, tier or "shared")
        if tier == "dedicated":
            return Placement(ServerKey.dedicated(tenant), tier, tenant)
        return Placement(MULTI_TENANT, "shared", tenant)
    if tier == "shared":
        return Placement(MULTI_TENANT, tier, None)
    return Placement(PLATFORM, tier or PLATFORM, None)


class Placements(Mapping[str, Placement]):
    """Every resource's placement, looked up by URN or by the recorded resource itself."""

    def __init__(self, by_urn: Mapping[str, Placement]) -> None:
        self._by_urn = dict(by_urn)

    def __getitem__(self, key: str | Declared) -> Placement:
        return self._by_urn[key if isinstance(key, str) else key.urn]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_urn)

    def __len__(self) -> int:
        return len(self._by_urn)


def placements(
    resources: Iterable[Declared], tenant_tiers: Mapping[str, str] | None = None
) -> Placements:
    """Every resource's placement; `tenant_tiers` (slug to tier, from the configuration) places
    a tenant whose resources carry no tier."""
    tiers = tenant_tiers or {}
    by_urn = {r.urn: r for r in resources}
    children: dict[str, list[Declared]] = {}
    for resource in by_urn.values():
        children.setdefault(resource.parent or "", []).append(resource)
    found: dict[str, Placement] = {}

    def marked_below(urn: str) -> set[Marks]:
        seen: set[Marks] = set()
        for below in children.get(urn, []):
            own = marked_tier_and_tenant(below.inputs)
            if own != (None, None):
                seen.add(own)
            if not below.custom:
                seen |= marked_below(below.urn)
        return seen

    def resolve(urn: str) -> Placement:
        if urn in found:
            return found[urn]
        resource = by_urn[urn]
        tier, tenant = marked_tier_and_tenant(resource.inputs)
        parent = resolve(resource.parent) if resource.parent in by_urn else None
        if not resource.custom and (tier, tenant) == (None, None):
            tier, tenant = _agreed(marked_below(urn))
        inherits = tenant is None and (tier is None or (parent is not None and parent.tier == tier))
        placement = parent if inherits and parent is not None else place(tier, tenant, tiers)
        found[urn] = placement
        return placement

    return Placements({urn: resolve(urn) for urn in by_urn})


def _agreed(marks: set[Marks]) -> Marks:
    """The tier and the tenant that all `marks` name, each None unless they agree."""
    tiers = {tier for tier, _ in marks if tier is not None}
    tenants = {tenant for _, tenant in marks}
    return (
        tiers.pop() if len(tiers) == 1 else None,
        tenants.pop() if len(tenants) == 1 else None,
    )
