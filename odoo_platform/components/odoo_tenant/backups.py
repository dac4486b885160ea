"""Backup and restore-check CronJobs, an offboarded tenant's final backup, and their steps.

The steps follow the contract in `odoo_platform.odoo.scripts`: the dump (pg_dump and the
filestore of the same moment) streams to an upload sidecar, the only step with the backup
role's web identity token; the restore check fetches the latest backup (its role reads the
tenant's prefixes), restores it into a scratch database and then marks it verified. Each
step's environment holds exactly what its script reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_kubernetes as k8s

from odoo_platform.components._shared.k8s import (
    restricted_container_security,
    restricted_pod_security,
)
from odoo_platform.components.odoo_tenant.pods import irsa_skip
from odoo_platform.components.odoo_tenant.scope import (
    BACKUP_SA,
    BACKUP_SCRIPTS_MAP,
    FILESTORE_CLAIM,
    RESTORE_CHECK_SA,
    WORK_DIR,
    Manifest,
    TenantScope,
    k8s_value,
    resources,
    secret_env,
)
from odoo_platform.config.calendar import JobWindow
from odoo_platform.config.tenant_pods import SCRIPT_STEP
from odoo_platform.odoo import scripts
from odoo_platform.odoo.names import APP

# The postgres (Alpine) image's user; the aws-cli steps of one pod share it for the work dir.
BACKUP_UID = 70
# Streaming leaves only pipes and small files in the backup pods' work dir; the restore check
# still downloads the backup before restoring it.
BACKUP_WORK_SIZE = "256Mi"
RESTORE_WORK_SIZE = "20Gi"
FILESTORE_DIR = "/filestore"
# A run missed by more than 15 minutes (controller down) is skipped, not started late; the
# controller also counts missed runs from this deadline only (over 100 would stop the CronJob).
STARTING_DEADLINE_SECONDS = 900
UTC = "Etc/UTC"
# Karpenter leaves a node alone while a pod with this annotation runs on it.
DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt"


def declare_scripts_map(scope: TenantScope) -> k8s.core.v1.ConfigMap:
    """The backup and upgrade scripts, mounted by every step."""
    return k8s.core.v1.ConfigMap(
        f"{scope.name}-backup-scripts",
        metadata=k8s_value(scope.metadata(BACKUP_SCRIPTS_MAP, "backup")),
        data=scripts.scripts(),
        opts=scope.opts(),
    )


def declare_backups(
    scope: TenantScope, depends_on: Sequence[pulumi.Resource]
) -> list[k8s.batch.v1.CronJob]:
    """Backup (dump + upload) and restore-check (fetch + check) CronJobs. They keep running while
    the tenant is suspended."""
    args = scope.args
    # a backup that passes the check is marked verified (the DR restore and drill take only those)
    restore_pod = backup_pod(
        scope,
        init=[
            script_container(scope, "fetch", "restore-fetch.sh", args.aws_cli_image),
            script_container(scope, "check", "restore-check.sh", args.postgres_image),
        ],
        main=script_container(scope, "record", "restore-verified.sh", args.aws_cli_image),
        service_account=RESTORE_CHECK_SA,
        work_size=RESTORE_WORK_SIZE,
    )
    backup, restore_check, timezone = backup_times(args.slug, args.rpo_hours, args.job_window)
    jobs = (
        ("backup", backup, dump_and_upload_pod(scope)),
        ("restore-check", restore_check, restore_pod),
    )
    return [
        k8s.batch.v1.CronJob(
            f"{scope.name}-{component}",
            metadata=k8s_value(scope.metadata(f"{APP}-{component}", component)),
            spec=k8s_value(
                {
                    "schedule": schedule,
                    # A standby's bucket is the primary's replica and its server read-only.
                    **({"suspend": True} if args.standby else {}),
                    "timeZone": timezone,
                    "concurrencyPolicy": "Forbid",
                    "startingDeadlineSeconds": STARTING_DEADLINE_SECONDS,
                    "successfulJobsHistoryLimit": 3,
                    "failedJobsHistoryLimit": 3,
                    "jobTemplate": {
                        "spec": {
                            "backoffLimit": 1,
                            "activeDeadlineSeconds": 3 * 3600,
                            "template": keep_node(_pod_template(scope, component, pod)),
                        }
                    },
                }
            ),
            opts=scope.opts(depends_on=list(depends_on)),
        )
        for component, schedule, pod in jobs
    ]


def declare_final_backup(
    scope: TenantScope, job_name: str, depends_on: Sequence[pulumi.Resource]
) -> k8s.batch.v1.Job:
    """An offboarded tenant's last backup, once: kept longest (monthly class). The name
    carries the offboarding request date; pulumi-kubernetes waits for it to complete."""
    component = "final-backup"
    pod = dump_and_upload_pod(scope, RETENTION_CLASS="monthly")
    return k8s.batch.v1.Job(
        f"{scope.name}-{component}",
        metadata=k8s_value(scope.metadata(job_name, component)),
        spec=k8s_value(
            {
                "backoffLimit": 2,
                "activeDeadlineSeconds": 6 * 3600,
                "template": _pod_template(scope, component, pod),
            }
        ),
        opts=scope.opts(
            depends_on=list(depends_on),
            custom_timeouts=pulumi.CustomTimeouts(create="360m", update="360m"),
        ),
    )


def backup_schedule(rpo_hours: int, minute: int, hour: int) -> str:
    """A cron schedule whose gaps never exceed the RPO (`*/n` restarts at midnight: a shorter
    last gap, never a longer one)."""
    if rpo_hours >= 24:
        return f"{minute} {hour} * * *"
    return f"{minute} */{rpo_hours} * * *"


def backup_times(slug: str, rpo_hours: int, window: JobWindow | None) -> tuple[str, str, str]:
    """The backup's and the restore check's schedules and their time zone.

    At night (UTC) by default, the restore check 12 hours later. A tenant whose database sleeps
    outside working hours (`window`) dumps on working days inside them, at its staggered hour
    (or every `rpo_hours` from the window's start), and is checked at the window's end: outside
    the window the server is stopped and the dump would fail."""
    minute, hour = schedule_offset(slug)
    if window is None:
        return backup_schedule(rpo_hours, minute, hour), f"{minute} {(hour + 12) % 24} * * *", UTC
    first, last, days = window.first_hour, window.last_hour, window.days
    digest = int(hashlib.sha256(slug.encode()).hexdigest(), 16)
    hours = (
        str(first + digest // 60 % (last - first))
        if rpo_hours >= 24
        else f"{first}-{last - 1}/{rpo_hours}"
    )
    return f"{minute} {hours} * * {days}", f"{minute} {last + 1} * * {days}", window.timezone


def schedule_offset(slug: str) -> tuple[int, int]:
    """Minute and night hour (1 to 4 UTC) derived from the slug's SHA-256: tenants do not all
    dump at once."""
    digest = int(hashlib.sha256(slug.encode()).hexdigest(), 16)
    return digest % 60, 1 + digest // 60 % 4


def _pod_template(scope: TenantScope, component: str, pod: Manifest) -> Manifest:
    return {
        "metadata": {"labels": scope.selector(component), "annotations": irsa_skip(pod)},
        "spec": pod,
    }


def keep_node(template: Manifest) -> Manifest:
    """Karpenter consolidates when load drops, at night, when backups run: a dump or restore
    check evicted half-way is a failed backup, so it keeps its node until it ends (ignored
    without Karpenter). Not on Jobs: their template is immutable, a change would re-run them."""
    annotations = {**template["metadata"]["annotations"], DO_NOT_DISRUPT: "true"}
    return {**template, "metadata": {**template["metadata"], "annotations": annotations}}


def upload_sidecar(scope: TenantScope) -> Manifest:
    """backup-upload.sh beside the dump (a native sidecar: an init container that keeps
    running), reading its pipes. The dump reports the verdict, so the sidecar then idles
    until the pod ends (restarted, it would wait for a new dump)."""
    path = f"{scripts.SCRIPTS_MOUNT_PATH}/backup-upload.sh"
    linger = f"trap 'exit 0' TERM; sh {path} || true; while :; do sleep 3600 & wait $!; done"
    sidecar = script_container(
        scope, "upload", "backup-upload.sh", scope.args.aws_cli_image, shell=linger
    )
    sidecar["restartPolicy"] = "Always"
    return sidecar


def dump_and_upload_pod(scope: TenantScope, **dump_env: str) -> Manifest:
    """The backup pod; `dump_env` sets optional overrides (RETENTION_CLASS)."""
    return backup_pod(
        scope,
        init=[upload_sidecar(scope)],
        main=script_container(
            scope, "dump", "backup-dump.sh", scope.args.postgres_image, extra_env=dump_env
        ),
    )


def backup_pod(
    scope: TenantScope,
    init: list[Manifest],
    main: Manifest,
    service_account: str = BACKUP_SA,
    work_size: str = BACKUP_WORK_SIZE,
) -> Manifest:
    return scope.placed(
        {
            "serviceAccountName": service_account,
            "automountServiceAccountToken": False,
            "restartPolicy": "Never",
            "securityContext": restricted_pod_security(BACKUP_UID, fs_group=BACKUP_UID),
            "initContainers": init,
            "containers": [main],
            "volumes": backup_volumes(work_size),
        }
    )


def backup_volumes(work_size: str = BACKUP_WORK_SIZE) -> list[Manifest]:
    return [
        {"name": "scripts", "configMap": {"name": BACKUP_SCRIPTS_MAP}},
        {"name": "work", "emptyDir": {"sizeLimit": work_size}},
        {"name": "backup-tmp", "emptyDir": {"sizeLimit": "1Gi"}},
        {
            "name": "filestore",
            "persistentVolumeClaim": {"claimName": FILESTORE_CLAIM, "readOnly": True},
        },
    ]


def script_container(
    scope: TenantScope,
    name: str,
    script: str,
    image: str,
    *,
    shell: str = "",
    extra_env: Mapping[str, pulumi.Input[str]] | None = None,
) -> Manifest:
    """One step of the backup contract; the environment holds exactly what it reads
    (`extra_env`: values that replace or add to the tenant's, e.g. another bucket)."""
    overrides = dict(extra_env or {})
    unknown = set(overrides) - set(scripts.SCRIPT_ENV[script])
    if unknown:
        raise ValueError(f"{script} does not read {sorted(unknown)}")
    mounts = [
        {"name": "scripts", "mountPath": scripts.SCRIPTS_MOUNT_PATH, "readOnly": True},
        {"name": "work", "mountPath": WORK_DIR},
        {"name": "backup-tmp", "mountPath": "/tmp"},
    ]
    if script == "backup-dump.sh":
        mounts.append({"name": "filestore", "mountPath": FILESTORE_DIR, "readOnly": True})
    path = f"{scripts.SCRIPTS_MOUNT_PATH}/{script}"
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/sh", "-ec", shell or f"exec sh {path}"],
        "env": [
            *_with_overrides(_script_env(scope, script), overrides),
            {"name": "HOME", "value": "/tmp"},
        ],
        "resources": resources(SCRIPT_STEP),
        "securityContext": restricted_container_security(BACKUP_UID),
        "volumeMounts": mounts,
    }


def _with_overrides(
    env: list[Manifest], overrides: Mapping[str, pulumi.Input[str]]
) -> list[Manifest]:
    """`env` with each overridden variable's value replaced in place, then the new ones."""
    names = {entry["name"] for entry in env}
    replaced = [
        {"name": e["name"], "value": overrides[e["name"]]} if e["name"] in overrides else e
        for e in env
    ]
    return replaced + [{"name": k, "value": v} for k, v in overrides.items() if k not in names]


def _script_env(scope: TenantScope, script: str) -> list[Manifest]:
    args = scope.args
    secret = args.db_credentials_secret
    available: dict[str, Manifest] = {
        "PGHOST": secret_env("PGHOST", secret, "host"),
        "PGPORT": secret_env("PGPORT", secret, "port"),
        "PGUSER": secret_env("PGUSER", secret, "user"),
        "PGPASSWORD": secret_env("PGPASSWORD", secret, "password"),
        "PGDATABASE": {"name": "PGDATABASE", "value": args.database_name},
        "PGSSLMODE": {"name": "PGSSLMODE", "value": scope.conf.db_sslmode},
        "RESTORE_DATABASE": {
            "name": "RESTORE_DATABASE",
            "value": scripts.restore_database_name(args.database_name),
        },
        "FILESTORE_DIR": {"name": "FILESTORE_DIR", "value": FILESTORE_DIR},
        "WORK_DIR": {"name": "WORK_DIR", "value": WORK_DIR},
        "TENANT": {"name": "TENANT", "value": args.slug},
        "RPO_HOURS": {"name": "RPO_HOURS", "value": str(args.rpo_hours)},
        "BACKUP_BUCKET": {"name": "BACKUP_BUCKET", "value": args.backup_bucket_name},
        "BACKUP_KMS_KEY_ID": {"name": "BACKUP_KMS_KEY_ID", "value": args.backup_kms_key_arn},
        "AWS_REGION": {"name": "AWS_REGION", "value": args.aws_region},
    }
    # optional overrides (AWS_ENDPOINT_URL, RETENTION_CLASS) stay unset in the cluster
    return [available[key] for key in scripts.SCRIPT_ENV[script] if key in available]
