"""`CrossRegionReplica`: a warm standby's copy of a primary's server, promoted by failing over.

A cross-region read replica of the primary's instance (`replicate_source_db` = its ARN), encrypted
with a key of this region (RDS cannot use a key of another region), in this site's database
subnets, reachable from this cluster's nodes only. It has no master user or password of its own:
both come with the replicated data, and the primary keeps its password in Secrets Manager with
rotation (RDS-managed master passwords forbid replicas).

Failing over (`promoted=True`) removes `replicate_source_db`, which promotes the replica in place
(pulumi_aws `rds.Instance`: "Removing the `replicate_source_db` attribute from an existing RDS
Replicate database managed by Terraform will promote the database to a fully standalone
database"); every replacement-forcing input (identifier, KMS key, encryption, subnet group name)
is the same in both roles, so the instance is never replaced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import (
    Between,
    Slug,
    TierLabel,
    check_args,
    child_opts,
    component_type,
)
from odoo_platform.components._shared.network import nodes_only_security_group
from odoo_platform.components.postgres.instance import (
    MONITORING_INTERVAL_SECONDS,
    enhanced_monitoring_role,
    insight_settings,
)
from odoo_platform.components.postgres.names import instance_identifier, snapshot_identifier
from odoo_platform.components.postgres.parameters import (
    baseline_parameters,
    parameter_group_family,
)
from odoo_platform.components.postgres.scope import POSTGRES_PORT
from odoo_platform.config.catalog import DEFAULT_BACKUP_PLAN, TAG_BACKUP_PLAN
from odoo_platform.config.tags import PLATFORM_TIER, resource_tags


@dataclass(frozen=True)
class CrossRegionReplicaArgs:
    """One replica of a primary's server in this (the DR) region."""

    source_arn: pulumi.Input[str]
    """The primary instance's ARN (another region: RDS needs the ARN, not the identifier)."""
    engine_version: str
    """The primary's major version: the parameter group's family."""
    instance_class: str
    """The replica's class; the primary's, so that a promoted replica carries the same load."""
    max_connections: Annotated[int, Between(25, 20000, " connections")]
    """At least the primary's: a PostgreSQL hot standby refuses to start with fewer."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """This site's database subnets."""
    vpc_id: pulumi.Input[str]
    """This site's VPC (or the tenant account's VPC there)."""
    nodes_security_group_id: pulumi.Input[str]
    """This cluster's nodes: the only source allowed to reach port 5432."""
    kms_key_arn: pulumi.Input[str]
    """A key of this region (and of the replica's account)."""
    admin_secret_arn: pulumi.Input[str] | None = None
    """The DR-region replica of the primary's admin secret: the promoted server's admin
    credentials (the admin role and its password come with the data; Secrets Manager copies
    every rotated password here). None: unknown (a primary deployed before it replicated it)."""
    promoted: bool = False
    """Failed over: a standalone server (no `replicate_source_db`), with backups and Multi-AZ."""
    multi_az: bool = False
    """Multi-AZ once promoted (a replica has none: the primary is the redundancy)."""
    backup_retention_days: Annotated[int, Between(1, 35, " days (RDS)")] = 7
    """Automated backups once promoted."""
    deletion_protection: bool = False
    """RDS refuses to delete it (in both roles: it holds the only copy after a disaster)."""
    protect: bool = False
    """Pulumi `protect`, in both roles (the same options, so failing over changes no option)."""
    tier: TierLabel = PLATFORM_TIER
    """The `Tier` tag."""
    tenant: Slug | None = None
    """The `Tenant` tag of a dedicated tenant's server."""
    backup_plan: str | None = DEFAULT_BACKUP_PLAN
    """Once promoted, the AWS Backup plan that selects it by its `BackupPlan` tag (a replica has
    no backups of its own; None: untagged)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags."""

    def __post_init__(self) -> None:
        check_args(self)


class CrossRegionReplica(pulumi.ComponentResource):
    """A cross-region read replica with its subnet group, security group and parameters."""

    address: pulumi.Output[str]
    port: pulumi.Output[int]
    identifier: pulumi.Output[str]
    arn: pulumi.Output[str]
    master_secret_arn: pulumi.Output[str] | None  # the admin secret's DR-region replica
    replica_identifier: None = None  # no reporting replica of its own
    max_connections: int

    def __init__(
        self, name: str, args: CrossRegionReplicaArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("CrossRegionReplica"), name, None, opts)
        tags = {**resource_tags(args.tier, args.tenant), **args.tags}
        group = nodes_only_security_group(
            self,
            name,
            service="PostgreSQL",
            port=POSTGRES_PORT,
            vpc_id=args.vpc_id,
            nodes_security_group_id=args.nodes_security_group_id,
            tags=tags,
        )
        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets",
            description=f"database subnets of {name}",
            subnet_ids=args.subnet_ids,
            tags=tags,
            opts=child_opts(self),
        )
        parameters = aws.rds.ParameterGroup(
            f"{name}-params",
            description=f"platform baseline for {name}",
            family=parameter_group_family(args.engine_version),
            parameters=baseline_parameters(args.max_connections),
            tags=tags,
            opts=child_opts(self),
        )
        # Enhanced monitoring as on the primary, in both roles (the same inputs at failover).
        monitoring = enhanced_monitoring_role(self, name, tags)
        promoted = args.promoted
        role = {"Role": "primary" if promoted else "standby-replica"}
        if promoted and args.backup_plan is not None:
            role[TAG_BACKUP_PLAN] = args.backup_plan
        instance = aws.rds.Instance(
            f"{name}-db",
            identifier=instance_identifier(pulumi.get_stack(), f"{name}-db"),
            replicate_source_db=None if promoted else args.source_arn,
            instance_class=args.instance_class,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[group.id],
            publicly_accessible=False,
            parameter_group_name=parameters.name,
            multi_az=args.multi_az if promoted else False,
            backup_retention_period=args.backup_retention_days if promoted else 0,
            copy_tags_to_snapshot=True,
            delete_automated_backups=False,
            deletion_protection=args.deletion_protection,
            skip_final_snapshot=False,
            final_snapshot_identifier=snapshot_identifier(name, "final"),
            apply_immediately=True,  # a failover does not wait for the maintenance window
            auto_minor_version_upgrade=True,
            **insight_settings(args.kms_key_arn),
            monitoring_interval=MONITORING_INTERVAL_SECONDS,
            monitoring_role_arn=monitoring.arn,
            tags={**tags, **role},
            opts=child_opts(self, protect=args.protect),
        )
        self.address, self.port = instance.address, instance.port
        self.identifier, self.arn = instance.identifier, instance.arn
        self.master_secret_arn = (
            pulumi.Output.from_input(args.admin_secret_arn) if args.admin_secret_arn else None
        )
        self.max_connections = args.max_connections
        self.register_outputs(
            {
                "address": self.address,
                "identifier": self.identifier,
                "arn": self.arn,
                "master_secret_arn": self.master_secret_arn,
            }
        )
