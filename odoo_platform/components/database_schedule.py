"""`DatabaseSchedule`: EventBridge Scheduler stops an RDS instance at night and starts it again.

Two schedules call the RDS API directly through Scheduler's universal targets
(`arn:aws:scheduler:::aws-sdk:rds:stopDBInstance` / `startDBInstance`), so there is no Lambda
to maintain. The role they assume trusts only `scheduler.amazonaws.com` acting for this account
and may stop and start exactly this one instance. The expressions come from
`config.database_schedule` (start on working days, stop every day: see there why).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import (
    Matches,
    Slug,
    TierLabel,
    check_args,
    child_opts,
    component_type,
)
from odoo_platform.components._shared.iam import policy_document
from odoo_platform.config.tags import PLATFORM_TIER, resource_tags

RDS_TARGET = "arn:aws:scheduler:::aws-sdk:rds:{action}DBInstance"
SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"
# A missed call is retried for an hour at most: a stop that fires the next morning would take
# the database away in the middle of the working day.
RETRY_ATTEMPTS = 3
MAX_EVENT_AGE_SECONDS = 3600
SCHEDULE_NAME_MAX = 64
CRON = Annotated[
    str, Matches(r"cron\(\S+ \S+ \S+ \S+ \S+ \S+\)", "an EventBridge Scheduler cron(...), 6 fields")
]


@dataclass(frozen=True)
class DatabaseScheduleArgs:
    """When one RDS instance runs; `platform.assembly.database_schedule` builds it."""

    instance_identifier: pulumi.Input[str]
    """The RDS instance identifier the schedules stop and start."""
    instance_arn: pulumi.Input[str]
    """Its ARN: the only resource the schedules' role may act on (its account is trusted)."""
    start_expression: CRON
    """`cron(...)` in `timezone`: when the instance starts."""
    stop_expression: CRON
    """`cron(...)` in `timezone`: when the instance stops."""
    timezone: str = "UTC"
    """The IANA zone of both expressions (follows daylight saving time)."""
    tier: TierLabel = PLATFORM_TIER
    """The `Tier` tag of the role."""
    tenant: Slug | None = None
    """The `Tenant` tag of a dedicated tenant's role (None: shared)."""

    def __post_init__(self) -> None:
        check_args(self)


def trust_policy(account_id: str) -> str:
    """Scheduler may assume the role only for schedules of this account (confused deputy)."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": SCHEDULER_PRINCIPAL},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }
    return json.dumps(policy_document(statement))


def schedule_name(identifier: str, action: str) -> str:
    """`<instance>-<action>`: unique per account and region like the RDS identifier, and within
    Scheduler's 64 characters (a long identifier is cut and keeps a digest of itself)."""
    name = f"{identifier}-{action}"
    if len(name) <= SCHEDULE_NAME_MAX:
        return name
    digest = hashlib.sha256(identifier.encode()).hexdigest()[:6]
    keep = SCHEDULE_NAME_MAX - len(action) - len(digest) - 2
    return f"{identifier[:keep].rstrip('-')}-{digest}-{action}"


def stop_start_policy(instance_arn: str) -> str:
    statement = {
        "Effect": "Allow",
        "Action": ["rds:StartDBInstance", "rds:StopDBInstance"],
        "Resource": instance_arn,
    }
    return json.dumps(policy_document(statement))


class DatabaseSchedule(pulumi.ComponentResource):
    """A start and a stop schedule for one RDS instance, and the role they act with."""

    role_arn: pulumi.Output[str]
    start_schedule_arn: pulumi.Output[str]
    stop_schedule_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: DatabaseScheduleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("DatabaseSchedule"), name, None, opts)
        arn = pulumi.Output.from_input(args.instance_arn)
        role = aws.iam.Role(
            f"{name}-role",
            description=f"EventBridge Scheduler stops and starts {name}",
            assume_role_policy=arn.apply(lambda a: trust_policy(a.split(":")[4])),
            tags=resource_tags(args.tier, args.tenant),
            opts=child_opts(self),
        )
        aws.iam.RolePolicy(
            f"{name}-role",
            role=role.id,
            policy=arn.apply(stop_start_policy),
            opts=child_opts(self),
        )
        self.role_arn = role.arn
        self.start_schedule_arn = self._schedule("start", args, role).arn
        self.stop_schedule_arn = self._schedule("stop", args, role).arn
        self.register_outputs(
            {
                "role_arn": self.role_arn,
                "start_schedule_arn": self.start_schedule_arn,
                "stop_schedule_arn": self.stop_schedule_arn,
            }
        )

    def _schedule(
        self, action: str, args: DatabaseScheduleArgs, role: aws.iam.Role
    ) -> aws.scheduler.Schedule:
        expression = args.start_expression if action == "start" else args.stop_expression
        identifier = pulumi.Output.from_input(args.instance_identifier)
        return aws.scheduler.Schedule(
            f"{self._name}-{action}",
            name=identifier.apply(lambda i: schedule_name(i, action)),
            description=f"{action} the RDS instance outside working hours",
            schedule_expression=expression,
            schedule_expression_timezone=args.timezone,
            # OFF: fire at the minute; a flexible window could stop it during working hours.
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
            target=aws.scheduler.ScheduleTargetArgs(
                arn=RDS_TARGET.format(action=action),
                role_arn=role.arn,
                input=identifier.apply(lambda i: json.dumps({"DbInstanceIdentifier": i})),
                retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                    maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS,
                    maximum_retry_attempts=RETRY_ATTEMPTS,
                ),
            ),
            opts=child_opts(self, depends_on=[role]),
        )
