"""RDS night schedules: the EventBridge Scheduler expressions, evaluated by an independent cron
engine (croniter) over real weeks in the stack's time zone, and which servers get them."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import zoneinfo
from typing import Any

import pytest
from croniter import croniter

from odoo_platform.config import parse_platform
from odoo_platform.config.calendar import WorkingHours
from odoo_platform.config.database_schedule import (
    WEEKS_PER_MONTH,
    dedicated_server_schedule,
    schedule_warnings,
    scheduler_cron,
    server_schedule,
    shared_server_schedule,
)
from tests.config.conftest import BASE

LONDON = "Europe/London"


def fields(expression: str) -> list[str]:
    assert expression.startswith("cron(") and expression.endswith(")")
    return expression[5:-1].split(" ")


def fire_times(expression: str, zone: str, since: dt.datetime, until: dt.datetime) -> list:
    """When EventBridge Scheduler fires `expression`: its 6 fields run through croniter (the
    year must be `*`; `?` means any day, as in Quartz)."""
    minute, hour, dom, month, dow, year = fields(expression)
    assert year == "*"
    assert "?" in (dom, dow) and (dom, dow) != ("?", "?"), "exactly one day field must be '?'"
    spec = " ".join([minute, hour, dom.replace("?", "*"), month, dow.replace("?", "*")])
    it = croniter(spec, since.astimezone(zoneinfo.ZoneInfo(zone)))
    times = []
    while (moment := it.get_next(dt.datetime)) < until:
        times.append(moment)
    return times


def test_start_on_working_days_and_stop_every_day_in_eventbridge_syntax() -> None:
    hours = WorkingHours(timezone=LONDON, days=["mon", "tue", "wed", "thu", "fri"], start="07:30")
    schedule = server_schedule(hours)
    assert schedule.start == "cron(30 7 ? * MON,TUE,WED,THU,FRI *)"
    assert schedule.stop == "cron(0 20 * * ? *)"
    assert schedule.timezone == LONDON
    assert scheduler_cron("06:05", "SAT") == "cron(5 6 ? * SAT *)"


def running(start: list, stop: list, moment: dt.datetime, restarts: tuple = ()) -> bool:
    """The instance's state at `moment`: the last event before it wins (RDS restarts count)."""
    events = [(t, True) for t in (*start, *restarts)] + [(t, False) for t in stop]
    past = [(t, up) for t, up in events if t <= moment]
    return max(past)[1] if past else False


@pytest.mark.parametrize("zone", ["UTC", LONDON, "America/New_York"])
def test_over_five_weeks_across_daylight_saving_it_runs_exactly_in_working_hours(
    zone: str,
) -> None:
    hours = WorkingHours(timezone=zone, start="07:00", end="19:00")
    schedule = server_schedule(hours)
    tz = zoneinfo.ZoneInfo(zone)
    # Mon 2026-10-12 to Mon 2026-11-16: Europe leaves summer time on Oct 25, the US on Nov 1.
    since, until = dt.datetime(2026, 10, 11, 12, tzinfo=tz), dt.datetime(2026, 11, 16, tzinfo=tz)
    start = fire_times(schedule.start, zone, since, until)
    stop = fire_times(schedule.stop, zone, since, until)
    moment, checked = dt.datetime(2026, 10, 12, 0, 15, tzinfo=tz), 0
    while moment < until:
        local = moment.astimezone(tz)
        working = local.strftime("%a").lower() in hours.days and 7 <= local.hour < 19
        assert running(start, stop, moment) == working, local
        moment, checked = moment + dt.timedelta(minutes=30), checked + 1
    assert checked > 1600


