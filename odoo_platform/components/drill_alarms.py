"""The DR drill alarm of one tenant, declared by `Observability` with the other alarms.

`dr-drill.sh` publishes `OdooPlatform/DR` `RestoreSeconds` {Tenant, Stack} once a week. The
alarm looks at the last 7 daily periods and treats a day without a result as breaching, so it
fires when the week's drill was slower than the target, or when no drill result arrived for a
week (a failed drill publishes nothing). 7 days is the longest window CloudWatch evaluates,
which is why drills are weekly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import Between, Slug, TierLabel, check_args, child_opts
from odoo_platform.config.tags import resource_tags
from odoo_platform.odoo.scripts import DRILL_METRIC, DRILL_METRIC_NAMESPACE

DAY_SECONDS = 86400
WINDOW_DAYS = 7


@dataclass(frozen=True)
class DrillAlarm:
    """One tenant's drill: who, where, and the slowest acceptable data restore."""

    tenant: Slug
    """The metric's `Tenant` dimension."""
    stack: str
    """The metric's `Stack` dimension."""
    threshold_seconds: Annotated[int, Between(1, 7 * DAY_SECONDS)]
    """The tenant's RTO target in seconds (or the drill's deadline when it has none)."""
    tier: TierLabel = "shared"
    """The `Tier` tag of the alarm."""

    def __post_init__(self) -> None:
        check_args(self)


def declare_drill_alarm(
    parent: pulumi.Resource, name: str, drill: DrillAlarm, actions: list[pulumi.Input[str]]
) -> aws.cloudwatch.MetricAlarm:
    return aws.cloudwatch.MetricAlarm(
        f"{name}-dr-drill-{drill.tenant}",
        alarm_description=(
            f"DR drill of tenant '{drill.tenant}': the weekly restore from the DR region took "
            f"longer than {drill.threshold_seconds} s, or no drill result for {WINDOW_DAYS} days "
            "(see docs/runbooks/dr-failover.md, DR drills)"
        ),
        namespace=DRILL_METRIC_NAMESPACE,
        metric_name=DRILL_METRIC,
        dimensions={"Tenant": drill.tenant, "Stack": drill.stack},
        statistic="Maximum",
        period=DAY_SECONDS,
        evaluation_periods=WINDOW_DAYS,
        datapoints_to_alarm=WINDOW_DAYS,
        comparison_operator="GreaterThanThreshold",
        threshold=drill.threshold_seconds,
        # the six days between two drills have no data: missing counts as breaching, so one
        # drill that met the target keeps the alarm OK for the week, and none sets it off
        treat_missing_data="breaching",
        alarm_actions=actions,
        ok_actions=actions,
        tags=resource_tags(drill.tier, drill.tenant),
        opts=child_opts(parent),
    )
