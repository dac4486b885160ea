"""`CostControls`: AWS Budgets per stack and per dedicated tenant, and a cost anomaly monitor.

Budgets and Cost Explorer (anomaly detection) are global services whose APIs answer in us-east-1
only, so every resource here is declared through a us-east-1 provider of its own (one per
account). Notifications go to the platform's alert topic; its policy and its KMS key let
`budgets.amazonaws.com` and `costalerts.amazonaws.com` publish for the accounts named here.

A tenant in its own AWS account gets its budget in that account, filtered by linked account
(a member account sees only its own cost). Every other budget filters by cost-allocation tags
(`user:<key>$<value>`), which see cost only once the payer account activated them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Literal

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import (
    Matches,
    check_args,
    child_opts,
    component_type,
)
from odoo_platform.config.tags import resource_tags

BILLING_REGION = "us-east-1"  # the Budgets and Cost Explorer endpoints
BUDGETS_PRINCIPAL = "budgets.amazonaws.com"
ANOMALY_PRINCIPAL = "costalerts.amazonaws.com"
BudgetName = Annotated[str, Matches(r"[^:\\]{1,100}", "1 to 100 characters without ':' or '\\'")]
RoleArn = Annotated[
    str, Matches(r"arn:aws:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@/_-]+", "an IAM role ARN")
]


@dataclass(frozen=True)
class Threshold:
    """Notify at `percent` of the limit, on actual spend or on AWS's month-end forecast."""

    percent: int
    """Percent of the monthly limit."""
    basis: Literal["actual", "forecasted"]
    """`actual`: spend so far this month; `forecasted`: AWS's forecast for the month."""


@dataclass(frozen=True)
class BudgetSpec:
    """One monthly cost budget."""

    key: Annotated[str, Matches(r"[a-z][a-z0-9-]*", "a logical name part such as 'stack'")]
    """Part of the logical name: `stack` or the tenant slug."""
    name: BudgetName
    """The budget's name in AWS (unique per account)."""
    limit_usd: float
    """The monthly limit."""
    thresholds: tuple[Threshold, ...]
    """When to notify."""
    cost_filters: Mapping[str, Sequence[str]]
    """AWS Budgets cost filters, e.g. {"TagKeyValue": ["user:Stack$dev-eu-west-1"]} or
    {"LinkedAccount": ["444455556666"]}."""
    account_role_arn: RoleArn | None = None
    """Declare it in this role's account (a tenant's own); None: the platform account."""
    tenant: str | None = None
    """The `Tenant` tag of a tenant's budget."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class AnomalyMonitorSpec:
    """A CUSTOM anomaly monitor on one cost-allocation tag, alerting from an absolute impact."""

    name: BudgetName
    """The monitor's and its subscription's name."""
    tag_key: str
    """The cost-allocation tag key (without `user:`), e.g. `Stack`."""
    tag_value: str
    """The value it watches, e.g. `dev-eu-west-1`."""
    threshold_usd: float
    """Alert when an anomaly's total impact reaches this many USD."""


@dataclass(frozen=True)
class CostControlsArgs:
    """The budgets and the anomaly monitor of a stack; `platform.assembly.budgets` builds it."""

    topic_arn: pulumi.Input[str]
    """The platform's alert topic: every notification goes there."""
    budgets: Sequence[BudgetSpec] = ()
    """The budgets (the stack's, each dedicated tenant's)."""
    anomaly_monitor: AnomalyMonitorSpec | None = None
    """A CUSTOM Cost Anomaly Detection monitor (None: none)."""
    default_tags: Mapping[str, str] = field(default_factory=dict)
    """The stack's tags, as the us-east-1 providers' `default_tags`."""

    def __post_init__(self) -> None:
        check_args(self)


def monitor_specification(tag_key: str, tag_value: str) -> str:
    """Cost Explorer's Expression for one tag value (the key without the `user:` prefix)."""
    return json.dumps({"Tags": {"Key": tag_key, "Values": [tag_value], "MatchOptions": ["EQUALS"]}})


