"""When EventBridge Scheduler stops and starts a non-production RDS server (issue 16).

A server follows `capacity.working_hours` when the stack shuts down at night
(`defaults.scheduled_shutdown`) and nobody on it must run around the clock:
- a shared pool's server: unless ANY tenant on that pool is `always_on` (they share it);
- a dedicated tenant's server: unless that tenant is `always_on`.
RDS refuses to stop an instance that has a read replica (or is one), so a server with a
reporting replica is never scheduled and the plan says so.

The start schedule fires on working days at `start`; the stop schedule fires EVERY day at `end`.
RDS starts a stopped instance by itself after seven days; on a working day the start schedule
would have started it anyway, but on a non-working day (a weekend, or the long gap of a
one-working-day week) it would run until the next `end`: the daily stop catches it that same
evening. Stopping an already stopped instance fails harmlessly (InvalidDBInstanceState).
"""

from __future__ import annotations

from dataclasses import dataclass

from odoo_platform.config import defaults
from odoo_platform.config.calendar import JobWindow, WorkingHours
from odoo_platform.config.models import DEFAULT_POOL, PlatformConfig, TenantConfig
from odoo_platform.config.pools import pool_of

WEEKS_PER_MONTH = 52 / 12


@dataclass(frozen=True)
class ServerSchedule:
    """The EventBridge Scheduler expressions of one server, in the stack's time zone."""

    start: str
    """`cron(...)`: working days at the start of working hours."""
    stop: str
    """`cron(...)`: every day at the end of working hours."""
    timezone: str
    """The IANA zone both expressions are evaluated in (`schedule_expression_timezone`)."""
    hours_per_week: float
    """The hours the instance runs in a week: what the cost estimate charges."""

    @property
    def hours_per_month(self) -> float:
        return self.hours_per_week * WEEKS_PER_MONTH


def scheduler_cron(hhmm: str, days: str | None) -> str:
    """An EventBridge Scheduler cron expression firing at local `hhmm` on `days`.

    Six fields: minutes hours day-of-month month day-of-week year. One of day-of-month and
    day-of-week must be `?`: with named days the day-of-month is `?`; every day (`days` None)
    puts `*` in day-of-month and `?` in day-of-week.
    """
    hours, minutes = (int(part) for part in hhmm.split(":"))
    day_of_month, day_of_week = ("?", days) if days else ("*", "?")
    return f"cron({minutes} {hours} {day_of_month} * {day_of_week} *)"


def server_schedule(hours: WorkingHours) -> ServerSchedule:
    return ServerSchedule(
        start=scheduler_cron(hours.start, hours.cron_days()),
        stop=scheduler_cron(hours.end, None),
        timezone=hours.timezone,
        hours_per_week=hours.hours_per_week,
    )


def shared_server_schedule(
    config: PlatformConfig, pool: str = DEFAULT_POOL
) -> ServerSchedule | None:
    """A shared pool's server schedule; None when the stack never sleeps or a tenant on that
    pool is always on (tenants on other pools do not keep it up)."""
    if not defaults.scheduled_shutdown(config):
        return None
    if any(t.always_on for t in config.tenants if t.tier == "shared" and pool_of(t) == pool):
        return None
    return server_schedule(config.capacity.working_hours)


def dedicated_server_schedule(
    config: PlatformConfig, tenant: TenantConfig
) -> ServerSchedule | None:
    """A dedicated tenant's server schedule; None when it runs always (or has a replica)."""
    if not defaults.follows_working_hours(config, tenant):
        return None
    if defaults.dedicated_settings(config, tenant).reporting_replica:
        return None
    return server_schedule(config.capacity.working_hours)


def schedule_warnings(config: PlatformConfig) -> list[str]:
    """Servers that would sleep but cannot: RDS does not stop an instance with a read replica."""
    return [
        f"tenant '{t.slug}': its database server has a reporting replica, which RDS cannot "
        "stop, so it runs nights and weekends (no stop/start schedule)"
        for t in config.tenants
        if t.tier == "dedicated"
        and defaults.follows_working_hours(config, t)
        and defaults.dedicated_settings(config, t).reporting_replica
    ]


def job_window(config: PlatformConfig, tenant: TenantConfig) -> JobWindow | None:
    """When the tenant's backups may run if its database server sleeps; None: it never sleeps
    (backups run at night, UTC)."""
    sleeps = (
        shared_server_schedule(config, pool_of(tenant))
        if tenant.tier == "shared"
        else dedicated_server_schedule(config, tenant)
    )
    return None if sleeps is None else config.capacity.working_hours.job_window()
