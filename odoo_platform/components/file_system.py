"""`FileSystem`: an encrypted EFS for Odoo filestores, reachable over NFS from the nodes only.

The landing zone declares the shared one; the dedicated tier one per tenant. OdooTenant mounts
it through an access point per tenant (RWX across replicas).

Warm standby (issue 17): the primary's `FileSystem` replicates itself to the DR region
(`replication`), and the standby mounts that replica with a `ReplicatedFileSystem`: the same
nodes-only NFS group and one mount target per subnet, on a file system it does not own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import (
    Slug,
    TierLabel,
    check_args,
    child_opts,
    component_type,
)
from odoo_platform.components._shared.network import nodes_only_security_group
from odoo_platform.config.catalog import DEFAULT_BACKUP_PLAN, TAG_BACKUP_PLAN
from odoo_platform.config.tags import resource_tags

NFS_PORT = 2049


@dataclass(frozen=True)
class FileSystemArgs:
    vpc_id: pulumi.Input[str]
    """VPC of the NFS security group."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Subnets of the mount targets: one per subnet, so one per AZ."""
    nodes_security_group_id: pulumi.Input[str]
    """Security group of the Kubernetes nodes: the only source allowed to reach NFS (2049)."""
    kms_key_arn: pulumi.Input[str]
    """KMS key that encrypts the file system at rest (the landing zone's `data` key)."""
    protect: bool = False
    """Pulumi `protect` on the file system (prod: true): filestores are tenant data."""
    throughput_mode: Literal["elastic", "bursting"] = "elastic"
    """EFS throughput mode: `elastic` (scales with use) or `bursting` (credits grow with size)."""
    performance_mode: Literal["generalPurpose", "maxIO"] = "generalPurpose"
    """EFS performance mode: `generalPurpose` (lowest latency, what Odoo's small files need) or
    `maxIO`."""
    backup_plan: str | None = DEFAULT_BACKUP_PLAN
    """Value of the `BackupPlan` tag by which AWS Backup selects the file system;
    None: not tagged, not backed up by a plan."""
    tier: TierLabel = "dedicated"
    """The `Tier` tag of every resource: `platform`, `shared` or `dedicated`."""
    tenant: Slug | None = None
    """The tenant slug tagged on every resource (`Tenant`); None for the platform's
    own."""
    replication: FileSystemReplication | None = None
    """Replicate the file system to another region (a warm standby's filestores); None: not
    replicated."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class FileSystemReplication:
    """EFS replication to a new, read-only file system in `region`.

    The destination is created by the replication, not handed in: a destination owned by the
    standby would need its id here before the standby exists, and the standby needs this
    stack's outputs first (a cross-stack cycle). EFS creates it ("If no ID is provided, then
    EFS creates a new file system", CreateReplicationConfiguration) and keeps it when the
    replication is deleted; this stack exports its id (`replica_file_system_id`)."""

    region: str
    """The destination region (the stack's `disaster_recovery.dr_region`)."""
    kms_key_arn: pulumi.Input[str]
    """A key in `region` that encrypts the destination (it cannot be changed afterwards)."""

    def __post_init__(self) -> None:
        check_args(self)


def _nfs_mounts(
    parent: pulumi.ComponentResource,
    name: str,
    file_system_id: pulumi.Input[str],
    args: FileSystemArgs | ReplicatedFileSystemArgs,
    tags: dict[str, str],
) -> tuple[pulumi.Output[str], list[pulumi.Output[str]]]:
    """The nodes-only NFS group and one mount target per subnet; their group id and addresses."""
    group = nodes_only_security_group(
        parent,
        name,
        service="NFS (EFS filestore)",
        port=NFS_PORT,
        vpc_id=args.vpc_id,
        nodes_security_group_id=args.nodes_security_group_id,
        tags=tags,
    )
    mount_targets = [
        aws.efs.MountTarget(
            f"{name}-az{slot + 1}",
            file_system_id=file_system_id,
            subnet_id=subnet_id,
            security_groups=[group.id],
            opts=child_opts(parent),
        )
        for slot, subnet_id in enumerate(args.subnet_ids)
    ]
    return group.id, [target.ip_address for target in mount_targets]


class FileSystem(pulumi.ComponentResource):
    """Encrypted EFS with a mount target per subnet, reachable over NFS from the nodes only."""

    file_system_id: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    mount_target_ips: list[pulumi.Output[str]]  # per AZ; mounts from a peered VPC need one
    replica_file_system_id: pulumi.Output[str] | None  # the DR-region destination, if replicated

    def __init__(
        self, name: str, args: FileSystemArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("FileSystem"), name, None, opts)
        tags = resource_tags(args.tier, args.tenant)
        backup_tag = {TAG_BACKUP_PLAN: args.backup_plan} if args.backup_plan else {}
        file_system = aws.efs.FileSystem(
            name,
            encrypted=True,
            kms_key_id=args.kms_key_arn,
            performance_mode=args.performance_mode,
            throughput_mode=args.throughput_mode,
            tags={**tags, **backup_tag, "Name": name},
            opts=child_opts(self, protect=args.protect),
        )
        self.security_group_id, self.mount_target_ips = _nfs_mounts(
            self, name, file_system.id, args, tags
        )
        self.file_system_id = file_system.id
        self.replica_file_system_id = None
        if args.replication is not None:
            replication = aws.efs.ReplicationConfiguration(
                f"{name}-replication",
                source_file_system_id=file_system.id,
                destination=aws.efs.ReplicationConfigurationDestinationArgs(
                    region=args.replication.region, kms_key_id=args.replication.kms_key_arn
                ),
                # Deleting it stops the replication and leaves the destination (writable):
                # the standby's filestores are never deleted with it (the provider's docs).
                opts=child_opts(self, protect=args.protect),
            )
            self.replica_file_system_id = replication.destination.apply(
                lambda d: str(d.file_system_id)
            )
        self.register_outputs(
            {"file_system_id": self.file_system_id, "security_group_id": self.security_group_id}
        )


@dataclass(frozen=True)
class ReplicatedFileSystemArgs:
    file_system_id: pulumi.Input[str]
    """The replica (the primary's replication destination, in this region)."""
    vpc_id: pulumi.Input[str]
    """VPC of the NFS security group."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Subnets of the mount targets: one per subnet, so one per AZ."""
    nodes_security_group_id: pulumi.Input[str]
    """Security group of the Kubernetes nodes: the only source allowed to reach NFS (2049)."""
    tier: TierLabel = "dedicated"
    """The `Tier` tag of every resource: `platform`, `shared` or `dedicated`."""
    tenant: Slug | None = None
    """The tenant slug tagged on every resource (`Tenant`); None for the platform's own."""

    def __post_init__(self) -> None:
        check_args(self)


class ReplicatedFileSystem(pulumi.ComponentResource):
    """A warm standby's view of a primary's filestore replica: the nodes-only NFS group and a
    mount target per subnet, on a file system this stack does not own (the primary's
    replication created it). Read-only while the replication runs ("The file system is
    read-only and is modified only by EFS replication"); writable once it is deleted, which
    the failover runbook does (docs/runbooks/dr-failover.md)."""

    file_system_id: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    mount_target_ips: list[pulumi.Output[str]]

    def __init__(
        self, name: str, args: ReplicatedFileSystemArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("ReplicatedFileSystem"), name, None, opts)
        tags = resource_tags(args.tier, args.tenant)
        self.file_system_id = pulumi.Output.from_input(args.file_system_id)
        self.security_group_id, self.mount_target_ips = _nfs_mounts(
            self, name, self.file_system_id, args, tags
        )
        self.register_outputs(
            {"file_system_id": self.file_system_id, "security_group_id": self.security_group_id}
        )
