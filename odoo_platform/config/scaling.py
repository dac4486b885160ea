"""Each tenant's capacity over the business calendar: what its KEDA ScaledObjects declare.

Pure config (no Pulumi): the tenant component's args and the plan both read `tenant_scaling`, so
what is deployed and what the plan shows cannot differ. Rules (docs/capacity.md):

- normal: web between the profile's `min_replicas` and `max_replicas` on CPU, one cron pod;
- each business event (capacity.events), from `lead_hours` before it: web at least the event
  minimum (the profile's `event_min_replicas` or the event's own), cron `event_cron_replicas`;
- a tenant following working hours (non-prod, not `always_on`): zero outside them, the profile
  minimum inside; its stack has no close to prepare, so no event triggers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from odoo_platform.config.calendar import CapacityEvent, CronWindow, working_hours_window
from odoo_platform.config.catalog import SIZE_PROFILES
from odoo_platform.config.defaults import follows_working_hours, tenant_profile
from odoo_platform.config.errors import ConfigIssue, key_path
from odoo_platform.config.models import PlatformConfig, TenantConfig

WORKING_HOURS = "working-hours"


@dataclass(frozen=True)
class ScheduledCapacity:
    """A window in which the tenant keeps at least these replicas (a KEDA cron trigger each)."""

    name: str
    """The event's name, or `working-hours`."""
    window: CronWindow
    """When: a KEDA cron trigger's start and end."""
    web_replicas: int
    """The web minimum inside the window (the trigger's `desiredReplicas`)."""
    cron_replicas: int
    """The cron pods inside the window."""


@dataclass(frozen=True)
class TenantScaling:
    """The replica bounds and cron windows of one tenant's web and cron ScaledObjects."""

    timezone: str
    """The IANA zone the windows are in (`capacity.working_hours.timezone`)."""
    web_min: int
    """Web replicas outside every window (0: the tenant sleeps outside working hours)."""
    web_max: int
    """The most web replicas CPU may reach (the profile's `max_replicas`)."""
    cron_min: int
    """Cron pods outside every window."""
    cron_max: int
    """The most cron pods a window runs."""
    schedules: tuple[ScheduledCapacity, ...] = ()
    """The windows that raise the minimum (events, working hours)."""

    def __post_init__(self) -> None:
        peaks = [s.web_replicas for s in self.schedules] + [self.web_min]
        crons = [s.cron_replicas for s in self.schedules] + [self.cron_min]
        if max(peaks) > self.web_max or max(crons) > self.cron_max or self.cron_max < 1:
            raise ValueError(f"scheduled replicas above the maximum: {self}")

    @property
    def sleeps(self) -> bool:
        """Zero replicas outside the scheduled windows (working hours)."""
        return self.web_min == 0

    @property
    def cron_scaled(self) -> bool:
        """Whether cron needs a ScaledObject: some window runs it above its minimum."""
        return any(s.cron_replicas > self.cron_min for s in self.schedules)


def capacity_events(config: PlatformConfig) -> list[CapacityEvent]:
    """`capacity.events`, or unset: one event per monthly freeze window (the close periods)."""
    if config.capacity.events is not None:
        return list(config.capacity.events)
    return [
        CapacityEvent(
            name=window.name,
            last_days_of_month=window.last_days_of_month,
            first_days_of_month=window.first_days_of_month,
        )
        for window in config.governance.freeze_windows
        if window.last_days_of_month or window.first_days_of_month
    ]


def tenant_scaling(config: PlatformConfig, tenant: TenantConfig) -> TenantScaling:
    profile = tenant_profile(tenant)
    hours = config.capacity.working_hours
    if follows_working_hours(config, tenant):
        night = ScheduledCapacity(
            WORKING_HOURS, working_hours_window(hours), profile.min_replicas, 1
        )
        return TenantScaling(hours.timezone, 0, profile.max_replicas, 0, 1, (night,))
    schedules = tuple(
        ScheduledCapacity(
            event.name,
            window,
            event.min_web_replicas.get(tenant.size, profile.event_min_replicas),
            profile.event_cron_replicas,
        )
        for event in capacity_events(config)
        for window in event.windows()
    )
    return TenantScaling(
        hours.timezone,
        profile.min_replicas,
        profile.max_replicas,
        1,
        profile.event_cron_replicas,
        schedules,
    )


def issues(config: PlatformConfig) -> Iterator[ConfigIssue]:
    """An event's own web minimum must lie within its size profile's replica range; prod never
    sleeps, so asking it to is an error rather than a setting silently ignored."""
    if config.environment == "prod" and config.capacity.working_hours.enabled:
        yield ConfigIssue(
            key_path("capacity", "working_hours", "enabled"),
            "true is not allowed in prod: production runs around the clock (scale-to-zero "
            "and database stops are for dev and staging); remove the key or set false",
        )
    for i, event in enumerate(config.capacity.events or ()):
        for size, replicas in event.min_web_replicas.items():
            profile = SIZE_PROFILES[size]
            if not profile.min_replicas <= replicas <= profile.max_replicas:
                yield ConfigIssue(
                    key_path("capacity", "events", i, "min_web_replicas", size),
                    f"{replicas} web replicas for size '{size}': allowed "
                    f"{profile.min_replicas} to {profile.max_replicas} (the profile's "
                    "min_replicas to max_replicas; the connection budget counts max_replicas)",
                )
