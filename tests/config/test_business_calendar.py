"""The business calendar as KEDA cron windows, evaluated with croniter on real dates.

`active` is KEDA's own rule (kedacore/keda pkg/scalers/cron_scaler.go, v2.20.2): a cron trigger
is active while the next `end` comes before the next `start`, both computed in the trigger's
time zone. The windows must hold in every month of a leap and a non-leap year, across DST.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from croniter import croniter

from odoo_platform.config import PlatformConfig
from odoo_platform.config.calendar import (
    CapacityEvent,
    CronWindow,
    WorkingHours,
    working_hours_window,
)
from odoo_platform.config.catalog import SIZE_PROFILES
from odoo_platform.config.scaling import capacity_events, tenant_scaling
from tests.config.conftest import Errors, Refusal, assert_refused_at

LONDON = zoneinfo.ZoneInfo("Europe/London")
# robfig/cron's standard parser (what KEDA uses): numbers, names, lists, ranges, steps, `*`;
# no `L`, `W`, `#` or `?` extensions, five fields.
ROBFIG_FIELD = re.compile(r"^(\*|[0-9A-Z]+(-[0-9A-Z]+)?)(/[0-9]+)?(,(\*|[0-9A-Z]+(-[0-9A-Z]+)?))*$")


def active(window: CronWindow, at: dt.datetime) -> bool:
    """KEDA's cron scaler: inside the window when the next end precedes the next start."""
    next_start = croniter(window.start, at).get_next(dt.datetime)
    next_end = croniter(window.end, at).get_next(dt.datetime)
    return bool(next_end < next_start)


def any_active(windows: list[CronWindow], at: dt.datetime) -> bool:
    return any(active(w, at) for w in windows)


def local(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=LONDON)  # type: ignore[misc]


def month_end_close(
    month_start: dt.date, last: int, first: int, lead: int
) -> Callable[[dt.datetime], bool]:
    """The intended window around the close of `month_start`'s month, on the real calendar."""
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    begins = dt.datetime.combine(next_month - dt.timedelta(days=last), dt.time(), LONDON)
    ends = dt.datetime.combine(next_month + dt.timedelta(days=first), dt.time(), LONDON)
    return lambda at: begins - dt.timedelta(hours=lead) <= at < ends


def test_every_expression_is_robfig_standard_syntax() -> None:
    events = [
        CapacityEvent(name="close", last_days_of_month=3, first_days_of_month=2, lead_hours=36),
        CapacityEvent(name="kickoff", first_days_of_month=2, lead_hours=12),
        CapacityEvent(name="year-end", last_days_of_month=5, months=[12], lead_hours=0),
        CapacityEvent(name="timesheets", weekdays=["mon", "fri"], lead_hours=6),
    ]
    windows = [w for e in events for w in e.windows()]
    windows.append(working_hours_window(WorkingHours(days=["mon", "tue", "thu"])))
    for window in windows:
        for expression in (window.start, window.end):
            fields = expression.split()
            assert len(fields) == 5, expression
            assert all(ROBFIG_FIELD.match(f) for f in fields), expression
            assert croniter.is_valid(expression)


@pytest.mark.parametrize("year", [2024, 2025])
def test_month_end_close_holds_in_every_month(year: int) -> None:
    """Last 3 days and first 2 days, 12 hours ahead: sampled every 5 hours over the year and
    exactly at each edge. February opens on the 28-day calendar: a day early in a leap year."""
    event = CapacityEvent(name="close", last_days_of_month=3, first_days_of_month=2, lead_hours=12)
    windows = event.windows()
    assert len(windows) == 3  # 31-day, 30-day and February closes
    closes = [month_end_close(dt.date(year, m, 1), 3, 2, 12) for m in range(1, 13)]
    closes.append(month_end_close(dt.date(year - 1, 12, 1), 3, 2, 12))
    leap_extra = (
        month_end_close(dt.date(year, 2, 1), 4, 2, 12) if year % 4 == 0 else (lambda _: False)
    )
    at = local(year, 1, 1, 1)
    while at.year == year:
        expected = any(close(at) for close in closes)
        got = any_active(windows, at)
        assert got == expected or (got and leap_extra(at)), at
        at += dt.timedelta(hours=5)
    for month in range(1, 13):
        first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
        days = 4 if month == 2 and year % 4 == 0 else 3
        opens = dt.datetime.combine(first_of_next - dt.timedelta(days=days), dt.time(), LONDON)
        opens -= dt.timedelta(hours=12)
        closes_at = dt.datetime.combine(first_of_next + dt.timedelta(days=2), dt.time(), LONDON)
        minute = dt.timedelta(minutes=1)
        assert not any_active(windows, opens - minute), opens
        assert any_active(windows, opens + minute), opens
        assert any_active(windows, closes_at - minute), closes_at
        assert not any_active(windows, closes_at + minute), closes_at


