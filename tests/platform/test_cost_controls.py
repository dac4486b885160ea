"""Issue 16 under the mocks harness: RDS night schedules, budgets, the anomaly monitor and the
alert topic they publish to, as the whole platform declares them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from odoo_platform.testing import ProgramResult, RecordedResource
from tests.platform.composition import config, plan, tenant

SCHEDULE = "aws:scheduler/schedule:Schedule"
INSTANCE = "aws:rds/instance:Instance"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
BUDGET = "aws:budgets/budget:Budget"
MONITOR = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
SUBSCRIPTION = "aws:costexplorer/anomalySubscription:AnomalySubscription"
PROVIDER = "pulumi:providers:aws"
TENANT_ROLE = "arn:aws:iam::444455556666:role/odoo-platform-deployer"
HOURS = {"timezone": "Europe/London", "start": "07:30", "end": "19:00"}


def dev(*tenants: dict[str, Any], **changes: Any) -> ProgramResult:
    result = plan(
        config(
            environment="dev",
            disaster_recovery=None,
            capacity={"working_hours": HOURS},
            tenants=list(tenants),
            **changes,
        )
    )
    assert not result.errors()
    return result


def schedules_of(result: ProgramResult, server: str) -> dict[str, RecordedResource]:
    """The server's schedules by action (`start`, `stop`)."""
    found = {
        r.name.rsplit("-", 1)[1]: r
        for r in result.by_type(SCHEDULE)
        if r.name.startswith(f"{server}-postgres-schedule-")
    }
    return found


def target_input(schedule: RecordedResource) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schedule.inputs["target"]["input"])
    return loaded


@pytest.fixture(scope="module")
def sleeping() -> ProgramResult:
    return dev(
        tenant("alpha-law"),
        tenant("gamma-audit", "dedicated"),
        tenant("delta-tax", "dedicated", always_on=True),
        tenant("omega-ledger", "dedicated", dedicated={"reporting_replica": True}),
    )


def test_the_shared_server_stops_every_evening_and_starts_on_working_days(
    sleeping: ProgramResult,
) -> None:
    schedules = schedules_of(sleeping, "odoo-shared")
    start, stop = schedules["start"].inputs, schedules["stop"].inputs
    assert start["scheduleExpression"] == "cron(30 7 ? * MON,TUE,WED,THU,FRI *)"
    assert stop["scheduleExpression"] == "cron(0 19 * * ? *)"
    for inputs, action in ((start, "start"), (stop, "stop")):
        assert inputs["scheduleExpressionTimezone"] == "Europe/London"
        assert inputs["flexibleTimeWindow"] == {"mode": "OFF"}
        target = inputs["target"]
        assert target["arn"] == f"arn:aws:scheduler:::aws-sdk:rds:{action}DBInstance"
        assert target["retryPolicy"]["maximumRetryAttempts"] >= 1
    instance = sleeping.named("odoo-shared-postgres-db", INSTANCE)
    identifier = instance.outputs["identifier"]
    assert target_input(schedules["stop"]) == {"DbInstanceIdentifier": identifier}
    assert target_input(schedules["start"]) == {"DbInstanceIdentifier": identifier}


