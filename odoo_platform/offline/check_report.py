"""Human (rich) and JSON renderings of the offline tools' results.

The JSON documents are a stable interface for CI: fields are only ever added, never renamed.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from odoo_platform.offline.check import StackCheck, findings_by_tenant
from odoo_platform.policies import Finding, Severity

SEVERITY_STYLE = {Severity.MANDATORY: "bold red", Severity.ADVISORY: "yellow"}


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule_id,
        "severity": finding.severity.value,
        "tenant": finding.tenant,
        "resource": finding.name,
        "type": finding.resource_type,
        "urn": finding.urn,
        "message": finding.message,
        "remediation": finding.remediation,
    }


def freeze_json(check: StackCheck) -> dict[str, Any] | None:
    """The change freeze on the day of the run: null when none."""
    state = check.freeze
    if state is None:
        return None
    return {
        "window": state.window,
        "until": state.until.isoformat(),
        "update_blocked": state.update_blocked,
        "override": state.override.change_ref if state.override else None,
        "notice": state.notice(),
    }


def policies_json(check: StackCheck) -> dict[str, Any]:
    """`odoo-platform policies --json`: every finding, and counts per severity."""
    return {
        "stack": check.stack,
        "environment": check.config.environment,
        "region": check.config.region,
        "date": check.today.isoformat(),
        "freeze": freeze_json(check),
        "resources_checked": sum(r.custom for r in check.result.resources),
        "passed": not check.mandatory_failures,
        "counts": {s.value: sum(f.severity is s for f in check.findings) for s in Severity},
        "findings": [finding_json(f) for f in check.findings],
        "program_errors": check.result.errors(),
    }


def print_policies(check: StackCheck, console: Console) -> None:
    """Findings grouped by tenant then severity, and a verdict."""
    checked = sum(r.custom for r in check.result.resources)
    console.print(f"Policy check of stack {check.stack}: {checked} resources")
    for tenant, by_severity in sorted(findings_by_tenant(check.findings).items()):
        table = Table(title=f"{tenant}", title_justify="left", expand=False)
        table.add_column("severity", no_wrap=True)
        table.add_column("rule", no_wrap=True)
        table.add_column("resource", overflow="fold")
        table.add_column("finding and remediation", overflow="fold")
        for severity in Severity:
            for finding in by_severity.get(severity.value, []):
                table.add_row(
                    f"[{SEVERITY_STYLE[severity]}]{severity.value}[/]",
                    finding.rule_id,
                    finding.name or "(stack)",
                    f"{finding.message}\n[dim]{finding.remediation}[/]",
                )
        console.print(table)
    console.print(verdict(check.findings))


def verdict(findings: list[Finding]) -> str:
    mandatory = sum(f.severity is Severity.MANDATORY for f in findings)
    advisory = len(findings) - mandatory
    if mandatory:
        return f"[bold red]FAILED[/]: {mandatory} mandatory and {advisory} advisory findings"
    return f"[green]passed[/]: no mandatory findings, {advisory} advisory"
