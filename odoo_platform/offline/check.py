"""Offline checks of a stack: run its program under the mocks harness and apply the policy rules.

The same rules run in the CrossGuard pack (`odoo-platform policy-pack-path`); here they see every
resource the program declares, with the stack facts taken straight from the validated
configuration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from odoo_platform.config import ConfigError, PlatformConfig, load_stack_file
from odoo_platform.config.freeze import FreezeState, freeze_state, override_issues
from odoo_platform.config.tags import base_tags
from odoo_platform.offline.placement import tenant_tiers
from odoo_platform.policies import (
    DEFAULT_REQUIRED_TAGS,
    Finding,
    ResourceView,
    Severity,
    StackContext,
    StackFacts,
    TenantFacts,
    evaluate,
)
from odoo_platform.synthesis.harness import Program, ProgramResult, run_stack


def stack_context(config: PlatformConfig, today: dt.date) -> StackContext:
    """What the stack-level rules need to know, from the configuration and the date."""
    freeze = freeze_state(config, today)
    required = tuple(dict.fromkeys((*DEFAULT_REQUIRED_TAGS, *config.governance.required_tag_keys)))
    return StackContext(
        environment=config.environment,
        region=config.region,
        required_tags=required,
        default_tags=base_tags(config),
        facts=StackFacts(
            residency_zone=config.residency,
            tenants=tuple(
                TenantFacts(t.slug, t.tier, t.regulated, t.residency) for t in config.tenants
            ),
            freeze_window=freeze.window if freeze else None,
            freeze_override=freeze.override.change_ref if freeze and freeze.override else None,
            freeze_until=freeze.until.isoformat() if freeze else None,
        ),
    )


def load_for_day(path: Path, today: dt.date) -> PlatformConfig:
    """The validated stack file as the program sees it on `today` (an expired freeze override
    is invalid input); raises `ConfigError` with every problem."""
    config = load_stack_file(path)
    issues = override_issues(config, today)
    if issues:
        raise ConfigError(issues, str(path))
    return config


def resource_views(result: ProgramResult, context: StackContext) -> list[ResourceView]:
    """Every declared resource as the policy engine sees it: type, URN, input properties and
    the resources each property's value came from."""
    return [
        ResourceView(r.type, r.urn, r.inputs, context, r.property_dependencies)
        for r in result.resources
        if r.custom
    ]


@dataclass(frozen=True)
class StackCheck:
    """A stack run offline: its configuration, what it declared and what the rules found."""

    stack: str
    config: PlatformConfig
    result: ProgramResult
    findings: list[Finding]
    today: dt.date  # the day of everything reported: freeze, lifecycle, policy context

    @property
    def freeze(self) -> FreezeState | None:
        return freeze_state(self.config, self.today)

    @property
    def mandatory_failures(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.MANDATORY]


def check_stack(
    stack_file_path: Path, stack: str | None, today: dt.date, program: Program | None = None
) -> StackCheck:
    """Validate the stack file, run the program as a preview, and evaluate every rule.

    `program` replaces the stack program (`odoo_platform.platform.program.main`), e.g.
    to plan another Pulumi program against this stack file's configuration; the program's
    clock reads `today`.
    Raises `ConfigError` for an invalid stack file, before anything is declared.
    """
    config = load_for_day(stack_file_path, today)
    name = stack or stack_file_path.name.removeprefix("Pulumi.").removesuffix(".yaml")
    result = run_stack(name, config_file=stack_file_path, program=program, today=today)
    context = stack_context(config, today)
    findings = evaluate(resource_views(result, context), context)
    return StackCheck(name, config, result, owned(findings, result, config), today)


def owned(
    findings: Sequence[Finding], result: ProgramResult, config: PlatformConfig
) -> list[Finding]:
    """Each finding on a resource names the tenant that owns it (`ProgramResult.placements()`),
    also when the resource carries no tenant tag or label of its own."""
    where = result.placements(tenant_tiers(config))

    def tenant(finding: Finding) -> str | None:
        placed = where.get(finding.urn) if finding.urn else None
        return finding.tenant or (placed.tenant if placed else None)

    return [replace(f, tenant=tenant(f)) for f in findings]


def findings_by_tenant(findings: Sequence[Finding]) -> dict[str, dict[str, list[Finding]]]:
    """Findings grouped by tenant ("platform" for shared resources), then by severity."""
    groups: dict[str, dict[str, list[Finding]]] = {}
    for finding in findings:
        tenant = groups.setdefault(finding.tenant or "platform", {})
        tenant.setdefault(finding.severity.value, []).append(finding)
    return groups