def test_the_schedule_role_may_stop_and_start_exactly_its_instance(
    sleeping: ProgramResult,
) -> None:
    for server in ("odoo-shared", "odoo-dedicated-gamma-audit"):
        instance = sleeping.named(f"{server}-postgres-db", INSTANCE)
        role = sleeping.named(f"{server}-postgres-schedule-role", ROLE)
        (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        account = instance.outputs["arn"].split(":")[4]
        assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
        policy = sleeping.named(f"{server}-postgres-schedule-role", ROLE_POLICY)
        (statement,) = json.loads(policy.inputs["policy"])["Statement"]
        assert statement == {
            "Effect": "Allow",
            "Action": ["rds:StartDBInstance", "rds:StopDBInstance"],
            "Resource": instance.outputs["arn"],
        }
        for schedule in schedules_of(sleeping, server).values():
            assert schedule.inputs["target"]["roleArn"] == role.outputs["arn"]


def test_always_on_and_replica_servers_get_no_schedule(sleeping: ProgramResult) -> None:
    assert set(schedules_of(sleeping, "odoo-dedicated-gamma-audit")) == {"start", "stop"}
    assert schedules_of(sleeping, "odoo-dedicated-delta-tax") == {}
    assert schedules_of(sleeping, "odoo-dedicated-omega-ledger") == {}
    assert len(sleeping.by_type(SCHEDULE)) == 4


def test_prod_declares_no_schedule() -> None:
    assert plan(config()).by_type(SCHEDULE) == []


def test_one_always_on_shared_tenant_keeps_the_shared_server_running() -> None:
    result = dev(tenant("alpha-law"), tenant("beta-tax", always_on=True))
    assert result.by_type(SCHEDULE) == []


COST = {
    "budget": {"monthly_limit_usd": 4000},
    "tenant_budgets": {
        "gamma-audit": {
            "monthly_limit_usd": 900,
            "alerts": [{"percent": 90, "basis": "actual"}],
        },
        "kappa-law": {"monthly_limit_usd": 1200},
    },
    "anomaly_detection": {"threshold_usd": 250},
}


@pytest.fixture(scope="module")
def budgeted() -> ProgramResult:
    result = plan(
        config(
            tenants=[
                tenant("alpha-law"),
                tenant("gamma-audit", "dedicated", regulated=True),
                tenant(
                    "kappa-law",
                    "dedicated",
                    regulated=True,
                    dedicated={
                        "aws_account_role_arn": TENANT_ROLE,
                        "account_vpc_cidr": "10.60.0.0/20",
                    },
                ),
            ],
            cost=COST,
        )
    )
    assert not result.errors()
    return result


def budget(result: ProgramResult, key: str) -> RecordedResource:
    return result.named(f"odoo-cost-{key}", BUDGET)


def provider_of(result: ProgramResult, resource: RecordedResource) -> RecordedResource:
    assert resource.provider is not None  # `<provider urn>::<id>`
    return next(r for r in result.by_type(PROVIDER) if resource.provider.startswith(r.urn))


def test_the_stack_budget_filters_on_the_stack_tag(budgeted: ProgramResult) -> None:
    inputs = budget(budgeted, "stack").inputs
    assert inputs["name"] == "odoo-platform-prod-eu-west-1"
    assert inputs["limitAmount"] == "4000.00" and inputs["limitUnit"] == "USD"
    assert inputs["timeUnit"] == "MONTHLY" and inputs["budgetType"] == "COST"
    assert inputs["costFilters"] == [
        {"name": "TagKeyValue", "values": ["user:Stack$prod-eu-west-1"]}
    ]
    notifications = {(n["notificationType"], n["threshold"]) for n in inputs["notifications"]}
    assert notifications == {("FORECASTED", 80), ("ACTUAL", 100)}
    topic = budgeted.named("odoo-observability-alerts", "aws:sns/topic:Topic").outputs["arn"]
    assert all(n["subscriberSnsTopicArns"] == [topic] for n in inputs["notifications"])
    # Every resource the platform's provider tags carries the Stack tag the filter names.
    landing = budgeted.named("odoo-network-aws", PROVIDER).inputs
    assert json.loads(landing["defaultTags"])["tags"]["Stack"] == "prod-eu-west-1"


def test_tenant_budgets_filter_by_tag_or_by_the_tenants_own_account(
    budgeted: ProgramResult,
) -> None:
    shared_account = budget(budgeted, "gamma-audit").inputs
    assert shared_account["costFilters"] == [
        {"name": "TagKeyValue", "values": ["user:Tenant$gamma-audit"]}
    ]
    assert [(n["notificationType"], n["threshold"]) for n in shared_account["notifications"]] == [
        ("ACTUAL", 90)
    ]
    own = budget(budgeted, "kappa-law")
    assert own.inputs["costFilters"] == [{"name": "LinkedAccount", "values": ["444455556666"]}]
    provider = provider_of(budgeted, own)
    assert provider.inputs["region"] == "us-east-1"
    assert json.loads(provider.inputs["assumeRoles"])[0]["roleArn"] == TENANT_ROLE
    platform = provider_of(budgeted, budget(budgeted, "stack"))
    assert platform.inputs["region"] == "us-east-1" and "assumeRoles" not in platform.inputs


def test_a_custom_anomaly_monitor_watches_the_stack_tag(budgeted: ProgramResult) -> None:
    monitor = budgeted.named("odoo-cost-anomalies", MONITOR)
    assert monitor.inputs["monitorType"] == "CUSTOM"
    assert json.loads(monitor.inputs["monitorSpecification"]) == {
        "Tags": {"Key": "Stack", "Values": ["prod-eu-west-1"], "MatchOptions": ["EQUALS"]}
    }
    assert provider_of(budgeted, monitor).inputs["region"] == "us-east-1"
    subscription = budgeted.named("odoo-cost-anomalies", SUBSCRIPTION).inputs
    topic = budgeted.named("odoo-observability-alerts", "aws:sns/topic:Topic").outputs["arn"]
    assert subscription["subscribers"] == [{"type": "SNS", "address": topic}]
    assert subscription["frequency"] == "IMMEDIATE"
    assert subscription["thresholdExpression"]["dimension"] == {
        "key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
        "matchOptions": ["GREATER_THAN_OR_EQUAL"],
        "values": ["250"],
    }


def statements(document: str) -> dict[str, dict[str, Any]]:
    return {s.get("Sid", ""): s for s in json.loads(document)["Statement"]}


def test_the_alert_topic_and_its_key_let_budgets_and_anomaly_alerts_publish(
    budgeted: ProgramResult,
) -> None:
    topic = budgeted.named("odoo-observability-alerts", "aws:sns/topic:Topic").outputs["arn"]
    account = topic.split(":")[4]
    policy = statements(
        budgeted.named(
            "odoo-observability-alerts-policy", "aws:sns/topicPolicy:TopicPolicy"
        ).inputs["policy"]
    )
    budgets = policy["BudgetsOfTheseAccounts"]
    assert budgets["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert budgets["Action"] == "sns:Publish" and budgets["Resource"] == topic
    accounts = sorted([account, "444455556666"])
    assert budgets["Condition"]["StringEquals"] == {"aws:SourceAccount": accounts}
    anomalies = policy["CostAnomalyAlertsOfThisAccount"]
    assert anomalies["Principal"] == {"Service": "costalerts.amazonaws.com"}
    assert anomalies["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
    key = statements(budgeted.named("odoo-network-logs-key", "aws:kms/key:Key").inputs["policy"])
    use = key["CostAlertNotifications"]
    assert set(use["Principal"]["Service"]) == {"budgets.amazonaws.com", "costalerts.amazonaws.com"}
    assert use["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert use["Condition"] == {"StringEquals": {"aws:SourceAccount": accounts}}


def test_without_budgets_nothing_may_publish_cost_alerts() -> None:
    result = plan(config())
    assert result.by_type(BUDGET) == [] and result.by_type(MONITOR) == []
    policy = statements(
        result.named("odoo-observability-alerts-policy", "aws:sns/topicPolicy:TopicPolicy").inputs[
            "policy"
        ]
    )
    assert set(policy) == {"CloudWatchAlarmsOfThisAccount", "DenyInsecureTransport"}
