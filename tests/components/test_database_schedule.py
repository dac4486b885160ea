"""DatabaseSchedule and CostControls used on their own: args checked before anything is declared,
and what one instance's schedules and role look like."""

from __future__ import annotations

import json

import pytest

from odoo_platform.components._shared.base import ArgsError
from odoo_platform.components.budgets import (
    BudgetSpec,
    CostControls,
    CostControlsArgs,
    Threshold,
)
from odoo_platform.components.database_schedule import (
    DatabaseSchedule,
    DatabaseScheduleArgs,
    schedule_name,
)
from odoo_platform.testing import run_program

ARN = "arn:aws:rds:eu-west-1:210987654321:db:erp-dev"
TOPIC = "arn:aws:sns:eu-west-1:210987654321:alerts"


def schedule_args(**changes: object) -> DatabaseScheduleArgs:
    values: dict[str, object] = {
        "instance_identifier": "erp-dev",
        "instance_arn": ARN,
        "start_expression": "cron(0 8 ? * MON-FRI *)",
        "stop_expression": "cron(0 18 * * ? *)",
        "timezone": "Europe/Paris",
        **changes,
    }
    return DatabaseScheduleArgs(**values)  # type: ignore[arg-type]


def test_a_five_field_unix_cron_is_refused() -> None:
    with pytest.raises(ArgsError, match=r"start_expression: .*6 fields"):
        schedule_args(start_expression="cron(0 8 * * 1-5)")
    with pytest.raises(ArgsError, match="stop_expression"):
        schedule_args(stop_expression="0 18 * * *")


def test_one_instance_alone_gets_two_schedules_and_a_role_on_its_arn_only() -> None:
    result = run_program(lambda: DatabaseSchedule("erp", schedule_args()))
    start = result.named("erp-start", "aws:scheduler/schedule:Schedule").inputs
    stop = result.named("erp-stop", "aws:scheduler/schedule:Schedule").inputs
    assert (start["scheduleExpression"], stop["scheduleExpression"]) == (
        "cron(0 8 ? * MON-FRI *)",
        "cron(0 18 * * ? *)",
    )
    assert start["scheduleExpressionTimezone"] == "Europe/Paris"
    assert (start["name"], stop["name"]) == ("erp-dev-start", "erp-dev-stop")
    trust = json.loads(result.named("erp-role", "aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "210987654321"}
    }
    policy = json.loads(result.named("erp-role", "aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert [s["Resource"] for s in policy["Statement"]] == [ARN]


def test_a_budget_name_aws_refuses_is_an_args_error() -> None:
    with pytest.raises(ArgsError, match="name: 'a:b' is not allowed"):
        BudgetSpec("stack", "a:b", 10, (Threshold(80, "actual"),), {})


def test_cost_controls_alone_need_only_a_topic() -> None:
    spec = BudgetSpec(
        "stack",
        "erp-dev",
        250.0,
        (Threshold(100, "actual"),),
        {"TagKeyValue": ["user:Stack$erp-dev"]},
    )
    result = run_program(lambda: CostControls("cost", CostControlsArgs(TOPIC, budgets=(spec,))))
    budget = result.named("cost-stack", "aws:budgets/budget:Budget").inputs
    assert budget["limitAmount"] == "250.00"
    assert budget["notifications"][0]["subscriberSnsTopicArns"] == [TOPIC]
    assert result.by_type("aws:costexplorer/anomalyMonitor:AnomalyMonitor") == []


def test_schedule_names_stay_unique_within_schedulers_64_characters() -> None:
    longest = "odoo-dedicated-abcdefghijklmnopqrstu-postgres-db-staging-eu-west-1"[:63]
    other = longest[:-1] + "x"
    names = {schedule_name(i, a) for i in (longest, other) for a in ("start", "stop")}
    assert len(names) == 4
    assert all(len(n) <= 64 and n[0].isalpha() and "--" not in n for n in names)
    assert schedule_name("erp-dev", "stop") == "erp-dev-stop"
