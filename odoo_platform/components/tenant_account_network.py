"""`TenantAccountNetwork`: a VPC in a tenant's own AWS account, peered with the platform VPC.

The tenant's database, cache and file system live here; the cluster reaches them across the
peering. The VPC has private (EFS mount targets) and database subnets per AZ and no internet
gateway or NAT: nothing in it needs the internet. Its flow logs, and the logs of the services in
it, are encrypted with a logs key of the tenant's account (`logs_kms_key_arn`). Children use the
provider passed in `opts` (the one assuming the tenant's account role); only the peering request
and the platform-side routes use `args.platform_provider`.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import (
    AccountId,
    AwsRegion,
    Between,
    OneOf,
    Slug,
    TierLabel,
    check_args,
    child_opts,
    component_type,
)
from odoo_platform.components._shared.kms import customer_key
from odoo_platform.components._shared.network import (
    interface_endpoints,
    vpc_flow_logs,
    vpc_with_dns,
)
from odoo_platform.components.landing_zone import kms_key_policy
from odoo_platform.config.catalog import LOG_RETENTION_DAYS
from odoo_platform.config.network import ACCOUNT_SUBNET_PREFIXES, SubnetPlan, plan_subnets
from odoo_platform.config.tags import resource_tags


@dataclass(frozen=True)
class TenantAccountNetworkArgs:
    vpc_cidr: str
    """IPv4 range of the tenant's VPC; must not overlap the platform VPC (they are peered)."""
    tenant_account_id: AccountId
    """The tenant's AWS account: owner of the peer VPC, the account of the provider in `opts`."""
    platform_provider: pulumi.ProviderResource
    """AWS provider of the platform account: the requester side of the peering and the platform-side
    routes."""
    platform_vpc_id: pulumi.Input[str]
    """The platform VPC the tenant's VPC is peered with."""
    platform_vpc_cidr: str
    """The platform VPC's range, routed into the peering from the tenant's subnets."""
    platform_route_table_ids: Sequence[pulumi.Input[str]]
    """Route tables of the platform nodes (the private subnets'), which get a route to `vpc_cidr`
    through the peering."""
    region: AwsRegion
    """Region of both VPCs (the peering is in-region) and of the Secrets Manager endpoint."""
    availability_zones: Annotated[int, Between(1, 6)] = 3
    """Number of AZs: one private and one database subnet in each."""
    flow_log_retention_days: Annotated[int, OneOf(LOG_RETENTION_DAYS)] = 90
    """Days the VPC flow logs are kept in CloudWatch Logs (a retention CloudWatch offers)."""
    protect_logs_key: bool = False
    """Pulumi `protect` on the logs KMS key in the tenant's account (prod)."""
    subnet_prefixes: Mapping[str, int] = field(
        default_factory=lambda: dict(ACCOUNT_SUBNET_PREFIXES)
    )
    """Prefix length of each subnet kind carved from `vpc_cidr` (`private` and `database` are
    used)."""
    tenant: Slug | None = None
    """The `Tenant` tag of every resource, and the tenant named in the key's description."""
    tier: TierLabel = "dedicated"
    """The `Tier` tag of every resource: `dedicated` (only dedicated tenants have their own
    account)."""

    def __post_init__(self) -> None:
        check_args(self)

    def database_cidrs(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self._plan().database)

    def private_cidrs(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self._plan().private)

    def _plan(self) -> SubnetPlan:
        return plan_subnets(
            ipaddress.IPv4Network(self.vpc_cidr),
            self.availability_zones,
            dict(self.subnet_prefixes),
        )


