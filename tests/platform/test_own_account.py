"""A dedicated tenant in its own AWS account: every AWS resource there, peered with the platform."""

from __future__ import annotations

import json
from typing import Any

import pytest

from odoo_platform.config import ConfigError
from odoo_platform.platform.regional import build_platform
from odoo_platform.testing import ProgramResult, RecordedResource, run_program
from tests.platform.composition import TODAY, config, owned_by, plan, tenant, urns_of

ROLE = "arn:aws:iam::444455556666:role/odoo-platform-deployer"
OTHER_ROLE = "arn:aws:iam::777788889999:role/odoo-platform-deployer"
SLUG = "gamma-audit"
NAME = f"odoo-dedicated-{SLUG}"
ACCOUNT_CIDR = "10.60.0.0/20"
PROVIDER = "pulumi:providers:aws"
RECORD = "aws:route53/record:Record"
PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
ROUTE = "aws:ec2/route:Route"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
# Declared in the platform account on purpose: the cluster's nodes for this tenant, its DNS
# record in the platform's zone, and the CloudWatch alarms (see docs/tenancy.md: they need
# CloudWatch cross-account observability to see the tenant account's metrics).
PLATFORM_SIDE_TYPES = {
    "aws:eks/nodeGroup:NodeGroup",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:route53/record:Record",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
}


def own_account_tenant(slug: str = SLUG, **dedicated: Any) -> dict[str, Any]:
    settings = {"aws_account_role_arn": ROLE, "account_vpc_cidr": ACCOUNT_CIDR, **dedicated}
    return tenant(slug, "dedicated", regulated=True, dedicated=settings)


def deploy(*tenants: dict[str, Any]) -> ProgramResult:
    """A deployment run (not a preview), so ids and addresses are known."""
    platform = config(tenants=list(tenants))
    return run_program(
        lambda: build_platform(platform, TODAY),
        config={"aws:region": platform.region},
        stack=f"{platform.environment}-{platform.region}",
    )


@pytest.fixture(scope="module")
def own() -> ProgramResult:
    result = deploy(tenant("alpha-law"), own_account_tenant())
    assert not result.errors()
    return result


def tenant_aws(result: ProgramResult, slug: str = SLUG) -> list[RecordedResource]:
    return [r for r in owned_by(result, slug) if r.custom and r.type.startswith("aws:")]


def test_every_aws_resource_of_the_tenant_is_declared_in_its_account(own: ProgramResult) -> None:
    account = own.named(f"{NAME}-account", PROVIDER)
    account_dr = own.named(f"{NAME}-account-dr", PROVIDER)
    assert json.loads(account.inputs["assumeRoles"])[0]["roleArn"] == ROLE
    assert json.loads(account_dr.inputs["assumeRoles"])[0]["roleArn"] == ROLE
    platform_side = {
        f"{NAME}-net-peering",
        *(f"{NAME}-net-from-platform-az{n}" for n in (1, 2, 3)),
        # the role its DR drill publishes its metric as (test_own_account_drills.py)
        f"{NAME}-dr-drill-metric-role",
        f"{NAME}-dr-drill-metric-policy",
    }
    resources = tenant_aws(own)
    kinds = {r.type for r in resources if r.provider == account.urn}
    assert {
        "aws:ec2/vpc:Vpc",
        "aws:kms/key:Key",
        "aws:rds/instance:Instance",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:efs/fileSystem:FileSystem",
        "aws:efs/accessPoint:AccessPoint",
        "aws:s3/bucket:Bucket",
        "aws:iam/role:Role",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "aws:backup/plan:Plan",
        "aws:backup/vault:Vault",
        ACCEPTER,
    } <= kinds
    elsewhere = [
        r.name
        for r in resources
        if r.provider not in {account.urn, account_dr.urn}
        and r.name not in platform_side
        and r.type not in PLATFORM_SIDE_TYPES
    ]
    assert elsewhere == []
    for name in platform_side:
        assert own.named(name).provider == own.named("odoo-network-aws", PROVIDER).urn


def test_tenant_records_stay_in_the_platform_zone_and_move_from_the_ingress(
    own: ProgramResult,
) -> None:
    """Every tenant declares its records, with the platform account's provider (the zone is
    there) and an alias to where TraefikIngress declared them, so `pulumi up` moves them."""
    platform_aws = own.named("odoo-network-aws", PROVIDER)
    ingress = own.named("odoo-ingress", "odoo-platform:index:TraefikIngress")
    assert not [r for r in own.by_type(RECORD) if r.parent == ingress.urn]
    for slug, name in (("alpha-law", "odoo-shared-alpha-law"), (SLUG, NAME)):
        odoo = own.named(name, "odoo-platform:index:OdooTenant")
        (record,) = [r for r in own.by_type(RECORD) if r.parent == odoo.urn]
        host = record.inputs["name"]
        assert record.provider == platform_aws.urn
        assert record.aliases == (f"name=odoo-ingress-{slug}-{host},parent={ingress.urn}",)


