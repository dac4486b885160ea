"""The plan's recovery objectives: per tenant, the DR mode, RPO achieved and RTO estimated against
their targets (`config.recovery` derives them; a valid configuration meets every target)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from odoo_platform.config import recovery
from odoo_platform.config.models import PlatformConfig
from odoo_platform.config.recovery import NO_DR, TenantRecovery


def recovery_json(config: PlatformConfig) -> dict[str, Any]:
    """`recovery` of `plan --json`: `tenants.<slug>` and the figures with their sources."""
    return {
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


def print_recovery(config: PlatformConfig, console: Console, limit: int | None = None) -> None:
    """One row per tenant; `limit` keeps the summary to a screen."""
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
    shown = entries if limit is None else entries[:limit]
    for entry in shown:
        table.add_row(
            entry.slug,
            entry.achieved.mode or NO_DR,
            _versus(entry.achieved.rpo_minutes, entry.rpo_target.value),
            _versus(entry.achieved.rto_minutes, entry.rto_target.value),
            verdict(entry),
        )
    if len(shown) < len(entries):
        table.add_row(f"... {len(entries) - len(shown)} more (--details, --json)", "", "", "", "")
    console.print(table)
    met = sum(entry.met is True for entry in entries)
    console.print(
        f"[dim]{met} of {len(entries)} tenants meet their recovery objectives; figures and their "
        f"sources (retrieved {recovery.FIGURES['retrieved']}): docs/disaster-recovery.md, "
        "--json recovery.sources.[/]"
    )
