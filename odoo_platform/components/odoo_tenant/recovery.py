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
- A tenant in its own AWS account (`DrDrillArgs.platform_provider`) is drilled the same way: its
  drill role is in its account (trusting the cluster through that account's OIDC provider, as
  its backup roles do), reads its DR-region copy there and writes `drills/<tenant>/` to its own
  bucket, so its data and its audit record stay in its account. Only the metric crosses: the
  role may `sts:AssumeRole` one role of the platform account (`<name>-dr-drill-metric-role`),
  trusted by that drill role alone and allowed only `cloudwatch:PutMetricData` with
  `cloudwatch:namespace = OdooPlatform/DR`; dr-drill.sh publishes with its keys, so the metric is
  where the platform's alarm (drill_alarms.py, platform account) looks. Not an alarm declared in
  the tenant's account (with an action on the platform's topic): the tenant account's
  administrators could change or delete it, and each tenant account would hold a copy of the
  platform's alerting; not CloudWatch cross-account observability either (a sink and a link per
  account, and it shares every metric of the account, not one). Cross-account assumption needs
  both the trust policy and the caller's identity policy
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_aws-accounts.html).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
        scope,
        "restore",
        "restore-check.sh",
        args.postgres_image,
        shell=f"exec sh {path} restore",
        # its own scratch database, not the restore check's
        extra_env={"RESTORE_DATABASE": scripts.drill_database_name(args.database_name)},
    )
    report = script_container(
        scope, "report", "restore-verified.sh", args.aws_cli_image, shell=f"exec sh {path} report"
    )
    report["env"][-1:-1] = [
        {"name": "STACK", "value": drill.stack},
        {"name": "RTO_TARGET_SECONDS", "value": _target_seconds(drill)},
    ]
    if account.metric_role is not None:
        report["env"][-1:-1] = [{"name": "METRIC_ROLE_ARN", "value": account.metric_role.arn}]
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
        opts=scope.opts(depends_on=[account.service_account, *depends_on]),
    )


def drill_schedule(slug: str, weekday: int, window: JobWindow | None = None) -> str:
    """Weekly, at the slug's minute, six hours after its backup night hour (7 to 10 UTC), six
    before the restore check (they restore into scratch databases of their own). A tenant
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
    return script_container(
        scope,
        name,
        "restore-fetch.sh",
        scope.args.aws_cli_image,
        shell=f"exec sh {path} {step}" if step else "",
        extra_env={
            "BACKUP_BUCKET": replica.bucket_name,
            "AWS_REGION": replica.region,
            "REQUIRE_VERIFIED": "1",
        },
    )


@dataclass(frozen=True)
class _DrillIdentity:
    service_account: k8s.core.v1.ServiceAccount
    metric_role: aws.iam.Role | None
    """The platform account's role the drill publishes as (a tenant in its own account)."""


def _drill_identity(scope: TenantScope, drill: DrDrillArgs) -> _DrillIdentity:
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
    metric_role = (
        _metric_role(scope, role, drill.platform_provider)
        if drill.platform_provider is not None
        else None
    )
    replica = drill.replica
    policy = pulumi.Output.all(
        replica.bucket_arn,
        replica.kms_key_arn,
        args.backup_bucket_arn,
        args.backup_kms_key_arn,
        metric_role.arn if metric_role is not None else None,
    ).apply(lambda v: drill_policy(v[0], v[1], v[2], v[3], args.slug, metric_role_arn=v[4]))
    aws.iam.RolePolicy(
        f"{scope.name}-dr-drill-policy", role=role.id, policy=policy, opts=scope.opts()
    )
    account = k8s.core.v1.ServiceAccount(
        f"{scope.name}-dr-drill-sa",
        metadata=k8s_value(scope.metadata(DR_DRILL_SA, annotations={IRSA_ANNOTATION: role.arn})),
        automount_service_account_token=False,
        opts=scope.opts(),
    )
    return _DrillIdentity(account, metric_role)


def _metric_role(
    scope: TenantScope, drill_role: aws.iam.Role, platform: pulumi.ProviderResource
) -> aws.iam.Role:
    """In the platform account: assumable by the tenant's drill role only, publish only."""
    args = scope.args
    trust = drill_role.arn.apply(
        lambda arn: policy_json(
            {
                "Sid": "TenantDrillRoleOnly",
                "Effect": "Allow",
                "Principal": {"AWS": arn},
                "Action": "sts:AssumeRole",
            }
        )
    )
    role = aws.iam.Role(
        f"{scope.name}-dr-drill-metric-role",
        assume_role_policy=trust,
        description=f"DR drill metric of Odoo tenant {args.slug} (in its own account)",
        tags=resource_tags(args.tier, args.slug),
        opts=scope.opts(provider=platform),
    )
    aws.iam.RolePolicy(
        f"{scope.name}-dr-drill-metric-policy",
        role=role.id,
        policy=policy_json(_publish_metric()),
        opts=scope.opts(provider=platform),
    )
    return role


def drill_policy(
    replica_arn: str,
    replica_key_arn: str,
    bucket_arn: str,
    key_arn: str,
    slug: str,
    *,
    metric_role_arn: str | None = None,
) -> str:
    """The drill: read the tenant's replica prefixes, write (never read or delete) its
    `drills/<tenant>/` results, publish to the DR metric namespace only (itself, or in its own
    account by assuming the platform's `metric_role_arn`, which may do only that)."""
    publish: Manifest = (
        _publish_metric()
        if metric_role_arn is None
        else {
            "Sid": "AssumePlatformMetricRole",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": metric_role_arn,
        }
    )
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
        publish,
    )


def _publish_metric() -> Manifest:
    return {
        "Sid": "PublishDrillMetric",
        "Effect": "Allow",
        "Action": "cloudwatch:PutMetricData",
        "Resource": "*",  # PutMetricData has no resource; the namespace condition scopes it
        "Condition": {"StringEquals": {"cloudwatch:namespace": scripts.DRILL_METRIC_NAMESPACE}},
    }


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
