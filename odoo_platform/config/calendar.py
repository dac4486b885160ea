"""Working hours: when non-production stacks run (issue 16).

Outside them KEDA's cron triggers scale Odoo to zero and EventBridge Scheduler stops the RDS
servers; both read the same `capacity.working_hours`, so pods and databases agree. The times are
local to `timezone` (an IANA name, as KEDA's cron trigger and EventBridge Scheduler take it), so
the schedule follows daylight saving time.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Literal

from pydantic import Field, field_validator, model_validator

from odoo_platform.config.fields import Strict

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class WorkingHours(Strict):
    """When a non-production stack runs; outside these hours it scales to zero and stops."""

    enabled: bool | None = Field(
        None, description="default: true in dev and staging, false in prod (never on in prod)"
    )
    timezone: str = Field("UTC", description="an IANA time zone, e.g. Europe/London")
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]), min_length=1)
    start: str = Field("07:00", pattern=HHMM, description="local time the stack starts (HH:MM)")
    end: str = Field("20:00", pattern=HHMM, description="local time the stack stops (HH:MM)")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not an IANA time zone (e.g. Europe/London)") from None
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> WorkingHours:
        if _minutes(self.start) >= _minutes(self.end):
            raise ValueError(f"start {self.start} must be before end {self.end} (same day)")
        return self

    @property
    def hours_per_week(self) -> float:
        """Running hours in a week: what the cost estimate charges for scheduled resources."""
        return len(set(self.days)) * (_minutes(self.end) - _minutes(self.start)) / 60

    @property
    def running_fraction(self) -> float:
        """The share of a week the stack runs (1.0 when always on)."""
        return self.hours_per_week / (7 * 24)

    def cron_days(self) -> str:
        """The days as a cron day-of-week field (`1-5` style names: `MON,TUE,...`)."""
        return ",".join(d.upper() for d in WEEKDAYS if d in self.days)

    def start_time(self) -> dt.time:
        return dt.time.fromisoformat(self.start)

    def end_time(self) -> dt.time:
        return dt.time.fromisoformat(self.end)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


class CapacityConfig(Strict):
    """Capacity that follows the business calendar and working hours (docs/capacity.md)."""

    working_hours: WorkingHours = WorkingHours()
