"""Pod and container specs shared by the tenant's workloads and Jobs.

Every pod meets the restricted Pod Security Standard (`_shared.k8s`), mounts no service account
token (the scale steps get a short-lived projected one) and runs on the tenant's nodes. Odoo pods
render their `odoo.conf` in memory first: the role's file from the ConfigMap plus `admin_passwd`
(and the SMTP login) from Secrets.
"""

from __future__ import annotations

from typing import Any

import pulumi

from odoo_platform.components._shared.k8s import (
    restricted_container_security,
    restricted_pod_security,
)
from odoo_platform.components.odoo_tenant.scope import (
    ADMIN_SECRET,
    CONF_DIR,
    CONF_HASH_ANNOTATION,
    FILESTORE_CLAIM,
    INIT_HASH_ANNOTATION,
    RENDERED_CONF,
    RUN_DIR,
    SMTP_SECRET,
    WORK_DIR,
    Manifest,
    TenantScope,
    resources,
    secret_env,
)
from odoo_platform.config import tenant_pods
from odoo_platform.config.tenant_pods import RENDER_CONF_STEP, SCALE_STEP
from odoo_platform.odoo import conf as odoo_conf
from odoo_platform.odoo import mail, scripts
from odoo_platform.odoo.names import APP

TOKEN_DIR = "/var/run/odoo-platform/kube-api"
KUBE_API = "https://kubernetes.default.svc"
# Containers of a pod under an IRSA service account that must not get its web identity token
# (the EKS pod identity webhook skips the containers this annotation names).
IRSA_SKIP_ANNOTATION = "eks.amazonaws.com/skip-containers"
# The only steps that reach S3 (the others get no web identity token).
AWS_STEPS = ("upload", "fetch", "record", "report")


def pod_security(scope: TenantScope) -> Manifest:
    """The Odoo image's user, which also owns the pod's volumes."""
    traits = scope.traits
    return restricted_pod_security(traits.odoo_uid, traits.odoo_gid, fs_group=traits.odoo_gid)