@pytest.mark.parametrize("days", [["mon", "tue", "wed", "thu", "fri"], ["wed"]])
def test_an_instance_rds_restarts_on_a_free_day_is_stopped_again_that_evening(
    days: list[str],
) -> None:
    """RDS starts an instance stopped for 7 days by itself. Whenever that happens (a weekend,
    the long gap of a one-day week) the next stop is at most a day away, never the next
    working day's evening; a stop on working days only would leave it running for days."""
    hours = WorkingHours(timezone=LONDON, days=days)
    schedule = server_schedule(hours)
    tz = zoneinfo.ZoneInfo(LONDON)
    since, until = dt.datetime(2026, 11, 1, tzinfo=tz), dt.datetime(2026, 11, 29, tzinfo=tz)
    start = fire_times(schedule.start, LONDON, since, until)
    stop = fire_times(schedule.stop, LONDON, since, until)
    for day in range(2, 20):
        for hour in (0, 3, 10, 21):
            restart = dt.datetime(2026, 11, day, hour, 17, tzinfo=tz)
            next_stop = min(t for t in stop if t > restart)
            assert next_stop - restart <= dt.timedelta(hours=24)
            assert not running(start, stop, next_stop + dt.timedelta(minutes=1), (restart,))
    weekday_only = scheduler_cron(hours.end, hours.cron_days())
    gaps = fire_times(weekday_only, LONDON, since, until)
    assert max(b - a for a, b in itertools.pairwise(gaps)) > dt.timedelta(days=2)


def test_no_stop_lasts_until_the_seven_day_auto_restart() -> None:
    """Even a week with one working day starts the instance within 7 days of any stop."""
    schedule = server_schedule(WorkingHours(days=["mon"]))
    tz = zoneinfo.ZoneInfo("UTC")
    since, until = dt.datetime(2026, 11, 1, tzinfo=tz), dt.datetime(2026, 12, 20, tzinfo=tz)
    starts = fire_times(schedule.start, "UTC", since, until)
    stops = [t for t in fire_times(schedule.stop, "UTC", since, until) if t < starts[-1]]
    longest = max(min(s for s in starts if s > stop) - stop for stop in stops)
    assert longest == dt.timedelta(days=6, hours=11)


def platform(environment: str = "dev", **changes: Any) -> Any:
    data = copy.deepcopy(BASE)
    data.update(environment=environment, **changes)
    if environment == "dev":
        data.pop("disaster_recovery")
    return parse_platform(data)


def test_prod_never_sleeps_and_dev_does_by_default() -> None:
    prod = platform("prod")
    assert shared_server_schedule(prod) is None
    assert dedicated_server_schedule(prod, prod.tenants[1]) is None
    dev = platform("dev")
    shared = shared_server_schedule(dev)
    assert shared is not None and shared.hours_per_week == 5 * 13
    assert shared.hours_per_month == pytest.approx(65 * 52 / 12)
    assert pytest.approx(4.333, abs=1e-3) == WEEKS_PER_MONTH
    assert dedicated_server_schedule(dev, dev.tenants[1]) is not None


def test_the_stack_can_turn_the_schedule_off() -> None:
    dev = platform("dev", capacity={"working_hours": {"enabled": False}})
    assert shared_server_schedule(dev) is None
    assert dedicated_server_schedule(dev, dev.tenants[1]) is None


def test_one_always_on_shared_tenant_keeps_the_shared_server_up() -> None:
    tenants = copy.deepcopy(BASE["tenants"])
    tenants[0]["always_on"] = True
    dev = platform("dev", tenants=tenants)
    assert shared_server_schedule(dev) is None
    assert dedicated_server_schedule(dev, dev.tenants[1]) is not None


def test_an_always_on_dedicated_tenant_keeps_only_its_own_server_up() -> None:
    tenants = copy.deepcopy(BASE["tenants"])
    tenants[1]["always_on"] = True
    dev = platform("dev", tenants=tenants)
    assert dedicated_server_schedule(dev, dev.tenants[1]) is None
    assert shared_server_schedule(dev) is not None


def test_a_server_with_a_reporting_replica_cannot_stop_and_the_plan_says_so() -> None:
    tenants = copy.deepcopy(BASE["tenants"])
    tenants[1]["dedicated"] = {"reporting_replica": True}
    dev = platform("dev", tenants=tenants)
    assert dedicated_server_schedule(dev, dev.tenants[1]) is None
    (warning,) = schedule_warnings(dev)
    assert "beta-audit" in warning and "reporting replica" in warning
    assert schedule_warnings(platform("prod", tenants=tenants)) == []


def test_an_always_on_tenant_keeps_only_its_own_pool_up() -> None:
    tenants = copy.deepcopy(BASE["tenants"])
    tenants[0].update(always_on=True, database_pool="night-owls")
    pools = {"database_pools": {"night-owls": {"instance_class": "db.t4g.medium"}}}
    dev = platform("dev", tenants=tenants, multi_tenant=pools)
    assert shared_server_schedule(dev, "night-owls") is None
    assert shared_server_schedule(dev) is not None  # the default pool sleeps
