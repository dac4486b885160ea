"""Disaster recovery of one tenant: the DR site's restore before Odoo starts, and the DR drill.

- On a DR site (`args.dr_restore_from`), the init Job's first steps fetch the newest *verified*
  backup from the primary's DR-region replica (restore-fetch.sh, `REQUIRE_VERIFIED=1`) and restore
  it into the tenant's (new, empty) database and volume (dr-restore.sh). Only then do db-state,
  Odoo's init and, after the Job, web and cron run: Odoo never starts on an empty database. The
  init Job's account (the backup writer role) gets read access to the tenant's prefixes of the
  replica, nothing else.
- On the primary (`args.dr_drill`), a weekly CronJob restores the same DR-region copy into the
  scratch database and times it (dr-drill.sh); its own role may read the tenant's replica
  prefixes, write `drills/<tenant>/` in the backup bucket and publish to `OdooPlatform/DR` only.
  The drill runs where the cluster runs: a backup-restore DR site has none until it is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from odoo_platform.components._shared.iam import irsa_trust_policy, policy_json
from odoo_platform.components.backup_bucket import tenant_key_prefixes
from odoo_platform.components.odoo_tenant.args import DrDrillArgs, DrReplica
from odoo_platform.components.odoo_tenant.backups import (
    FILESTORE_DIR,
    RESTORE_WORK_SIZE,
    STARTING_DEADLINE_SECONDS,
    UTC,
    backup_pod,
    keep_node,
    schedule_offset,
    script_container,
)
from odoo_platform.components.odoo_tenant.identity import IRSA_ANNOTATION
from odoo_platform.components.odoo_tenant.pods import irsa_skip
from odoo_platform.components.odoo_tenant.scope import (
    DR_DRILL_SA,
    Manifest,
    TenantScope,
    k8s_value,
)
from odoo_platform.config.calendar import JobWindow
from odoo_platform.config.tags import resource_tags
from odoo_platform.odoo import conf as odoo_conf
from odoo_platform.odoo import scripts
from odoo_platform.odoo.names import APP

# A drill slower than this is killed (and publishes nothing: the alarm then fires).
DRILL_DEADLINE_SECONDS = 6 * 3600


def dr_restore_steps(scope: TenantScope, replica: DrReplica) -> list[Manifest]:
    """The init Job's first steps on a DR site: fetch (aws-cli) then restore (postgres)."""
    args = scope.args
    fetch = _fetch(scope, "fetch", replica)
    owner = odoo_conf.traits(args.filestore_version or args.odoo_version)
    restore = script_container(
        scope,
        "dr-restore",
        "dr-restore.sh",
        args.postgres_image,
        extra_env={
            "FILESTORE_UID": str(owner.odoo_uid),
            "DATABASE_FROM": str(replica.database_from),
        },
    )
    # as the filestore's owner, so that the files it writes are Odoo's on any volume (on EFS
    # the access point enforces that owner anyway)
    restore["securityContext"]["runAsUser"] = owner.odoo_uid
    restore["securityContext"]["runAsGroup"] = owner.odoo_gid
    restore["volumeMounts"].append({"name": "filestore", "mountPath": FILESTORE_DIR})
    return [fetch, restore]


def declare_dr_restore_access(
    scope: TenantScope, replica: DrReplica, role_name: pulumi.Input[str]
) -> aws.iam.RolePolicy:
    """Read-only access to the tenant's prefixes of the DR replica, for the init Job's role
    (the backup writer's, which the upgrade account uses) on a DR site."""
    policy = pulumi.Output.all(replica.bucket_arn, replica.kms_key_arn).apply(
        lambda v: policy_json(*_read_replica(v[0], v[1], scope.args.slug))
    )
    return aws.iam.RolePolicy(
        f"{scope.name}-dr-restore-policy", role=role_name, policy=policy, opts=scope.opts()
    )


def declare_dr_drill(
    scope: TenantScope, drill: DrDrillArgs, depends_on: Sequence[pulumi.Resource]
) -> k8s.batch.v1.CronJob:
    """The drill's account and role, and its weekly CronJob (fetch, restore, report)."""
    account = _drill_identity(scope, drill)
    args = scope.args
    path = f"{scripts.SCRIPTS_MOUNT_PATH}/dr-drill.sh"
    restore = script_container(
        scope, "restore", "restore-check.sh", args.postgres_image, shell=f"exec sh {path} restore"
    )
    report = script_container(
        scope, "report", "restore-verified.sh", args.aws_cli_image, shell=f"exec sh {path} report"
    )
    report["env"][-1:-1] = [
        {"name": "STACK", "value": drill.stack},
        {"name": "RTO_TARGET_SECONDS", "value": _target_seconds(drill)},
    ]
    pod = backup_pod(
        scope,
        init=[_fetch(scope, "fetch", drill.replica, step="fetch"), restore],
        main=report,
        service_account=DR_DRILL_SA,
        work_size=RESTORE_WORK_SIZE,
    )
    component = "dr-drill"
    return k8s.batch.v1.CronJob(
        f"{scope.name}-{component}",
        metadata=k8s_value(scope.metadata(f"{APP}-{component}", component)),
        spec=k8s_value(
            {
                "schedule": drill_schedule(args.slug, drill.weekday, args.job_window),
                "timeZone": args.job_window.timezone if args.job_window else UTC,
                "concurrencyPolicy": "Forbid",
                "startingDeadlineSeconds": STARTING_DEADLINE_SECONDS,
                "successfulJobsHistoryLimit": 3,
                "failedJobsHistoryLimit": 3,
                "jobTemplate": {
                    "spec": {
                        "backoffLimit": 0,  # a retry would measure a warm cache
                        "activeDeadlineSeconds": DRILL_DEADLINE_SECONDS,
                        # a drill evicted half-way measures nothing: it keeps its node
                        "template": keep_node(
                            {
                                "metadata": {
                                    "labels": scope.selector(component),
                                    "annotations": irsa_skip(pod),
                                },
                                "spec": pod,
                            }
                        ),
                    }
                },
            }
        ),
        opts=scope.opts(depends_on=[account, *depends_on]),
    )