class CostControls(pulumi.ComponentResource):
    """AWS Budgets and a Cost Anomaly Detection monitor, notifying the alert topic."""

    budget_names: dict[str, pulumi.Output[str]]
    monitor_arn: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: CostControlsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("CostControls"), name, None, opts)
        self._name, self._args = name, args
        platform = self._billing_provider("billing")
        self.budget_names = {}
        for spec in args.budgets:
            provider = platform
            if spec.account_role_arn is not None:
                provider = self._billing_provider(f"{spec.key}-billing", spec.account_role_arn)
            self.budget_names[spec.key] = self._budget(spec, provider).name
        self.monitor_arn = None
        if args.anomaly_monitor is not None:
            self.monitor_arn = self._anomaly_monitor(args.anomaly_monitor, platform)
        self.register_outputs({"budget_names": self.budget_names, "monitor_arn": self.monitor_arn})

    def _billing_provider(self, suffix: str, role_arn: str | None = None) -> aws.Provider:
        return aws.Provider(
            f"{self._name}-{suffix}",
            region=BILLING_REGION,
            assume_roles=(
                [aws.ProviderAssumeRoleArgs(role_arn=role_arn, session_name="odoo-platform-budget")]
                if role_arn
                else None
            ),
            default_tags=aws.ProviderDefaultTagsArgs(tags=dict(self._args.default_tags)),
            opts=child_opts(self),
        )

    def _budget(self, spec: BudgetSpec, provider: aws.Provider) -> aws.budgets.Budget:
        return aws.budgets.Budget(
            f"{self._name}-{spec.key}",
            name=spec.name,
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{spec.limit_usd:.2f}",
            limit_unit="USD",
            cost_filters=[
                aws.budgets.BudgetCostFilterArgs(name=key, values=list(values))
                for key, values in sorted(spec.cost_filters.items())
            ],
            notifications=[
                aws.budgets.BudgetNotificationArgs(
                    comparison_operator="GREATER_THAN",
                    threshold=float(t.percent),
                    threshold_type="PERCENTAGE",
                    notification_type=t.basis.upper(),
                    subscriber_sns_topic_arns=[self._args.topic_arn],
                )
                for t in spec.thresholds
            ],
            tags=resource_tags("dedicated" if spec.tenant else "platform", spec.tenant),
            opts=child_opts(self, provider=provider),
        )

    def _anomaly_monitor(
        self, spec: AnomalyMonitorSpec, provider: aws.Provider
    ) -> pulumi.Output[str]:
        monitor = aws.costexplorer.AnomalyMonitor(
            f"{self._name}-anomalies",
            name=spec.name,
            monitor_type="CUSTOM",
            monitor_specification=monitor_specification(spec.tag_key, spec.tag_value),
            tags=resource_tags(),
            opts=child_opts(self, provider=provider),
        )
        aws.costexplorer.AnomalySubscription(
            f"{self._name}-anomalies",
            name=spec.name,
            # SNS subscribers need IMMEDIATE: Cost Anomaly Detection sends digests only by e-mail.
            frequency="IMMEDIATE",
            monitor_arn_lists=[monitor.arn],
            subscribers=[
                aws.costexplorer.AnomalySubscriptionSubscriberArgs(
                    type="SNS", address=self._args.topic_arn
                )
            ],
            threshold_expression=aws.costexplorer.AnomalySubscriptionThresholdExpressionArgs(
                dimension=aws.costexplorer.AnomalySubscriptionThresholdExpressionDimensionArgs(
                    key="ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                    match_options=["GREATER_THAN_OR_EQUAL"],
                    values=[f"{spec.threshold_usd:g}"],
                )
            ),
            tags=resource_tags(),
            opts=child_opts(self, provider=provider),
        )
        return monitor.arn