def uses(resource: RecordedResource, key: str, *others: RecordedResource) -> bool:
    """The input `key` of `resource` comes from exactly `others`."""
    return set(resource.property_dependencies.get(key, ())) == {o.urn for o in others}


def test_the_vpcs_are_peered_and_routed_both_ways(own: ProgramResult) -> None:
    platform_vpc = own.named("odoo-network-vpc")
    tenant_vpc = own.named(f"{NAME}-net-vpc")
    assert tenant_vpc.inputs["cidrBlock"] == ACCOUNT_CIDR
    peering = own.named(f"{NAME}-net-peering", PEERING)
    assert uses(peering, "vpcId", platform_vpc) and uses(peering, "peerVpcId", tenant_vpc)
    assert peering.inputs["peerOwnerId"] == "444455556666"
    assert "peerRegion" not in peering.inputs  # same region: security groups can reference
    accepter = own.named(f"{NAME}-net-peering-accept", ACCEPTER)
    assert accepter.inputs["autoAccept"] is True and uses(
        accepter, "vpcPeeringConnectionId", peering
    )
    routes = [r for r in own.by_type(ROUTE) if r.inputs.get("vpcPeeringConnectionId")]
    assert routes and all(uses(r, "vpcPeeringConnectionId", accepter) for r in routes)
    to_tenant = [r for r in routes if r.inputs["destinationCidrBlock"] == ACCOUNT_CIDR]
    assert sorted(r.property_dependencies["routeTableId"][0] for r in to_tenant) == sorted(
        own.named(f"odoo-network-private-az{n}-rt").urn for n in (1, 2, 3)
    )
    to_platform = [r for r in routes if r.inputs["destinationCidrBlock"] == "10.20.0.0/16"]
    assert len(to_platform) == 1 and uses(
        to_platform[0], "routeTableId", own.named(f"{NAME}-net-rt")
    )
    associations = [
        r
        for r in tenant_aws(own)
        if r.type == "aws:ec2/routeTableAssociation:RouteTableAssociation"
    ]
    assert len(associations) == 6  # private and database subnets in 3 AZs
    # No way out of the tenant VPC but the peering.
    kinds = {r.type for r in tenant_aws(own)}
    assert not kinds & {"aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway"}


def test_data_services_live_in_the_tenant_vpc_and_admit_only_the_platform_nodes(
    own: ProgramResult,
) -> None:
    tenant_vpc = own.named(f"{NAME}-net-vpc")
    nodes = own.named("odoo-network-nodes-sg")
    for service, port in (("postgres", 5432), ("redis", 6379), ("efs", 2049)):
        group = own.named(f"{NAME}-{service}-sg")
        assert uses(group, "vpcId", tenant_vpc)
        rules = [r for r in own.by_type(INGRESS) if uses(r, "securityGroupId", group)]
        # and the admin password rotation function, from its own group in the tenant's VPC
        rotation = [r for r in rules if r.name == f"{NAME}-postgres-from-rotation"]
        assert len(rotation) == (service == "postgres")
        rules = [r for r in rules if r not in rotation]
        assert [r.inputs["fromPort"] for r in rules] == [port]
        account, _, group_id = rules[0].inputs["referencedSecurityGroupId"].partition("/")
        assert account == "123456789012" and group_id.startswith("odoo-network-nodes-sg-")
        assert uses(rules[0], "referencedSecurityGroupId", nodes)
        assert "cidrIpv4" not in rules[0].inputs
    database_subnets = [own.named(f"{NAME}-net-database-az{n}") for n in (1, 2, 3)]
    subnet_groups = [r for r in tenant_aws(own) if r.type == "aws:rds/subnetGroup:SubnetGroup"]
    assert subnet_groups and uses(subnet_groups[0], "subnetIds", *database_subnets)
    private_subnets = [own.named(f"{NAME}-net-private-az{n}") for n in (1, 2, 3)]
    targets = [own.named(f"{NAME}-efs-az{n}") for n in (1, 2, 3)]
    assert all(uses(t, "subnetId", s) for t, s in zip(targets, private_subnets, strict=True))


def test_the_tenant_pods_reach_its_vpc_and_mount_its_file_system_by_address(
    own: ProgramResult,
) -> None:
    namespace = f"odoo-{SLUG}"
    egress = next(
        m
        for m in own.manifests()
        if m["kind"] == "NetworkPolicy"
        and m["metadata"].get("namespace") == namespace
        and m["metadata"]["name"] == "odoo-egress"
    )["spec"]["egress"]
    database_rule = next(r for r in egress if {"protocol": "TCP", "port": 5432} in r["ports"])
    cidrs = {peer["ipBlock"]["cidr"] for peer in database_rule["to"]}
    tenant_database = {
        own.named(f"{NAME}-net-database-az{n}").inputs["cidrBlock"] for n in (1, 2, 3)
    }
    assert cidrs == tenant_database
    nfs_rule = next(r for r in egress if {"protocol": "TCP", "port": 2049} in r["ports"])
    assert [peer["ipBlock"]["cidr"] for peer in nfs_rule["to"]] == [ACCOUNT_CIDR]
    volume = next(
        m
        for m in own.manifests()
        if m["kind"] == "PersistentVolume" and m["metadata"]["name"] == f"odoo-{SLUG}-filestore"
    )
    target = own.named(f"{NAME}-efs-az1")
    assert volume["spec"]["csi"]["volumeAttributes"] == {
        "mounttargetip": target.outputs["ipAddress"]
    }


