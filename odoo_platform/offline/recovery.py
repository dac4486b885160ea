"""The plan's recovery objectives: per tenant, the DR mode, RPO achieved and RTO estimated against
their targets (`config.recovery` derives them; a valid configuration meets every target)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from odoo_platform.config import recovery
from odoo_platform.config.models import PlatformConfig
from odoo_platform.config.recovery import NO_DR, TenantRecovery

SHORT_STANDBY_NOTE = "Warm standby: RPO/RTO hold only with its standby stack deployed (--details)."


def standby_note(config: PlatformConfig, stack: str = "<stack>") -> str | None:
    """On a warm-standby primary: the objectives assume a standby stack that only the estate can
    show exists (`odoo-platform estate` checks it); elsewhere None."""
    dr = config.disaster_recovery
    if config.dr_site is not None or dr is None or dr.mode != "warm-standby":
        return None
    return (
        f"Warm standby: these RPO and RTO hold only with its standby stack deployed in "
        f"{dr.dr_region} (dr_site.primary_stack naming <org>/<project>/{stack}, mode "
        "warm-standby); `odoo-platform estate` fails when the estate has none."
    )


def recovery_json(config: PlatformConfig, stack: str = "<stack>") -> dict[str, Any]:
    """`recovery` of `plan --json`: `tenants.<slug>`, the figures with their sources, and the
    condition the figures rest on (`note`, or None)."""
    return {
        "note": standby_note(config, stack),
        "tenants": {
            r.slug: {
                "mode": r.achieved.mode or NO_DR,
                "rpo_target_minutes": r.rpo_target.value,
                "rpo_achieved_minutes": r.achieved.rpo_minutes,
                "rto_target_minutes": r.rto_target.value,
                "rto_estimated_minutes": r.achieved.rto_minutes,
            }
            for r in recovery.tenant_recoveries(config)
        },
        "sources": {
            "scope": recovery.SCOPE,
            "retrieved": recovery.FIGURES["retrieved"],
            "figures": recovery.FIGURES["figures"],
            "tables": recovery.FIGURES["tables"],
        },
    }


def _versus(value: int | None, target: int | None) -> str:
    """`achieved / target` in minutes."""
    return (
        ("unbounded" if value is None else str(value))
        + " / "
        + ("-" if target is None else str(target))
    )


def verdict(entry: TenantRecovery) -> str:
    met = entry.met
    return "no target" if met is None else ("met" if met else "[bold red]not met[/]")


def print_recovery(config: PlatformConfig, console: Console, stack: str = "<stack>") -> None:
    """One row per tenant (`plan --details`), then the figures' sources and conditions."""
    entries = recovery.tenant_recoveries(config)
    if not entries:
        return
    dr = config.disaster_recovery
    where = f", recovered in {dr.dr_region}" if dr is not None else ""
    table = Table(
        title=f"Recovery objectives (loss of {config.region}{where})", title_justify="left"
    )
    table.add_column("tenant", no_wrap=True)
    table.add_column("mode", no_wrap=True)
    table.add_column("RPO min / target", justify="right", no_wrap=True)
    table.add_column("RTO min / target", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    for entry in entries:
        table.add_row(
            entry.slug,
            entry.achieved.mode or NO_DR,
            _versus(entry.achieved.rpo_minutes, entry.rpo_target.value),
            _versus(entry.achieved.rto_minutes, entry.rto_target.value),
            verdict(entry),
        )
    console.print(table)
    console.print(
        f"[dim]{summary(entries)}; figures and their sources (retrieved "
        f"{recovery.FIGURES['retrieved']}): docs/disaster-recovery.md, --json "
        "recovery.sources.[/]"
    )
    _print_note(config, console, stack)


def _print_note(config: PlatformConfig, console: Console, stack: str) -> None:
    note = standby_note(config, stack)
    if note is not None:
        console.print(f"[yellow]{note}[/]", highlight=False)


def summary(entries: list[TenantRecovery]) -> str:
    """`8/10 tenants meet targets, 2 have none`."""
    met = sum(entry.met is True for entry in entries)
    unset = sum(entry.met is None for entry in entries)
    return f"{met}/{len(entries)} tenants meet targets" + (f", {unset} have none" if unset else "")


def print_recovery_summary(
    config: PlatformConfig, console: Console, stack: str = "<stack>"
) -> None:
    """One line of the one-screen summary: the mode, the verdicts and the worst figures."""
    entries = recovery.tenant_recoveries(config)
    if not entries:
        return
    rpo = [e.achieved.rpo_minutes for e in entries]
    rto = [e.achieved.rto_minutes for e in entries]
    worst = (
        f"worst RPO {max(r for r in rpo if r is not None)}/"
        f"RTO {max(r for r in rto if r is not None)} min"
        if None not in rpo and None not in rto
        else "RPO/RTO unbounded"
    )
    mode = recovery.recovery_mode(config) or NO_DR
    console.print(f"Recovery: {summary(entries)} ({mode}, {worst})")
    if standby_note(config, stack) is not None:  # one line: the summary fits one screen
        console.print(f"[yellow]{SHORT_STANDBY_NOTE}[/]", highlight=False)
