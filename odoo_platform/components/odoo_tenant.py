"""`OdooTenant`: one tenant's Odoo in its namespace (made by `TenantNamespace`).

Declares, for the tenant: network allow rules on top of the namespace's default deny, service
accounts (the backup one with an IRSA role limited to the tenant's backup prefixes and KMS key),
the admin password Secret, `odoo.conf` in a ConfigMap, the filestore (EFS access point, static PV
and PVC), the init/upgrade Job, the web Deployment (+ HPA, PDB), the cron Deployment, the Service,
Traefik IngressRoute and Middlewares, a cert-manager Certificate (when a cluster issuer is given),
and the backup and restore-check CronJobs.

Ordering: the Deployments `depends_on` the init/upgrade Job. pulumi-kubernetes waits for a Job
to complete before it reports it created (a failed Job fails the update), so a new image or module
list first runs `-i`/`-u` once, then rolls the pods. The Job's name carries a hash of the image
and the module list only, so nothing else re-runs it.

Kubernetes objects are given as camelCase dicts, exactly as the manifests read; the SDK passes
them through (its TypedDict annotations describe the snake_case form, hence `_k8s`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random

from odoo_platform.components.backup_bucket import tenant_key_prefixes
from odoo_platform.components.base import child_opts, component_type
from odoo_platform.components.cluster import dedicated_node_selector, dedicated_tolerations
from odoo_platform.components.iam import irsa_trust_policy
from odoo_platform.config import lifecycle
from odoo_platform.config.catalog import LABEL_TENANT, OdooVersion, SizeProfile
from odoo_platform.config.defaults import protect_stateful, tenant_profile
from odoo_platform.config.models import PlatformConfig, TenantConfig
from odoo_platform.config.tags import labels, resource_tags
from odoo_platform.names import APP, CRON_DEPLOYMENT, WEB_DEPLOYMENT
from odoo_platform.odoo import conf as odoo_conf
from odoo_platform.odoo import redis_acl, scripts

Manifest = dict[str, Any]

CONF_DIR = "/etc/odoo-platform"
RUN_DIR = "/run/odoo"
RENDERED_CONF = f"{RUN_DIR}/odoo.conf"
ODOO_BIN = "/usr/bin/odoo"
CONF_HASH_ANNOTATION = "odoo-platform.io/config-hash"
INIT_HASH_ANNOTATION = "odoo-platform.io/init-hash"
INIT_CONF_MAP = f"{APP}-init"
INIT_SCRIPT = "init.sh"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
STRIPPED_REQUEST_HEADERS = ("X-Odoo-Database", "X-Odoo-Dbfilter", "X-Openerp-Database")
BLOCKED_PATHS = ("/web/database", "/xmlrpc/db", "/xmlrpc/2/db")
MAX_REQUEST_BODY_BYTES = 128 * 1024 * 1024
EFS_CSI_DRIVER = "efs.csi.aws.com"
EFS_ROOT = "/tenants"
# The postgres (Alpine) image's user; the aws-cli steps of one pod share it for the work dir.
BACKUP_UID = 70
BACKUP_SCRIPTS_MAP = f"{APP}-backup-scripts"
WORK_DIR = "/work"
FILESTORE_DIR = "/filestore"
KUBE_DNS = {"k8s-app": "kube-dns"}
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


def _k8s(value: Any) -> Any:
    """A camelCase manifest fragment handed to pulumi-kubernetes as is."""
    return value


def init_job_hash(image: str, addons: Sequence[str]) -> str:
    """What makes the init/upgrade Job run again: the image and the module list, nothing else."""
    payload = json.dumps({"image": image, "addons": sorted(set(addons))}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class OdooTenantArgs:
    """One tenant's Odoo. Plain values from config; ids, ARNs and names from other components."""

    slug: str
    namespace: pulumi.Input[str]
    odoo_version: OdooVersion
    image: str
    profile: SizeProfile
    hostnames: tuple[str, ...]
    database_name: str
    db_credentials_secret: pulumi.Input[str]
    backup_bucket_name: pulumi.Input[str]
    backup_bucket_arn: pulumi.Input[str]
    backup_kms_key_arn: pulumi.Input[str]
    efs_file_system_id: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    # Inputs, so a stack that reads them from a platform stack's outputs can pass them as is
    database_cidrs: pulumi.Input[Sequence[str]]
    vpc_cidr: pulumi.Input[str]
    aws_region: pulumi.Input[str]
    tier: str = "shared"
    addons: tuple[str, ...] = ()
    k8s_labels: Mapping[str, str] = field(default_factory=dict)
    redis_host: pulumi.Input[str] | None = None
    redis_port: int = 6379
    redis_user: str | None = None
    redis_password: pulumi.Input[str] | None = None
    sessions_in_redis: bool = False
    traefik_namespace: pulumi.Input[str] = "traefik"
    entry_point: pulumi.Input[str] = "websecure"
    cluster_issuer: pulumi.Input[str] | None = None
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Mapping[str, str], ...] = ()
    smtp: odoo_conf.SmtpSettings | None = None
    rpo_hours: int = 24
    suspended: bool = False
    offboarded: bool = False
    offboarding_requested_on: str | None = None
    protect: bool = False
    postgres_image: str = "postgres:17.6-alpine"
    aws_cli_image: str = "amazon/aws-cli:2.27.50"
    # A file system in a peered VPC (the tenant's own account): its DNS name does not resolve
    # from the cluster's VPC, so the EFS CSI driver mounts this mount target's address instead.
    efs_mount_target_ip: pulumi.Input[str] | None = None

    def __post_init__(self) -> None:
        odoo_conf.traits(self.odoo_version)
        problems = [
            message
            for failed, message in (
                (not self.hostnames, "hostnames: at least one host name"),
                (_empty(self.database_cidrs), "database_cidrs: at least one CIDR"),
                (not 1 <= self.rpo_hours <= 24, f"rpo_hours: 1 to 24, not {self.rpo_hours}"),
                (
                    self.offboarded and not _is_iso_date(self.offboarding_requested_on),
                    "offboarding_requested_on: the offboarding request date (YYYY-MM-DD), "
                    f"not {self.offboarding_requested_on!r}",
                ),
                (self.offboarded and self.suspended, "offboarded and suspended: choose one"),
            )
            if failed
        ]
        if problems:
            raise ValueError(f"OdooTenantArgs for '{self.slug}': " + "; ".join(problems))

    @classmethod
    def from_config(
        cls,
        config: PlatformConfig,
        tenant: TenantConfig,
        *,
        today: dt.date | None = None,
        **infra: Any,
    ) -> OdooTenantArgs:
        """Everything the config decides; `infra` gives the ids, ARNs, names and CIDRs.

        With `today`, the filestore's `protect` follows the tenant's lifecycle (an offboarded
        tenant whose purge is due is unprotected); without it, the environment's default.
        """
        # An offboarded tenant's node group is gone (KubernetesClusterArgs.from_config): its
        # final backup runs on the shared nodes.
        dedicated = tenant.tier == "dedicated" and lifecycle.runs_workloads(tenant)
        protect = (
            protect_stateful(config)
            if today is None
            else lifecycle.protect_tenant_data(config, tenant, today)
        )
        offboarding = tenant.offboarding
        return cls(
            slug=tenant.slug,
            odoo_version=tenant.odoo_version,
            image=tenant.image,
            profile=tenant_profile(tenant),
            hostnames=tuple(tenant.hostnames),
            addons=tuple(tenant.addons),
            tier=tenant.tier,
            k8s_labels=labels(config, tenant.tier, tenant.slug),
            sessions_in_redis=tenant.sessions_in_redis,
            rpo_hours=config.backup.rpo_hours,
            aws_region=config.region,
            suspended=tenant.state == "suspended",
            offboarded=tenant.state == "offboarded",
            offboarding_requested_on=(
                offboarding.requested_on.isoformat() if offboarding is not None else None
            ),
            protect=protect,
            node_selector=dedicated_node_selector(tenant.slug) if dedicated else {},
            tolerations=tuple(dedicated_tolerations(tenant.slug)) if dedicated else (),
            **infra,
        )

    @property
    def sessions_use_redis(self) -> bool:
        return self.sessions_in_redis and self.redis_host is not None


