"""`FileSystem`: an encrypted EFS for Odoo filestores, reachable over NFS from the nodes only.

The landing zone declares the shared one; the dedicated tier one per tenant. OdooTenant mounts
it through an access point per tenant (RWX across replicas).
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

    def __post_init__(self) -> None:
        check_args(self)


class FileSystem(pulumi.ComponentResource):
    """Encrypted EFS with a mount target per subnet, reachable over NFS from the nodes only."""

    file_system_id: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    mount_target_ips: list[pulumi.Output[str]]  # per AZ; mounts from a peered VPC need one

    def __init__(
        self, name: str, args: FileSystemArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("FileSystem"), name, None, opts)
        tags = resource_tags(args.tier, args.tenant)
        group = nodes_only_security_group(
            self,
            name,
            service="NFS (EFS filestore)",
            port=NFS_PORT,
            vpc_id=args.vpc_id,
            nodes_security_group_id=args.nodes_security_group_id,
            tags=tags,
        )
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
        mount_targets = [
            aws.efs.MountTarget(
                f"{name}-az{slot + 1}",
                file_system_id=file_system.id,
                subnet_id=subnet_id,
                security_groups=[group.id],
                opts=child_opts(self),
            )
            for slot, subnet_id in enumerate(args.subnet_ids)
        ]
        self.mount_target_ips = [target.ip_address for target in mount_targets]
        self.file_system_id, self.security_group_id = file_system.id, group.id
        self.register_outputs(
            {"file_system_id": self.file_system_id, "security_group_id": self.security_group_id}
        )
