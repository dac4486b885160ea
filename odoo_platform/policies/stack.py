"""Stack rules over the configuration's facts: tenant placement, residency, change freeze.

Config validation enforces the same placement rules; these repeat them where a stack is built
without our configuration loader (a user's own project, CrossGuard on any stack).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .model import ResourceView, Severity, StackContext, StackFacts, StackRule, Violation

DEDICATED_TIER = "dedicated"


def _facts(context: StackContext) -> StackFacts:
    if context.facts is None:  # evaluate() and the adapter skip facts rules without facts
        raise ValueError("this rule needs StackFacts in the context")
    return context.facts


def _regulated_dedicated(
    _resources: Sequence[ResourceView], context: StackContext
) -> Iterator[Violation]:
    for tenant in _facts(context).tenants:
        if tenant.regulated and tenant.tier != DEDICATED_TIER:
            yield Violation(
                f"tenant {tenant.slug} is regulated but placed in the {tenant.tier} tier",
                tenant=tenant.slug,
            )


def _residency(_resources: Sequence[ResourceView], context: StackContext) -> Iterator[Violation]:
    facts = _facts(context)
    region = context.region or "this stack's region"
    for tenant in facts.tenants:
        if tenant.residency != facts.residency_zone:
            yield Violation(
                f"tenant {tenant.slug} requires residency {tenant.residency}, but {region} is in "
                f"zone {facts.residency_zone}",
                tenant=tenant.slug,
            )


def _change_freeze(
    _resources: Sequence[ResourceView], context: StackContext
) -> Iterator[Violation]:
    facts = _facts(context)
    if context.is_prod and facts.freeze_window and not facts.freeze_override:
        until = f" until {facts.freeze_until}" if facts.freeze_until else ""
        yield Violation(
            f"change freeze {facts.freeze_window!r} is active{until} and no override covers it: "
            f"previews pass, `pulumi up` stops"
        )


M = Severity.MANDATORY

STACK_RULES: tuple[StackRule, ...] = (
    StackRule(
        "tenant-regulated-dedicated",
        "Regulated tenants are placed in the dedicated tier: own node group, database server, "
        "cache, bucket and KMS key.",
        M,
        (),
        "Move the tenant to tier 'dedicated', or clear 'regulated' if it was set by mistake.",
        _regulated_dedicated,
        needs_facts=True,
    ),
    StackRule(
        "tenant-residency-matches-region",
        "Every tenant's data-residency zone is the zone of the stack's region.",
        M,
        (),
        "Place the tenant in a stack whose region lies in its residency zone.",
        _residency,
        needs_facts=True,
    ),
    # Advisory: a preview in a freeze passes and says so; the stack program itself stops the
    # update (odoo_platform.platform.program.check_change_freeze), which a policy cannot tell
    # from a preview.
    StackRule(
        "prod-change-freeze",
        "Prod stacks are not updated during an active change-freeze window unless an unexpired "
        "override for that window is recorded; previews pass and report the freeze.",
        Severity.ADVISORY,
        (),
        "Wait for the window to end, or record governance.freeze_override with the approved "
        "change reference, reason, the window it covers and the day it expires.",
        _change_freeze,
        needs_facts=True,
    ),
)
