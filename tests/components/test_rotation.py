"""The PostgreSQL admin password rotates through Secrets Manager; admin Jobs read the current one.

tests/odoo/test_admin_pgpass.py runs the Jobs' init script against Secrets Manager (moto) and a
real PostgreSQL; these tests check what the components declare around it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from odoo_platform.components.postgres import (
    ROTATION_APPLICATION,
    AdminRotation,
    PostgresServer,
    PostgresServerArgs,
)
from odoo_platform.components.tenant_database import TenantDatabase
from odoo_platform.config import PlatformConfig, connection_budgets
from odoo_platform.platform.assembly.postgres import postgres_server_args
from odoo_platform.testing import ProgramResult, run_program
from tests.components.conftest import assert_valid_kubernetes
from tests.components.tenant_programs import db_args

KMS = "arn:aws:kms:eu-west-1:123456789012:key/data"
OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
OIDC_URL = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"
ROTATION = AdminRotation(["subnet-priv-a", "subnet-priv-b"], OIDC_ARN, OIDC_URL, days=14)


def server_args(config: PlatformConfig, rotation: AdminRotation | None) -> PostgresServerArgs:
    return postgres_server_args(
        config,
        connection_budgets(config)[0],
        subnet_ids=["subnet-db-a", "subnet-db-b"],
        vpc_id="vpc-0123",
        nodes_security_group_id="sg-0nodes",
        kms_key_arn=KMS,
        rotation=rotation,
    )


def declare(config: PlatformConfig, rotation: AdminRotation | None = ROTATION) -> ProgramResult:
    def program() -> None:
        server = PostgresServer("pg", server_args(config, rotation))
        TenantDatabase(
            "acme-db",
            db_args(config, config.tenants[0], server, tenant_namespace="acme"),
        )

    return run_program(program)


@pytest.fixture(scope="module")
def rotated(prod_config: PlatformConfig) -> ProgramResult:
    return declare(prod_config)


def job_pod(result: ProgramResult) -> dict[str, Any]:
    (job,) = result.by_type("kubernetes:batch/v1:Job")
    return job.inputs["spec"]["template"]["spec"]


def test_the_rotation_function_comes_from_the_serverless_repository(
    rotated: ProgramResult,
) -> None:
    stack = rotated.named("pg-rotation")
    assert stack.inputs["applicationId"] == ROTATION_APPLICATION
    assert stack.inputs["capabilities"] == ["CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY"]
    parameters = stack.inputs["parameters"]
    assert parameters["endpoint"] == "secretsmanager.eu-west-1.amazonaws.com"
    assert parameters["functionName"] == stack.inputs["name"]
    assert parameters["vpcSubnetIds"] == "subnet-priv-a,subnet-priv-b"
    assert parameters["vpcSecurityGroupIds"] == rotated.named("pg-rotation-sg").id
    assert parameters["kmsKeyArn"] == KMS
    assert all(not c.isalnum() for c in parameters["excludeCharacters"])
    assert {'"', "\\", ":", "@", "/"} <= set(parameters["excludeCharacters"])


def test_the_admin_secret_rotates_on_the_schedule_with_that_function(
    rotated: ProgramResult,
) -> None:
    rotation = rotated.named("pg-admin-rotation")
    assert (
        rotation.inputs["secretId"]
        == rotated.named("pg-admin", "aws:secretsmanager/secret:Secret").id
    )
    assert rotation.inputs["rotationLambdaArn"].endswith(
        ":function:" + rotated.named("pg-rotation").inputs["name"]
    )
    assert rotation.inputs["rotationRules"] == {"automaticallyAfterDays": 14}
    assert rotated.named("pg-db").urn in rotation.dependencies


def test_the_function_reaches_only_the_database_and_https(rotated: ProgramResult) -> None:
    group = rotated.named("pg-rotation-sg")
    egress = [
        r
        for r in rotated.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if group.urn in r.property_dependencies["securityGroupId"]
    ]
    assert sorted(r.inputs["fromPort"] for r in egress) == [443, 5432]
    to_db = next(r for r in egress if r.inputs["fromPort"] == 5432)
    assert to_db.inputs["referencedSecurityGroupId"] == rotated.named("pg-sg").id
    ingress = rotated.named("pg-from-rotation")
    assert ingress.inputs["securityGroupId"] == rotated.named("pg-sg").id
    assert ingress.inputs["referencedSecurityGroupId"] == group.id


def test_pulumi_never_resets_a_rotated_password(
    rotated: ProgramResult, prod_config: PlatformConfig
) -> None:
    """The instance and the first secret version keep what rotation set: the engine is told to
    ignore the generated password (a new one, e.g. after a replaced RandomPassword, changes
    nothing), and without rotation it still manages it."""
    assert "password" in rotated.named("pg-db").ignore_changes
    version = rotated.named("pg-admin", "aws:secretsmanager/secretVersion:SecretVersion")
    assert "secretString" in version.ignore_changes
    plain = declare(prod_config, rotation=None)
    assert "password" not in plain.named("pg-db").ignore_changes
    assert not plain.by_type("aws:secretsmanager/secretRotation:SecretRotation")


def test_the_admin_kubernetes_secret_holds_no_password(rotated: ProgramResult) -> None:
    secret = rotated.named("pg-admin", "kubernetes:core/v1:Secret")
    assert "PGPASSWORD" not in secret.inputs["stringData"]
    assert set(secret.inputs["stringData"]) == {
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGSSLMODE",
    }


def test_admin_jobs_read_only_this_secret_through_irsa(rotated: ProgramResult) -> None:
    account = rotated.named("pg-admin-jobs")
    role = rotated.named("pg-admin-reader", "aws:iam/role:Role")
    assert account.inputs["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": role.outputs["arn"]
    }
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    subject = trust["Condition"]["StringEquals"]["oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub"]
    assert subject == f"system:serviceaccount:pg-admin:{account.inputs['metadata']['name']}"
    policy = json.loads(
        rotated.named("pg-admin-reader", "aws:iam/rolePolicy:RolePolicy").inputs["policy"]
    )
    secret_arn = rotated.named("pg-admin", "aws:secretsmanager/secret:Secret").outputs["arn"]
    assert policy["Statement"][0] == {
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": secret_arn,
    }
    assert policy["Statement"][1]["Action"] == "kms:Decrypt"
    assert policy["Statement"][1]["Resource"] == KMS


def test_the_bootstrap_job_gets_the_current_password_before_psql(rotated: ProgramResult) -> None:
    pod = job_pod(rotated)
    assert pod["serviceAccountName"] == rotated.named("pg-admin-jobs").inputs["metadata"]["name"]
    (init,) = pod["initContainers"]
    assert init["command"][:2] == ["sh", "-c"] and "get-secret-value" in init["command"][2]
    env = {e["name"]: e.get("value") for e in init["env"]}
    assert (
        env["ADMIN_SECRET_ARN"]
        == rotated.named("pg-admin", "aws:secretsmanager/secret:Secret").outputs["arn"]
    )
    (psql,) = pod["containers"]
    psql_env = {e["name"]: e.get("value") for e in psql["env"]}
    assert psql_env["PGPASSFILE"] == env["PGPASSFILE"]
    assert {v["name"]: v["emptyDir"]["medium"] for v in pod["volumes"] if "emptyDir" in v} == {
        "pgpass": "Memory",
        "aws-home": "Memory",
    }


def test_the_admin_namespace_lets_jobs_reach_https(rotated: ProgramResult) -> None:
    policy = rotated.named("pg-admin", "kubernetes:networking.k8s.io/v1:NetworkPolicy")
    ports = {p["port"] for rule in policy.inputs["spec"]["egress"] for p in rule["ports"]}
    assert ports == {53, 5432, 443}


def test_the_rotated_objects_are_valid_and_restricted(
    rotated: ProgramResult, prod_config: PlatformConfig
) -> None:
    assert_valid_kubernetes(rotated.manifests(), prod_config.cluster.kubernetes_version)


def test_rotation_days_are_checked(prod_config: PlatformConfig) -> None:
    with pytest.raises(ValueError, match=r"AdminRotation: days: 400 is not allowed: 1 to 365"):
        declare(prod_config, rotation=replace(ROTATION, days=400))