class TenantAccountNetwork(pulumi.ComponentResource):
    """VPC, private and database subnets per AZ, peering and routes both ways."""

    vpc_id: pulumi.Output[str]
    vpc_cidr: str
    private_subnet_ids: list[pulumi.Output[str]]
    database_subnet_ids: list[pulumi.Output[str]]
    database_cidrs: tuple[str, ...]
    peering_connection_id: pulumi.Output[str]
    logs_kms_key_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: TenantAccountNetworkArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(component_type("TenantAccountNetwork"), name, None, opts)
        self._name, self._args = name, args
        self._tags = resource_tags(args.tier, args.tenant)
        vpc = vpc_with_dns(self, name, args.vpc_cidr, self._tags)
        self.vpc_id, self.vpc_cidr = vpc.id, args.vpc_cidr
        self.database_cidrs = args.database_cidrs()
        zones = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOutputOptions(parent=self)
        ).names
        self._zones = [
            zones.apply(functools.partial(_zone, index=i)) for i in range(args.availability_zones)
        ]
        # One route table for every subnet: the platform VPC through the peering, nothing else.
        self._table = aws.ec2.RouteTable(
            f"{name}-rt",
            vpc_id=vpc.id,
            tags={**self._tags, "Name": f"{name}-rt"},
            opts=child_opts(self),
        )
        self.private_subnet_ids = self._subnets("private", args.private_cidrs())
        self.database_subnet_ids = self._subnets("database", self.database_cidrs)
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=vpc.id,
            ingress=[],
            egress=[],
            tags={**self._tags, "Name": f"{name}-default-unused"},
            opts=child_opts(self),
        )
        self._routes(self._peering())
        self.logs_kms_key_arn = self._logs_key()
        self._secrets_manager_endpoint()
        vpc_flow_logs(
            self,
            name,
            vpc_id=vpc.id,
            retention_days=args.flow_log_retention_days,
            kms_key_arn=self.logs_kms_key_arn,
            tags=self._tags,
        )
        self.register_outputs(
            {
                "logs_kms_key_arn": self.logs_kms_key_arn,
                "vpc_id": self.vpc_id,
                "private_subnet_ids": self.private_subnet_ids,
                "database_subnet_ids": self.database_subnet_ids,
                "peering_connection_id": self.peering_connection_id,
            }
        )

    def _secrets_manager_endpoint(self) -> None:
        """The VPC has no NAT: the admin password rotation function reaches Secrets Manager here."""
        interface_endpoints(
            self,
            self._name,
            services=["secretsmanager"],
            vpc_id=self.vpc_id,
            vpc_cidr=self._args.vpc_cidr,
            region=self._args.region,
            subnet_ids=self.private_subnet_ids,
            tags=self._tags,
        )

    def _logs_key(self) -> pulumi.Output[str]:
        """CloudWatch Logs of the tenant's account may use it, for that account's groups only."""
        args = self._args
        key = customer_key(
            f"{self._name}-logs-key",
            description=f"logs of tenant {args.tenant} in its account",
            policy=kms_key_policy("logs", args.tenant_account_id, args.region),
            tags=self._tags,
            opts=child_opts(self, protect=args.protect_logs_key),
        )
        return key.arn

    def _subnets(self, kind: str, cidrs: Sequence[str]) -> list[pulumi.Output[str]]:
        ids = []
        for slot, cidr in enumerate(cidrs):
            # Logical names carry the AZ slot, which plan_subnets keeps stable as AZs are added.
            subnet_name = f"{self._name}-{kind}-az{slot + 1}"
            subnet = aws.ec2.Subnet(
                subnet_name,
                vpc_id=self.vpc_id,
                cidr_block=cidr,
                availability_zone=self._zones[slot],
                map_public_ip_on_launch=False,
                tags={**self._tags, "Name": subnet_name},
                opts=child_opts(self),
            )
            aws.ec2.RouteTableAssociation(
                f"{subnet_name}-rta",
                route_table_id=self._table.id,
                subnet_id=subnet.id,
                opts=child_opts(self),
            )
            ids.append(subnet.id)
        return ids

    def _peering(self) -> aws.ec2.VpcPeeringConnectionAccepter:
        """Requested from the platform account, accepted in the tenant's."""
        args = self._args
        peering = aws.ec2.VpcPeeringConnection(
            f"{self._name}-peering",
            vpc_id=args.platform_vpc_id,
            peer_vpc_id=self.vpc_id,
            peer_owner_id=args.tenant_account_id,
            tags={**self._tags, "Name": f"{self._name}-peering"},
            opts=child_opts(self, provider=args.platform_provider),
        )
        self.peering_connection_id = peering.id
        return aws.ec2.VpcPeeringConnectionAccepter(
            f"{self._name}-peering-accept",
            vpc_peering_connection_id=peering.id,
            auto_accept=True,
            tags={**self._tags, "Name": f"{self._name}-peering"},
            opts=child_opts(self),
        )

    def _routes(self, accepted: aws.ec2.VpcPeeringConnectionAccepter) -> None:
        """Tenant subnets route the platform VPC; the nodes' route tables route this VPC."""
        args, name = self._args, self._name
        aws.ec2.Route(
            f"{name}-to-platform",
            route_table_id=self._table.id,
            destination_cidr_block=args.platform_vpc_cidr,
            vpc_peering_connection_id=accepted.vpc_peering_connection_id,
            opts=child_opts(self),
        )
        for slot, table_id in enumerate(args.platform_route_table_ids):
            aws.ec2.Route(
                f"{name}-from-platform-az{slot + 1}",
                route_table_id=table_id,
                destination_cidr_block=args.vpc_cidr,
                vpc_peering_connection_id=accepted.vpc_peering_connection_id,
                opts=child_opts(self, provider=args.platform_provider),
            )


def _zone(names: Sequence[str], index: int) -> str:
    if len(names) <= index:
        raise ValueError(f"the tenant account's region offers only {len(names)} zones")
    return names[index]
