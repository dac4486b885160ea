"""The init/upgrade Job and the resume Job, which bracket a new image or module list.

On a disaster-recovery site the Job first restores the tenant from the primary's DR-region copy
(recovery.py), so that db-state.sh finds the restored database. The init Job's steps each read
db-state.sh's one decision: for an upgrade, stop web and cron and
back up the database (the upload sidecar streaming the dump), then install or upgrade (see
odoo/scripts.py). The Deployments `depends_on` it; pulumi-kubernetes waits for a Job to complete
before it reports it created (a failed Job fails the update). The resume Job then starts web and
cron again. Both are named by the image and the module list only, so nothing else re-runs them.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from odoo_platform.components.odoo_tenant import recovery
from odoo_platform.components.odoo_tenant.args import OdooTenantArgs
from odoo_platform.components.odoo_tenant.autoscaling import paused_at
from odoo_platform.components.odoo_tenant.backups import (
    BACKUP_WORK_SIZE,
    RESTORE_WORK_SIZE,
    backup_volumes,
    script_container,
    upload_sidecar,
)
from odoo_platform.components.odoo_tenant.pods import (
    irsa_skip,
    kube_api_volume,
    odoo_container,
    odoo_pod_spec,
    pod_security,
    scale_container,
)
from odoo_platform.components.odoo_tenant.scope import (
    ADMIN_SECRET,
    BACKUP_SCRIPTS_MAP,
    CONF_DIR,
    INIT_HASH_ANNOTATION,
    UPGRADE_SA,
    WORK_DIR,
    Manifest,
    TenantScope,
    k8s_value,
    resources,
    secret_env,
)
from odoo_platform.components.odoo_tenant.workloads import CRON_GRACE_SECONDS, WEB_GRACE_SECONDS
from odoo_platform.config.tenant_pods import INIT_JOB_ODOO
from odoo_platform.odoo import conf as odoo_conf
from odoo_platform.odoo import scripts
from odoo_platform.odoo.names import APP, CRON_DEPLOYMENT, WEB_DEPLOYMENT

INIT_CONF_MAP = f"{APP}-init"
INIT_ENV_FILE = "init.env"
NO_BACKUP_MARKER = "skipped"


def init_job_name(scope: TenantScope) -> str:
    return f"{APP}-init-{scope.init_hash}"


def resume_job_name(scope: TenantScope) -> str:
    return f"{APP}-resume-{scope.init_hash}"


def declare_init_job(scope: TenantScope, ready: Sequence[pulumi.Resource]) -> k8s.batch.v1.Job:
    """The Job's pod depends only on the image, the modules and stable names: its settings
    sit in a ConfigMap of a fixed name, updated in place, so nothing else replaces (and
    re-runs) a finished Job."""
    conf_map = k8s.core.v1.ConfigMap(
        f"{scope.name}-init-conf",
        metadata=k8s_value(scope.metadata(INIT_CONF_MAP, "init")),
        data=_init_data(scope, scope.conf_texts["job"]),
        opts=scope.opts(),
    )
    # Fixed (a new size must not re-run the Job); `-u all` runs in Odoo's main process,
    # which sets no RLIMIT_AS. The namespace's LimitRange admits it (TenantNamespace).
    container = odoo_container(
        scope,
        ["/bin/sh", "-ec", f"exec sh {scripts.SCRIPTS_MOUNT_PATH}/odoo-init.sh"],
        limits=resources(INIT_JOB_ODOO),
    )
    container["env"] += [
        {"name": "WORK_DIR", "value": WORK_DIR},
        {"name": "INIT_ENV", "value": f"{CONF_DIR}/{INIT_ENV_FILE}"},
        secret_env("ODOO_ADMIN_LOGIN_PASSWORD", ADMIN_SECRET, "login_password"),
    ]
    container["volumeMounts"] += [
        {"name": "scripts", "mountPath": scripts.SCRIPTS_MOUNT_PATH, "readOnly": True},
        {"name": "work", "mountPath": WORK_DIR, "readOnly": True},
    ]
    spec = odoo_pod_spec(
        scope,
        "job",
        [container],
        conf_map=INIT_CONF_MAP,
        service_account=UPGRADE_SA,
        restartPolicy="Never",
    )
    spec["initContainers"][:0] = _pre_upgrade_steps(scope)
    replica = scope.args.dr_restore_from
    if replica is not None:  # a DR site: restore the tenant before anything else runs
        spec["initContainers"][:0] = recovery.dr_restore_steps(scope, replica)
    work_size = BACKUP_WORK_SIZE if replica is None else RESTORE_WORK_SIZE
    spec["volumes"] += [v for v in backup_volumes(work_size) if v["name"] != "filestore"]
    spec["volumes"].append(kube_api_volume())
    name = init_job_name(scope)
    return _job(scope, "init", name, spec, [conf_map, *ready], backoff=1, hours=4)


def declare_resume_job(scope: TenantScope, ready: Sequence[pulumi.Resource]) -> k8s.batch.v1.Job:
    """After the Deployments carry the new image: start web (the profile's minimum; KEDA scales
    from there) and cron again, or keep them where they are paused (suspended, standby)."""
    web, cron, pause = scope.args.profile.min_replicas, 1, "release"
    if paused_at(scope, "web") is not None:
        web, cron, pause = paused_at(scope, "web") or 0, paused_at(scope, "cron") or 0, "hold"
    targets = f"{WEB_DEPLOYMENT}={web} {CRON_DEPLOYMENT}={cron}"
    spec = scope.placed(
        {
            "serviceAccountName": UPGRADE_SA,
            "automountServiceAccountToken": False,
            "securityContext": pod_security(scope),
            "restartPolicy": "Never",
            "containers": [scale_container(scope, "resume", targets, KEDA_PAUSE=pause)],
            "volumes": [
                {"name": "scripts", "configMap": {"name": BACKUP_SCRIPTS_MAP}},
                {"name": "work", "emptyDir": {"sizeLimit": "16Mi"}},
                kube_api_volume(),
            ],
        }
    )
    name = resume_job_name(scope)
    return _job(scope, "resume", name, spec, ready, backoff=3, hours=1)


def _job(
    scope: TenantScope,
    component: str,
    name: str,
    spec: Manifest,
    depends_on: Sequence[pulumi.Resource],
    *,
    backoff: int,
    hours: int,
) -> k8s.batch.v1.Job:
    template = {
        "metadata": {
            "labels": scope.selector(component),
            # only the S3 steps get the role's web identity token (Odoo never does)
            "annotations": {INIT_HASH_ANNOTATION: scope.init_hash, **irsa_skip(spec)},
        },
        "spec": spec,
    }
    timeout = f"{hours * 60}m"
    return k8s.batch.v1.Job(
        f"{scope.name}-{component}",
        metadata=k8s_value(scope.metadata(name, component)),
        spec=k8s_value(
            {"backoffLimit": backoff, "activeDeadlineSeconds": hours * 3600, "template": template}
        ),
        opts=scope.opts(
            depends_on=list(depends_on),
            custom_timeouts=pulumi.CustomTimeouts(create=timeout, update=timeout),
        ),
    )


def _pre_upgrade_steps(scope: TenantScope) -> list[Manifest]:
    """The Job's first steps: decide once (db-state.sh), then for an upgrade stop web and
    cron and back up the database before `-u` touches it, the upload sidecar streaming what
    the dump writes (the dump fails if the upload does). A new database is not backed up
    (it would become the newest backup and fail the restore checks)."""
    image = scope.args.postgres_image
    dump = f"{scripts.SCRIPTS_MOUNT_PATH}/backup-dump.sh"
    state = f"$WORK_DIR/{scripts.DB_STATE_FILE}"
    stop = scale_container(
        scope,
        "stop",
        f"{WEB_DEPLOYMENT}=0 {CRON_DEPLOYMENT}=0",
        WHEN_STATE="upgrade",
        KEDA_PAUSE="hold",
        DRAIN_SECONDS=str(max(WEB_GRACE_SECONDS, CRON_GRACE_SECONDS)),
    )
    return [
        script_container(scope, "db-state", "db-state.sh", image),
        stop,
        upload_sidecar(scope),
        script_container(
            scope,
            "dump",
            "backup-dump.sh",
            image,
            shell=f'if [ "$(cat "{state}")" = upgrade ]; then exec sh {dump}; fi; '
            # tells the waiting upload sidecar that nothing comes (backup-upload.sh)
            'mkdir -p "$WORK_DIR/backup"; '
            f"echo 'new database: no backup' | tee \"$WORK_DIR/backup/{NO_BACKUP_MARKER}\"",
        ),
    ]


def _init_data(scope: TenantScope, job_conf: str) -> pulumi.Output[dict[str, str]]:
    report_url = pulumi.Output.format(
        "http://{0}.{1}.svc:{2}", APP, scope.namespace, odoo_conf.HTTP_PORT
    )
    env = init_env(scope.args, f"https://{scope.args.hostnames[0]}", report_url)
    return env.apply(lambda text: {"job.conf": job_conf, INIT_ENV_FILE: text})


def init_env(args: OdooTenantArgs, site_url: str, report_url: pulumi.Output[str]) -> Any:
    """`init.env`, sourced by odoo-init.sh: what to install and where the tenant is served."""
    values = {
        "ADDONS": ",".join(sorted(set(args.addons))),
        "ADMIN_LOGIN": args.admin_login or "",
        "SITE_URL": site_url,
    }

    def text(report: str) -> str:
        lines = [
            f"{key}={shlex.quote(value)}" for key, value in {**values, "REPORT_URL": report}.items()
        ]
        return "\n".join(lines) + "\n"

    return report_url.apply(text)
