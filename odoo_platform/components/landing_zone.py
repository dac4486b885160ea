"""`LandingZone`: the stack's AWS provider, network, KMS keys and the shared EFS file system.

One per stack (region). Every AWS child uses the explicit provider created here, whose
`default_tags` (owner, cost centre, environment, managed-by) reach every taggable resource; the
other components receive the same provider through `opts=ResourceOptions(providers=[...])`.
"""

from __future__ import annotations

import functools
import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Literal, Unpack

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import (
    AccountId,
    AwsRegion,
    Between,
    ChildOptions,
    OneOf,
    check_args,
    child_opts,
    component_type,
)
from odoo_platform.components._shared.iam import (
    KEY_USE_ACTIONS,
    key_administration_statement,
    key_use_through_services_statement,
    policy_document,
)
from odoo_platform.components._shared.kms import KeyAlias, customer_key
from odoo_platform.components._shared.network import (
    interface_endpoints,
    vpc_flow_logs,
    vpc_with_dns,
)
from odoo_platform.components.file_system import (
    FileSystem,
    FileSystemArgs,
    FileSystemReplication,
)
from odoo_platform.config.catalog import DEFAULT_BACKUP_PLAN, LOG_RETENTION_DAYS
from odoo_platform.config.network import plan_subnets
from odoo_platform.config.node_autoscaling import DISCOVERY_TAG
from odoo_platform.config.tags import PLATFORM_TIER, resource_tags

KEY_PURPOSES = ("data", "backups", "logs", "kubernetes")
# AWS services allowed to use each key on behalf of principals of this account.
KEY_SERVICES: dict[str, tuple[str, ...]] = {
    "data": ("rds", "elasticache", "secretsmanager", "elasticfilesystem"),
    "backups": ("s3", "backup"),
    "logs": (),
    "kubernetes": ("eks",),
}
INTERFACE_ENDPOINT_SERVICES = ("ecr.api", "ecr.dkr", "sts", "secretsmanager", "logs")
DEFAULT_SUBNET_PREFIXES: Mapping[str, int] = {"public": 24, "private": 20, "database": 24}


@dataclass(frozen=True)
class LandingZoneArgs:
    region: AwsRegion
    """AWS region of the stack: of the explicit AWS provider created here and every child."""
    default_tags: Mapping[str, str]
    """Tags the AWS provider puts on every taggable resource (owner, cost centre, environment,
    managed-by)."""
    vpc_cidr: str = "10.0.0.0/16"
    """IPv4 range of the VPC; the subnets are carved from it."""
    availability_zones: Annotated[int, Between(1, 6)] = 3
    """Number of AZs: one public, private and database subnet (and, with `nat_per_az`, one NAT
    gateway) in each."""
    subnet_prefixes: Mapping[str, int] = field(
        default_factory=lambda: dict(DEFAULT_SUBNET_PREFIXES)
    )
    """Prefix length of each subnet kind; keys exactly `public`, `private` and `database`."""
    nat_per_az: bool = False
    """One NAT gateway per AZ (prod: an AZ outage keeps egress) instead of one for all."""
    interface_endpoints: bool = False
    """VPC interface endpoints for ECR, STS, Secrets Manager and CloudWatch Logs, so nodes reach
    them without NAT."""
    flow_log_retention_days: Annotated[int, OneOf(LOG_RETENTION_DAYS)] = 90
    """Days the VPC flow logs are kept in CloudWatch Logs (a retention CloudWatch offers)."""
    protect: bool = False
    """Pulumi `protect` on the KMS keys and the shared EFS (prod: true)."""
    efs_throughput_mode: Literal["elastic", "bursting"] = "elastic"
    """Throughput mode of the shared EFS (see FileSystemArgs.throughput_mode)."""
    efs_performance_mode: Literal["generalPurpose", "maxIO"] = "generalPurpose"
    """Performance mode of the shared EFS (see FileSystemArgs.performance_mode)."""
    backup_plan: str | None = DEFAULT_BACKUP_PLAN
    """AWS Backup selection tag value of the shared EFS (BackupPlan selects by it); None leaves it
    out."""
    efs_replication: FileSystemReplication | None = None
    """Replicate the shared EFS to the DR region (a warm standby's primary); None: not."""
    cost_alert_accounts: Sequence[AccountId] | None = None
    """Accounts (besides this one) whose AWS Budgets notify the alert topic the `logs` key
    encrypts; with it, Budgets and Cost Anomaly Detection may use the key (None: neither)."""
    node_discovery: str | None = None
    """Value of the `karpenter.sh/discovery` tag on the private subnets and the node security
    group, by which Karpenter selects them for its nodes (the cluster name); None: no tag."""

    def __post_init__(self) -> None:
        check_args(self)