def drill_schedule(slug: str, weekday: int, window: JobWindow | None = None) -> str:
    """Weekly, at the slug's minute, six hours after its backup night hour (7 to 10 UTC): never
    beside the restore check (12 hours after), which uses the same scratch database. A tenant
    whose database sleeps: on the first working day, at the window's last hour (the restore
    check runs the hour after)."""
    minute, hour = schedule_offset(slug)
    if window is not None:
        return f"{minute} {window.last_hour} * * {window.days.split(',')[0]}"
    return f"{minute} {(hour + 6) % 24} * * {weekday}"


def _target_seconds(drill: DrDrillArgs) -> str:
    return "" if drill.rto_target_minutes is None else str(drill.rto_target_minutes * 60)


def _fetch(scope: TenantScope, name: str, replica: DrReplica, step: str = "") -> Manifest:
    """restore-fetch.sh against the DR replica, verified backups only (or dr-drill.sh's step)."""
    path = f"{scripts.SCRIPTS_MOUNT_PATH}/dr-drill.sh"
    container = script_container(
        scope,
        name,
        "restore-fetch.sh",
        scope.args.aws_cli_image,
        shell=f"exec sh {path} {step}" if step else "",
        extra_env={"REQUIRE_VERIFIED": "1"},
    )
    values: dict[str, Any] = {"BACKUP_BUCKET": replica.bucket_name, "AWS_REGION": replica.region}
    for entry in container["env"]:
        if entry["name"] in values:
            entry["value"] = values[entry["name"]]
    return container


def _drill_identity(scope: TenantScope, drill: DrDrillArgs) -> k8s.core.v1.ServiceAccount:
    args = scope.args
    role = aws.iam.Role(
        f"{scope.name}-dr-drill-role",
        assume_role_policy=irsa_trust_policy(
            args.oidc_provider_arn, args.oidc_issuer_url, scope.namespace, DR_DRILL_SA
        ),
        description=f"DR drills of Odoo tenant {args.slug}",
        tags=resource_tags(args.tier, args.slug),
        opts=scope.opts(),
    )
    replica = drill.replica
    policy = pulumi.Output.all(
        replica.bucket_arn, replica.kms_key_arn, args.backup_bucket_arn, args.backup_kms_key_arn
    ).apply(lambda v: drill_policy(v[0], v[1], v[2], v[3], args.slug))
    aws.iam.RolePolicy(
        f"{scope.name}-dr-drill-policy", role=role.id, policy=policy, opts=scope.opts()
    )
    return k8s.core.v1.ServiceAccount(
        f"{scope.name}-dr-drill-sa",
        metadata=k8s_value(scope.metadata(DR_DRILL_SA, annotations={IRSA_ANNOTATION: role.arn})),
        automount_service_account_token=False,
        opts=scope.opts(),
    )


def drill_policy(
    replica_arn: str, replica_key_arn: str, bucket_arn: str, key_arn: str, slug: str
) -> str:
    """The drill: read the tenant's replica prefixes, write (never read or delete) its
    `drills/<tenant>/` results, publish to the DR metric namespace only."""
    return policy_json(
        *_read_replica(replica_arn, replica_key_arn, slug),
        {
            "Sid": "WriteOwnDrillResults",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/{scripts.DRILL_PREFIX}{slug}/*",
        },
        {
            "Sid": "EncryptDrillResults",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": key_arn,
        },
        {
            "Sid": "PublishDrillMetric",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",  # PutMetricData has no resource; the namespace condition scopes it
            "Condition": {"StringEquals": {"cloudwatch:namespace": scripts.DRILL_METRIC_NAMESPACE}},
        },
    )


def _read_replica(replica_arn: str, replica_key_arn: str, slug: str) -> list[Manifest]:
    prefixes = tenant_key_prefixes(slug)
    return [
        {
            "Sid": "ListOwnReplicaPrefixes",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": replica_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}},
        },
        {
            "Sid": "ReadOwnReplicaPrefixes",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [f"{replica_arn}/{p}*" for p in prefixes],
        },
        {
            "Sid": "DecryptReplica",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey"],
            "Resource": replica_key_arn,
        },
    ]