def odoo_env(scope: TenantScope) -> list[Manifest]:
    args = scope.args
    secret = args.db_credentials_secret
    return [
        secret_env("PGHOST", secret, "host"),
        secret_env("PGPORT", secret, "port"),
        secret_env("PGUSER", secret, "user"),
        secret_env("PGPASSWORD", secret, "password"),
        {"name": "PGDATABASE", "value": args.database_name},
        {"name": "PGSSLMODE", "value": scope.conf.db_sslmode},
        {"name": "ODOO_RC", "value": RENDERED_CONF},
        {"name": "HOME", "value": "/tmp"},
        {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
    ]


def render_conf_container(scope: TenantScope, role: str) -> Manifest:
    """Copies the role's file and appends `admin_passwd` (and the SMTP login) from the
    Secrets, in memory."""
    script = (
        f"umask 077; cp {CONF_DIR}/{role}.conf {RENDERED_CONF}; "
        f"{odoo_conf.admin_passwd_line()} >> {RENDERED_CONF}"
    )
    env = [secret_env(odoo_conf.ADMIN_PASSWD_ENV, ADMIN_SECRET, "admin_passwd")]
    if scope.args.smtp_password is not None:
        script += f"; {mail.smtp_login_lines()} >> {RENDERED_CONF}"
        env += [
            secret_env(mail.SMTP_USER_ENV, SMTP_SECRET, "user"),
            secret_env(mail.SMTP_PASSWORD_ENV, SMTP_SECRET, "password"),
        ]
    return {
        "name": "render-conf",
        "image": scope.args.image,
        "command": ["/bin/sh", "-ec", script],
        "env": env,
        "resources": resources(RENDER_CONF_STEP),
        "securityContext": restricted_container_security(),
        "volumeMounts": [
            {"name": "conf", "mountPath": CONF_DIR, "readOnly": True},
            {"name": "run", "mountPath": RUN_DIR},
        ],
    }


def odoo_container(
    scope: TenantScope, command: list[str], limits: Manifest | None = None, **extra: Any
) -> Manifest:
    """The Odoo container, sized by the tenant's profile unless `limits` are given."""
    sized = resources(tenant_pods.odoo_container(scope.args.profile))
    return {
        "name": APP,
        "image": scope.args.image,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        "env": odoo_env(scope),
        "resources": limits or sized,
        "securityContext": restricted_container_security(),
        "volumeMounts": [
            {"name": "run", "mountPath": RUN_DIR, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "filestore", "mountPath": odoo_conf.DATA_DIR},
        ],
        **extra,
    }


def odoo_pod_spec(
    scope: TenantScope,
    role: str,
    containers: list[Manifest],
    *,
    conf_map: pulumi.Input[str],
    service_account: str = APP,
    **extra: Any,
) -> Manifest:
    """An Odoo pod: renders `role`'s conf from `conf_map`, mounts the filestore."""
    return scope.placed(
        {
            "serviceAccountName": service_account,
            "automountServiceAccountToken": False,
            "securityContext": pod_security(scope),
            "initContainers": [render_conf_container(scope, role)],
            "containers": containers,
            "volumes": [
                {"name": "conf", "configMap": {"name": conf_map}},
                {"name": "run", "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}},
                {"name": "tmp", "emptyDir": {"sizeLimit": "2Gi"}},
                {"name": "filestore", "persistentVolumeClaim": {"claimName": FILESTORE_CLAIM}},
            ],
            **extra,
        }
    )


def workload_template(scope: TenantScope, component: str, spec: Manifest) -> Manifest:
    """A Deployment's pod template: the conf hash rolls the pods when `odoo.conf` changes."""
    return {
        "metadata": {
            "labels": {**scope.labels, **scope.selector(component)},
            "annotations": {
                CONF_HASH_ANNOTATION: scope.conf_hash,
                INIT_HASH_ANNOTATION: scope.init_hash,
            },
        },
        "spec": spec,
    }


def scale_container(scope: TenantScope, name: str, targets: str, **env: str) -> Manifest:
    """scale-workloads.sh in the Odoo image (curl, python3), with the projected token."""
    values = {
        "KUBE_API": KUBE_API,
        "SCALE_TARGETS": targets,
        "TOKEN_DIR": TOKEN_DIR,
        "WORK_DIR": WORK_DIR,
        **env,
    }
    return {
        "name": name,
        "image": scope.args.image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/sh", "-ec", f"exec sh {scripts.SCRIPTS_MOUNT_PATH}/scale-workloads.sh"],
        "env": [
            {"name": "NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            *({"name": key, "value": value} for key, value in values.items()),
        ],
        "resources": resources(SCALE_STEP),
        "securityContext": restricted_container_security(),
        "volumeMounts": [
            {"name": "scripts", "mountPath": scripts.SCRIPTS_MOUNT_PATH, "readOnly": True},
            {"name": "work", "mountPath": WORK_DIR},
            {"name": "kube-api", "mountPath": TOKEN_DIR, "readOnly": True},
        ],
    }


def kube_api_volume() -> Manifest:
    """A short-lived service account token and the cluster CA, for the scale steps only (the
    pods do not automount a token)."""
    return {
        "name": "kube-api",
        "projected": {
            "sources": [
                {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}},
                {
                    "configMap": {
                        "name": "kube-root-ca.crt",
                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                    }
                },
            ]
        },
    }


def irsa_skip(pod: Manifest) -> dict[str, str]:
    """Only the steps that talk to S3 get the web identity token of the pod's role."""
    names = [c["name"] for c in [*pod.get("initContainers", []), *pod["containers"]]]
    return {IRSA_SKIP_ANNOTATION: ",".join(n for n in names if n not in AWS_STEPS)}
