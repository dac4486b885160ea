"""Karpenter's settings from the configuration: budgets in UTC, instance sizes (no Pulumi)."""

from __future__ import annotations

import pytest

from odoo_platform.config.calendar import WorkingHours
from odoo_platform.config.node_autoscaling import (
    INSTANCE_SPECS,
    InstanceSpec,
    UtcWindow,
    business_hours_utc,
    largest,
)


@pytest.mark.parametrize(
    ("hours", "window"),
    [
        (WorkingHours(), UtcWindow("0 7 * * MON,TUE,WED,THU,FRI", "13h")),
        # 07:00 BST is 06:00 UTC, 20:00 GMT is 20:00 UTC: one window covers both seasons
        (
            WorkingHours(timezone="Europe/London"),
            UtcWindow("0 6 * * MON,TUE,WED,THU,FRI", "14h"),
        ),
        # Monday 00:30 CEST is Sunday 22:30 UTC: the day moves back
        (
            WorkingHours(timezone="Europe/Berlin", start="00:30", end="09:00", days=["mon"]),
            UtcWindow("30 22 * * SUN", "9h30m"),
        ),
        # 21:30 EST is 02:30 UTC the next day: the duration runs past midnight
        (
            WorkingHours(timezone="America/New_York", start="08:00", end="21:30"),
            UtcWindow("0 12 * * MON,TUE,WED,THU,FRI", "14h30m"),
        ),
        (
            WorkingHours(timezone="Asia/Kolkata", start="09:00", end="18:00", days=["sat"]),
            UtcWindow("30 3 * * SAT", "9h"),
        ),
    ],
)
def test_business_hours_become_one_utc_window(hours: WorkingHours, window: UtcWindow) -> None:
    assert business_hours_utc(hours) == window


def test_largest_takes_the_most_cpu_and_the_most_memory() -> None:
    assert INSTANCE_SPECS["c7i.2xlarge"] == InstanceSpec(vcpu=8, memory_mib=16384)
    assert INSTANCE_SPECS["r7i.xlarge"] == InstanceSpec(vcpu=4, memory_mib=32768)
    assert largest(["c7i.2xlarge", "r7i.xlarge"]) == InstanceSpec(vcpu=8, memory_mib=32768)
