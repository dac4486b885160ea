"""Each tenant's capacity per calendar window, for `odoo-platform plan` (issue 16).

Computed from the configuration by `config.scaling.tenant_scaling`, the same function the
tenants' ScaledObjects are built from, so the plan shows what KEDA will be told.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from odoo_platform.config import defaults
from odoo_platform.config.calendar import CapacityEvent
from odoo_platform.config.lifecycle import runs_workloads
from odoo_platform.config.models import PlatformConfig
from odoo_platform.config.scaling import capacity_events, tenant_scaling

# Pods cost nothing themselves; nodes do. Said with every plan that shows capacity.
NODE_COST_NOTE = (
    "pods are not priced: nodes are. Node groups are priced at their desired (else minimum) "
    "size all month; outside working hours the node autoscaler removes nodes left empty, the "
    "managed baseline (system nodes, node group minimums, the EKS control plane) keeps running"
)


@dataclass(frozen=True)
class CapacityWindow:
    """The replicas a tenant keeps in one window of the calendar."""

    window: str
    when: str
    web_min: int
    web_max: int
    cron: int


@dataclass(frozen=True)
class CapacityPlan:
    timezone: str
    working_hours: str | None
    """`mon,tue,... 07:00-20:00` when the stack sleeps outside them, else None."""
    running_fraction: float | None
    tenants: dict[str, list[CapacityWindow]]


def describe(event: CapacityEvent) -> str:
    if event.weekdays:
        days = ",".join(event.weekdays)
    else:
        parts = [
            f"last {event.last_days_of_month}" if event.last_days_of_month else "",
            f"first {event.first_days_of_month}" if event.first_days_of_month else "",
        ]
        days = " and ".join(p for p in parts if p) + " days of the month"
        if event.months:
            days += f" (months {','.join(map(str, event.months))})"
    return f"{days}, from {event.lead_hours} h before"


def capacity_plan(config: PlatformConfig) -> CapacityPlan:
    hours = config.capacity.working_hours
    sleeps = defaults.scheduled_shutdown(config)
    span = f"{','.join(hours.days)} {hours.start}-{hours.end}"
    events = {e.name: describe(e) for e in capacity_events(config)}
    tenants: dict[str, list[CapacityWindow]] = {}
    for tenant in config.tenants:
        if not runs_workloads(tenant):
            continue
        if tenant.state == "suspended":
            tenants[tenant.slug] = [CapacityWindow("suspended", "always", 0, 0, 0)]
            continue
        scaling = tenant_scaling(config, tenant)
        if scaling.sleeps:
            (day,) = scaling.schedules
            tenants[tenant.slug] = [
                CapacityWindow("working hours", span, day.web_replicas, scaling.web_max, 1),
                CapacityWindow("outside working hours", "nights and other days", 0, 0, 0),
            ]
            continue
        windows = [CapacityWindow("normal", "always", scaling.web_min, scaling.web_max, 1)]
        seen: set[str] = set()
        for schedule in scaling.schedules:
            if schedule.name not in seen:
                seen.add(schedule.name)
                windows.append(
                    CapacityWindow(
                        schedule.name,
                        events[schedule.name],
                        schedule.web_replicas,
                        scaling.web_max,
                        schedule.cron_replicas,
                    )
                )
        tenants[tenant.slug] = windows
    return CapacityPlan(
        timezone=hours.timezone,
        working_hours=span if sleeps else None,
        running_fraction=round(hours.running_fraction, 4) if sleeps else None,
        tenants=tenants,
    )


def capacity_json(plan: CapacityPlan) -> dict[str, Any]:
    return {
        "timezone": plan.timezone,
        "working_hours": plan.working_hours,
        "running_fraction": plan.running_fraction,
        "node_cost": NODE_COST_NOTE,
        "tenants": {
            slug: {
                "windows": [
                    {
                        "window": w.window,
                        "when": w.when,
                        "web_min": w.web_min,
                        "web_max": w.web_max,
                        "cron": w.cron,
                    }
                    for w in windows
                ]
            }
            for slug, windows in plan.tenants.items()
        },
    }


def print_capacity(plan: CapacityPlan, console: Console) -> None:
    title = f"Capacity per calendar window ({plan.timezone})"
    if plan.working_hours:
        title += f"; sleeps outside {plan.working_hours}"
    table = Table(title=title, title_justify="left")
    for column in ("tenant", "window", "when", "web", "cron"):
        table.add_column(column, justify="right" if column in ("web", "cron") else "left")
    for slug, windows in plan.tenants.items():
        for w in windows:
            table.add_row(slug, w.window, w.when, f"{w.web_min}-{w.web_max}", str(w.cron))
    console.print(table)
    console.print(f"[dim]- {NODE_COST_NOTE}[/]")
