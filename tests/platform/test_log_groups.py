"""Every log the services write goes to a log group the program declares first (issue 13).

AWS creates a missing group itself, with no expiry and no CMK; RDS logs slow statements with
their literal values, so tenant data would be kept forever. Each group is declared with the
stack's retention and the logs key, and the writer depends on it.
"""

from __future__ import annotations

from dataclasses import replace as evolve

import pytest

from odoo_platform.components.postgres import PostgresServer
from odoo_platform.config import ConfigError, connection_budgets
from odoo_platform.platform.assembly.postgres import postgres_server_args
from odoo_platform.testing import ProgramResult, RecordedResource, run_program
from tests.components.infra_fixtures import declare as declare_zone
from tests.components.infra_fixtures import make_config
from tests.platform.test_own_account import SLUG, deploy, own_account_tenant, tenant

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
INSTANCE = "aws:rds/instance:Instance"
BUCKET = "aws:s3/bucket:Bucket"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
KEY = "aws:kms/key:Key"


@pytest.fixture(scope="module")
def own() -> ProgramResult:
    return deploy(tenant("alpha-law"), own_account_tenant(reporting_replica=True))


def log_groups(result: ProgramResult) -> dict[str, RecordedResource]:
    return {r.inputs["name"]: r for r in result.by_type(LOG_GROUP) if "name" in r.inputs}


def logs_key_arns(result: ProgramResult) -> set[str]:
    return {
        k.outputs["arn"]
        for k in result.by_type(KEY)
        if "CloudWatchLogs" in str(k.inputs.get("policy"))
    }


def test_every_rds_instance_writes_to_declared_groups_it_depends_on(own: ProgramResult) -> None:
    groups = log_groups(own)
    instances = own.by_type(INSTANCE)
    assert len(instances) >= 3  # shared, dedicated and its replica
    for instance in instances:
        identifier = instance.inputs["identifier"]
        for export in ("postgresql", "upgrade"):
            group = groups[f"/aws/rds/instance/{identifier}/{export}"]
            assert group.urn in instance.dependencies, (identifier, export)
            assert group.inputs["retentionInDays"] == 90
            assert group.inputs["kmsKeyId"] in logs_key_arns(own)
        assert sorted(instance.inputs["enabledCloudwatchLogsExports"]) == ["postgresql", "upgrade"]


def test_rds_identifiers_are_stable_and_unique(own: ProgramResult) -> None:
    identifiers = [i.inputs["identifier"] for i in own.by_type(INSTANCE)]
    assert len(set(identifiers)) == len(identifiers)
    assert all(len(i) <= 63 and i[0].isalpha() for i in identifiers)
    again = deploy(tenant("alpha-law"), own_account_tenant(reporting_replica=True))
    assert identifiers == [i.inputs["identifier"] for i in again.by_type(INSTANCE)]


def test_the_eks_cluster_writes_to_a_declared_group_it_depends_on(own: ProgramResult) -> None:
    (cluster,) = own.by_type("aws:eks/cluster:Cluster")
    group = log_groups(own)[f"/aws/eks/{cluster.inputs['name']}/cluster"]
    assert group.urn in cluster.dependencies
    assert group.inputs["retentionInDays"] == 90
    assert group.inputs["kmsKeyId"] in logs_key_arns(own)


def test_the_tenant_accounts_vpc_has_flow_logs_in_its_account(own: ProgramResult) -> None:
    vpc = own.named(f"odoo-dedicated-{SLUG}-net-vpc")
    (flow,) = [f for f in own.by_type(FLOW_LOG) if vpc.urn in f.property_dependencies["vpcId"]]
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.provider == vpc.provider  # the tenant account's provider
    group = next(g for g in own.by_type(LOG_GROUP) if g.urn in flow.dependencies)
    assert group.provider == vpc.provider
    assert group.inputs["retentionInDays"] == 90
    key = next(k for k in own.by_type(KEY) if k.outputs["arn"] == group.inputs["kmsKeyId"])
    assert key.provider == vpc.provider and "CloudWatchLogs" in key.inputs["policy"]


def test_every_bucket_but_the_log_buckets_logs_its_access_in_its_region(own: ProgramResult) -> None:
    logged = {
        logging.property_dependencies["bucket"][0]: logging.property_dependencies["targetBucket"]
        for logging in own.by_type(LOGGING)
    }
    for bucket in own.by_type(BUCKET):
        if "access-logs" in bucket.name:
            continue
        assert bucket.urn in logged, f"{bucket.name} has no access logging"
        (target,) = logged[bucket.urn]
        assert own.get(target).provider == bucket.provider, f"{bucket.name} logs to another region"


def test_a_stack_deployed_earlier_keeps_its_instance_and_cluster_names() -> None:
    """Identifiers of instances and clusters created with generated names can be pinned, so
    upgrading does not replace them; their log groups follow the pinned names."""
    config = make_config(
        cluster={
            "mode": "eks",
            "name": "odoo-cluster-eks-1a2b3c4",
            "admin_role_arns": ["arn:aws:iam::111122223333:role/platform-admins"],
        },
        multi_tenant={
            "database": {"identifier": "odoo-shared-postgres-db-9f8e7d6"},
        },
    )
    result = declare_zone(config)
    (cluster,) = result.by_type("aws:eks/cluster:Cluster")
    assert cluster.inputs["name"] == "odoo-cluster-eks-1a2b3c4"
    assert "/aws/eks/odoo-cluster-eks-1a2b3c4/cluster" in log_groups(result)

    def program() -> None:
        args = postgres_server_args(
            config,
            connection_budgets(config)[0],
            subnet_ids=["subnet-a"],
            vpc_id="vpc-1",
            nodes_security_group_id="sg-1",
            kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/data",
        )
        PostgresServer("odoo-shared-postgres", evolve(args, reporting_replica=False))

    server = run_program(program)
    assert server.named("odoo-shared-postgres-db").inputs["identifier"] == (
        "odoo-shared-postgres-db-9f8e7d6"
    )
    assert "/aws/rds/instance/odoo-shared-postgres-db-9f8e7d6/postgresql" in log_groups(server)


def test_the_dedicated_defaults_cannot_pin_one_identifier_for_every_server() -> None:
    with pytest.raises(ConfigError) as error:
        make_config(dedicated_defaults={"database": {"identifier": "one-for-all"}})
    assert "platform.dedicated_defaults.database.identifier" in str(error.value)
    assert "tenants[" in str(error.value)
