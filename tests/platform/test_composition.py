"""RegionalPlatform: both tiers composed from one configuration, and the outputs it exports."""

from __future__ import annotations

import json

import pytest

from odoo_platform.platform.regional import build_platform
from odoo_platform.testing import ProgramResult, run_program
from tests.platform.composition import TODAY, config, plan, tenant

SERVER = "odoo-platform:index:PostgresServer"
CACHE = "odoo-platform:index:RedisCache"
BUCKET = "odoo-platform:index:BackupBucket"
ODOO = "odoo-platform:index:OdooTenant"
RDS = "aws:rds/instance:Instance"
KMS = "aws:kms/key:Key"
EFS = "aws:efs/fileSystem:FileSystem"
PROVIDER = "pulumi:providers:aws"


@pytest.fixture(scope="module")
def prod() -> ProgramResult:
    return plan(config())


def test_shared_tier_has_one_server_cache_and_bucket_for_all_its_tenants(
    prod: ProgramResult,
) -> None:
    shared = prod.children(prod.named("odoo-shared", "odoo-platform:index:MultiTenantTier"))
    assert sorted(r.type for r in shared if r.type in (SERVER, CACHE, BUCKET)) == [
        BUCKET,
        SERVER,
        CACHE,
    ]
    tenants = {r.name for r in prod.by_type(ODOO)}
    assert tenants == {
        "odoo-shared-alpha-law",
        "odoo-shared-beta-tax",
        "odoo-dedicated-gamma-audit",
    }


def test_dedicated_tenant_has_its_own_protected_services_and_key(prod: ProgramResult) -> None:
    name = "odoo-dedicated-gamma-audit"
    assert prod.named(f"{name}-postgres", SERVER)
    assert prod.named(f"{name}-redis", CACHE)
    assert prod.named(f"{name}-backups", BUCKET)
    key = prod.named(f"{name}-key", KMS)
    assert key.protect and key.inputs["enableKeyRotation"] is True
    instance = prod.named(f"{name}-postgres-db", RDS)
    assert instance.protect
    assert instance.inputs["multiAz"] is True
    assert instance.inputs["kmsKeyId"] == key.outputs["arn"]
    assert prod.named(f"{name}-efs", EFS).inputs["kmsKeyId"] == key.outputs["arn"]
    replicas = [r for r in prod.by_type(RDS) if r.inputs.get("replicateSourceDb")]
    assert [r.tenant for r in replicas] == ["gamma-audit"]


def test_every_aws_resource_goes_through_an_explicit_provider(prod: ProgramResult) -> None:
    """No ambient default provider: each region's provider carries the default tags."""
    aws_resources = [r for r in prod.resources if r.custom and r.type.startswith("aws:")]
    assert aws_resources
    providers = {r.urn: r for r in prod.by_type(PROVIDER)}
    for resource in aws_resources:
        assert resource.provider in providers, resource.urn
        default_tags = json.loads(providers[resource.provider].inputs["defaultTags"])
        assert default_tags["tags"]["Owner"] == "platform@acme.example"


def test_dr_copies_go_to_the_dr_region_under_their_own_keys(prod: ProgramResult) -> None:
    dr = prod.named("odoo-dr", PROVIDER)
    assert dr.inputs["region"] == "eu-central-1"
    dr_keys = [r for r in prod.by_type(KMS) if r.provider == dr.urn]
    assert {r.name for r in dr_keys} >= {"odoo-dr-data-key", "odoo-dr-backups-key"}
    assert all(k.protect and k.inputs["enableKeyRotation"] for k in dr_keys)
    replication = prod.by_type(
        "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
    )
    assert replication and all(r.provider == dr.urn for r in replication)


