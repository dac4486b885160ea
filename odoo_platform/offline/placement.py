"""What a stack declares, offline: resources grouped by tier and tenant, dependency depth, warnings.

Pure functions over a `ProgramResult` (and the configuration for tenant tiers and budgets), so the
same code plans the real platform and the small synthetic programs the tests declare. Which group
and tenant a resource belongs to is `ProgramResult.placements()` (`synthesis.ownership`, the one
rule the harness, the tests and the reports share).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from odoo_platform.config import PlatformConfig, connection_budgets, memory_budget
from odoo_platform.config.capacity import ServerKey, hosted_tenants
from odoo_platform.synthesis.harness import ProgramResult, RecordedResource
from odoo_platform.synthesis.ownership import MULTI_TENANT, PLATFORM, Placement

HEADROOM_WARNING = 0.20


@dataclass(frozen=True)
class GroupCount:
    """What one group declares: resources (custom) and components, by type."""

    group: str
    resources: dict[str, int]
    components: dict[str, int]

    @property
    def resource_total(self) -> int:
        return sum(self.resources.values())

    @property
    def component_total(self) -> int:
        return sum(self.components.values())


def group_order(group: str) -> tuple[int, str]:
    rank = {PLATFORM: 0, MULTI_TENANT: 1}.get(group, 2)
    return rank, group


def group_counts(result: ProgramResult, where: Mapping[str, Placement]) -> list[GroupCount]:
    """Counts by type per group, platform first, then the multi-tenant tier, then dedicated."""
    resources: dict[str, Counter[str]] = {}
    components: dict[str, Counter[str]] = {}
    for resource in result.resources:
        group = where[resource.urn].group
        resources.setdefault(group, Counter())
        components.setdefault(group, Counter())
        (resources if resource.custom else components)[group][resource.type] += 1
    return [
        GroupCount(g, dict(sorted(resources[g].items())), dict(sorted(components[g].items())))
        for g in sorted(resources, key=group_order)
    ]


# --- dependency depth -------------------------------------------------------------------------


@dataclass(frozen=True)
class Chain:
    """The longest sequence of resources that must be created one after another."""

    urns: tuple[str, ...]

    @property
    def depth(self) -> int:
        return len(self.urns)


@dataclass
class DependencyGraph:
    """What each custom resource waits for before the engine can create it.

    The model, as the engine runs `pulumi up`:
    - a resource waits for every resource in its `dependencies` and `property_dependencies`
      (explicit `depends_on` and every resource whose outputs feed its inputs);
    - a resource waits for its provider (the provider needs e.g. the cluster's endpoint);
    - a component resource is created instantly and completes when its children complete, so
      waiting for a component means waiting for all its custom descendants;
    - a child waits for its parent only when the parent is a custom resource (the SDK needs the
      parent's URN, which a custom resource returns once created); a child of a component waits
      for nothing from the component itself.
    The depth of a chain counts custom resources only; components take no time.
    """

    result: ProgramResult
    _by_urn: dict[str, RecordedResource] = field(init=False)
    _children: dict[str, list[str]] = field(init=False)
    _expanded: dict[str, tuple[str, ...]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._by_urn = {r.urn: r for r in self.result.resources}
        self._children = {}
        for resource in self.result.resources:
            if resource.parent:
                self._children.setdefault(resource.parent, []).append(resource.urn)

    def custom_descendants(self, urn: str) -> tuple[str, ...]:
        if urn not in self._expanded:
            found: list[str] = []
            for child in self._children.get(urn, []):
                if self._by_urn[child].custom:
                    found.append(child)
                else:
                    found.extend(self.custom_descendants(child))
            self._expanded[urn] = tuple(found)
        return self._expanded[urn]

    def waits_for(self, resource: RecordedResource) -> set[str]:
        """The custom resources that must exist before `resource` can be created."""
        direct = set(resource.dependencies)
        for urns in resource.property_dependencies.values():
            direct.update(urns)
        if resource.provider:
            direct.add(resource.provider)
        parent = self._by_urn.get(resource.parent or "")
        if parent is not None and parent.custom:
            direct.add(parent.urn)
        waits: set[str] = set()
        for urn in direct:
            target = self._by_urn.get(urn)
            if target is None or urn == resource.urn:
                continue  # default providers and the stack are not recorded
            if target.custom:
                waits.add(urn)
            else:
                waits.update(self.custom_descendants(urn))
        waits.discard(resource.urn)
        return waits

    def longest_chains(self) -> dict[str, Chain]:
        """For every custom resource, the longest chain that ends with it."""
        chains: dict[str, Chain] = {}
        visiting: set[str] = set()

        def chain(urn: str) -> Chain:
            if urn in chains:
                return chains[urn]
            if urn in visiting:  # a cycle cannot be created; count the resource once
                return Chain((urn,))
            visiting.add(urn)
            before = [chain(u) for u in sorted(self.waits_for(self._by_urn[urn]))]
            longest = max(before, key=lambda c: c.depth, default=Chain(()))
            visiting.discard(urn)
            chains[urn] = Chain((*longest.urns, urn))
            return chains[urn]

        for resource in self.result.resources:
            if resource.custom:
                chain(resource.urn)
        return chains


@dataclass(frozen=True)
class DepthReport:
    overall: Chain
    by_group: dict[str, Chain]
    by_tenant: dict[str, Chain]


def dependency_depth(result: ProgramResult, where: Mapping[str, Placement]) -> DepthReport:
    """The longest chain overall and the longest chain ending in each group and each tenant.

    A group's or tenant's chain includes what it waits for elsewhere (a tenant's workload waits
    for the cluster), since that is how long creating it takes from an empty stack.
    """
    chains = DependencyGraph(result).longest_chains()
    overall = max(chains.values(), key=_chain_key, default=Chain(()))
    by_group: dict[str, Chain] = {}
    by_tenant: dict[str, Chain] = {}
    for urn, chain in chains.items():
        placement = where[urn]
        _keep_longest(by_group, placement.group, chain)
        if placement.tenant is not None:
            _keep_longest(by_tenant, placement.tenant, chain)
    return DepthReport(
        overall,
        dict(sorted(by_group.items(), key=lambda item: group_order(item[0]))),
        dict(sorted(by_tenant.items())),
    )


def _keep_longest(chains: dict[str, Chain], key: str, chain: Chain) -> None:
    if key not in chains or _chain_key(chain) > _chain_key(chains[key]):
        chains[key] = chain


def _chain_key(chain: Chain) -> tuple[int, tuple[str, ...]]:
    """Longest first; among equals the same chain every run (URN order, reversed for max)."""
    return chain.depth, tuple(reversed(chain.urns))


# --- warnings ---------------------------------------------------------------------------------


def capacity_warnings(config: PlatformConfig, threshold: float = HEADROOM_WARNING) -> list[str]:
    """Connection budgets and per-pod memory budgets whose headroom is below `threshold`."""
    warnings = [
        f"database server {b.server}: worst-case connections {b.total} of max_connections "
        f"{b.max_connections} leave {b.headroom:.0%} headroom (below {threshold:.0%})"
        for b in connection_budgets(config)
        if b.headroom < threshold
    ]
    for tenant in hosted_tenants(config):
        budget = memory_budget(tenant)
        if budget.headroom < threshold:
            warnings.append(
                f"tenant {tenant.slug}: about {budget.resident_mib} MiB resident at full load "
                f"of the pod limit {budget.pod_limit_mib} MiB leave {budget.headroom:.0%} "
                f"headroom (below {threshold:.0%})"
            )
    return warnings


@dataclass(frozen=True)
class PoolPlacement:
    """One shared database pool: its server, the tenants on it and its connection budget."""

    pool: str
    server: str
    tenants: tuple[str, ...]
    worst_case: int
    max_connections: int

    @property
    def free(self) -> int:
        return self.max_connections - self.worst_case


def database_placement(config: PlatformConfig) -> list[PoolPlacement]:
    """Every shared pool in the stack file's order (default first) with its running tenants;
    offboarded tenants keep their database on their pool but take no budget."""
    return [
        PoolPlacement(
            str(b.server.pool_name),
            str(b.server),
            tuple(t.slug for t in b.tenants),
            b.total,
            b.max_connections,
        )
        for b in connection_budgets(config)
        if b.server.is_shared
    ]


def tenant_pools(config: PlatformConfig) -> dict[str, str]:
    """Each shared tenant's pool (`default`: multi_tenant.database), offboarded ones included."""
    return {t.slug: ServerKey.of(t).pool_name or "" for t in config.tenants if t.tier == "shared"}


def tenant_tiers(config: PlatformConfig) -> dict[str, str]:
    return {t.slug: t.tier for t in config.tenants}


def unknown_tenants(where: Mapping[str, Placement], config: PlatformConfig) -> Sequence[str]:
    """Tenants the program tags that the configuration does not know (likely a typo)."""
    known = {t.slug for t in config.tenants}
    return sorted({p.tenant for p in where.values() if p.tenant and p.tenant not in known})
