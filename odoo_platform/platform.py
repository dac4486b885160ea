"""Composition of a regional platform from one validated configuration."""

from __future__ import annotations

import datetime as dt

import pulumi

from odoo_platform.config import PlatformConfig, connection_budgets
from odoo_platform.config.lifecycle import retained_tenants


def summary(config: PlatformConfig) -> dict[str, object]:
    """What the stack hosts, in a form safe to export (no secrets)."""
    return {
        "environment": config.environment,
        "region": config.region,
        "residency": config.residency,
        "tenants": {
            t.slug: {"tier": t.tier, "size": t.size, "state": t.state, "odoo": t.odoo_version}
            for t in config.tenants
        },
        "connection_budgets": {
            b.server: {"total": b.total, "max_connections": b.max_connections}
            for b in connection_budgets(config)
        },
    }


RETAINED_TENANTS = "retained_tenants"  # tenants whose data the next deployment must keep


def build_platform(config: PlatformConfig, today: dt.date) -> None:
    pulumi.export("summary", summary(config))
    pulumi.export(RETAINED_TENANTS, retained_tenants(config, today))
    override = config.governance.freeze_override
    if override is not None:
        pulumi.export("freeze_override", override.model_dump())