def test_outputs_describe_the_platform_and_keep_the_kubeconfig_secret(prod: ProgramResult) -> None:
    outputs = prod.outputs
    assert "kubeconfig" in prod.secret_outputs
    assert set(outputs["tenants"]) == {"alpha-law", "beta-tax", "gamma-audit"}
    assert outputs["tenants"]["gamma-audit"]["tier"] == "dedicated"
    assert outputs["shared_database"]["admin_namespace"]
    assert outputs["retained_tenants"] == ["alpha-law", "beta-tax", "gamma-audit"]
    budgets = outputs["connection_budgets"]
    assert set(budgets) == {"multi-tenant", "dedicated:gamma-audit"}
    assert all(0 < b["total"] <= b["max_connections"] for b in budgets.values())
    assert outputs["database_cidrs"] and outputs["ingress"]["entry_point"] == "websecure"
    # each tenant's first login and its generated password: a secret output, and the only one
    assert {"kubeconfig", "tenant_admin_logins"} <= prod.secret_outputs
    logins = outputs["tenant_admin_logins"]
    assert set(logins) == {"alpha-law", "beta-tax", "gamma-audit"}
    assert all(len(v["password"]) == 24 and v["login"] for v in logins.values())
    public = {k: v for k, v in outputs.items() if k not in prod.secret_outputs}
    assert "password" not in json.dumps(public).lower()


def test_nested_outputs_are_what_the_components_declared(prod: ProgramResult) -> None:
    """Each component gives its own part of the outputs; the platform derives nothing twice."""
    outputs = prod.outputs
    group = prod.named("odoo-shared-redis-rg", "aws:elasticache/replicationGroup:ReplicationGroup")
    assert outputs["shared_cache"] == {
        "primary_endpoint": group.outputs["primaryEndpointAddress"],
        "port": group.inputs["port"],
    }
    subnets = [
        r.inputs["cidrBlock"]
        for r in sorted(prod.by_type("aws:ec2/subnet:Subnet"), key=lambda r: r.name)
        if r.name.startswith("odoo-network-database-")
    ]
    # the landing zone's own subnets, and what tenant pods may reach the databases in
    assert outputs["database_cidrs"] == subnets
    policy = prod.named("odoo-shared-alpha-law-np-egress")
    allowed = json.dumps(policy.inputs["spec"])
    assert all(cidr in allowed for cidr in subnets)
    namespace = prod.named("odoo-ingress-namespace", "kubernetes:core/v1:Namespace")
    assert outputs["ingress"]["namespace"] == namespace.inputs["metadata"]["name"]
    assert set(outputs["shared_database"]) >= {"address", "port", "max_connections"}


def test_a_tenant_in_its_own_account_keeps_its_backups_there() -> None:
    role = "arn:aws:iam::444455556666:role/odoo-platform-deployer"
    result = plan(
        config(
            tenants=[
                tenant("alpha-law"),
                tenant(
                    "gamma-audit",
                    "dedicated",
                    regulated=True,
                    dedicated={"aws_account_role_arn": role, "account_vpc_cidr": "10.60.0.0/20"},
                ),
            ]
        )
    )
    account = result.named("odoo-dedicated-gamma-audit-account", PROVIDER)
    assert json.loads(account.inputs["assumeRoles"])[0]["roleArn"] == role
    bucket = result.named("odoo-dedicated-gamma-audit-backups")
    in_account = [r for r in result.descendants(bucket) if r.custom and r.provider == account.urn]
    assert any(r.type == "aws:s3/bucket:Bucket" for r in in_account)
    dr_account = result.named("odoo-dedicated-gamma-audit-account-dr", PROVIDER)
    assert dr_account.inputs["region"] == "eu-central-1"


def test_existing_cluster_mode_declares_no_eks_and_uses_the_configured_oidc() -> None:
    existing = {
        "mode": "existing",
        "oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/oidc.example/id/A1",
        "oidc_issuer_url": "https://oidc.example/id/A1",
    }
    platform_config = config(cluster=existing)
    result = run_program(
        lambda: build_platform(platform_config, TODAY),
        config={"aws:region": "eu-west-1", "odoo-platform:kubeconfig": "apiVersion: v1"},
        secret_keys=["odoo-platform:kubeconfig"],
        stack="prod-eu-west-1",
        preview=True,
    )
    assert not [r for r in result.resources if r.type.startswith("aws:eks/")]
    assert result.outputs["oidc_provider_arn"] == existing["oidc_provider_arn"]
    assert "kubeconfig" in result.secret_outputs