def test_the_leap_day_is_inside_the_february_close() -> None:
    windows = CapacityEvent(name="close", last_days_of_month=3).windows()
    assert any_active(windows, local(2024, 2, 29, 9))
    assert any_active(windows, local(2024, 2, 27, 9))
    assert not any_active(windows, local(2024, 3, 1, 9))
    assert any_active(windows, local(2025, 2, 26, 9))
    assert not any_active(windows, local(2025, 2, 25, 9))  # 12 hours of lead: from 12:00


def test_a_year_end_close_is_only_in_december() -> None:
    windows = CapacityEvent(
        name="year-end", last_days_of_month=2, first_days_of_month=3, months=[12]
    ).windows()
    assert windows == [CronWindow(start="0 12 29 12 *", end="0 0 4 1 *")]
    assert any_active(windows, local(2025, 12, 31, 10)) and any_active(
        windows, local(2026, 1, 3, 23)
    )
    assert not any_active(windows, local(2026, 1, 4, 1)) and not any_active(
        windows, local(2026, 6, 30, 10)
    )


def test_first_days_with_a_lead_start_on_the_previous_month() -> None:
    windows = CapacityEvent(name="kickoff", first_days_of_month=1, lead_hours=36).windows()
    # from 36 hours before the 1st: the 30th of a 31-day month, the 29th of a 30-day one
    assert any_active(windows, local(2025, 7, 30, 13)) and not any_active(
        windows, local(2025, 7, 30, 11)
    )
    assert any_active(windows, local(2025, 6, 29, 13)) and not any_active(
        windows, local(2025, 6, 29, 11)
    )
    assert any_active(windows, local(2024, 2, 28, 13)) and any_active(
        windows, local(2024, 3, 1, 23)
    )
    assert not any_active(windows, local(2024, 3, 2, 1))


def test_weekly_timesheets_from_thursday_evening_to_saturday() -> None:
    windows = CapacityEvent(name="timesheets", weekdays=["fri"], lead_hours=6).windows()
    assert windows == [CronWindow(start="0 18 * * THU", end="0 0 * * SAT")]
    # 2025-03-27 is a Thursday; the clocks change in London on Sunday 30 March
    assert not any_active(windows, local(2025, 3, 27, 17, 59))
    assert any_active(windows, local(2025, 3, 27, 18, 1)) and any_active(
        windows, local(2025, 3, 28, 23, 59)
    )
    assert not any_active(windows, local(2025, 3, 29, 0, 1))


def test_consecutive_weekdays_stay_active_across_midnight() -> None:
    windows = CapacityEvent(name="deadline", weekdays=["thu", "fri"], lead_hours=0).windows()
    assert len(windows) == 2
    for minute in range(-2, 3):
        assert any_active(windows, local(2025, 3, 28) + dt.timedelta(minutes=minute))


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Australia/Sydney"])
def test_working_hours_follow_local_time_across_dst(zone: str) -> None:
    tz = zoneinfo.ZoneInfo(zone)
    window = working_hours_window(WorkingHours(timezone=zone, start="07:30", end="19:00"))
    for day in (
        dt.date(2025, 3, 28),
        dt.date(2025, 3, 31),
        dt.date(2025, 10, 27),
        dt.date(2025, 11, 3),
    ):

        def at(h: int, m: int, d: dt.date = day) -> dt.datetime:
            return dt.datetime.combine(d, dt.time(h, m), tz)

        weekday = day.weekday() < 5
        assert active(window, at(7, 31)) is weekday and active(window, at(18, 59)) is weekday
        assert not active(window, at(7, 29)) and not active(window, at(19, 1))
    saturday = dt.datetime(2025, 3, 29, 12, tzinfo=tz)
    assert not active(window, saturday)


def _config(
    valid: Callable[[dict[str, Any]], PlatformConfig], base: dict[str, Any], **changes: Any
) -> PlatformConfig:
    base.update(changes)
    return valid(base)


def test_close_events_default_to_the_monthly_freeze_windows(
    valid: Callable[[dict[str, Any]], PlatformConfig], base: dict[str, Any]
) -> None:
    config = _config(
        valid,
        base,
        governance={
            "freeze_windows": [
                {"name": "month-end-close", "last_days_of_month": 3, "first_days_of_month": 2},
                {"name": "audit", "start": "2026-03-01", "end": "2026-03-10"},
            ]
        },
    )
    assert [
        (e.name, e.last_days_of_month, e.first_days_of_month) for e in capacity_events(config)
    ] == [("month-end-close", 3, 2)]
    explicit = _config(valid, base, capacity={"events": []})
    assert capacity_events(explicit) == []


