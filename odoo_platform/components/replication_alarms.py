"""The S3 replication alarms of one backup bucket, declared by `Observability` with the others.

A backup bucket replicated to the DR region has S3 Replication Time Control (`backup_bucket.py`):
99.99 % of objects within 15 minutes, as an SLA, with replication metrics in the source bucket's
region, `AWS/S3` {SourceBucket, DestinationBucket, RuleId}
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html). Two alarms
watch it: the slowest replication above the 15 minutes the recovery objectives count
(`config/recovery.py`, `s3_replication_minutes`), and any failed replication operation (an
object that never reaches the DR copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import Between, Slug, TierLabel, check_args, child_opts
from odoo_platform.config.tags import resource_tags

RTC_MINUTES = 15  # the only threshold S3 Replication Time Control accepts
S3_NAMESPACE = "AWS/S3"
PERIOD_SECONDS = 300


@dataclass(frozen=True)
class ReplicationAlarm:
    """One replicated bucket: its rule, and whose backups it holds."""

    key: str
    """Names the alarms: the bucket's server key as a name part (`multi-tenant`, ...)."""
    source_bucket: pulumi.Input[str]
    """The replicated bucket's name (`SourceBucket`)."""
    destination_bucket: pulumi.Input[str]
    """The DR-region copy's name (`DestinationBucket`)."""
    rule_id: str
    """The replication rule's id (`RuleId`)."""
    threshold_minutes: Annotated[int, Between(1, 1440, " minutes")] = RTC_MINUTES
    """The slowest acceptable replication: the RTC threshold the recovery figures count."""
    tier: TierLabel = "shared"
    """The `Tier` tag of the alarms."""
    tenant: Slug | None = None
    """The `Tenant` tag of a dedicated tenant's bucket."""

    def __post_init__(self) -> None:
        check_args(self)


def declare_replication_alarms(
    parent: pulumi.Resource, name: str, alarm: ReplicationAlarm, actions: list[pulumi.Input[str]]
) -> list[aws.cloudwatch.MetricAlarm]:
    dimensions = {
        "SourceBucket": alarm.source_bucket,
        "DestinationBucket": alarm.destination_bucket,
        "RuleId": alarm.rule_id,
    }
    tags = resource_tags(alarm.tier, alarm.tenant)
    latency = aws.cloudwatch.MetricAlarm(
        f"{name}-replication-latency-{alarm.key}",
        alarm_description=(
            f"backups of {alarm.key}: S3 replication to the DR region took longer than "
            f"{alarm.threshold_minutes} min (Replication Time Control's SLA, the RPO figure of "
            "docs/disaster-recovery.md)"
        ),
        namespace=S3_NAMESPACE,
        metric_name="ReplicationLatency",  # seconds, the slowest object of the period
        dimensions=dimensions,
        statistic="Maximum",
        period=PERIOD_SECONDS,
        evaluation_periods=1,
        comparison_operator="GreaterThanThreshold",
        threshold=alarm.threshold_minutes * 60,
        treat_missing_data="notBreaching",  # no data: nothing was written to replicate
        alarm_actions=actions,
        ok_actions=actions,
        tags=tags,
        opts=child_opts(parent),
    )
    failed = aws.cloudwatch.MetricAlarm(
        f"{name}-replication-failed-{alarm.key}",
        alarm_description=(
            f"backups of {alarm.key}: S3 replication operations to the DR region failed; the "
            "DR copy misses those objects (docs/runbooks/dr-failover.md)"
        ),
        namespace=S3_NAMESPACE,
        metric_name="OperationsFailedReplication",
        dimensions=dimensions,
        statistic="Sum",
        period=PERIOD_SECONDS,
        evaluation_periods=1,
        comparison_operator="GreaterThanThreshold",
        threshold=0,
        treat_missing_data="notBreaching",
        alarm_actions=actions,
        ok_actions=actions,
        tags=tags,
        opts=child_opts(parent),
    )
    return [latency, failed]