def test_aws_backup_in_the_tenant_account_selects_by_the_platform_tag(own: ProgramResult) -> None:
    selection = own.named(f"{NAME}-backup-plan-selection")
    [condition] = selection.inputs["conditions"]
    assert condition["stringEquals"] == [
        {"key": "aws:ResourceTag/BackupPlan", "value": "odoo-platform"}
    ]
    assert own.named(f"{NAME}-efs", "aws:efs/fileSystem:FileSystem").inputs["tags"]["BackupPlan"]
    vault = own.named(f"{NAME}-backup-plan-vault", "aws:backup/vault:Vault")
    assert vault.inputs["kmsKeyArn"] == own.named(f"{NAME}-backups-key").outputs["arn"]


def test_the_backup_role_trusts_the_cluster_through_the_tenant_accounts_oidc_provider(
    own: ProgramResult,
) -> None:
    oidc = own.named(f"{NAME}-oidc")
    role = own.named(f"{NAME}-backup-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"]["Federated"] == oidc.outputs["arn"]


def test_a_tenant_without_an_account_role_is_unchanged() -> None:
    """Same URNs with or without an own-account tenant beside it, and no peering for it."""
    dedicated = tenant("delta-tax", "dedicated")
    alone = plan(config(tenants=[tenant("alpha-law"), dedicated]))
    beside = plan(config(tenants=[tenant("alpha-law"), dedicated, own_account_tenant()]))
    assert urns_of(alone) <= urns_of(beside)
    assert urns_of(beside) - urns_of(alone) == urns_of(beside, SLUG)
    platform = {alone.named(name, PROVIDER).urn for name in ("odoo-network-aws", "odoo-dr")}
    assert {r.provider for r in tenant_aws(alone, "delta-tax")} == platform
    assert not [r for r in alone.by_type(PEERING)]
    assert not [r for r in tenant_aws(alone, "delta-tax") if r.type == "aws:ec2/vpc:Vpc"]


def issues_of(*tenants: dict[str, Any], **changes: Any) -> list[str]:
    with pytest.raises(ConfigError) as error:
        config(tenants=list(tenants), **changes)
    return [str(issue) for issue in error.value.issues]


def test_an_own_account_tenant_needs_an_account_vpc_cidr() -> None:
    settings = {"aws_account_role_arn": ROLE}
    issues = issues_of(tenant(SLUG, "dedicated", regulated=True, dedicated=settings))
    assert len(issues) == 1
    assert issues[0].startswith("platform.tenants[0].dedicated.account_vpc_cidr: ")
    assert "/20 or larger" in issues[0] and "10.20.0.0/16 (landing_zone.vpc_cidr)" in issues[0]


def test_an_account_vpc_must_not_overlap_the_stack_or_another_tenants() -> None:
    issues = issues_of(own_account_tenant(account_vpc_cidr="10.20.128.0/20"))
    assert issues == [
        "platform.tenants[0].dedicated.account_vpc_cidr: '10.20.128.0/20' overlaps "
        "landing_zone.vpc_cidr; peered VPCs need disjoint ranges: choose one outside "
        "10.20.0.0/16 (landing_zone.vpc_cidr)"
    ]
    issues = issues_of(
        own_account_tenant("one-firm"),
        own_account_tenant(
            "two-firm", aws_account_role_arn=OTHER_ROLE, account_vpc_cidr="10.60.0.0/19"
        ),
    )
    assert len(issues) == 1
    assert issues[0].startswith("platform.tenants[1].dedicated.account_vpc_cidr: '10.60.0.0/19'")
    assert "overlaps tenant 'one-firm' account_vpc_cidr" in issues[0]


def test_two_tenants_cannot_share_an_account() -> None:
    issues = issues_of(
        own_account_tenant("one-firm"),
        own_account_tenant("two-firm", account_vpc_cidr="10.61.0.0/20"),
    )
    assert issues == [
        "platform.tenants[1].dedicated.aws_account_role_arn: account 444455556666 already "
        "hosts tenant 'one-firm'; one tenant per own account (its VPC and IAM OIDC provider "
        "are the tenant's)"
    ]


def test_an_account_vpc_must_hold_its_subnets_and_needs_a_role() -> None:
    too_small = issues_of(own_account_tenant(account_vpc_cidr="10.60.0.0/22"))
    assert len(too_small) == 1 and "'10.60.0.0/22' is too small" in too_small[0]
    without_role = issues_of(
        tenant(SLUG, "dedicated", dedicated={"account_vpc_cidr": ACCOUNT_CIDR})
    )
    assert without_role == [
        f"platform.tenants[0].dedicated.account_vpc_cidr: '{ACCOUNT_CIDR}' is set but "
        "aws_account_role_arn is not; the account VPC exists only for a tenant in its own account"
    ]
