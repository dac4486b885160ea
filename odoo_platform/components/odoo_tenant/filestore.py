"""The tenant's filestore: an EFS access point, a static PersistentVolume and its claim (RWX).

Shared by every web and cron replica; the backups read it. All three are stateful: `protect`
keeps them, and the volume's reclaim policy `Retain` keeps the files even if the claim goes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from odoo_platform.components.odoo_tenant.scope import FILESTORE_CLAIM, TenantScope, k8s_value
from odoo_platform.config.tags import resource_tags
from odoo_platform.odoo import conf as odoo_conf
from odoo_platform.odoo.names import APP

EFS_CSI_DRIVER = "efs.csi.aws.com"
EFS_ROOT = "/tenants"
CAPACITY = "100Gi"  # required by the API, ignored by EFS


@dataclass(frozen=True)
class Filestore:
    claim: k8s.core.v1.PersistentVolumeClaim
    access_point_id: pulumi.Output[str]


def declare_filestore(scope: TenantScope) -> Filestore:
    args = scope.args
    keep = scope.opts(protect=args.protect)
    owner = odoo_conf.traits(args.filestore_version or args.odoo_version)
    access_point = aws.efs.AccessPoint(
        f"{scope.name}-filestore-ap",
        file_system_id=args.efs_file_system_id,
        # every file operation through the access point runs as this owner, whatever the
        # pod's uid, so a new image user still reads and writes the existing files
        posix_user=aws.efs.AccessPointPosixUserArgs(uid=owner.odoo_uid, gid=owner.odoo_gid),
        root_directory=aws.efs.AccessPointRootDirectoryArgs(
            path=f"{EFS_ROOT}/{args.slug}",
            creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                owner_uid=owner.odoo_uid, owner_gid=owner.odoo_gid, permissions="0750"
            ),
        ),
        tags=resource_tags(args.tier, args.slug),
        opts=keep,
    )
    csi: dict[str, object] = {
        "driver": EFS_CSI_DRIVER,
        "volumeHandle": pulumi.Output.concat(args.efs_file_system_id, "::", access_point.id),
    }
    if args.efs_mount_target_ip is not None:
        csi["volumeAttributes"] = {"mounttargetip": args.efs_mount_target_ip}
    volume = k8s.core.v1.PersistentVolume(
        f"{scope.name}-filestore-pv",
        metadata=k8s_value({"name": f"{APP}-{args.slug}-filestore", "labels": scope.labels}),
        spec=k8s_value(
            {
                "capacity": {"storage": CAPACITY},
                "volumeMode": "Filesystem",
                "accessModes": ["ReadWriteMany"],
                "persistentVolumeReclaimPolicy": "Retain",
                "storageClassName": "",
                "mountOptions": ["tls"],
                "claimRef": {"namespace": scope.namespace, "name": FILESTORE_CLAIM},
                "csi": csi,
            }
        ),
        opts=keep,
    )
    claim = k8s.core.v1.PersistentVolumeClaim(
        f"{scope.name}-filestore-pvc",
        metadata=k8s_value(scope.metadata(FILESTORE_CLAIM)),
        spec=k8s_value(
            {
                "accessModes": ["ReadWriteMany"],
                "storageClassName": "",
                "volumeName": volume.metadata.name,
                "resources": {"requests": {"storage": CAPACITY}},
            }
        ),
        opts=keep,
    )
    return Filestore(claim, access_point.id)
