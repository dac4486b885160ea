"""Pulumi CrossGuard adapter: each rule becomes a ResourceValidationPolicy or StackValidationPolicy.

The stack context comes from each policy's configuration (`--policy-pack-config`, see
policy/config.example.json); what is not configured is derived from the stack name
(`<environment>-<region>`, e.g. prod-eu-west-1) and the AWS provider, else the strict default.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._props import mapping, maps, strings
from .model import (
    DEFAULT_REQUIRED_TAGS,
    ENVIRONMENTS,
    PACK_NAME,
    AnyRule,
    Environment,
    ResourceView,
    Rule,
    Severity,
    StackContext,
    StackFacts,
    StackRule,
    TenantFacts,
)
from .registry import ALL_RULES

__all__ = [
    "CONFIG_SCHEMA",
    "ENFORCEMENT",
    "PACK_NAME",
    "build_policies",
    "context_from_config",
    "facts_from_config",
    "policy_config",
    "stack_view",
]

ENFORCEMENT = {
    Severity.MANDATORY: EnforcementLevel.MANDATORY,
    Severity.ADVISORY: EnforcementLevel.ADVISORY,
}

_TENANT_SCHEMA = {
    "type": "object",
    "properties": {
        "slug": {"type": "string"},
        "tier": {"type": "string", "enum": ["shared", "dedicated"]},
        "regulated": {"type": "boolean"},
        "residency": {"type": "string"},
    },
    "required": ["slug", "tier", "residency"],
}

CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "environment": {
            "type": "string",
            "enum": list(ENVIRONMENTS),
            "description": "default: the stack name's prefix (prod-eu-west-1 -> prod), else prod",
        },
        "region": {
            "type": "string",
            "description": "default: the AWS provider's region, else the stack name's suffix",
        },
        "requiredTags": {
            "type": "array",
            "items": {"type": "string"},
            "description": f"default: {', '.join(DEFAULT_REQUIRED_TAGS)}",
        },
        "stackFacts": {
            "type": "object",
            "description": "tenant placement and change-freeze facts; facts rules skip without",
            "properties": {
                "residencyZone": {"type": "string"},
                "tenants": {"type": "array", "items": _TENANT_SCHEMA},
                "freezeWindow": {"type": "string"},
                "freezeOverride": {"type": "string"},
            },
            "required": ["residencyZone"],
        },
    }
)

Policy = ResourceValidationPolicy | StackValidationPolicy


def build_policies(rules: Iterable[AnyRule] = ALL_RULES) -> list[Policy]:
    """One CrossGuard policy per rule, enforced at the rule's severity."""
    return [_resource_policy(r) if isinstance(r, Rule) else _stack_policy(r) for r in rules]


def _resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if not rule.applies_to(args.resource_type):
            return
        provider = args.provider.props if args.provider is not None else None
        context = context_from_config(args.get_config(), _stack_name(), provider)
        for message in rule.check(ResourceView(args.resource_type, args.urn, args.props, context)):
            report_violation(message, None)

    return ResourceValidationPolicy(
        name=rule.id,
        description=rule.description,
        validate=validate,
        enforcement_level=ENFORCEMENT[rule.severity],
        config_schema=CONFIG_SCHEMA,
        remediation_steps=rule.remediation,
    )