class OdooTenant(pulumi.ComponentResource):
    """Odoo web and cron workloads, ingress, filestore and backups of one tenant."""

    namespace: pulumi.Output[str]
    service_name: str
    web_deployment_name: str
    cron_deployment_name: str
    init_job_name: str
    conf_hash: str
    backup_role_arn: pulumi.Output[str]
    admin_password: pulumi.Output[str]
    access_point_id: pulumi.Output[str]
    filestore_claim_name: str
    final_backup_job_name: str | None

    def __init__(
        self, name: str, args: OdooTenantArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("OdooTenant"), name, None, opts)
        self._name, self._args = name, args
        self._labels = {**args.k8s_labels, LABEL_TENANT: args.slug}
        self._traits = odoo_conf.traits(args.odoo_version)
        self.namespace = pulumi.Output.from_input(args.namespace)
        self._conf = self._odoo_conf()
        texts = {role: odoo_conf.render(self._conf, role) for role in ("web", "cron", "job")}
        self.conf_hash = odoo_conf.conf_hash(*texts.values())
        self.service_name = APP
        self.web_deployment_name = WEB_DEPLOYMENT
        self.cron_deployment_name = CRON_DEPLOYMENT
        self.filestore_claim_name = f"{APP}-filestore"
        self.init_job_name = f"{APP}-init-{init_job_hash(args.image, args.addons)}"
        self.final_backup_job_name = (
            f"{APP}-final-backup-{args.offboarding_requested_on.replace('-', '')}"
            if args.offboarded and args.offboarding_requested_on
            else None
        )

        # Kept in every state: data, identities, secrets, scripts and network rules.
        self._network_policies()
        odoo_sa, backup_sa = self._service_accounts()
        self._backup_sa = backup_sa
        admin = self._secrets()
        claim = self._filestore()
        self._scripts_map = k8s.core.v1.ConfigMap(
            f"{self._name}-backup-scripts",
            metadata=_k8s(self._metadata(BACKUP_SCRIPTS_MAP, "backup")),
            data=scripts.scripts(),
            opts=child_opts(self),
        )
        ready = [odoo_sa, admin, claim]
        if self.final_backup_job_name is not None:
            self._final_backup(self.final_backup_job_name, ready)
        else:
            self._workloads(texts, ready)
        self.register_outputs(
            {
                "namespace": self.namespace,
                "service_name": self.service_name,
                "conf_hash": self.conf_hash,
                "init_job_name": self.init_job_name,
                "backup_role_arn": self.backup_role_arn,
                "access_point_id": self.access_point_id,
                "admin_password": self.admin_password,
                "final_backup_job_name": self.final_backup_job_name,
            }
        )

    def _workloads(self, texts: Mapping[str, str], ready: Sequence[pulumi.Resource]) -> None:
        """Odoo itself (active and suspended tenants): init Job, web, cron, ingress, backups."""
        self._config_map = self._conf_map(texts)
        job = self._init_job(texts["job"], [*ready, self._backup_sa, self._scripts_map])
        workloads_opts = child_opts(self, depends_on=[job, *ready])
        self._web(workloads_opts)
        self._cron(workloads_opts)
        self._service()
        self._ingress()
        self._backups(ready)

    # -- configuration -------------------------------------------------------------------------

    def _odoo_conf(self) -> odoo_conf.OdooConf:
        args = self._args
        modules = ("base", "web", *(("session_redis",) if args.sessions_use_redis else ()))
        return odoo_conf.OdooConf.from_profile(
            args.odoo_version,
            args.database_name,
            args.profile,
            server_wide_modules=modules,
            smtp=args.smtp,
        )

    def _metadata(self, object_name: str, component: str | None = None, **extra: Any) -> Manifest:
        labels_ = dict(self._labels)
        if component is not None:
            labels_.update(self._selector(component))
        return {"name": object_name, "namespace": self.namespace, "labels": labels_, **extra}

    def _selector(self, component: str | None = None) -> dict[str, str]:
        selector = {"app.kubernetes.io/name": APP, "app.kubernetes.io/instance": self._args.slug}
        if component is not None:
            selector["app.kubernetes.io/component"] = component
        return selector

    # -- network ------------------------------------------------------------------------------

    def _policy(self, suffix: str, pod_selector: Manifest, spec: Manifest) -> None:
        types = [kind for kind in ("Ingress", "Egress") if kind.lower() in spec]
        k8s.networking.v1.NetworkPolicy(
            f"{self._name}-np-{suffix}",
            metadata=_k8s(self._metadata(f"{APP}-{suffix}")),
            spec=_k8s({"podSelector": pod_selector, "policyTypes": types, **spec}),
            opts=child_opts(self),
        )

    def _network_policies(self) -> None:
        args = self._args
        web = {"matchLabels": self._selector("web")}
        tenant_pods = {"matchLabels": self._selector()}
        traefik = {
            "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: args.traefik_namespace}}
        }
        self._policy(
            "from-traefik",
            web,
            {
                "ingress": [
                    {"from": [traefik], "ports": _tcp(odoo_conf.HTTP_PORT, odoo_conf.GEVENT_PORT)}
                ]
            },
        )
        # wkhtmltopdf in web and cron pods fetches report assets from the web Service
        self._policy(
            "internal-http",
            web,
            {
                "ingress": [
                    {"from": [{"podSelector": tenant_pods}], "ports": _tcp(odoo_conf.HTTP_PORT)}
                ]
            },
        )
        dns = {
            "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: "kube-system"}},
            "podSelector": {"matchLabels": KUBE_DNS},
        }
        egress: list[Manifest] = [
            {"to": [dns], "ports": [{"protocol": p, "port": 53} for p in ("UDP", "TCP")]},
            {"to": _cidrs(args.database_cidrs), "ports": _tcp(5432, args.redis_port)},
            {"to": _cidrs([args.vpc_cidr]), "ports": _tcp(2049)},
            {"to": [{"podSelector": web}], "ports": _tcp(odoo_conf.HTTP_PORT)},
            # S3 (gateway endpoint), STS and other AWS APIs are reached on public addresses
            {"to": _cidrs(["0.0.0.0/0"]), "ports": _tcp(443)},
        ]
        if args.smtp is not None:
            egress.append({"to": _cidrs(["0.0.0.0/0"]), "ports": _tcp(args.smtp.port)})
        self._policy("egress", tenant_pods, {"egress": egress})

    # -- identities and secrets ---------------------------------------------------------------

    def _service_accounts(self) -> tuple[k8s.core.v1.ServiceAccount, k8s.core.v1.ServiceAccount]:
        odoo_sa = k8s.core.v1.ServiceAccount(
            f"{self._name}-sa",
            metadata=_k8s(self._metadata(APP)),
            automount_service_account_token=False,
            opts=child_opts(self),
        )
        role = self._backup_role(f"{APP}-backup")
        backup_sa = k8s.core.v1.ServiceAccount(
            f"{self._name}-backup-sa",
            metadata=_k8s(self._metadata(f"{APP}-backup", annotations={IRSA_ANNOTATION: role.arn})),
            automount_service_account_token=False,
            opts=child_opts(self),
        )
        return odoo_sa, backup_sa

    def _backup_role(self, service_account: str) -> aws.iam.Role:
        args = self._args
        trust = irsa_trust_policy(
            args.oidc_provider_arn, args.oidc_issuer_url, self.namespace, service_account
        )
        role = aws.iam.Role(
            f"{self._name}-backup-role",
            assume_role_policy=trust,
            description=f"Backups of Odoo tenant {args.slug}",
            tags=resource_tags(args.tier, args.slug),
            opts=child_opts(self),
        )
        policy = pulumi.Output.all(args.backup_bucket_arn, args.backup_kms_key_arn).apply(
            lambda v: backup_policy(v[0], v[1], args.slug)
        )
        aws.iam.RolePolicy(
            f"{self._name}-backup-policy", role=role.id, policy=policy, opts=child_opts(self)
        )
        self.backup_role_arn = role.arn
        return role

    def _secrets(self) -> k8s.core.v1.Secret:
        password = random.RandomPassword(
            f"{self._name}-admin-passwd", length=32, special=False, opts=child_opts(self)
        )
        self.admin_password = pulumi.Output.secret(password.result)
        admin = k8s.core.v1.Secret(
            f"{self._name}-admin",
            metadata=_k8s(self._metadata(f"{APP}-admin")),
            type="Opaque",
            string_data={"admin_passwd": self.admin_password},
            opts=child_opts(self),
        )
        args = self._args
        if args.redis_password is None or args.redis_host is None:
            return admin
        redis_password = pulumi.Output.secret(args.redis_password)
        user = args.redis_user or args.slug
        url = pulumi.Output.format(
            "rediss://{0}:{1}@{2}:{3}/0", user, redis_password, args.redis_host, args.redis_port
        )
        k8s.core.v1.Secret(
            f"{self._name}-redis",
            metadata=_k8s(self._metadata(f"{APP}-redis")),
            type="Opaque",
            string_data={
                "user": user,
                "password": redis_password,
                "url": url,
            },
            opts=child_opts(self),
        )
        return admin

    def _conf_map(self, texts: Mapping[str, str]) -> k8s.core.v1.ConfigMap:
        # The name carries the content hash: running pods keep the file they started with.
        return k8s.core.v1.ConfigMap(
            f"{self._name}-conf",
            metadata=_k8s(self._metadata(f"{APP}-conf-{self.conf_hash[:10]}")),
            data={f"{role}.conf": text for role, text in texts.items()},
            opts=child_opts(self),
        )

    # -- filestore ----------------------------------------------------------------------------

    def _filestore(self) -> k8s.core.v1.PersistentVolumeClaim:
        args = self._args
        keep = child_opts(self, protect=args.protect)
        access_point = aws.efs.AccessPoint(
            f"{self._name}-filestore-ap",
            file_system_id=args.efs_file_system_id,
            posix_user=aws.efs.AccessPointPosixUserArgs(
                uid=self._traits.odoo_uid, gid=self._traits.odoo_gid
            ),
            root_directory=aws.efs.AccessPointRootDirectoryArgs(
                path=f"{EFS_ROOT}/{args.slug}",
                creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                    owner_uid=self._traits.odoo_uid,
                    owner_gid=self._traits.odoo_gid,
                    permissions="0750",
                ),
            ),
            tags=resource_tags(args.tier, args.slug),
            opts=keep,
        )
        self.access_point_id = access_point.id
        volume_name = f"{APP}-{args.slug}-filestore"
        volume = k8s.core.v1.PersistentVolume(
            f"{self._name}-filestore-pv",
            metadata=_k8s({"name": volume_name, "labels": self._labels}),
            spec=_k8s(
                {
                    "capacity": {"storage": "100Gi"},  # required by the API, ignored by EFS
                    "volumeMode": "Filesystem",
                    "accessModes": ["ReadWriteMany"],
                    "persistentVolumeReclaimPolicy": "Retain",
                    "storageClassName": "",
                    "mountOptions": ["tls"],
                    "claimRef": {"namespace": self.namespace, "name": self.filestore_claim_name},
                    "csi": {
                        "driver": EFS_CSI_DRIVER,
                        "volumeHandle": pulumi.Output.concat(
                            args.efs_file_system_id, "::", access_point.id
                        ),
                        **(
                            {"volumeAttributes": {"mounttargetip": args.efs_mount_target_ip}}
                            if args.efs_mount_target_ip is not None
                            else {}
                        ),
                    },
                }
            ),
            opts=keep,
        )
        return k8s.core.v1.PersistentVolumeClaim(
            f"{self._name}-filestore-pvc",
            metadata=_k8s(self._metadata(self.filestore_claim_name)),
            spec=_k8s(
                {
                    "accessModes": ["ReadWriteMany"],
                    "storageClassName": "",
                    "volumeName": volume.metadata.name,
                    "resources": {"requests": {"storage": "100Gi"}},
                }
            ),
            opts=keep,
        )

    # -- pods ---------------------------------------------------------------------------------

    def _odoo_env(self) -> list[Manifest]:
        args = self._args
        env = [
            _secret_env("PGHOST", args.db_credentials_secret, "host"),
            _secret_env("PGPORT", args.db_credentials_secret, "port"),
            _secret_env("PGUSER", args.db_credentials_secret, "user"),
            _secret_env("PGPASSWORD", args.db_credentials_secret, "password"),
            {"name": "PGDATABASE", "value": args.database_name},
            {"name": "PGSSLMODE", "value": self._conf.db_sslmode},
            {"name": "ODOO_RC", "value": RENDERED_CONF},
            {"name": "HOME", "value": "/tmp"},
            {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
        ]
        if args.sessions_use_redis:
            env += [
                {"name": "ODOO_SESSION_REDIS", "value": "1"},
                _secret_env("ODOO_SESSION_REDIS_URL", f"{APP}-redis", "url"),
                {
                    "name": "ODOO_SESSION_REDIS_PREFIX",
                    "value": redis_acl.session_redis_prefix(args.slug),
                },
            ]
        return env

    def _render_conf_container(self, role: str) -> Manifest:
        """Copies the role's file and appends `admin_passwd` from the Secret, in memory."""
        script = (
            f"umask 077; cp {CONF_DIR}/{role}.conf {RENDERED_CONF}; "
            f"{odoo_conf.admin_passwd_line()} >> {RENDERED_CONF}"
        )
        return {
            "name": "render-conf",
            "image": self._args.image,
            "command": ["/bin/sh", "-ec", script],
            "env": [_secret_env(odoo_conf.ADMIN_PASSWD_ENV, f"{APP}-admin", "admin_passwd")],
            "resources": _resources(50, 100, 32, 64),
            "securityContext": _container_security(),
            "volumeMounts": [
                {"name": "conf", "mountPath": CONF_DIR, "readOnly": True},
                {"name": "run", "mountPath": RUN_DIR},
            ],
        }

    def _odoo_container(
        self, command: list[str], resources: Manifest | None = None, **extra: Any
    ) -> Manifest:
        profile = self._args.profile
        return {
            "name": APP,
            "image": self._args.image,
            "imagePullPolicy": "IfNotPresent",
            "command": command,
            "env": self._odoo_env(),
            "resources": resources
            or _resources(
                profile.cpu_request_m,
                profile.cpu_limit_m,
                profile.memory_request_mib,
                profile.memory_limit_mib,
            ),
            "securityContext": _container_security(),
            "volumeMounts": [
                {"name": "run", "mountPath": RUN_DIR, "readOnly": True},
                {"name": "tmp", "mountPath": "/tmp"},
                {"name": "filestore", "mountPath": odoo_conf.DATA_DIR},
            ],
            **extra,
        }

    def _pod_spec(
        self,
        role: str,
        containers: list[Manifest],
        *,
        conf_map: pulumi.Input[str] | None = None,
        service_account: str = APP,
        **extra: Any,
    ) -> Manifest:
        args = self._args
        conf_map = self._config_map.metadata.name if conf_map is None else conf_map
        spec: Manifest = {
            "serviceAccountName": service_account,
            "automountServiceAccountToken": False,
            "securityContext": self._pod_security(),
            "initContainers": [self._render_conf_container(role)],
            "containers": containers,
            "volumes": [
                {"name": "conf", "configMap": {"name": conf_map}},
                {"name": "run", "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}},
                {"name": "tmp", "emptyDir": {"sizeLimit": "2Gi"}},
                {
                    "name": "filestore",
                    "persistentVolumeClaim": {"claimName": self.filestore_claim_name},
                },
            ],
            **extra,
        }
        if args.node_selector:
            spec["nodeSelector"] = dict(args.node_selector)
        if args.tolerations:
            spec["tolerations"] = [dict(t) for t in args.tolerations]
        return spec

    def _pod_security(self) -> Manifest:
        return {
            "runAsNonRoot": True,
            "runAsUser": self._traits.odoo_uid,
            "runAsGroup": self._traits.odoo_gid,
            "fsGroup": self._traits.odoo_gid,
            "seccompProfile": {"type": "RuntimeDefault"},
        }

    def _template(self, component: str, spec: Manifest) -> Manifest:
        return {
            "metadata": {
                "labels": {**self._labels, **self._selector(component)},
                "annotations": {
                    CONF_HASH_ANNOTATION: self.conf_hash,
                    INIT_HASH_ANNOTATION: init_job_hash(self._args.image, self._args.addons),
                },
            },
            "spec": spec,
        }

    # -- init / upgrade Job -------------------------------------------------------------------

    def _init_job(self, job_conf: str, ready: Sequence[pulumi.Resource]) -> k8s.batch.v1.Job:
        """The Job's pod depends only on the image, the modules and stable names: its settings
        and script sit in a ConfigMap of a fixed name, updated in place, so nothing else
        replaces (and re-runs) a finished Job."""
        args = self._args
        conf_map = k8s.core.v1.ConfigMap(
            f"{self._name}-init-conf",
            metadata=_k8s(self._metadata(INIT_CONF_MAP, "init")),
            data=self._init_data(job_conf),
            opts=child_opts(self),
        )
        container = self._odoo_container(
            ["/bin/sh", "-e", f"{CONF_DIR}/{INIT_SCRIPT}"],
            resources=_resources(500, 2000, 1024, 3072),
        )
        spec = self._pod_spec(
            "job",
            [container],
            conf_map=INIT_CONF_MAP,
            service_account=f"{APP}-backup",
            restartPolicy="Never",
        )
        spec["initContainers"][:0] = self._pre_upgrade_backup()
        volumes = [v for v in self._backup_volumes() if v["name"] != "filestore"]
        spec["volumes"] += volumes
        init_hash = init_job_hash(args.image, args.addons)
        template = {
            "metadata": {
                "labels": self._selector("init"),
                "annotations": {INIT_HASH_ANNOTATION: init_hash},
            },
            "spec": spec,
        }
        return k8s.batch.v1.Job(
            f"{self._name}-init",
            metadata=_k8s(self._metadata(self.init_job_name, "init")),
            spec=_k8s({"backoffLimit": 1, "activeDeadlineSeconds": 4 * 3600, "template": template}),
            opts=child_opts(
                self,
                depends_on=[conf_map, *ready],
                custom_timeouts=pulumi.CustomTimeouts(create="240m", update="240m"),
            ),
        )

    def _init_data(self, job_conf: str) -> pulumi.Output[dict[str, str]]:
        script = init_script(self._args, self._site_url(), self._report_url())
        return script.apply(lambda text: {"job.conf": job_conf, INIT_SCRIPT: text})

    def _site_url(self) -> str:
        return f"https://{self._args.hostnames[0]}"

    def _report_url(self) -> pulumi.Output[str]:
        return pulumi.Output.format(
            "http://{0}.{1}.svc:{2}", self.service_name, self.namespace, odoo_conf.HTTP_PORT
        )

    # -- web and cron -------------------------------------------------------------------------

    def _web(self, opts: pulumi.ResourceOptions) -> None:
        args = self._args
        probe = {"httpGet": {"path": odoo_conf.HEALTH_PATH, "port": "http"}}
        container = self._odoo_container(
            [ODOO_BIN, "-c", RENDERED_CONF],
            ports=[
                {"name": "http", "containerPort": odoo_conf.HTTP_PORT, "protocol": "TCP"},
                {"name": "websocket", "containerPort": odoo_conf.GEVENT_PORT, "protocol": "TCP"},
            ],
            startupProbe={
                **probe,
                "periodSeconds": 10,
                "timeoutSeconds": 5,
                "failureThreshold": 60,
            },
            livenessProbe={
                **probe,
                "periodSeconds": 20,
                "timeoutSeconds": 5,
                "failureThreshold": 3,
            },
            readinessProbe={
                **probe,
                "periodSeconds": 10,
                "timeoutSeconds": 5,
                "failureThreshold": 3,
            },
        )
        spec = self._pod_spec(
            "web",
            [container],
            terminationGracePeriodSeconds=60,
            topologySpreadConstraints=self._spread("web"),
        )
        deployment: Manifest = {
            "selector": {"matchLabels": self._selector("web")},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
            },
            "revisionHistoryLimit": 5,
            "template": self._template("web", spec),
        }
        # Running, the HPA owns the replica count; suspended, zero (the HPA stays idle at zero).
        if args.suspended:
            deployment["replicas"] = 0
        web = k8s.apps.v1.Deployment(
            f"{self._name}-web",
            metadata=_k8s(self._metadata(self.web_deployment_name, "web")),
            spec=_k8s(deployment),
            opts=opts,
        )
        self._autoscaling(web)

    def _spread(self, component: str) -> list[Manifest]:
        return [
            {
                "maxSkew": 1,
                "topologyKey": key,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": self._selector(component)},
            }
            for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
        ]

    def _autoscaling(self, web: k8s.apps.v1.Deployment) -> None:
        profile = self._args.profile
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{self._name}-web-hpa",
            metadata=_k8s(self._metadata(self.web_deployment_name, "web")),
            spec=_k8s(
                {
                    "scaleTargetRef": {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": self.web_deployment_name,
                    },
                    "minReplicas": profile.min_replicas,
                    "maxReplicas": profile.max_replicas,
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {
                                "name": "cpu",
                                "target": {"type": "Utilization", "averageUtilization": 70},
                            },
                        }
                    ],
                    "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
                }
            ),
            opts=child_opts(self, depends_on=[web]),
        )
        if profile.min_replicas >= 2:
            k8s.policy.v1.PodDisruptionBudget(
                f"{self._name}-web-pdb",
                metadata=_k8s(self._metadata(self.web_deployment_name, "web")),
                spec=_k8s(
                    {"maxUnavailable": 1, "selector": {"matchLabels": self._selector("web")}}
                ),
                opts=child_opts(self),
            )

    def _cron(self, opts: pulumi.ResourceOptions) -> None:
        # The prefork master re-spawns cron workers; none alive for 3 checks means it is stuck.
        liveness = {
            "exec": {"command": ["/bin/sh", "-c", CRON_WORKERS_ALIVE]},
            "initialDelaySeconds": 60,
            "periodSeconds": 30,
            "timeoutSeconds": 5,
            "failureThreshold": 3,
        }
        container = self._odoo_container(
            [ODOO_BIN, "-c", RENDERED_CONF, "--no-http"], livenessProbe=liveness
        )
        spec = self._pod_spec("cron", [container], terminationGracePeriodSeconds=120)
        k8s.apps.v1.Deployment(
            f"{self._name}-cron",
            metadata=_k8s(self._metadata(self.cron_deployment_name, "cron")),
            spec=_k8s(
                {
                    "replicas": 0 if self._args.suspended else 1,
                    "selector": {"matchLabels": self._selector("cron")},
                    "strategy": {"type": "Recreate"},
                    "revisionHistoryLimit": 5,
                    "template": self._template("cron", spec),
                }
            ),
            opts=opts,
        )

    # -- service and ingress ------------------------------------------------------------------

    def _service(self) -> None:
        k8s.core.v1.Service(
            f"{self._name}-svc",
            metadata=_k8s(self._metadata(self.service_name, "web")),
            spec=_k8s(
                {
                    "type": "ClusterIP",
                    "selector": self._selector("web"),
                    "ports": [
                        {"name": "http", "port": odoo_conf.HTTP_PORT, "targetPort": "http"},
                        {
                            "name": "websocket",
                            "port": odoo_conf.GEVENT_PORT,
                            "targetPort": "websocket",
                        },
                    ],
                }
            ),
            opts=child_opts(self),
        )

    def _custom(self, suffix: str, api_version: str, kind: str, spec: Manifest) -> None:
        k8s.apiextensions.CustomResource(
            f"{self._name}-{suffix}",
            api_version=api_version,
            kind=kind,
            metadata=_k8s(self._metadata(f"{APP}-{suffix}")),
            spec=spec,
            opts=child_opts(self),
        )

    def _ingress(self) -> None:
        args = self._args
        for suffix, spec in middlewares().items():
            self._custom(suffix, "traefik.io/v1alpha1", "Middleware", spec)
        self._custom(
            "websocket-transport",
            "traefik.io/v1alpha1",
            "ServersTransport",
            {"forwardingTimeouts": {"dialTimeout": "30s", "idleConnTimeout": "3600s"}},
        )
        tls_secret = f"{APP}-{args.slug}-tls"
        if args.cluster_issuer is not None:
            self._custom(
                "certificate",
                "cert-manager.io/v1",
                "Certificate",
                {
                    "secretName": tls_secret,
                    "dnsNames": list(args.hostnames),
                    "issuerRef": {
                        "name": args.cluster_issuer,
                        "kind": "ClusterIssuer",
                        "group": "cert-manager.io",
                    },
                    "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
                },
            )
        route: Manifest = {"entryPoints": [args.entry_point], "routes": self._routes()}
        if args.cluster_issuer is not None:
            route["tls"] = {"secretName": tls_secret}
        self._custom("route", "traefik.io/v1alpha1", "IngressRoute", route)

    def _routes(self) -> list[Manifest]:
        hosts = " || ".join(f"Host(`{host}`)" for host in self._args.hostnames)

        def service(port: int, **extra: Any) -> list[Manifest]:
            return [{"name": self.service_name, "port": port, **extra}]

        def refs(*names: str) -> list[Manifest]:
            return [{"name": f"{APP}-{name}"} for name in names]

        blocked = " || ".join(f"PathPrefix(`{path}`)" for path in BLOCKED_PATHS)
        websocket = odoo_conf.WEBSOCKET_PATH
        return [
            {
                "kind": "Rule",
                "match": f"({hosts}) && ({blocked})",
                "priority": 300,
                "middlewares": refs("deny"),
                "services": service(odoo_conf.HTTP_PORT),
            },
            {
                # no buffering, compression or rate limit on the long-lived websocket
                "kind": "Rule",
                "match": f"({hosts}) && PathPrefix(`{websocket}`)",
                "priority": 200,
                "middlewares": refs("security-headers", "strip-db-headers"),
                "services": service(
                    odoo_conf.GEVENT_PORT, serversTransport=f"{APP}-websocket-transport"
                ),
            },
            {
                "kind": "Rule",
                "match": f"({hosts})",
                "priority": 100,
                "middlewares": refs(
                    "security-headers", "strip-db-headers", "rate-limit", "request-size"
                ),
                "services": service(odoo_conf.HTTP_PORT),
            },
        ]

    # -- backups ------------------------------------------------------------------------------

    def _backups(self, ready: Sequence[pulumi.Resource]) -> None:
        """Backup (dump + upload) and restore-check (fetch + check) CronJobs, per the contract in
        `odoo_platform.odoo.scripts`. They keep running while the tenant is suspended."""
        opts = child_opts(self, depends_on=[self._scripts_map, self._backup_sa, *ready])
        backup_pod = self._dump_and_upload_pod()
        restore_pod = self._backup_pod(
            init=[self._script_container("fetch", "restore-fetch.sh", self._args.aws_cli_image)],
            main=self._script_container("check", "restore-check.sh", self._args.postgres_image),
        )
        minute, hour = _schedule_offset(self._args.slug)
        jobs = (
            ("backup", backup_schedule(self._args.rpo_hours, minute, hour), backup_pod),
            ("restore-check", f"{minute} {(hour + 12) % 24} * * *", restore_pod),
        )
        for component, schedule, pod in jobs:
            k8s.batch.v1.CronJob(
                f"{self._name}-{component}",
                metadata=_k8s(self._metadata(f"{APP}-{component}", component)),
                spec=_k8s(
                    {
                        "schedule": schedule,
                        "timeZone": "Etc/UTC",
                        "concurrencyPolicy": "Forbid",
                        "startingDeadlineSeconds": 900,
                        "successfulJobsHistoryLimit": 3,
                        "failedJobsHistoryLimit": 3,
                        "jobTemplate": {
                            "spec": {
                                "backoffLimit": 1,
                                "activeDeadlineSeconds": 3 * 3600,
                                "template": {
                                    "metadata": {"labels": self._selector(component)},
                                    "spec": pod,
                                },
                            }
                        },
                    }
                ),
                opts=opts,
            )

    def _dump_and_upload_pod(self, **dump_env: str) -> Manifest:
        """The backup CronJob's pod; `dump_env` sets optional overrides (RETENTION_CLASS)."""
        return self._backup_pod(
            init=[
                self._script_container(
                    "dump", "backup-dump.sh", self._args.postgres_image, extra_env=dump_env
                )
            ],
            main=self._script_container("upload", "backup-upload.sh", self._args.aws_cli_image),
        )

    def _final_backup(self, job_name: str, ready: Sequence[pulumi.Resource]) -> None:
        """An offboarded tenant's last backup, once: kept longest (monthly class). The name
        carries the offboarding request date; pulumi-kubernetes waits for it to complete."""
        component = "final-backup"
        pod = self._dump_and_upload_pod(RETENTION_CLASS="monthly")
        k8s.batch.v1.Job(
            f"{self._name}-{component}",
            metadata=_k8s(self._metadata(job_name, component)),
            spec=_k8s(
                {
                    "backoffLimit": 2,
                    "activeDeadlineSeconds": 6 * 3600,
                    "template": {"metadata": {"labels": self._selector(component)}, "spec": pod},
                }
            ),
            opts=child_opts(
                self,
                depends_on=[self._scripts_map, self._backup_sa, *ready],
                custom_timeouts=pulumi.CustomTimeouts(create="360m", update="360m"),
            ),
        )

    def _backup_pod(self, init: list[Manifest], main: Manifest) -> Manifest:
        spec: Manifest = {
            "serviceAccountName": f"{APP}-backup",
            "automountServiceAccountToken": False,
            "restartPolicy": "Never",
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": BACKUP_UID,
                "runAsGroup": BACKUP_UID,
                "fsGroup": BACKUP_UID,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "initContainers": init,
            "containers": [main],
            "volumes": self._backup_volumes(),
        }
        if self._args.node_selector:
            spec["nodeSelector"] = dict(self._args.node_selector)
        if self._args.tolerations:
            spec["tolerations"] = [dict(t) for t in self._args.tolerations]
        return spec

    def _backup_volumes(self) -> list[Manifest]:
        return [
            {"name": "scripts", "configMap": {"name": BACKUP_SCRIPTS_MAP}},
            {"name": "work", "emptyDir": {"sizeLimit": "20Gi"}},
            {"name": "backup-tmp", "emptyDir": {"sizeLimit": "1Gi"}},
            {
                "name": "filestore",
                "persistentVolumeClaim": {"claimName": self.filestore_claim_name, "readOnly": True},
            },
        ]

    def _script_container(
        self,
        name: str,
        script: str,
        image: str,
        shell: str = "",
        extra_env: Mapping[str, str] | None = None,
    ) -> Manifest:
        """One step of the backup contract; the environment holds exactly what it reads."""
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
                *self._script_env(script),
                *({"name": key, "value": value} for key, value in overrides.items()),
                {"name": "HOME", "value": "/tmp"},
            ],
            "resources": _resources(100, 1000, 256, 1024),
            "securityContext": {
                **_container_security(),
                "runAsUser": BACKUP_UID,
                "runAsGroup": BACKUP_UID,
            },
            "volumeMounts": mounts,
        }

    def _script_env(self, script: str) -> list[Manifest]:
        args = self._args
        secret = args.db_credentials_secret
        available: dict[str, Manifest] = {
            "PGHOST": _secret_env("PGHOST", secret, "host"),
            "PGPORT": _secret_env("PGPORT", secret, "port"),
            "PGUSER": _secret_env("PGUSER", secret, "user"),
            "PGPASSWORD": _secret_env("PGPASSWORD", secret, "password"),
            "PGDATABASE": {"name": "PGDATABASE", "value": args.database_name},
            "PGSSLMODE": {"name": "PGSSLMODE", "value": self._conf.db_sslmode},
            "RESTORE_DATABASE": {
                "name": "RESTORE_DATABASE",
                "value": scripts.restore_database_name(args.database_name),
            },
            "FILESTORE_DIR": {"name": "FILESTORE_DIR", "value": FILESTORE_DIR},
            "WORK_DIR": {"name": "WORK_DIR", "value": WORK_DIR},
            "TENANT": {"name": "TENANT", "value": args.slug},
            "BACKUP_BUCKET": {"name": "BACKUP_BUCKET", "value": args.backup_bucket_name},
            "BACKUP_KMS_KEY_ID": {"name": "BACKUP_KMS_KEY_ID", "value": args.backup_kms_key_arn},
            "AWS_REGION": {"name": "AWS_REGION", "value": args.aws_region},
        }
        # optional overrides (AWS_ENDPOINT_URL, RETENTION_CLASS) stay unset in the cluster
        return [available[key] for key in scripts.SCRIPT_ENV[script] if key in available]

    def _pre_upgrade_backup(self) -> list[Manifest]:
        """The Job's first steps: back up an initialised database before `-u` touches it (an
        empty, new database is skipped: it would become the newest backup and fail checks)."""
        dump = f"{scripts.SCRIPTS_MOUNT_PATH}/backup-dump.sh"
        upload = f"{scripts.SCRIPTS_MOUNT_PATH}/backup-upload.sh"
        check = f"if {BASE_INSTALLED}; then exec sh {dump}; fi; echo 'new database: no backup'"
        return [
            self._script_container("dump", "backup-dump.sh", self._args.postgres_image, check),
            self._script_container(
                "upload",
                "backup-upload.sh",
                self._args.aws_cli_image,
                f"if [ -d {WORK_DIR}/backup ]; then exec sh {upload}; fi",
            ),
        ]


