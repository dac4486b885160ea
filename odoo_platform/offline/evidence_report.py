"""The evidence as an auditor reads it (table, JSON) and the deployment evidence record.

The controls themselves, and the resources that prove each, are in `offline/evidence.py`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from odoo_platform.offline.check_report import finding_json, freeze_json
from odoo_platform.offline.evidence import SCHEMA_VERSION, STATUSES, Control
from odoo_platform.offline.plan import StackPlan
from odoo_platform.policies import ALL_RULES, Severity


def control_json(control: Control) -> dict[str, Any]:
    return {
        "id": control.id,
        "description": control.description,
        "status": control.status,
        "detail": control.detail,
        "resources": [{"urn": r.urn, "type": r.type} for r in control.resources],
    }


def summary(found: Sequence[Control]) -> dict[str, Any]:
    counts: dict[str, Any] = {s: sum(c.status == s for c in found) for s in STATUSES}
    return {**counts, "not_met": [c.id for c in found if c.status == "not met"]}


def rule_results(plan: StackPlan) -> list[dict[str, Any]]:
    """Per rule: its severity and how many findings it raised (0: passed)."""
    findings = plan.check.findings
    return [
        {
            "rule": rule.id,
            "severity": rule.severity.value,
            "findings": sum(f.rule_id == rule.id for f in findings),
        }
        for rule in ALL_RULES
    ]


def policy_json(plan: StackPlan) -> dict[str, Any]:
    check = plan.check
    return {
        "passed": not check.mandatory_failures,
        "counts": {s.value: sum(f.severity is s for f in check.findings) for s in Severity},
        "rules": rule_results(plan),
        "findings": [finding_json(f) for f in check.findings],
    }


def plan_summary(plan: StackPlan) -> dict[str, Any]:
    resources = plan.check.result.resources
    return {
        "resources": sum(r.custom for r in resources),
        "components": sum(not r.custom for r in resources),
        "cost": {
            "estimate": True,
            "currency": plan.cost.prices.currency,
            "monthly": round(plan.cost.total, 2),
        },
    }


def evidence_json(plan: StackPlan, found: Sequence[Control]) -> dict[str, Any]:
    """`odoo-platform evidence --json` (docs/evidence.md)."""
    check = plan.check
    return {
        "schema_version": SCHEMA_VERSION,
        "stack": check.stack,
        "environment": check.config.environment,
        "region": check.config.region,
        "date": check.today.isoformat(),
        "freeze": freeze_json(check),
        "summary": summary(found),
        "controls": [control_json(c) for c in found],
        "policy": policy_json(plan),
        "plan": plan_summary(plan),
    }


def print_evidence(plan: StackPlan, found: Sequence[Control], console: Console) -> None:
    style = {"met": "green", "not met": "bold red", "not applicable": "dim"}
    check = plan.check
    console.print(
        f"Evidence for stack {check.stack} ({check.config.environment}, "
        f"{check.config.region}) as declared on {check.today.isoformat()}"
    )
    table = Table(title_justify="left")
    table.add_column("control", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("what holds / what is missing", overflow="fold")
    table.add_column("proved by", overflow="fold")
    for control in found:
        table.add_row(
            control.id,
            f"[{style[control.status]}]{control.status}[/]",
            f"{control.description}\n[dim]{control.detail}[/]",
            "\n".join(f"{r.type} {r.name}" for r in control.resources[:8])
            + (
                f"\n(+{len(control.resources) - 8} more, --json lists all)"
                if len(control.resources) > 8
                else ""
            ),
        )
    console.print(table)
    console.print(
        ", ".join(f"{n} {status}" for status, n in summary(found).items() if status in STATUSES)
    )


# --- the deployment evidence record -----------------------------------------------------------


class RecordError(ValueError):
    """What the record needs and could not find (the commit, the approver)."""


def current_commit(environ: Mapping[str, str]) -> str:
    """`GITHUB_SHA` in GitHub Actions, else the work tree's HEAD."""
    if environ.get("GITHUB_SHA"):
        return environ["GITHUB_SHA"]
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise RecordError(
            f"no commit: GITHUB_SHA is not set and git rev-parse HEAD failed ({error})"
        ) from None
    return done.stdout.strip()


def run_details(environ: Mapping[str, str]) -> dict[str, str | None]:
    """The pipeline run: its id, repository and URL (GitHub Actions variables), or nulls."""
    server, repository, run_id = (
        environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    url = (
        f"{server}/{repository}/actions/runs/{run_id}" if server and repository and run_id else None
    )
    return {"id": run_id, "repository": repository, "url": url}


def deployment_record(
    plan: StackPlan,
    found: Sequence[Control],
    *,
    approver: str | None,
    time: str,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The deployment evidence record (docs/evidence.md). Its `deployment` object is what the
    deploy job sets as `odoo-platform:deployment` so the stack exports it."""
    environ = os.environ if environ is None else environ
    who = approver or environ.get("GITHUB_ACTOR")
    if not who:
        raise RecordError(
            "no approver: pass --approver NAME (in GitHub Actions, GITHUB_ACTOR is used)"
        )
    run = run_details(environ)
    check = plan.check
    deployment = {
        "commit": current_commit(environ),
        "approver": who,
        "run_url": run["url"],
        "time": time,
    }
    return {
        "schema_version": SCHEMA_VERSION,
        "stack": check.stack,
        "environment": check.config.environment,
        "region": check.config.region,
        **{k: deployment[k] for k in ("commit", "approver", "time")},
        "run": run,
        "deployment": {k: v for k, v in deployment.items() if v is not None},
        "freeze": freeze_json(check),
        "policy": {k: v for k, v in policy_json(plan).items() if k != "findings"},
        "plan": plan_summary(plan),
        "controls": summary(found),
    }