def _stack_policy(rule: StackRule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        context = context_from_config(args.get_config(), _stack_name())
        views = [stack_view(r, context) for r in args.resources]
        if not rule.applicable(views, context):
            args.not_applicable(_missing(rule, context))
            return
        for violation in rule.check(views, context):
            report_violation(
                violation.message, violation.resource.urn if violation.resource else None
            )

    return StackValidationPolicy(
        name=rule.id,
        description=rule.description,
        validate=validate,
        enforcement_level=ENFORCEMENT[rule.severity],
        config_schema=CONFIG_SCHEMA,
        remediation_steps=rule.remediation,
    )


def stack_view(resource: PolicyResource, context: StackContext) -> ResourceView:
    """A stack resource as rules see it; each property's dependencies become their URNs."""
    dependencies = {
        key: tuple(dependency.urn for dependency in resources)
        for key, resources in resource.property_dependencies.items()
    }
    return ResourceView(resource.resource_type, resource.urn, resource.props, context, dependencies)


def _missing(rule: StackRule, context: StackContext) -> str:
    if rule.needs_facts and context.facts is None:
        return "no stackFacts in this policy's configuration"
    return "the engine supplied no property dependencies for this stack's resources"


def _stack_name() -> str | None:
    # The CLI tells the analyzer which stack it runs for.
    return os.environ.get("PULUMI_STACK")


def context_from_config(
    config: Mapping[str, Any],
    stack: str | None = None,
    provider: Mapping[str, Any] | None = None,
) -> StackContext:
    """The StackContext a policy's configuration, the stack name and the provider imply."""
    stack_env, stack_region = _split_stack_name(stack)
    provider = mapping(provider)
    tags = strings(config.get("requiredTags"))
    region = config.get("region") or provider.get("region") or stack_region
    return StackContext(
        environment=_environment(config.get("environment")) or stack_env or "prod",
        region=str(region) if region else None,
        required_tags=tuple(tags) if "requiredTags" in config else DEFAULT_REQUIRED_TAGS,
        default_tags=_default_tags(provider.get("defaultTags")),
        facts=facts_from_config(config.get("stackFacts")),
    )


def _environment(value: object) -> Environment | None:
    return next((env for env in ENVIRONMENTS if env == value), None)


def _split_stack_name(stack: str | None) -> tuple[Environment | None, str | None]:
    name = (stack or "").rsplit("/", 1)[-1]  # org/project/stack or stack
    prefix, _, region = name.partition("-")
    environment = _environment(prefix)
    if environment is None:
        return None, None
    return environment, region or None


def _default_tags(value: object) -> dict[str, str]:
    # Provider inputs may reach the analyzer JSON-encoded.
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return {str(k): str(v) for k, v in mapping(mapping(value).get("tags")).items()}


def facts_from_config(value: object) -> StackFacts | None:
    """StackFacts from the camelCase `stackFacts` configuration object; None when absent."""
    data = mapping(value)
    if not data.get("residencyZone"):
        return None
    tenants = tuple(
        TenantFacts(
            slug=str(t.get("slug")),
            tier=str(t.get("tier")),
            regulated=t.get("regulated") is True,
            residency=str(t.get("residency")),
        )
        for t in maps(data.get("tenants"))
    )
    return StackFacts(
        residency_zone=str(data["residencyZone"]),
        tenants=tenants,
        freeze_window=data.get("freezeWindow") or None,
        freeze_override=data.get("freezeOverride") or None,
    )


def policy_config(
    context: StackContext, rules: Iterable[AnyRule] = ALL_RULES
) -> dict[str, dict[str, Any]]:
    """The `--policy-pack-config` document that gives every policy this context.

    The inverse of `context_from_config` (provider default tags excepted, which the adapter
    reads from the provider itself).
    """
    settings: dict[str, Any] = {
        "environment": context.environment,
        "requiredTags": list(context.required_tags),
    }
    if context.region:
        settings["region"] = context.region
    if context.facts:
        settings["stackFacts"] = _facts_config(context.facts)
    return {rule.id: dict(settings) for rule in rules}


def _facts_config(facts: StackFacts) -> dict[str, Any]:
    tenants = [
        {"slug": t.slug, "tier": t.tier, "regulated": t.regulated, "residency": t.residency}
        for t in facts.tenants
    ]
    config: dict[str, Any] = {"residencyZone": facts.residency_zone, "tenants": tenants}
    if facts.freeze_window:
        config["freezeWindow"] = facts.freeze_window
    if facts.freeze_override:
        config["freezeOverride"] = facts.freeze_override
    return config