def backup_schedule(rpo_hours: int, minute: int, hour: int) -> str:
    """A cron schedule whose gaps never exceed the RPO (`*/n` restarts at midnight: a shorter
    last gap, never a longer one)."""
    if rpo_hours >= 24:
        return f"{minute} {hour} * * *"
    return f"{minute} */{rpo_hours} * * *"


def _schedule_offset(slug: str) -> tuple[int, int]:
    """Minute and night hour derived from the slug: tenants do not all dump at once."""
    digest = int(hashlib.sha256(slug.encode()).hexdigest(), 16)
    return digest % 60, 1 + digest // 60 % 4


BASE_INSTALLED = (
    "psql -tAc \"SELECT 1 FROM ir_module_module WHERE name='base' AND state='installed'\""
    " 2>/dev/null | grep -q 1"
)
CRON_WORKERS_ALIVE = "grep -qs '^PPid:[[:space:]]*1$' /proc/[0-9]*/status"


def middlewares() -> dict[str, Manifest]:
    """The tenant's Traefik middlewares, by name suffix (all in the tenant's namespace)."""
    return {
        "security-headers": {
            "headers": {
                "stsSeconds": 31536000,
                "stsIncludeSubdomains": True,
                "forceSTSHeader": True,
                "contentTypeNosniff": True,
                "customFrameOptionsValue": "SAMEORIGIN",
                "referrerPolicy": "strict-origin-when-cross-origin",
            }
        },
        # an empty value removes the header: clients cannot pick a database
        "strip-db-headers": {
            "headers": {"customRequestHeaders": dict.fromkeys(STRIPPED_REQUEST_HEADERS, "")}
        },
        "rate-limit": {"rateLimit": {"average": 50, "period": "1s", "burst": 200}},
        "request-size": {
            "buffering": {
                "maxRequestBodyBytes": MAX_REQUEST_BODY_BYTES,
                "memRequestBodyBytes": 2 * 1024 * 1024,
            }
        },
        # nobody is allowed: answers 403 for the database manager paths
        "deny": {"ipAllowList": {"sourceRange": ["127.0.0.1/32"], "rejectStatusCode": 403}},
    }