def test_prod_tenants_get_the_event_minimum_and_no_night(
    valid: Callable[[dict[str, Any]], PlatformConfig], base: dict[str, Any]
) -> None:
    config = _config(
        valid,
        base,
        capacity={
            "events": [
                {"name": "close", "last_days_of_month": 3},
                {"name": "timesheets", "weekdays": ["fri"], "min_web_replicas": {"m": 4}},
            ]
        },
    )
    tenant = config.tenants[0].model_copy(update={"size": "m"})
    scaling = tenant_scaling(config, tenant)
    profile = SIZE_PROFILES["m"]
    assert (scaling.web_min, scaling.web_max, scaling.cron_min) == (
        profile.min_replicas,
        profile.max_replicas,
        1,
    )
    assert {(s.name, s.web_replicas) for s in scaling.schedules} == {
        ("close", profile.event_min_replicas),
        ("timesheets", 4),
    }
    assert not scaling.sleeps


def test_dev_tenants_sleep_and_always_on_ones_keep_their_minimum(
    valid: Callable[[dict[str, Any]], PlatformConfig], base: dict[str, Any]
) -> None:
    base["tenants"][1]["always_on"] = True
    base["tenants"][1]["regulated"] = False
    config = _config(
        valid,
        base,
        environment="dev",
        capacity={
            "working_hours": {"timezone": "Europe/London"},
            "events": [{"name": "close", "last_days_of_month": 2}],
        },
    )
    sleeping = tenant_scaling(config, config.tenants[0])
    assert (sleeping.web_min, sleeping.cron_min, sleeping.sleeps, sleeping.cron_scaled) == (
        0,
        0,
        True,
        True,
    )
    assert [(s.name, s.window.start, s.window.end) for s in sleeping.schedules] == [
        ("working-hours", "0 7 * * MON,TUE,WED,THU,FRI", "0 20 * * MON,TUE,WED,THU,FRI")
    ]
    awake = tenant_scaling(config, config.tenants[1])
    assert awake.web_min == SIZE_PROFILES[config.tenants[1].size].min_replicas
    assert {s.name for s in awake.schedules} == {"close"}


REFUSED: list[Refusal] = [
    (  # backups of a sleeping database run inside the working hours: they need room
        lambda c: c.update(capacity={"working_hours": {"start": "09:00", "end": "12:30"}}),
        "platform.capacity.working_hours",
        ("09:00-12:30 is too short: at least 4 hours",),
    ),
    (  # the base stack is prod, which never sleeps
        lambda c: c.update(capacity={"working_hours": {"enabled": True}}),
        "platform.capacity.working_hours.enabled",
        ("true is not allowed in prod",),
    ),
    (
        lambda c: c.update(capacity={"working_hours": {"timezone": "Europe/Londres"}}),
        "platform.capacity.working_hours.timezone",
        ("Europe/Londres", "IANA"),
    ),
    (
        lambda c: c.update(capacity={"working_hours": {"days": ["mon", "friday"]}}),
        "platform.capacity.working_hours.days[1]",
        ("friday", "'mon'"),
    ),
    (
        lambda c: c.update(
            capacity={
                "events": [{"name": "close", "last_days_of_month": 2, "min_web_replicas": {"s": 3}}]
            }
        ),
        "platform.capacity.events[0].min_web_replicas.s",
        ("3", "1 to 2", "max_replicas"),
    ),
    (
        lambda c: c.update(
            capacity={"events": [{"name": "close", "last_days_of_month": 2, "weekdays": ["fri"]}]}
        ),
        "platform.capacity.events[0]",
        ("one of them",),
    ),
    (
        lambda c: c.update(
            capacity={"events": [{"name": "close", "last_days_of_month": 2, "months": [13]}]}
        ),
        "platform.capacity.events[0].months",
        ("1 to 12", "13"),
    ),
    (
        lambda c: c.update(
            capacity={"events": [{"name": "close", "weekdays": ["fri"], "lead_hours": 96}]}
        ),
        "platform.capacity.events[0].lead_hours",
        ("72",),
    ),
]


@pytest.mark.parametrize("refusal", REFUSED, ids=lambda r: r[1])
def test_bad_calendars_are_refused_at_their_key(
    refusal: Refusal, base: dict[str, Any], errors: Errors
) -> None:
    assert_refused_at(refusal, base, errors)
