"""Pulumi CrossGuard adapter: each rule becomes a ResourceValidationPolicy or StackValidationPolicy.

The stack context comes from the stack facts document (`odoo-platform policy-config`, named by
ODOO_PLATFORM_POLICY_FACTS) and each policy's own configuration (`--policy-pack-config`, see
policy_pack/config.example.json); what is not configured is derived from the stack name
(`<environment>-<region>`, e.g. prod-eu-west-1) and the AWS provider, else the strict default.
Freeze windows are judged on the UTC day of the preview (see pack_config).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import pulumi_policy
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

from .model import PACK_NAME, AnyRule, ResourceView, Rule, Severity, StackContext, StackRule
from .pack_config import CONFIG_PROPERTIES, context_from_config, merged, shared_facts
from .registry import ALL_RULES

__all__ = [
    "CONFIG_SCHEMA",
    "ENFORCEMENT",
    "PACK_NAME",
    "build_policies",
    "context_from_config",
    "stack_view",
]

ENFORCEMENT = {
    Severity.MANDATORY: EnforcementLevel.MANDATORY,
    Severity.ADVISORY: EnforcementLevel.ADVISORY,
}

CONFIG_SCHEMA = PolicyConfigSchema(properties=CONFIG_PROPERTIES)


Policy = pulumi_policy.Policy


def build_policies(rules: Iterable[AnyRule] = ALL_RULES) -> list[Policy]:
    """One CrossGuard policy per rule, enforced at the rule's severity."""
    return [_resource_policy(r) if isinstance(r, Rule) else _stack_policy(r) for r in rules]


def _resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if not rule.applies_to(args.resource_type):
            return
        provider = args.provider.props if args.provider is not None else None
        context = context_from_config(_settings(args.get_config()), _stack_name(), provider)
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
        context = context_from_config(_settings(args.get_config()), _stack_name())
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


def _settings(own: object) -> dict[str, object]:
    """The shared stack facts with this policy's own configuration on top."""
    return merged(shared_facts(), own if isinstance(own, dict) else {})
