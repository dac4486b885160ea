"""PostgresServer under mocks: the RDS baseline, prod versus dev, admin access and DR."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from odoo_platform.components.postgres import (
    CrossRegionBackups,
    PostgresServer,
    PostgresServerArgs,
    parameter_group_family,
    snapshot_identifier,
)
from odoo_platform.config import PlatformConfig, connection_budgets
from odoo_platform.config.capacity import ConnectionBudget
from odoo_platform.config.models import DatabaseConfig
from odoo_platform.platform.assembly.postgres import postgres_server_args
from odoo_platform.testing import ProgramResult, RecordedResource, run_program
from tests.components.conftest import assert_valid_kubernetes

INSTANCE = "aws:rds/instance:Instance"
NODES_SG = "sg-0nodes000000000001"
KMS = "arn:aws:kms:eu-west-1:123456789012:key/data"
DR_KMS = "arn:aws:kms:eu-central-1:123456789012:key/dr"


def shared_args(config: PlatformConfig, dr: CrossRegionBackups | None = None) -> PostgresServerArgs:
    return postgres_server_args(
        config,
        connection_budgets(config)[0],
        subnet_ids=["subnet-db-a", "subnet-db-b"],
        vpc_id="vpc-0123",
        nodes_security_group_id=NODES_SG,
        kms_key_arn=KMS,
        cross_region_backups=dr,
    )


def declare(config: PlatformConfig, with_dr: bool = True) -> ProgramResult:
    def program() -> None:
        dr = aws.Provider("dr", region="eu-central-1") if with_dr else None
        target = CrossRegionBackups(dr, DR_KMS) if dr else None
        server = PostgresServer("pg-shared", shared_args(config, target))
        pulumi.export("budget", server.connection_budget)
        pulumi.export("admin_password", server.admin_password)
        pulumi.export("secret_arn", server.master_secret_arn)
        pulumi.export("address", server.address)

    return run_program(program)


@pytest.fixture(scope="module")
def prod(prod_config: PlatformConfig) -> ProgramResult:
    return declare(prod_config)


@pytest.fixture(scope="module")
def dev(dev_config: PlatformConfig) -> ProgramResult:
    return declare(dev_config)


def instance(result: ProgramResult) -> RecordedResource:
    return result.named("pg-shared-db", INSTANCE)


def test_prod_instance_is_protected_multi_az_and_keeps_a_final_snapshot(
    prod: ProgramResult,
) -> None:
    db = instance(prod)
    assert db.protect
    inputs = db.inputs
    assert inputs["multiAz"] is True
    assert inputs["deletionProtection"] is True
    assert inputs["applyImmediately"] is False
    assert inputs["skipFinalSnapshot"] is False
    assert inputs["finalSnapshotIdentifier"] == "pg-shared-final"
    assert inputs["copyTagsToSnapshot"] is True
    assert inputs["deleteAutomatedBackups"] is False
    assert inputs["backupRetentionPeriod"] == 14


def test_dev_instance_is_cheaper_and_unprotected(dev: ProgramResult) -> None:
    db = instance(dev)
    assert not db.protect
    assert db.inputs["multiAz"] is False
    assert db.inputs["deletionProtection"] is False
    assert db.inputs["applyImmediately"] is True
    assert db.inputs["backupRetentionPeriod"] == 3
    # a final snapshot is kept in every environment
    assert db.inputs["skipFinalSnapshot"] is False


def test_instance_settings_come_from_the_configuration(
    prod: ProgramResult, prod_config: PlatformConfig
) -> None:
    database = prod_config.multi_tenant.database
    inputs = instance(prod).inputs
    assert inputs["engine"] == "postgres"
    assert inputs["engineVersion"] == database.engine_version
    assert inputs["instanceClass"] == "db.m7g.xlarge"
    assert inputs["allocatedStorage"] == 200
    assert inputs["maxAllocatedStorage"] == database.max_allocated_storage_gib
    assert inputs["storageType"] == "gp3"
    assert inputs["backupWindow"] == database.backup_window
    assert inputs["maintenanceWindow"] == database.maintenance_window
    assert inputs["publiclyAccessible"] is False


def test_storage_insights_and_secret_are_encrypted_with_the_data_key(prod: ProgramResult) -> None:
    inputs = instance(prod).inputs
    assert inputs["storageEncrypted"] is True
    assert inputs["kmsKeyId"] == KMS
    assert inputs["performanceInsightsEnabled"] is True
    assert inputs["performanceInsightsKmsKeyId"] == KMS
    secret = prod.named("pg-shared-admin", "aws:secretsmanager/secret:Secret")
    assert secret.inputs["kmsKeyId"] == KMS
    assert secret.protect


def test_master_password_is_never_plain(prod: ProgramResult) -> None:
    assert instance(prod).is_secret("password")
    version = prod.named("pg-shared-admin", "aws:secretsmanager/secretVersion:SecretVersion")
    assert version.is_secret("secretString")
    stored = json.loads(version.inputs["secretString"])
    assert stored["username"] == "platform_admin"
    assert stored["host"] == instance(prod).outputs["address"]
    assert "admin_password" in prod.secret_outputs
    assert prod.outputs["secret_arn"] == secret_arn(prod)


def secret_arn(result: ProgramResult) -> str:
    return str(result.named("pg-shared-admin", "aws:secretsmanager/secret:Secret").outputs["arn"])


def test_logs_and_enhanced_monitoring(prod: ProgramResult) -> None:
    inputs = instance(prod).inputs
    assert inputs["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    assert inputs["monitoringInterval"] == 60
    role = prod.named("pg-shared-monitoring", "aws:iam/role:Role")
    assert inputs["monitoringRoleArn"] == role.outputs["arn"]
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    attachment = prod.named(
        "pg-shared-monitoring", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    )
    assert attachment.inputs["policyArn"].endswith("service-role/AmazonRDSEnhancedMonitoringRole")
    assert attachment.inputs["role"] == role.outputs["name"]


def parameters(result: ProgramResult) -> dict[str, dict[str, Any]]:
    group = result.named("pg-shared-params", "aws:rds/parameterGroup:ParameterGroup")
    return {p["name"]: p for p in group.inputs["parameters"]}


def test_parameter_group_baseline_uses_the_connection_budget(
    prod: ProgramResult, prod_config: PlatformConfig
) -> None:
    budget = connection_budgets(prod_config)[0]
    group = prod.named("pg-shared-params", "aws:rds/parameterGroup:ParameterGroup")
    assert group.inputs["family"] == "postgres16"
    params = parameters(prod)
    assert params["max_connections"]["value"] == str(budget.max_connections)
    assert params["max_connections"]["applyMethod"] == "pending-reboot"
    assert params["shared_preload_libraries"]["value"] == "pg_stat_statements"
    assert params["rds.force_ssl"]["value"] == "1"
    assert int(params["log_min_duration_statement"]["value"]) > 0
    assert int(params["idle_in_transaction_session_timeout"]["value"]) > 0
    assert instance(prod).inputs["parameterGroupName"] == group.outputs["name"]
    assert prod.outputs["budget"]["max_connections"] == budget.max_connections
    assert prod.outputs["budget"]["total"] == budget.total


def test_security_group_admits_5432_only_from_the_nodes(prod: ProgramResult) -> None:
    group = prod.named("pg-shared-sg", "aws:ec2/securityGroup:SecurityGroup")
    assert "ingress" not in group.inputs and "egress" not in group.inputs
    rules = prod.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert len(rules) == 1
    rule = rules[0].inputs
    assert rule["referencedSecurityGroupId"] == NODES_SG
    assert (rule["fromPort"], rule["toPort"], rule["ipProtocol"]) == (5432, 5432, "tcp")
    assert "cidrIpv4" not in rule
    assert not prod.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert instance(prod).property_dependencies["vpcSecurityGroupIds"] == (group.urn,)


def test_subnet_group_uses_the_database_subnets(prod: ProgramResult) -> None:
    group = prod.named("pg-shared-subnets", "aws:rds/subnetGroup:SubnetGroup")
    assert group.inputs["subnetIds"] == ["subnet-db-a", "subnet-db-b"]
    assert instance(prod).inputs["dbSubnetGroupName"] == group.outputs["name"]


def test_every_aws_resource_is_tagged_and_parented(prod: ProgramResult) -> None:
    component = prod.named("pg-shared", "odoo-platform:index:PostgresServer")
    children = prod.descendants(component)
    assert {r.urn for r in children} == {r.urn for r in prod.resources} - {
        component.urn,
        prod.named("dr").urn,
    }
    assert all(r.name.startswith("pg-shared") for r in children)
    tagged = [r for r in children if "tags" in r.inputs]
    assert all(r.inputs["tags"]["Tier"] == "shared" for r in tagged)
    assert instance(prod).inputs["tags"]["BackupPlan"] == "odoo-platform"


def test_admin_credentials_live_in_a_restricted_platform_namespace(prod: ProgramResult) -> None:
    namespace = prod.named("pg-shared-admin", "kubernetes:core/v1:Namespace")
    labels = namespace.inputs["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    secret = prod.named("pg-shared-admin", "kubernetes:core/v1:Secret")
    assert secret.inputs["metadata"]["namespace"] == namespace.outputs["metadata"]["name"]
    assert secret.is_secret("stringData")
    assert secret.inputs["stringData"]["PGUSER"] == "platform_admin"
    assert secret.inputs["stringData"]["PGSSLMODE"] == "require"
    policy = prod.named("pg-shared-admin", "kubernetes:networking.k8s.io/v1:NetworkPolicy")
    assert policy.inputs["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in policy.inputs["spec"]


def test_kubernetes_objects_are_valid(prod: ProgramResult, prod_config: PlatformConfig) -> None:
    assert_valid_kubernetes(prod.manifests(), prod_config.cluster.kubernetes_version)


def test_backups_replicate_to_the_dr_region_in_pilot_light(prod: ProgramResult) -> None:
    replication = prod.named(
        "pg-shared-backups-dr",
        "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
    )
    assert replication.inputs["sourceDbInstanceArn"] == instance(prod).outputs["arn"]
    assert replication.inputs["kmsKeyId"] == DR_KMS
    assert replication.inputs["retentionPeriod"] == 14
    assert replication.provider == prod.named("dr").urn


def test_dev_without_dr_mode_does_not_replicate(dev_config: PlatformConfig) -> None:
    result = declare(dev_config, with_dr=True)
    assert not result.by_type(
        "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
    )


def test_reporting_replica_for_a_dedicated_tenant(prod_config: PlatformConfig) -> None:
    tenant = next(t for t in prod_config.tenants if t.slug == "halden-law")
    budget = next(b for b in connection_budgets(prod_config) if b.server.endswith(tenant.slug))

    def program() -> None:
        args = postgres_server_args(
            prod_config,
            budget,
            subnet_ids=["subnet-db-a"],
            vpc_id="vpc-1",
            nodes_security_group_id=NODES_SG,
            kms_key_arn=KMS,
            tenant=tenant,
        )
        PostgresServer("pg-halden-law", args)

    result = run_program(program)
    primary = result.named("pg-halden-law-db", INSTANCE)
    replica = result.named("pg-halden-law-replica", INSTANCE)
    assert primary.inputs["tags"]["Tenant"] == "halden-law"
    assert replica.inputs["replicateSourceDb"] == primary.outputs["identifier"]
    assert replica.inputs["skipFinalSnapshot"] is True
    assert "BackupPlan" not in replica.inputs["tags"]
    assert not replica.protect
    assert replica.inputs["performanceInsightsKmsKeyId"] == KMS


def test_shared_server_has_no_replica(prod: ProgramResult) -> None:
    assert len(prod.by_type(INSTANCE)) == 1


def test_bad_retention_and_overbooked_budget_are_rejected(prod_config: PlatformConfig) -> None:
    args = shared_args(prod_config)
    with pytest.raises(ValueError, match="1 to 35"):
        run_program(lambda: PostgresServer("pg", _replace(args, backup_retention_days=40)))
    overbooked = ConnectionBudget("multi-tenant", 50, 10, args.budget.tenants)
    with pytest.raises(ValueError, match="needs"):
        run_program(lambda: PostgresServer("pg", _replace(args, budget=overbooked)))


def _replace(args: PostgresServerArgs, **changes: Any) -> PostgresServerArgs:
    return replace(args, **changes)


@pytest.mark.parametrize(("version", "family"), [("16", "postgres16"), ("15.7", "postgres15")])
def test_parameter_group_family_follows_the_major_version(version: str, family: str) -> None:
    assert parameter_group_family(version) == family
    assert DatabaseConfig(engine_version=version).engine_version == version


def test_snapshot_identifier_is_valid_for_rds() -> None:
    assert snapshot_identifier("pg-shared", "final") == "pg-shared-final"
    assert snapshot_identifier("1st__db", "final") == "db-1st-db-final"
