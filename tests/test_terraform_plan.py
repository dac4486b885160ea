"""`odoo_platform.offline.terraform_plan`: what the engine recorded, in `terraform show -json`'s
shape."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from odoo_platform.offline.terraform_plan import stacks_plan, terraform_plan, terraform_type
from odoo_platform.testing import run_program


@pytest.mark.parametrize(
    ("pulumi_type", "expected"),
    [
        ("aws:rds/instance:Instance", "aws_db_instance"),
        ("aws:ec2/vpc:Vpc", "aws_vpc"),
        ("aws:ec2/flowLog:FlowLog", "aws_flow_log"),
        (
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws_s3_bucket_public_access_block",
        ),
        (
            "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
            "aws_s3_bucket_replication_configuration",
        ),
        ("aws:cloudwatch/logGroup:LogGroup", "aws_cloudwatch_log_group"),
        ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws_iam_openid_connect_provider"),
        ("pulumi:providers:aws", None),
        ("kubernetes:core/v1:Secret", None),
        ("random:index/randomPassword:RandomPassword", None),
    ],
)
def test_types_map_to_terraform(pulumi_type: str, expected: str | None) -> None:
    assert terraform_type(pulumi_type) == expected


@pytest.fixture(scope="module")
def plan() -> dict:  # type: ignore[type-arg]
    def program() -> None:
        bucket = aws.s3.Bucket("logs-bucket", tags={"Owner": "me"})
        aws.s3.BucketLifecycleConfiguration(
            "logs-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire",
                    status="Enabled",
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=30),
                )
            ],
        )
        group = aws.ec2.SecurityGroup("db-sg", vpc_id="vpc-1")
        aws.rds.Instance(
            "db",
            engine="postgres",
            instance_class="db.t4g.micro",
            allocated_storage=20,
            username="admin",
            password=pulumi.Output.secret("x" * 20),
            vpc_security_group_ids=[group.id, "sg-external"],
        )

    return terraform_plan(run_program(program))


def resource(plan: dict, address: str, section: str = "planned_values") -> dict:  # type: ignore[type-arg]
    resources = (
        plan["planned_values"]["root_module"]["resources"]
        if section == "planned_values"
        else plan["configuration"]["root_module"]["resources"]
    )
    return next(r for r in resources if r["address"] == address)


def test_inputs_become_snake_case_values_and_blocks_become_lists(plan: dict) -> None:  # type: ignore[type-arg]
    rule = resource(plan, "aws_s3_bucket_lifecycle_configuration.logs_lifecycle")["values"]["rule"]
    assert rule == [{"id": "expire", "status": "Enabled", "expiration": [{"days": 30}]}]
    assert resource(plan, "aws_s3_bucket.logs_bucket")["values"]["tags"] == {"Owner": "me"}
    db = resource(plan, "aws_db_instance.db")
    assert db["values"]["instance_class"] == "db.t4g.micro"
    assert db["values"]["allocated_storage"] == 20


def test_secret_inputs_stay_out_of_the_plan(plan: dict) -> None:  # type: ignore[type-arg]
    db = resource(plan, "aws_db_instance.db")
    assert "password" not in db["values"] and db["sensitive_values"] == {"password": True}
    assert "x" * 20 not in str(plan)


def test_a_value_naming_another_resource_is_a_reference(plan: dict) -> None:  # type: ignore[type-arg]
    lifecycle = resource(plan, "aws_s3_bucket_lifecycle_configuration.logs_lifecycle")
    assert "bucket" not in lifecycle["values"]  # unknown until apply, as Terraform plans it
    conf = resource(plan, lifecycle["address"], "configuration")
    assert conf["expressions"]["bucket"]["references"] == [
        "aws_s3_bucket.logs_bucket.id",
        "aws_s3_bucket.logs_bucket",
    ]
    db = resource(plan, "aws_db_instance.db")
    assert db["values"]["vpc_security_group_ids"] == [None, "sg-external"]
    refs = resource(plan, db["address"], "configuration")["expressions"]["vpc_security_group_ids"]
    assert refs["references"][0] == "aws_security_group.db_sg.id"


def test_stacks_are_modules_of_one_plan(plan: dict) -> None:  # type: ignore[type-arg]
    combined = stacks_plan({"dev-eu-west-1": plan, "prod-eu-west-1": plan})
    modules = combined["planned_values"]["root_module"]["child_modules"]
    assert [m["address"] for m in modules] == ["module.dev-eu-west-1", "module.prod-eu-west-1"]
    assert modules[0]["resources"][0]["address"].startswith("module.dev-eu-west-1.aws_")
    calls = combined["configuration"]["root_module"]["module_calls"]
    assert calls["prod-eu-west-1"]["module"] == plan["configuration"]["root_module"]