def kms_key_policy(
    purpose: str, account_id: str, region: str, cost_alert_accounts: Sequence[str] | None = None
) -> str:
    """Administration delegated to the account's IAM; use only through the purpose's services.

    No statement grants `kms:*`: IAM principals of the account can manage the key (so it can never
    become unmanageable) but can encrypt and decrypt only via the AWS services listed for its
    purpose; the logs key is usable by CloudWatch Logs for this account's log groups only.
    """
    statements = [key_administration_statement(account_id)]
    services = KEY_SERVICES[purpose]
    if services:
        statements.append(
            key_use_through_services_statement("UseThroughServices", account_id, region, services)
        )
    if purpose == "logs":
        statements.append(
            {
                "Sid": "CloudWatchLogs",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                # What CloudWatch Logs documents for a log group's key: no grants.
                "Action": [a for a in KEY_USE_ACTIONS if "Grant" not in a],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:aws:logs:{region}:{account_id}:log-group:*"
                        )
                    }
                },
            }
        )
        # Observability's SNS topic is encrypted with this key: without this, the account's
        # CloudWatch alarms cannot publish to it and their notifications are dropped silently.
        statements.append(
            {
                "Sid": "CloudWatchAlarmNotifications",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        )
        if cost_alert_accounts is not None:
            statements.append(_cost_alert_key_use(account_id, cost_alert_accounts))
    return json.dumps(policy_document(*statements))


def _cost_alert_key_use(account_id: str, others: Sequence[str]) -> dict[str, object]:
    """Budgets and anomaly alerts publish to the encrypted alert topic (docs/cost.md)."""
    return {
        "Sid": "CostAlertNotifications",
        "Effect": "Allow",
        "Principal": {"Service": ["budgets.amazonaws.com", "costalerts.amazonaws.com"]},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": sorted({account_id, *others})}},
    }


def _check(args: LandingZoneArgs) -> None:
    if set(args.subnet_prefixes) != {"public", "private", "database"}:
        raise ValueError(
            "subnet_prefixes needs public, private and database, "
            f"got {sorted(args.subnet_prefixes)}"
        )


class LandingZone(pulumi.ComponentResource):
    """VPC with public/private/database subnets per AZ, NAT, flow logs, KMS keys and EFS."""

    provider: aws.Provider
    vpc_id: pulumi.Output[str]
    vpc_cidr: str
    availability_zones: list[pulumi.Output[str]]
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]
    database_subnet_ids: list[pulumi.Output[str]]
    database_cidrs: tuple[str, ...]  # what tenant pods may reach PostgreSQL and Redis in
    nat_gateway_ids: list[pulumi.Output[str]]
    private_route_table_ids: list[pulumi.Output[str]]  # the nodes' routes (e.g. to peered VPCs)
    kms_key_arns: dict[str, pulumi.Output[str]]
    node_security_group_id: pulumi.Output[str]
    endpoints_security_group_id: pulumi.Output[str] | None
    efs_file_system_id: pulumi.Output[str]
    efs_replica_file_system_id: pulumi.Output[str] | None  # its DR-region replica, if any
    efs_security_group_id: pulumi.Output[str]
    flow_log_group_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: LandingZoneArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("LandingZone"), name, None, opts)
        _check(args)
        self._name, self._args = name, args
        self._tags = resource_tags()
        self._discovery = (
            {DISCOVERY_TAG: args.node_discovery} if args.node_discovery is not None else {}
        )
        plan = plan_subnets(
            ipaddress.IPv4Network(args.vpc_cidr),
            args.availability_zones,
            dict(args.subnet_prefixes),
        )
        self.provider = aws.Provider(
            f"{name}-aws",
            region=args.region,
            default_tags=aws.ProviderDefaultTagsArgs(tags=dict(args.default_tags)),
            opts=pulumi.ResourceOptions(parent=self),
        )
        invoke = pulumi.InvokeOutputOptions(parent=self, provider=self.provider)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        zones = aws.get_availability_zones_output(state="available", opts=invoke).names
        self.availability_zones = [
            zones.apply(functools.partial(_zone, index=i, wanted=args.availability_zones))
            for i in range(args.availability_zones)
        ]
        self.kms_key_arns = {p: self._kms_key(p, account_id) for p in KEY_PURPOSES}

        vpc = vpc_with_dns(self, name, args.vpc_cidr, self._tags, provider=self.provider)
        self.vpc_id, self.vpc_cidr = vpc.id, args.vpc_cidr
        public = self._subnets("public", plan.public, {"kubernetes.io/role/elb": "1"})
        private = self._subnets(
            "private", plan.private, {"kubernetes.io/role/internal-elb": "1", **self._discovery}
        )
        database = self._subnets("database", plan.database, {})
        self.public_subnet_ids = [s.id for s in public]
        self.private_subnet_ids = [s.id for s in private]
        self.database_subnet_ids = [s.id for s in database]
        self.database_cidrs = tuple(str(cidr) for cidr in plan.database)

        route_tables = self._routing(public, private, database)
        self._lock_default_security_group()
        self._flow_logs()
        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=self.vpc_id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[rt.id for rt in route_tables],
            tags=self._tags,
            opts=self._opts(),
        )
        self.endpoints_security_group_id = (
            self._interface_endpoints() if args.interface_endpoints else None
        )
        self.node_security_group_id = self._node_security_group()
        self._file_system()
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
                "database_subnet_ids": self.database_subnet_ids,
                "kms_key_arns": self.kms_key_arns,
                "node_security_group_id": self.node_security_group_id,
                "efs_file_system_id": self.efs_file_system_id,
                "efs_security_group_id": self.efs_security_group_id,
            }
        )

    def _opts(
        self, *, protect: bool = False, **kwargs: Unpack[ChildOptions]
    ) -> pulumi.ResourceOptions:
        kwargs.setdefault("provider", self.provider)
        return child_opts(self, protect=protect, **kwargs)

    def _kms_key(self, purpose: str, account_id: pulumi.Output[str]) -> pulumi.Output[str]:
        region, cost_accounts = self._args.region, self._args.cost_alert_accounts
        key = customer_key(
            f"{self._name}-{purpose}-key",
            description=f"odoo-platform {pulumi.get_stack()} {self._name}: {purpose}",
            policy=account_id.apply(
                lambda account: kms_key_policy(purpose, account, region, cost_accounts)
            ),
            tags=self._tags,
            opts=self._opts(protect=self._args.protect),
            alias=KeyAlias(
                f"{self._name}-{purpose}-alias",
                f"alias/odoo-platform/{pulumi.get_stack()}/{self._name}-{purpose}",
            ),
        )
        return key.arn

    def _subnets(
        self, kind: str, cidrs: Sequence[ipaddress.IPv4Network], extra_tags: Mapping[str, str]
    ) -> list[aws.ec2.Subnet]:
        # Logical names carry the AZ slot, which plan_subnets keeps stable as AZs are added.
        return [
            aws.ec2.Subnet(
                f"{self._name}-{kind}-az{slot + 1}",
                vpc_id=self.vpc_id,
                cidr_block=str(cidr),
                availability_zone=self.availability_zones[slot],
                map_public_ip_on_launch=False,
                tags={**self._tags, **extra_tags, "Name": f"{self._name}-{kind}-az{slot + 1}"},
                opts=self._opts(),
            )
            for slot, cidr in enumerate(cidrs)
        ]

    def _routing(
        self,
        public: list[aws.ec2.Subnet],
        private: list[aws.ec2.Subnet],
        database: list[aws.ec2.Subnet],
    ) -> list[aws.ec2.RouteTable]:
        """Public via the internet gateway, private via NAT, database without a default route."""
        name = self._name
        gateway = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=self.vpc_id, tags=self._tags, opts=self._opts()
        )
        public_rt = self._route_table("public")
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=gateway.id,
            opts=self._opts(),
        )
        self._associate(public_rt, public, "public")
        nats = self._nat_gateways(public, gateway)
        self.nat_gateway_ids = [nat.id for nat in nats]
        private_rts = []
        for slot, subnet in enumerate(private):
            table = self._route_table(f"private-az{slot + 1}")
            nat = nats[slot] if self._args.nat_per_az else nats[0]
            aws.ec2.Route(
                f"{name}-private-az{slot + 1}-default",
                route_table_id=table.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat.id,
                opts=self._opts(),
            )
            self._associate(table, [subnet], "private", first_slot=slot)
            private_rts.append(table)
        self.private_route_table_ids = [table.id for table in private_rts]
        database_rt = self._route_table("database")
        self._associate(database_rt, database, "database")
        return [*private_rts, database_rt]

    def _route_table(self, suffix: str) -> aws.ec2.RouteTable:
        return aws.ec2.RouteTable(
            f"{self._name}-{suffix}-rt",
            vpc_id=self.vpc_id,
            tags={**self._tags, "Name": f"{self._name}-{suffix}"},
            opts=self._opts(),
        )

    def _associate(
        self,
        table: aws.ec2.RouteTable,
        subnets: list[aws.ec2.Subnet],
        kind: str,
        first_slot: int = 0,
    ) -> None:
        for slot, subnet in enumerate(subnets, start=first_slot + 1):
            aws.ec2.RouteTableAssociation(
                f"{self._name}-{kind}-az{slot}-rta",
                route_table_id=table.id,
                subnet_id=subnet.id,
                opts=self._opts(),
            )

    def _nat_gateways(
        self, public: list[aws.ec2.Subnet], gateway: aws.ec2.InternetGateway
    ) -> list[aws.ec2.NatGateway]:
        count = len(public) if self._args.nat_per_az else 1
        nats = []
        for slot in range(count):
            suffix = f"nat-az{slot + 1}"
            eip = aws.ec2.Eip(
                f"{self._name}-{suffix}-eip",
                domain="vpc",
                tags=self._tags,
                opts=self._opts(depends_on=[gateway]),
            )
            nats.append(
                aws.ec2.NatGateway(
                    f"{self._name}-{suffix}",
                    allocation_id=eip.id,
                    subnet_id=public[slot].id,
                    tags={**self._tags, "Name": f"{self._name}-{suffix}"},
                    opts=self._opts(depends_on=[gateway]),
                )
            )
        return nats

    def _lock_default_security_group(self) -> None:
        """Adopt the VPC's default group and strip its rules, so nothing can use it by accident."""
        aws.ec2.DefaultSecurityGroup(
            f"{self._name}-default-sg",
            vpc_id=self.vpc_id,
            ingress=[],
            egress=[],
            tags={**self._tags, "Name": f"{self._name}-default-unused"},
            opts=self._opts(),
        )

    def _flow_logs(self) -> None:
        log_group = vpc_flow_logs(
            self,
            self._name,
            vpc_id=self.vpc_id,
            retention_days=self._args.flow_log_retention_days,
            kms_key_arn=self.kms_key_arns["logs"],
            tags=self._tags,
            provider=self.provider,
        )
        self.flow_log_group_name = log_group.name

    def _security_group(
        self, suffix: str, description: str, extra_tags: Mapping[str, str] | None = None
    ) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(
            f"{self._name}-{suffix}",
            vpc_id=self.vpc_id,
            description=description,
            tags={**self._tags, **(extra_tags or {}), "Name": f"{self._name}-{suffix}"},
            opts=self._opts(),
        )

    def _interface_endpoints(self) -> pulumi.Output[str]:
        group = interface_endpoints(
            self,
            self._name,
            services=INTERFACE_ENDPOINT_SERVICES,
            vpc_id=self.vpc_id,
            vpc_cidr=self._args.vpc_cidr,
            region=self._args.region,
            subnet_ids=self.private_subnet_ids,
            tags=self._tags,
            provider=self.provider,
        )
        return group.id

    def _node_security_group(self) -> pulumi.Output[str]:
        """The group the cluster nodes carry; data services and EFS admit traffic from it.

        It holds no ingress rule: node-to-node and control-plane traffic goes through the EKS
        cluster security group, which the nodes carry as well.
        """
        group = self._security_group(
            "nodes-sg", "Kubernetes nodes (source for data services)", self._discovery
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-nodes-egress",
            security_group_id=group.id,
            ip_protocol="-1",
            cidr_ipv4="0.0.0.0/0",
            description="nodes reach AWS APIs and the internet through NAT",
            tags=self._tags,
            opts=self._opts(),
        )
        return group.id

    def _file_system(self) -> None:
        """Encrypted EFS for the Odoo filestores, reachable over NFS from the nodes only."""
        args = self._args
        file_system = FileSystem(
            f"{self._name}-efs",
            FileSystemArgs(
                vpc_id=self.vpc_id,
                subnet_ids=self.private_subnet_ids,
                nodes_security_group_id=self.node_security_group_id,
                kms_key_arn=self.kms_key_arns["data"],
                protect=args.protect,
                throughput_mode=args.efs_throughput_mode,
                performance_mode=args.efs_performance_mode,
                backup_plan=args.backup_plan,
                tier=PLATFORM_TIER,
                replication=args.efs_replication,
            ),
            opts=child_opts(self, providers=[self.provider]),
        )
        self.efs_file_system_id = file_system.file_system_id
        self.efs_security_group_id = file_system.security_group_id
        self.efs_replica_file_system_id = file_system.replica_file_system_id


def _zone(names: Sequence[str], index: int, wanted: int) -> str:
    if len(names) < wanted:
        raise ValueError(
            f"landing_zone.availability_zones is {wanted} but the region offers "
            f"{len(names)} available zones: {', '.join(names)}"
        )
    return names[index]