def init_script(args: OdooTenantArgs, site_url: str, report_url: pulumi.Output[str]) -> Any:
    """Install `base` (+ addons) on an empty database, else upgrade everything and install new
    addons; then pin the public URL and point PDF rendering at the web Service."""
    addons = ",".join(sorted(set(args.addons)))
    installed = BASE_INSTALLED
    odoo = f'{ODOO_BIN} -c {RENDERED_CONF} -d "$PGDATABASE" --no-http --stop-after-init'
    install = f"{odoo} -i base{',' + addons if addons else ''}"
    upgrade = f"{odoo} -u all{' -i ' + addons if addons else ''}"

    def script(report: str) -> str:
        params = {"web.base.url": site_url, "web.base.url.freeze": "True", "report.url": report}
        python = "; ".join(
            f"env['ir.config_parameter'].sudo().set_param({key!r}, {value!r})"
            for key, value in params.items()
        )
        shell = f'{ODOO_BIN} shell -c {RENDERED_CONF} -d "$PGDATABASE" --no-http'
        return (
            f"if {installed}; then {upgrade}; else {install}; fi\n"
            f'printf "%s\\n" "{python}; env.cr.commit()" | {shell}\n'
        )

    return report_url.apply(script)


def backup_policy(bucket_arn: str, kms_key_arn: str, slug: str) -> str:
    """Read and write (no delete) under the tenant's three prefixes, and use of the backup key."""
    prefixes = tenant_key_prefixes(slug)
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ListOwnPrefixes",
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": bucket_arn,
                    "Condition": {"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}},
                },
                {
                    "Sid": "ReadWriteOwnPrefixes",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": [f"{bucket_arn}/{p}*" for p in prefixes],
                },
                {
                    "Sid": "UseBackupKey",
                    "Effect": "Allow",
                    "Action": [
                        "kms:Encrypt",
                        "kms:Decrypt",
                        "kms:GenerateDataKey",
                        "kms:DescribeKey",
                    ],
                    "Resource": kms_key_arn,
                },
            ],
        }
    )


