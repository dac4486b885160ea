"""The vocabulary of the governance rules: what a rule sees, what it returns, what it reports.

Plain Python on purpose: the offline runner, the CrossGuard adapter and tests all build these
objects directly, and nothing here needs Pulumi.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Environment = Literal["dev", "staging", "prod"]
ENVIRONMENTS: tuple[Environment, ...] = ("dev", "staging", "prod")

# Tag keys every taggable AWS resource carries (mirrors the config catalog's base tag keys;
# duplicated because policies/ depends on nothing else of ours).
DEFAULT_REQUIRED_TAGS = ("Owner", "CostCentre", "Environment", "ManagedBy")
TENANT_TAG = "Tenant"
TENANT_LABEL = "odoo-platform.io/tenant"
TIER_TAG = "Tier"
TIER_LABEL = "odoo-platform.io/tier"
PACK_NAME = "odoo-platform-governance"  # the CrossGuard policy pack


class Severity(StrEnum):
    """Mandatory findings block a deployment; advisory ones are reported and let it through."""

    MANDATORY = "mandatory"
    ADVISORY = "advisory"


@dataclass(frozen=True)
class TenantFacts:
    """What the stack configuration says about one tenant's placement."""

    slug: str
    tier: str  # "shared" (multi-tenant tier) or "dedicated"
    regulated: bool
    residency: str  # data-residency zone, e.g. "eu"


@dataclass(frozen=True)
class StackFacts:
    """Stack-level facts that no single resource carries; filled from the configuration."""

    residency_zone: str  # the residency zone of the stack's region
    tenants: tuple[TenantFacts, ...] = ()
    freeze_window: str | None = None  # name of the change-freeze window active now, if any
    freeze_override: str | None = None  # change reference of a valid override covering it
    freeze_until: str | None = None  # last frozen day (YYYY-MM-DD) of the active freeze


@dataclass(frozen=True)
class StackContext:
    """What a rule may know about the stack besides the resource itself.

    Defaults are the strictest reading: a stack of unknown environment is treated as prod.
    """

    environment: Environment = "prod"
    region: str | None = None
    required_tags: tuple[str, ...] = DEFAULT_REQUIRED_TAGS
    # Tags the AWS provider adds to every resource (provider default_tags).
    default_tags: Mapping[str, str] = field(default_factory=dict)
    facts: StackFacts | None = None

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"


@dataclass(frozen=True)
class ResourceView:
    """One declared resource: type token, URN, properties (camelCase, as the engine sends them).

    `property_dependencies` maps each input property to the URNs of the resources its value came
    from (an empty tuple for a literal value); it is empty when the source cannot supply it.
    """

    type: str
    urn: str
    props: Mapping[str, Any]
    context: StackContext = field(default_factory=StackContext)
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The logical name: the last URN segment (the URN itself when it is not a URN)."""
        return self.urn.rsplit("::", 1)[-1]

    @property
    def tenant(self) -> str | None:
        """The tenant slug from the `Tenant` tag or the `odoo-platform.io/tenant` label."""
        return marked_tier_and_tenant(self.props)[1]


def marked_tier_and_tenant(props: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The tier and tenant a resource's own properties name: its tags (or `tagsAll`), then its
    metadata labels (what `config.tags` writes). The one reading of them: policy findings, the
    harness and the plan (`synthesis.ownership.placements`, which places unmarked resources by
    their parents and children) all use it."""
    metadata = props.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    bags = [
        bag for bag in (props.get("tags"), props.get("tagsAll"), labels) if isinstance(bag, Mapping)
    ]

    def first(*keys: str) -> str | None:
        values = (bag.get(key) for bag in bags for key in keys)
        return next((v for v in values if isinstance(v, str) and v), None)

    return first(TIER_TAG, TIER_LABEL), first(TENANT_TAG, TENANT_LABEL)


@dataclass(frozen=True)
class Violation:
    """A stack rule's finding: a message, and the resource or tenant it concerns when known."""

    message: str
    resource: ResourceView | None = None
    tenant: str | None = None


ResourceCheck = Callable[[ResourceView], Iterable[str]]
StackCheck = Callable[[Sequence[ResourceView], StackContext], Iterable[Violation]]


@dataclass(frozen=True)
class Rule:
    """A check of one resource at a time; `check` yields one message per violation."""

    id: str
    description: str
    severity: Severity
    resource_types: tuple[str, ...]  # exact type tokens, or prefixes ending in ":" or "/"
    remediation: str
    check: ResourceCheck

    def applies_to(self, resource_type: str) -> bool:
        return any(_type_matches(pattern, resource_type) for pattern in self.resource_types)


@dataclass(frozen=True)
class StackRule:
    """A check that needs every resource of the stack, or the stack facts, at once."""

    id: str
    description: str
    severity: Severity
    resource_types: tuple[str, ...]  # the types it reads, for documentation
    remediation: str
    check: StackCheck
    needs_facts: bool = False  # skipped (not applicable) when the context has no StackFacts
    # Skipped (not applicable) when no resource carries property dependencies: without them the
    # rule could not tell which resource refers to which and would report false findings.
    needs_property_dependencies: bool = False

    def applicable(self, resources: Sequence[ResourceView], context: StackContext) -> bool:
        """Whether the stack supplies what this rule needs (facts, property dependencies)."""
        if self.needs_facts and context.facts is None:
            return False
        return not self.needs_property_dependencies or any(
            r.property_dependencies for r in resources
        )


AnyRule = Rule | StackRule


def _type_matches(pattern: str, resource_type: str) -> bool:
    if pattern.endswith((":", "/")):
        return resource_type.startswith(pattern)
    return resource_type == pattern


@dataclass(frozen=True)
class Finding:
    """One violation of one rule, ready to print or to fail a plan on."""

    rule_id: str
    severity: Severity
    message: str
    remediation: str
    urn: str | None = None
    name: str | None = None
    resource_type: str | None = None
    tenant: str | None = None

    @classmethod
    def of(
        cls, rule: AnyRule, message: str, resource: ResourceView | None, tenant: str | None = None
    ) -> Finding:
        return cls(
            rule_id=rule.id,
            severity=rule.severity,
            message=message,
            remediation=rule.remediation,
            urn=resource.urn if resource else None,
            name=resource.name if resource else None,
            resource_type=resource.type if resource else None,
            tenant=tenant or (resource.tenant if resource else None),
        )
