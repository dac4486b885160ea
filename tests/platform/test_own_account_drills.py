"""A tenant in its own AWS account is drilled like the others (issue 17): the drill reads its
DR-region copy and records its result in its account, and publishes its metric to the platform
account, where its alarm is, through a role there that may do nothing else."""

from __future__ import annotations

import json
from typing import Any

import pytest

from odoo_platform.testing import ProgramResult
from tests.platform.composition import tenant
from tests.platform.test_own_account import NAME, PROVIDER, SLUG, deploy, own_account_tenant

ROLE = "aws:iam/role:Role"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
BUCKET = "aws:s3/bucket:Bucket"


@pytest.fixture(scope="module")
def own() -> ProgramResult:
    result = deploy(tenant("alpha-law"), own_account_tenant())
    assert not result.errors()
    return result


def _statements(policy: str) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in json.loads(policy)["Statement"]}


def _env(result: ProgramResult, name: str = NAME) -> dict[str, Any]:
    """The drill's report step's environment."""
    cron = result.named(f"{name}-dr-drill", "kubernetes:batch/v1:CronJob").inputs
    (report,) = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e.get("value") for e in report["env"]}


def test_own_account_tenant_is_drilled_from_its_dr_copy_into_its_account(
    own: ProgramResult,
) -> None:
    account = own.named(f"{NAME}-account", PROVIDER)
    role = own.named(f"{NAME}-dr-drill-role", ROLE)
    assert role.provider == account.urn
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"]["Federated"] == own.named(f"{NAME}-oidc").outputs["arn"]
    policy = own.named(f"{NAME}-dr-drill-policy")
    assert policy.provider == account.urn
    statements = _statements(policy.inputs["policy"])
    replica = own.named(f"{NAME}-backups-dr-bucket", BUCKET)
    # its DR-region copy, in its account
    assert replica.provider == own.named(f"{NAME}-account-dr", PROVIDER).urn
    assert statements["ListOwnReplicaPrefixes"]["Resource"] == replica.outputs["arn"]
    bucket = own.named(f"{NAME}-backups-bucket", BUCKET)
    assert statements["WriteOwnDrillResults"]["Resource"] == (
        f"{bucket.outputs['arn']}/drills/{SLUG}/*"
    )
    assert _env(own)["BACKUP_BUCKET"] == bucket.outputs["bucket"]  # the record stays there


def test_its_metric_goes_to_the_platform_account_through_a_publish_only_role(
    own: ProgramResult,
) -> None:
    platform = own.named("odoo-network-aws", PROVIDER)
    drill_role = own.named(f"{NAME}-dr-drill-role", ROLE)
    metric_role = own.named(f"{NAME}-dr-drill-metric-role", ROLE)
    metric_policy = own.named(f"{NAME}-dr-drill-metric-policy")
    assert metric_role.provider == metric_policy.provider == platform.urn
    (trust,) = json.loads(metric_role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"AWS": drill_role.outputs["arn"]}  # that role only
    assert trust["Action"] == "sts:AssumeRole" and "Condition" not in trust
    (publish,) = json.loads(metric_policy.inputs["policy"])["Statement"]
    assert publish["Action"] == "cloudwatch:PutMetricData"
    assert publish["Condition"] == {"StringEquals": {"cloudwatch:namespace": "OdooPlatform/DR"}}
    # the drill role itself publishes nothing in the tenant account: it may only assume that role
    statements = _statements(own.named(f"{NAME}-dr-drill-policy").inputs["policy"])
    assert "PublishDrillMetric" not in statements
    assert statements["AssumePlatformMetricRole"] == {
        "Sid": "AssumePlatformMetricRole",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": metric_role.outputs["arn"],
    }
    assert _env(own)["METRIC_ROLE_ARN"] == metric_role.outputs["arn"]


def test_its_drill_alarm_is_in_the_platform_account_beside_the_others(own: ProgramResult) -> None:
    platform = own.named("odoo-network-aws", PROVIDER)
    alarms = {
        r.inputs["dimensions"]["Tenant"]: r
        for r in own.by_type(ALARM)
        if r.inputs.get("namespace") == "OdooPlatform/DR"
    }
    assert set(alarms) == {"alpha-law", SLUG}
    assert alarms[SLUG].provider == alarms["alpha-law"].provider == platform.urn


def test_a_tenant_in_the_platform_account_publishes_itself_without_a_role(
    own: ProgramResult,
) -> None:
    assert "METRIC_ROLE_ARN" not in _env(own, "odoo-shared-alpha-law")
    assert not [r for r in own.resources if r.name == "odoo-shared-alpha-law-dr-drill-metric-role"]
