"""LandingZone under mocks: subnets, NAT, tags, security groups, encryption, protection."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import replace
from itertools import combinations
from typing import Any

import pulumi_aws as aws
import pytest

from odoo_platform.components.aws_backup import BackupPlanArgs
from odoo_platform.components.landing_zone import (
    INTERFACE_ENDPOINT_SERVICES,
    KEY_PURPOSES,
    LandingZone,
    kms_key_policy,
)
from odoo_platform.config.catalog import (
    BASE_TAG_KEYS,
    DEFAULT_BACKUP_PLAN,
    TAG_BACKUP_PLAN,
    TAG_TIER,
)
from odoo_platform.platform.assembly.landing_zone import landing_zone_args
from odoo_platform.testing import ProgramResult, RecordedResource, run_program
from tests.components.infra_fixtures import (
    PROVIDER,
    RecordingMocks,
    declare,
    effective_tags,
    is_taggable,
    make_config,
    open_ingress,
)

SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"
KEY = "aws:kms/key:Key"
EFS = "aws:efs/fileSystem:FileSystem"
ROUTE = "aws:ec2/route:Route"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ZONES = [f"eu-west-1{letter}" for letter in "abcdef"]


def landing_zone(environment: str = "prod", **zone: Any) -> ProgramResult:
    settings = {"vpc_cidr": "10.40.0.0/16", "availability_zones": 3, **zone}
    config = make_config(environment=environment, landing_zone=settings)
    return declare(config, cluster=False)


@pytest.fixture(scope="module")
def prod() -> ProgramResult:
    return landing_zone("prod", interface_endpoints=True)


@pytest.fixture(scope="module")
def dev() -> ProgramResult:
    return landing_zone("dev")


def subnets(result: ProgramResult, kind: str) -> list[RecordedResource]:
    return sorted(
        (r for r in result.by_type(SUBNET) if r.name.startswith(f"lz-{kind}-")),
        key=lambda r: r.name,
    )


# --- subnets and NAT -------------------------------------------------------------------------

DEFAULT_PREFIXES = {"public": 24, "private": 20, "database": 24}
VPC_SIZES = [
    ("10.40.0.0/16", {}),
    ("10.64.0.0/18", {"public": 26, "private": 22, "database": 26}),
    ("172.20.0.0/20", {"public": 27, "private": 24, "database": 27}),
]


@pytest.mark.parametrize("az_count", [2, 3, 4, 5, 6])
@pytest.mark.parametrize(("vpc_cidr", "prefixes"), VPC_SIZES)
def test_subnets_per_az_fit_the_vpc_without_overlap(
    az_count: int, vpc_cidr: str, prefixes: dict[str, int]
) -> None:
    result = landing_zone(
        "dev", vpc_cidr=vpc_cidr, availability_zones=az_count, subnet_prefixes=prefixes
    )
    vpc = ipaddress.IPv4Network(vpc_cidr)
    assert result.named("lz-vpc").inputs["cidrBlock"] == vpc_cidr
    networks = []
    for kind in ("public", "private", "database"):
        declared = subnets(result, kind)
        assert len(declared) == az_count
        # one subnet of each kind in each of the first `az_count` zones the invoke returned
        assert [s.inputs["availabilityZone"] for s in declared] == ZONES[:az_count]
        for subnet in declared:
            network = ipaddress.IPv4Network(subnet.inputs["cidrBlock"])
            assert network.subnet_of(vpc)
            assert network.prefixlen == {**DEFAULT_PREFIXES, **prefixes}[kind]
            networks.append(network)
    assert len(networks) == 3 * az_count
    for first, second in combinations(networks, 2):
        assert not first.overlaps(second), (first, second)
    assert result.outputs["azs"] == ZONES[:az_count]
    # what tenant network policies admit: exactly the database subnets declared
    declared = [s.inputs["cidrBlock"] for s in subnets(result, "database")]
    assert result.outputs["database_cidrs"] == declared


@pytest.mark.parametrize("az_count", [3, 4, 6])  # prod needs at least three zones
def test_prod_has_a_nat_gateway_per_az_and_dev_one(az_count: int) -> None:
    prod = landing_zone("prod", availability_zones=az_count)
    dev = landing_zone("dev", availability_zones=az_count)
    prod_nats = prod.by_type(NAT)
    assert len(prod_nats) == az_count
    assert len(dev.by_type(NAT)) == 1
    # every private subnet routes its default route through its own zone's NAT in prod
    for result, expected in ((prod, az_count), (dev, 1)):
        private_routes = [r for r in result.by_type(ROUTE) if r.name.startswith("lz-private-")]
        assert len(private_routes) == az_count
        nat_targets = {r.inputs["natGatewayId"] for r in private_routes}
        assert len(nat_targets) == expected


def test_nat_gateways_sit_in_public_subnets_with_elastic_ips(prod: ProgramResult) -> None:
    public = {r.urn for r in subnets(prod, "public")}
    for nat in prod.by_type(NAT):
        assert set(nat.property_dependencies["subnetId"]) <= public
        assert nat.inputs["allocationId"]
    assert len(prod.by_type("aws:ec2/eip:Eip")) == len(prod.by_type(NAT))


def test_database_subnets_have_no_route_to_the_internet(prod: ProgramResult) -> None:
    public_default = prod.named("lz-public-default", ROUTE).inputs
    assert public_default["destinationCidrBlock"] == "0.0.0.0/0"
    assert public_default["gatewayId"]
    assert not [r for r in prod.by_type(ROUTE) if r.name.startswith("lz-database")]
    database_rt = prod.named("lz-database-rt")
    associations = [
        r
        for r in prod.by_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
        if database_rt.urn in r.dependencies
    ]
    assert len(associations) == 3


def test_more_availability_zones_add_subnets_and_rename_nothing() -> None:
    three = landing_zone("prod", availability_zones=3)
    four = landing_zone("prod", availability_zones=4)
    assert three.urns() < four.urns()
    kept = {r.name: r.inputs.get("cidrBlock") for r in three.by_type(SUBNET)}
    assert {r.name: r.inputs.get("cidrBlock") for r in four.by_type(SUBNET) if r.name in kept} == (
        kept
    )


def test_the_availability_zone_invoke_goes_through_the_explicit_provider() -> None:
    mocks = RecordingMocks()
    result = declare(make_config(), cluster=False, mocks=mocks)
    provider = result.named("lz-aws", PROVIDER)
    zone_calls = [c for c in mocks.calls if c.token.endswith("getAvailabilityZones")]
    assert zone_calls
    assert all(c.provider.startswith(provider.urn + "::") for c in zone_calls)


# --- tags, security groups --------------------------------------------------------------------


def test_every_taggable_resource_carries_the_required_tags(prod: ProgramResult) -> None:
    taggable = [r for r in prod.resources if is_taggable(r)]
    assert len(taggable) > 40
    for resource in taggable:
        tags = effective_tags(prod, resource)
        missing = [k for k in (*BASE_TAG_KEYS, TAG_TIER) if not tags.get(k)]
        assert not missing, f"{resource.name} lacks {missing}"
        assert tags["DataController"] == "acme-group"


def test_the_provider_sets_default_tags_for_the_region(prod: ProgramResult) -> None:
    provider = prod.named("lz-aws", PROVIDER)
    assert provider.inputs["region"] == "eu-west-1"
    tags = json.loads(provider.inputs["defaultTags"])["tags"]
    assert tags["Owner"] == "platform@acme.example"
    assert tags["Environment"] == "prod"
    assert all(r.provider == provider.urn for r in prod.resources if r.type.startswith("aws:"))


def test_no_ingress_rule_is_open_to_the_world(prod: ProgramResult) -> None:
    assert prod.by_type(INGRESS), "the check must see the ingress rules"
    assert open_ingress(prod) == []


def test_efs_admits_nfs_from_the_nodes_only(prod: ProgramResult) -> None:
    rules = [r for r in prod.by_type(INGRESS) if r.name.startswith("lz-efs")]
    assert len(rules) == 1
    rule = rules[0].inputs
    assert (rule["fromPort"], rule["toPort"], rule["ipProtocol"]) == (2049, 2049, "tcp")
    assert rule["referencedSecurityGroupId"] == prod.outputs["node_sg"]
    assert "cidrIpv4" not in rule
    assert rules[0].property_dependencies["securityGroupId"] == (prod.named("lz-efs-sg").urn,)


def test_the_default_security_group_is_stripped(prod: ProgramResult) -> None:
    default = prod.named("lz-default-sg").inputs
    assert default["ingress"] == []
    assert default["egress"] == []


def test_s3_gateway_endpoint_and_optional_interface_endpoints(
    prod: ProgramResult, dev: ProgramResult
) -> None:
    s3 = prod.named("lz-s3", ENDPOINT).inputs
    assert (s3["serviceName"], s3["vpcEndpointType"]) == ("com.amazonaws.eu-west-1.s3", "Gateway")
    assert len(s3["routeTableIds"]) == 4  # three private tables and the database table
    interface = [r for r in prod.by_type(ENDPOINT) if r.inputs["vpcEndpointType"] == "Interface"]
    services = {r.inputs["serviceName"].removeprefix("com.amazonaws.eu-west-1.") for r in interface}
    assert services == set(INTERFACE_ENDPOINT_SERVICES)
    assert all(r.inputs["privateDnsEnabled"] for r in interface)
    assert [r.name for r in dev.by_type(ENDPOINT)] == ["lz-s3"]


# --- encryption, flow logs, protection -------------------------------------------------------


def test_kms_keys_rotate_and_have_aliases(prod: ProgramResult) -> None:
    keys = {r.name: r for r in prod.by_type(KEY)}
    assert set(keys) == {f"lz-{p}-key" for p in KEY_PURPOSES}
    for key in keys.values():
        assert key.inputs["enableKeyRotation"] is True
        assert key.inputs["deletionWindowInDays"] == 30
    aliases = {r.inputs["name"] for r in prod.by_type("aws:kms/alias:Alias")}
    assert aliases == {f"alias/odoo-platform/test/lz-{p}" for p in KEY_PURPOSES}
    arns = prod.outputs["kms_key_arns"]
    assert set(arns) == set(KEY_PURPOSES)
    assert {k: keys[f"lz-{k}-key"].outputs["arn"] for k in arns} == arns


def _statements(policy: str) -> list[dict[str, Any]]:
    return list(json.loads(policy)["Statement"])


@pytest.mark.parametrize("purpose", KEY_PURPOSES)
def test_key_policies_never_grant_everything(prod: ProgramResult, purpose: str) -> None:
    statements = _statements(prod.named(f"lz-{purpose}-key").inputs["policy"])
    for statement in statements:
        actions = statement["Action"]
        assert "kms:*" not in (actions if isinstance(actions, list) else [actions])
        assert statement["Principal"] != "*"
        assert statement["Principal"].get("AWS") != "*"
    usage = [s for s in statements if "kms:Decrypt" in s["Action"]]
    assert usage, "someone must be able to use the key"
    for statement in usage:  # use is always scoped by a condition
        assert statement["Condition"]


def test_data_key_is_usable_only_through_its_services() -> None:
    policy = _statements(kms_key_policy("data", "123456789012", "eu-west-1"))
    use = next(s for s in policy if s["Sid"] == "UseThroughServices")
    services = use["Condition"]["StringEquals"]["kms:ViaService"]
    assert "rds.eu-west-1.amazonaws.com" in services
    assert "elasticfilesystem.eu-west-1.amazonaws.com" in services
    assert use["Condition"]["StringEquals"]["kms:CallerAccount"] == "123456789012"


def test_logs_key_lets_cloudwatch_alarms_of_this_account_notify_through_sns() -> None:
    """Observability's SNS topic uses the logs key: CloudWatch must encrypt messages with it."""
    policy = _statements(kms_key_policy("logs", "123456789012", "eu-west-1"))
    (alarms,) = [s for s in policy if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert alarms["Effect"] == "Allow"
    assert sorted(alarms["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert alarms["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    for purpose in ("data", "backups", "kubernetes"):
        other = _statements(kms_key_policy(purpose, "123456789012", "eu-west-1"))
        assert all("Service" not in s["Principal"] for s in other)


def test_efs_joins_the_aws_backup_plan(prod: ProgramResult) -> None:
    efs = prod.named("lz-efs", EFS)
    assert efs.inputs["tags"][TAG_BACKUP_PLAN] == DEFAULT_BACKUP_PLAN
    assert efs.inputs["tags"][TAG_BACKUP_PLAN] == BackupPlanArgs.selection_value


def test_efs_backup_plan_tag_can_be_left_out() -> None:
    config = make_config()
    args = replace(landing_zone_args(config), backup_plan=None)
    result = run_program(lambda: LandingZone("lz", args) and None)
    assert TAG_BACKUP_PLAN not in result.named("lz-efs", EFS).inputs["tags"]


def test_efs_is_encrypted_with_the_data_key(prod: ProgramResult) -> None:
    efs = prod.named("lz-efs", EFS)
    assert efs.inputs["encrypted"] is True
    assert efs.inputs["kmsKeyId"] == prod.outputs["kms_key_arns"]["data"]
    targets = prod.by_type("aws:efs/mountTarget:MountTarget")
    private = {s.urn for s in subnets(prod, "private")}
    assert {t.property_dependencies["subnetId"] for t in targets} == {(urn,) for urn in private}
    for target in targets:
        assert target.property_dependencies["fileSystemId"] == (efs.urn,)
        assert target.property_dependencies["securityGroups"] == (prod.named("lz-efs-sg").urn,)


def test_flow_logs_go_to_an_encrypted_log_group_with_retention(prod: ProgramResult) -> None:
    group = prod.named("lz-flow-logs", "aws:cloudwatch/logGroup:LogGroup").inputs
    assert group["kmsKeyId"] == prod.outputs["kms_key_arns"]["logs"]
    assert group["retentionInDays"] == 90
    flow = prod.named("lz-flow-log").inputs
    flow_log = prod.named("lz-flow-log")
    assert flow_log.property_dependencies["vpcId"] == (prod.named("lz-vpc").urn,)
    assert (flow["trafficType"], flow["logDestinationType"]) == ("ALL", "cloud-watch-logs")
    assert flow["logDestination"] == prod.named("lz-flow-logs").outputs["arn"]


def test_vpc_has_dns_support(prod: ProgramResult) -> None:
    vpc = prod.named("lz-vpc").inputs
    assert vpc["enableDnsSupport"] is True
    assert vpc["enableDnsHostnames"] is True


def test_stateful_resources_are_protected_in_prod_only(
    prod: ProgramResult, dev: ProgramResult
) -> None:
    for result, protected in ((prod, True), (dev, False)):
        stateful = [*result.by_type(KEY), *result.by_type(EFS)]
        assert len(stateful) == 5
        assert all(r.protect is protected for r in stateful), [
            (r.name, r.protect) for r in stateful
        ]
    assert not prod.named("lz-vpc").protect


def test_every_child_is_parented_and_named_after_the_component(prod: ProgramResult) -> None:
    component = prod.named("lz", "odoo-platform:index:LandingZone")
    assert {r.urn for r in prod.descendants(component)} == prod.urns() - {component.urn}
    assert all(r.name.startswith("lz-") for r in prod.resources if r is not component)


def test_the_open_ingress_check_sees_every_rule_kind() -> None:
    def program() -> None:
        aws.ec2.SecurityGroup(
            "bad-inline",
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp", from_port=22, to_port=22, cidr_blocks=["0.0.0.0/0"]
                )
            ],
        )
        aws.vpc.SecurityGroupIngressRule(
            "bad-rule", security_group_id="sg-1", ip_protocol="-1", cidr_ipv6="::/0"
        )
        aws.ec2.SecurityGroupRule(
            "bad-legacy",
            type="ingress",
            security_group_id="sg-1",
            protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_blocks=["0.0.0.0/0"],
        )

    found = open_ingress(run_program(program))
    assert sorted(found) == ["bad-inline: 0.0.0.0/0", "bad-legacy: 0.0.0.0/0", "bad-rule: ::/0"]
