"""Governance rules as pure functions over a resource's type and properties.

Build `ResourceView`s (and a `StackContext`, with `StackFacts` for the placement rules), call
`evaluate`, read the `Finding`s. `crossguard.build_policies()` runs the same rules in Pulumi
CrossGuard; `docs.render_markdown()` documents them.
"""

from .kubernetes import (
    host_access_violations,
    image_pin_problem,
    pod_spec_of,
    restricted_violations,
)
from .model import (
    DEFAULT_REQUIRED_TAGS,
    AnyRule,
    Finding,
    ResourceView,
    Rule,
    Severity,
    StackContext,
    StackFacts,
    StackRule,
    TenantFacts,
    Violation,
)
from .registry import ALL_RULES, evaluate, rule_by_id

__all__ = [
    "ALL_RULES",
    "DEFAULT_REQUIRED_TAGS",
    "AnyRule",
    "Finding",
    "ResourceView",
    "Rule",
    "Severity",
    "StackContext",
    "StackFacts",
    "StackRule",
    "TenantFacts",
    "Violation",
    "evaluate",
    "host_access_violations",
    "image_pin_problem",
    "pod_spec_of",
    "restricted_violations",
    "rule_by_id",
]
