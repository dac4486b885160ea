"""Working hours and the business calendar (issue 16).

Outside working hours KEDA's cron triggers scale Odoo to zero and EventBridge Scheduler stops the
RDS servers; both read the same `capacity.working_hours`, so pods and databases agree. The times
are local to `timezone` (an IANA name, as KEDA's cron trigger and EventBridge Scheduler take it),
so the schedule follows daylight saving time. `capacity.events` (month-end close, timesheet
deadlines) raise each tenant's minimum capacity ahead of and during each event, in the same zone.

KEDA's cron scaler (kedacore/keda pkg/scalers/cron_scaler.go, v2.20.2) parses `start` and `end`
with robfig/cron's standard 5-field parser: no `L` (last day of month), no `#`, no year. It is
active while the next `end` comes before the next `start`. `CronWindow` encodes each event in
that syntax: "the last N days of the month" becomes one trigger per month length.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator, model_validator

from odoo_platform.config.catalog import SizeName
from odoo_platform.config.fields import Strict

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Who runs the ScaledObjects' controller: the platform's KEDA release or the cluster's own.
EventAutoscaler = Literal["keda", "bring-your-own"]
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
        if _minutes(self.end) - _minutes(self.start) < MIN_WORKING_MINUTES:
            raise ValueError(
                f"{self.start}-{self.end} is too short: at least 4 hours, so that backups, "
                "restore checks and drills run while the databases are up"
            )
        return self

    def job_window(self) -> JobWindow:
        """The local hours a sleeping stack's maintenance CronJobs run in: from the first full
        hour after `start` until two hours before `end` (a dump must finish while the server
        is up), on the working days."""
        start_hour, start_minute = divmod(_minutes(self.start), 60)
        first = start_hour + (1 if start_minute else 0) + 1
        last = max(first + 1, _minutes(self.end) // 60 - 2)
        return JobWindow(self.timezone, first, last, self.cron_days())

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


MIN_WORKING_MINUTES = 4 * 60


@dataclass(frozen=True)
class JobWindow:
    """Local hours (and days) in which a tenant's backup, restore check and drill run: a database
    that sleeps outside working hours can be dumped only inside them."""

    timezone: str
    """The IANA zone of the hours (the CronJobs' `timeZone`)."""
    first_hour: int
    """The first hour a dump may start (local)."""
    last_hour: int
    """The drill's hour; the restore check runs the hour after (local)."""
    days: str
    """Cron day-of-week names: `MON,TUE,...`."""


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class CronWindow:
    """One KEDA cron trigger's window: active from `start` until the following `end`."""

    start: str
    """A robfig/cron 5-field expression: when the window opens."""
    end: str
    """The expression of when it closes."""


# A non-leap year: February's "last days" start on the 28-day calendar, so in a leap year the
# window opens one day early (more capacity, never less). Cron has no year field.
_REFERENCE_YEAR = 2025
_REFERENCE_MONDAY = dt.date(2025, 1, 6)
MAX_LEAD_HOURS = 72


class CapacityEvent(Strict):
    """A recurring business period with more load: monthly (close) or weekly (timesheets)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    last_days_of_month: int = Field(0, ge=0, le=10, description="monthly: the month's last days")
    first_days_of_month: int = Field(0, ge=0, le=10, description="monthly: the next month's first")
    months: list[int] = Field(
        default_factory=list, description="monthly only: the months it closes (1-12); empty: all"
    )
    weekdays: list[Weekday] = Field(
        default_factory=list, description="weekly: whole days, e.g. [fri] for timesheets"
    )
    lead_hours: int = Field(
        12, ge=0, le=MAX_LEAD_HOURS, description="capacity is raised this long before it starts"
    )
    min_web_replicas: dict[SizeName, int] = Field(
        default_factory=dict,
        description="per size profile, instead of the profile's event_min_replicas "
        "(at most its max_replicas)",
    )

    @field_validator("months")
    @classmethod
    def _months(cls, value: list[int]) -> list[int]:
        wrong = [m for m in value if not 1 <= m <= 12]
        if wrong:
            raise ValueError(f"months are 1 to 12, not {wrong}")
        return sorted(set(value))

    @model_validator(mode="after")
    def _one_kind(self) -> CapacityEvent:
        monthly = bool(self.last_days_of_month or self.first_days_of_month)
        if monthly == bool(self.weekdays):
            raise ValueError(
                "give last_days_of_month/first_days_of_month (monthly) or weekdays (weekly), "
                "one of them"
            )
        if self.months and not monthly:
            raise ValueError("months: only with last_days_of_month/first_days_of_month")
        return self

    def windows(self) -> list[CronWindow]:
        """The event as KEDA cron windows (local time of the calendar's time zone)."""
        return self._monthly() if not self.weekdays else self._weekly()

    def _monthly(self) -> list[CronWindow]:
        # Windows of the same shape share a trigger: one per distinct (start day, end day).
        groups: dict[tuple[int, int, int, int, int, int], tuple[list[int], list[int]]]
        groups = defaultdict(lambda: ([], []))
        for month in self.months or range(1, 13):
            start, end = self._month_window(month)
            key = (start.minute, start.hour, start.day, end.minute, end.hour, end.day)
            groups[key][0].append(start.month)
            groups[key][1].append(end.month)
        return [
            CronWindow(
                start=f"{sm} {sh} {sd} {_months_field(starts)} *",
                end=f"{em} {eh} {ed} {_months_field(ends)} *",
            )
            for (sm, sh, sd, em, eh, ed), (starts, ends) in groups.items()
        ]

    def _month_window(self, month: int) -> tuple[dt.datetime, dt.datetime]:
        """The event around `month` in the reference year: from its first day minus the lead
        time to midnight after its last day."""
        first_of_month = dt.datetime(_REFERENCE_YEAR, month, 1)
        next_month = (first_of_month + dt.timedelta(days=32)).replace(day=1)
        if self.last_days_of_month:
            begins = next_month - dt.timedelta(days=self.last_days_of_month)
            ends = next_month + dt.timedelta(days=self.first_days_of_month)
        else:
            begins = first_of_month
            ends = first_of_month + dt.timedelta(days=self.first_days_of_month)
        return begins - dt.timedelta(hours=self.lead_hours), ends

    def _weekly(self) -> list[CronWindow]:
        # One trigger per day: a shared one would end and start at the same minute on
        # consecutive days, which KEDA reads as inactive.
        windows = []
        for day in sorted(set(self.weekdays), key=WEEKDAYS.index):
            midnight = dt.datetime.combine(
                _REFERENCE_MONDAY + dt.timedelta(days=WEEKDAYS.index(day)), dt.time()
            )
            begins = midnight - dt.timedelta(hours=self.lead_hours)
            ends = midnight + dt.timedelta(days=1)
            windows.append(
                CronWindow(
                    start=f"{begins.minute} {begins.hour} * * {_weekday(begins)}",
                    end=f"{ends.minute} {ends.hour} * * {_weekday(ends)}",
                )
            )
        return windows


def _months_field(months: list[int]) -> str:
    return ",".join(str(m) for m in months)


def _weekday(moment: dt.datetime) -> str:
    return WEEKDAYS[moment.weekday()].upper()


def working_hours_window(hours: WorkingHours) -> CronWindow:
    """Working hours as one KEDA cron window: up at `start`, down at `end`, on `days`."""
    start, end = hours.start_time(), hours.end_time()
    days = hours.cron_days()
    return CronWindow(
        start=f"{start.minute} {start.hour} * * {days}", end=f"{end.minute} {end.hour} * * {days}"
    )


class CapacityConfig(Strict):
    """Capacity that follows the business calendar and working hours (docs/capacity.md)."""

    working_hours: WorkingHours = WorkingHours()
    events: list[CapacityEvent] | None = Field(
        None,
        description="business events that raise capacity (in working_hours.timezone); unset: "
        "one per monthly governance.freeze_windows entry (the close periods); [] for none",
    )