def _is_iso_date(value: str | None) -> bool:
    try:
        dt.date.fromisoformat(value or "")
    except ValueError:
        return False
    return True


def _tcp(*ports: int) -> list[Manifest]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def _cidrs(cidrs: pulumi.Input[Sequence[pulumi.Input[str]]]) -> pulumi.Input[list[Manifest]]:
    if isinstance(cidrs, (list, tuple)):
        return [{"ipBlock": {"cidr": cidr}} for cidr in cidrs]
    return pulumi.Output.from_input(cidrs).apply(
        lambda known: [{"ipBlock": {"cidr": cidr}} for cidr in known]
    )


def _empty(values: pulumi.Input[Sequence[str]]) -> bool:
    """Plain and empty; an Output (another stack's) is checked where it was produced."""
    return isinstance(values, (list, tuple)) and not values


def _secret_env(name: str, secret: pulumi.Input[str], key: str) -> Manifest:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def _resources(cpu_request: int, cpu_limit: int, mem_request: int, mem_limit: int) -> Manifest:
    return {
        "requests": {"cpu": f"{cpu_request}m", "memory": f"{mem_request}Mi"},
        "limits": {"cpu": f"{cpu_limit}m", "memory": f"{mem_limit}Mi"},
    }


def _container_security() -> Manifest:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
