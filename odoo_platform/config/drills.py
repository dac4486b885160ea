"""DR drills and the DR site's restore (issue 17): which stacks run them, when, against what.

A primary stack with a DR mode drills every tenant weekly from the DR-region copy of its backups
(`disaster_recovery.drills`); a DR site in `backup-restore` or `pilot-light` mode restores every
tenant from that copy before Odoo first starts. Weekly, because the drill's CloudWatch alarm
treats a missing result as breaching over a 7-day window, the longest an alarm evaluates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from odoo_platform.config.calendar import WEEKDAYS, Weekday
from odoo_platform.config.fields import Strict

if TYPE_CHECKING:
    from odoo_platform.config.models import PlatformConfig

# Days the drill alarm looks back: one weekly drill must land in it.
DRILL_WINDOW_DAYS = 7


class DrillsConfig(Strict):
    """Weekly DR drills of every tenant, from the DR-region copy of its backups."""

    enabled: bool = Field(
        True, description="restore each tenant weekly from the DR region into a scratch database"
    )
    weekday: Weekday = Field(
        "sat", description="the day (UTC) of the drill; the hour is staggered per tenant"
    )


def drills_run(config: PlatformConfig) -> bool:
    """A primary stack with a DR mode drills (a DR site does not drill itself)."""
    dr = config.disaster_recovery
    return dr is not None and dr.drills.enabled and config.dr_site is None


def drill_weekday(config: PlatformConfig) -> int:
    """The drill day as cron counts it (0 Sunday .. 6 Saturday)."""
    assert config.disaster_recovery is not None
    return (WEEKDAYS.index(config.disaster_recovery.drills.weekday) + 1) % 7


def restores_on_start(config: PlatformConfig) -> bool:
    """A DR site that has no replicas restores its tenants from the primary's DR-region copy."""
    site = config.dr_site
    return site is not None and site.mode in ("backup-restore", "pilot-light")
