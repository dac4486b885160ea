"""All rules, and evaluation of a list of resources against them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from .aws import AWS_RULES
from .kubernetes import KUBERNETES_RULES
from .model import AnyRule, Finding, ResourceView, Rule, StackContext, StackRule
from .stack import STACK_RULES

ALL_RULES: tuple[AnyRule, ...] = (*AWS_RULES, *KUBERNETES_RULES, *STACK_RULES)


def rule_by_id(rule_id: str) -> AnyRule:
    for rule in ALL_RULES:
        if rule.id == rule_id:
            return rule
    raise KeyError(rule_id)


def evaluate(
    resources: Iterable[ResourceView],
    context: StackContext | None = None,
    rules: Iterable[AnyRule] = ALL_RULES,
) -> list[Finding]:
    """Findings of every rule, in rule order then resource order.

    A stack has one context: `context` when given (it replaces the resources' own), else the
    first resource's. Stack rules are skipped when the stack lacks what they need (StackFacts in
    the context, property dependencies on the resources).
    """
    views = list(resources)
    if context is None:
        stack_context = views[0].context if views else StackContext()
    else:
        stack_context = context
        views = [v if v.context is context else replace(v, context=context) for v in views]
    findings: list[Finding] = []
    for rule in rules:
        if isinstance(rule, Rule):
            findings += _resource_findings(rule, views)
        elif rule.applicable(views, stack_context):
            findings += _stack_findings(rule, views, stack_context)
    return findings


def _resource_findings(rule: Rule, views: Sequence[ResourceView]) -> list[Finding]:
    return [
        Finding.of(rule, message, view)
        for view in views
        if rule.applies_to(view.type)
        for message in rule.check(view)
    ]


def _stack_findings(
    rule: StackRule, views: Sequence[ResourceView], context: StackContext
) -> list[Finding]:
    return [Finding.of(rule, v.message, v.resource, v.tenant) for v in rule.check(views, context)]
