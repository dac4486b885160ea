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
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random

from odoo_platform.components import odoo_routes
from odoo_platform.components._shared.base import (
    Port,
    Slug,
    TierLabel,
    check_args,
    child_opts,
    component_type,
    require_providers,
)
from odoo_platform.components._shared.iam import irsa_trust_policy
from odoo_platform.components.backup_bucket import tenant_key_prefixes
from odoo_platform.components.cluster import dedicated_node_selector, dedicated_tolerations
from odoo_platform.config import lifecycle
from odoo_platform.config.catalog import (
    INIT_JOB_CPU_LIMIT_M,
    INIT_JOB_MEMORY_LIMIT_MIB,
    LABEL_TENANT,
    OdooVersion,
    SizeProfile,
)
from odoo_platform.config.defaults import protect_stateful, tenant_profile
from odoo_platform.config.models import PlatformConfig, TenantConfig
from odoo_platform.config.tags import labels, resource_tags
from odoo_platform.config.validation import SESSIONS_IN_REDIS_REFUSED
from odoo_platform.odoo import conf as odoo_conf
from odoo_platform.odoo import mail, scripts
from odoo_platform.odoo.names import APP, CRON_DEPLOYMENT, WEB_DEPLOYMENT

Manifest = dict[str, Any]

CONF_DIR = "/etc/odoo-platform"
RUN_DIR = "/run/odoo"
RENDERED_CONF = f"{RUN_DIR}/odoo.conf"
ODOO_BIN = "/usr/bin/odoo"
CONF_HASH_ANNOTATION = "odoo-platform.io/config-hash"
INIT_HASH_ANNOTATION = "odoo-platform.io/init-hash"
INIT_CONF_MAP = f"{APP}-init"
INIT_ENV_FILE = "init.env"
UPGRADE_SA = f"{APP}-upgrade"
SCALE_ROLE = f"{APP}-scale-workloads"
TOKEN_DIR = "/var/run/odoo-platform/kube-api"
KUBE_API = "https://kubernetes.default.svc"
# pulumi-kubernetes applies server-side; the upgrade Jobs also set `replicas` (scale subresource),
# so the next update must take the field back instead of failing on the conflict.
PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce"
WEB_GRACE_SECONDS = 60
CRON_GRACE_SECONDS = 120
# Odoo closes its listening socket at once on SIGTERM: the pause lets the Service drop the pod
# from its endpoints (and Traefik its backend) before that happens.
PRESTOP_PAUSE_SECONDS = 15
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
EFS_CSI_DRIVER = "efs.csi.aws.com"
EFS_ROOT = "/tenants"
# The postgres (Alpine) image's user; the aws-cli steps of one pod share it for the work dir.
BACKUP_UID = 70
BACKUP_SCRIPTS_MAP = f"{APP}-backup-scripts"
SMTP_SECRET = f"{APP}-smtp"
# Identities: Odoo (web, cron, the init Job's Odoo) has no AWS role; the backup writer may only
# write its prefixes; the restore check may only read them.
BACKUP_SA = f"{APP}-backup"
RESTORE_CHECK_SA = f"{APP}-restore-check"
# Containers of a pod under an IRSA service account that must not get its web identity token
# (the EKS pod identity webhook skips the containers this annotation names).
IRSA_SKIP_ANNOTATION = "eks.amazonaws.com/skip-containers"
# Streaming leaves only pipes and small files in the backup pods' work dir; the restore check
# still downloads the backup before restoring it.
BACKUP_WORK_SIZE = "256Mi"
RESTORE_WORK_SIZE = "20Gi"
WORK_DIR = "/work"
NO_BACKUP_MARKER = "skipped"
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

    slug: Slug
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
    tier: TierLabel = "shared"
    addons: tuple[str, ...] = ()
    # The series whose image user owns the filestore: the one before a recorded migration (the
    # official image's uid changed from 101 to 100 in 18.0; the access point keeps its owner).
    filestore_version: OdooVersion | None = None
    # Odoo's first user (base.user_admin); None keeps the login `admin`. Set on first install only.
    admin_login: str | None = None
    k8s_labels: Mapping[str, str] = field(default_factory=dict)
    redis_host: pulumi.Input[str] | None = None
    redis_port: Port = 6379
    redis_user: str | None = None
    redis_password: pulumi.Input[str] | None = None
    # Refused: the official image cannot keep sessions in Redis (config/validation.py, sessions)
    sessions_in_redis: bool = False
    traefik_namespace: pulumi.Input[str] = "traefik"
    entry_point: pulumi.Input[str] = "websecure"
    cluster_issuer: pulumi.Input[str] | None = None
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Mapping[str, str], ...] = ()
    smtp: mail.SmtpSettings | None = None
    # The relay's login (a Secret in the namespace; SES's user is an access key id) and where
    # the relay is: egress opens the relay's port to these CIDRs only.
    smtp_user: pulumi.Input[str] | None = None
    smtp_password: pulumi.Input[str] | None = None
    smtp_egress_cidrs: pulumi.Input[Sequence[str]] = ("0.0.0.0/0",)
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
        check_args(self)
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
                (
                    self.smtp is None and self.smtp_password is not None,
                    "smtp_password: only with smtp (the relay it authenticates to)",
                ),
                (
                    (self.smtp_user is None) != (self.smtp_password is None),
                    "smtp_user and smtp_password: both (the relay's login) or neither",
                ),
                (
                    self.smtp is not None and bool(self.smtp.user) and self.smtp_user is not None,
                    "smtp.user: leave it unset when smtp_user gives the login",
                ),
                (self.sessions_in_redis, f"sessions_in_redis: {SESSIONS_IN_REDIS_REFUSED}"),
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
            admin_login=tenant.admin_login,
            filestore_version=(
                (tenant.migration.filestore_version or tenant.migration.from_version)
                if tenant.migration
                else None
            ),
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
    admin_login: str
    admin_login_password: pulumi.Output[str]
    access_point_id: pulumi.Output[str]
    filestore_claim_name: str
    final_backup_job_name: str | None

    def __init__(
        self, name: str, args: OdooTenantArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("OdooTenant"), name, None, opts)
        require_providers(self, "aws", "kubernetes")  # IRSA role and EFS access point: AWS
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
        init_hash = init_job_hash(args.image, args.addons)
        self.init_job_name = f"{APP}-init-{init_hash}"
        self.resume_job_name = f"{APP}-resume-{init_hash}"
        self.admin_login = args.admin_login or "admin"
        self.final_backup_job_name = (
            f"{APP}-final-backup-{args.offboarding_requested_on.replace('-', '')}"
            if args.offboarded and args.offboarding_requested_on
            else None
        )

        # Kept in every state: data, identities, secrets, scripts and network rules.
        self._network_policies()
        odoo_sa = self._service_accounts()
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
                "admin_login": self.admin_login,
                "admin_login_password": self.admin_login_password,
                "final_backup_job_name": self.final_backup_job_name,
            }
        )

    def _workloads(self, texts: Mapping[str, str], ready: Sequence[pulumi.Resource]) -> None:
        """Odoo itself (active and suspended tenants): init Job, web, cron, ingress, backups."""
        self._config_map = self._conf_map(texts)
        job = self._init_job(
            texts["job"], [*ready, self._backup_sa, self._upgrade_rbac, self._scripts_map]
        )
        workloads_opts = child_opts(self, depends_on=[job, *ready])
        web = self._web(workloads_opts)
        cron = self._cron(workloads_opts)
        self._resume_job([web, cron, self._upgrade_rbac])
        self._service()
        self._ingress()
        self._backups(ready)

    # -- configuration -------------------------------------------------------------------------

    def _odoo_conf(self) -> odoo_conf.OdooConf:
        args = self._args
        return odoo_conf.OdooConf.from_profile(
            args.odoo_version,
            args.database_name,
            args.profile,
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
            egress.append({"to": _cidrs(args.smtp_egress_cidrs), "ports": _tcp(args.smtp.port)})
        self._policy("egress", tenant_pods, {"egress": egress})

    # -- identities and secrets ---------------------------------------------------------------

    def _service_accounts(self) -> k8s.core.v1.ServiceAccount:
        odoo_sa = k8s.core.v1.ServiceAccount(
            f"{self._name}-sa",
            metadata=_k8s(self._metadata(APP)),
            automount_service_account_token=False,
            opts=child_opts(self),
        )
        role = self._irsa_role("backup", (BACKUP_SA, UPGRADE_SA), "Backups", backup_policy)
        self.backup_role_arn = role.arn
        self._backup_sa = self._irsa_account("backup", BACKUP_SA, role)
        reader = self._irsa_role(
            "restore-check", RESTORE_CHECK_SA, "Restore checks", restore_check_policy
        )
        self._restore_sa = self._irsa_account("restore-check", RESTORE_CHECK_SA, reader)
        self._upgrade_rbac = self._upgrade_identity(role)
        return odoo_sa

    def _irsa_account(
        self, prefix: str, service_account: str, role: aws.iam.Role
    ) -> k8s.core.v1.ServiceAccount:
        return k8s.core.v1.ServiceAccount(
            f"{self._name}-{prefix}-sa",
            metadata=_k8s(self._metadata(service_account, annotations={IRSA_ANNOTATION: role.arn})),
            automount_service_account_token=False,
            opts=child_opts(self),
        )

    def _upgrade_identity(self, role: aws.iam.Role) -> k8s.rbac.v1.RoleBinding:
        """The init/upgrade and resume Jobs' account: the backup role (pre-upgrade backup) and a
        Role that may only read and set the scale of this tenant's web and cron Deployments."""
        account = k8s.core.v1.ServiceAccount(
            f"{self._name}-upgrade-sa",
            metadata=_k8s(self._metadata(UPGRADE_SA, annotations={IRSA_ANNOTATION: role.arn})),
            automount_service_account_token=False,
            opts=child_opts(self),
        )
        scale = k8s.rbac.v1.Role(
            f"{self._name}-scale-role",
            metadata=_k8s(self._metadata(SCALE_ROLE)),
            rules=_k8s(
                [
                    {
                        "apiGroups": ["apps"],
                        "resources": ["deployments/scale"],
                        "resourceNames": [self.web_deployment_name, self.cron_deployment_name],
                        "verbs": ["get", "patch"],
                    }
                ]
            ),
            opts=child_opts(self),
        )
        return k8s.rbac.v1.RoleBinding(
            f"{self._name}-scale-binding",
            metadata=_k8s(self._metadata(SCALE_ROLE)),
            role_ref=_k8s(
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": SCALE_ROLE}
            ),
            subjects=_k8s(
                [{"kind": "ServiceAccount", "name": UPGRADE_SA, "namespace": self.namespace}]
            ),
            opts=child_opts(self, depends_on=[account, scale]),
        )

    def _irsa_role(
        self, prefix: str, service_accounts: str | tuple[str, ...], what: str, policy_of: Any
    ) -> aws.iam.Role:
        args = self._args
        trust = irsa_trust_policy(
            args.oidc_provider_arn, args.oidc_issuer_url, self.namespace, service_accounts
        )
        role = aws.iam.Role(
            f"{self._name}-{prefix}-role",
            assume_role_policy=trust,
            description=f"{what} of Odoo tenant {args.slug}",
            tags=resource_tags(args.tier, args.slug),
            opts=child_opts(self),
        )
        policy = pulumi.Output.all(args.backup_bucket_arn, args.backup_kms_key_arn).apply(
            lambda v: policy_of(v[0], v[1], args.slug)
        )
        aws.iam.RolePolicy(
            f"{self._name}-{prefix}-policy", role=role.id, policy=policy, opts=child_opts(self)
        )
        return role

    def _secrets(self) -> k8s.core.v1.Secret:
        password = random.RandomPassword(
            f"{self._name}-admin-passwd", length=32, special=False, opts=child_opts(self)
        )
        self.admin_password = pulumi.Output.secret(password.result)
        # The login password of Odoo's first user, set by the init Job on first install only.
        login = random.RandomPassword(
            f"{self._name}-admin-login-passwd", length=24, special=False, opts=child_opts(self)
        )
        self.admin_login_password = pulumi.Output.secret(login.result)
        admin = k8s.core.v1.Secret(
            f"{self._name}-admin",
            metadata=_k8s(self._metadata(f"{APP}-admin")),
            type="Opaque",
            string_data={
                "admin_passwd": self.admin_password,
                "login": self.admin_login,
                "login_password": self.admin_login_password,
            },
            opts=child_opts(self),
        )
        args = self._args
        if args.smtp_user is not None and args.smtp_password is not None:
            k8s.core.v1.Secret(
                f"{self._name}-smtp",
                metadata=_k8s(self._metadata(SMTP_SECRET)),
                type="Opaque",
                string_data={
                    "user": args.smtp_user,
                    "password": pulumi.Output.secret(args.smtp_password),
                },
                opts=child_opts(self),
            )
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
        owner = odoo_conf.traits(args.filestore_version or args.odoo_version)
        access_point = aws.efs.AccessPoint(
            f"{self._name}-filestore-ap",
            file_system_id=args.efs_file_system_id,
            # every file operation through the access point runs as this owner, whatever the
            # pod's uid, so a new image user still reads and writes the existing files
            posix_user=aws.efs.AccessPointPosixUserArgs(uid=owner.odoo_uid, gid=owner.odoo_gid),
            root_directory=aws.efs.AccessPointRootDirectoryArgs(
                path=f"{EFS_ROOT}/{args.slug}",
                creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                    owner_uid=owner.odoo_uid,
                    owner_gid=owner.odoo_gid,
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
        return [
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

    def _render_conf_container(self, role: str) -> Manifest:
        """Copies the role's file and appends `admin_passwd` (and the SMTP login) from the
        Secrets, in memory."""
        script = (
            f"umask 077; cp {CONF_DIR}/{role}.conf {RENDERED_CONF}; "
            f"{odoo_conf.admin_passwd_line()} >> {RENDERED_CONF}"
        )
        env = [_secret_env(odoo_conf.ADMIN_PASSWD_ENV, f"{APP}-admin", "admin_passwd")]
        if self._args.smtp_password is not None:
            script += f"; {mail.smtp_login_lines()} >> {RENDERED_CONF}"
            env += [
                _secret_env(mail.SMTP_USER_ENV, SMTP_SECRET, "user"),
                _secret_env(mail.SMTP_PASSWORD_ENV, SMTP_SECRET, "password"),
            ]
        return {
            "name": "render-conf",
            "image": self._args.image,
            "command": ["/bin/sh", "-ec", script],
            "env": env,
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
        sit in a ConfigMap of a fixed name, updated in place, so nothing else replaces (and
        re-runs) a finished Job. Its steps, each reading db-state.sh's one decision: stop web and
        cron and back up (upgrade only), then install or upgrade (see odoo/scripts.py)."""
        conf_map = k8s.core.v1.ConfigMap(
            f"{self._name}-init-conf",
            metadata=_k8s(self._metadata(INIT_CONF_MAP, "init")),
            data=self._init_data(job_conf),
            opts=child_opts(self),
        )
        # Fixed (a new size must not re-run the Job); `-u all` runs in Odoo's main process,
        # which sets no RLIMIT_AS. The namespace's LimitRange admits it (TenantNamespace).
        container = self._odoo_container(
            ["/bin/sh", "-ec", f"exec sh {scripts.SCRIPTS_MOUNT_PATH}/odoo-init.sh"],
            resources=_resources(500, INIT_JOB_CPU_LIMIT_M, 1024, INIT_JOB_MEMORY_LIMIT_MIB),
        )
        container["env"] += [
            {"name": "WORK_DIR", "value": WORK_DIR},
            {"name": "INIT_ENV", "value": f"{CONF_DIR}/{INIT_ENV_FILE}"},
            _secret_env("ODOO_ADMIN_LOGIN_PASSWORD", f"{APP}-admin", "login_password"),
        ]
        container["volumeMounts"] += [
            {"name": "scripts", "mountPath": scripts.SCRIPTS_MOUNT_PATH, "readOnly": True},
            {"name": "work", "mountPath": WORK_DIR, "readOnly": True},
        ]
        spec = self._pod_spec(
            "job",
            [container],
            conf_map=INIT_CONF_MAP,
            service_account=UPGRADE_SA,
            restartPolicy="Never",
        )
        spec["initContainers"][:0] = self._pre_upgrade_steps()
        spec["volumes"] += [v for v in self._backup_volumes() if v["name"] != "filestore"]
        spec["volumes"].append(_kube_api_volume())
        return self._job("init", self.init_job_name, spec, [conf_map, *ready], backoff=1, hours=4)

    def _resume_job(self, ready: Sequence[pulumi.Resource]) -> k8s.batch.v1.Job:
        """After the Deployments carry the new image: start web (the HPA's minimum; it scales
        from there) and cron again, or keep them at zero while suspended. Runs once per image
        and module list, like the init Job."""
        web, cron = (0, 0) if self._args.suspended else (self._args.profile.min_replicas, 1)
        targets = f"{self.web_deployment_name}={web} {self.cron_deployment_name}={cron}"
        container = self._scale_container("resume", targets)
        spec: Manifest = {
            "serviceAccountName": UPGRADE_SA,
            "automountServiceAccountToken": False,
            "securityContext": self._pod_security(),
            "restartPolicy": "Never",
            "containers": [container],
            "volumes": [
                {"name": "scripts", "configMap": {"name": BACKUP_SCRIPTS_MAP}},
                {"name": "work", "emptyDir": {"sizeLimit": "16Mi"}},
                _kube_api_volume(),
            ],
        }
        if self._args.node_selector:
            spec["nodeSelector"] = dict(self._args.node_selector)
        if self._args.tolerations:
            spec["tolerations"] = [dict(t) for t in self._args.tolerations]
        return self._job("resume", self.resume_job_name, spec, ready, backoff=3, hours=1)

    def _job(
        self,
        component: str,
        name: str,
        spec: Manifest,
        depends_on: Sequence[pulumi.Resource],
        *,
        backoff: int,
        hours: int,
    ) -> k8s.batch.v1.Job:
        init_hash = init_job_hash(self._args.image, self._args.addons)
        template = {
            "metadata": {
                "labels": self._selector(component),
                # only the S3 steps get the role's web identity token (Odoo never does)
                "annotations": {INIT_HASH_ANNOTATION: init_hash, **_irsa_skip(spec)},
            },
            "spec": spec,
        }
        timeout = f"{hours * 60}m"
        return k8s.batch.v1.Job(
            f"{self._name}-{component}",
            metadata=_k8s(self._metadata(name, component)),
            spec=_k8s(
                {
                    "backoffLimit": backoff,
                    "activeDeadlineSeconds": hours * 3600,
                    "template": template,
                }
            ),
            opts=child_opts(
                self,
                depends_on=list(depends_on),
                custom_timeouts=pulumi.CustomTimeouts(create=timeout, update=timeout),
            ),
        )

    def _scale_container(self, name: str, targets: str, **env: str) -> Manifest:
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
            "image": self._args.image,
            "imagePullPolicy": "IfNotPresent",
            "command": [
                "/bin/sh",
                "-ec",
                f"exec sh {scripts.SCRIPTS_MOUNT_PATH}/scale-workloads.sh",
            ],
            "env": [
                {
                    "name": "NAMESPACE",
                    "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}},
                },
                *({"name": key, "value": value} for key, value in values.items()),
            ],
            "resources": _resources(50, 200, 64, 128),
            "securityContext": _container_security(),
            "volumeMounts": [
                {"name": "scripts", "mountPath": scripts.SCRIPTS_MOUNT_PATH, "readOnly": True},
                {"name": "work", "mountPath": WORK_DIR},
                {"name": "kube-api", "mountPath": TOKEN_DIR, "readOnly": True},
            ],
        }

    def _init_data(self, job_conf: str) -> pulumi.Output[dict[str, str]]:
        env = init_env(self._args, self._site_url(), self._report_url())
        return env.apply(lambda text: {"job.conf": job_conf, INIT_ENV_FILE: text})

    def _site_url(self) -> str:
        return f"https://{self._args.hostnames[0]}"

    def _report_url(self) -> pulumi.Output[str]:
        return pulumi.Output.format(
            "http://{0}.{1}.svc:{2}", self.service_name, self.namespace, odoo_conf.HTTP_PORT
        )

    # -- web and cron -------------------------------------------------------------------------

    def _web(self, opts: pulumi.ResourceOptions) -> k8s.apps.v1.Deployment:
        args = self._args
        probe = {"httpGet": {"path": odoo_conf.HEALTH_PATH, "port": "http"}}
        # Answered by the gevent process, not by a prefork worker: long reports occupying every
        # HTTP worker make the pod unready (no new requests), never restarted (killing them).
        alive = {"httpGet": {"path": odoo_conf.HEALTH_PATH, "port": "websocket"}}
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
                **alive,
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
            lifecycle={"preStop": {"exec": {"command": ["sleep", str(PRESTOP_PAUSE_SECONDS)]}}},
        )
        spec = self._pod_spec(
            "web",
            [container],
            terminationGracePeriodSeconds=WEB_GRACE_SECONDS,
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
            metadata=_k8s(self._workload_metadata(self.web_deployment_name, "web")),
            spec=_k8s(deployment),
            opts=opts,
        )
        self._autoscaling(web)
        return web

    def _workload_metadata(self, name: str, component: str) -> Manifest:
        return self._metadata(name, component, annotations={PATCH_FORCE_ANNOTATION: "true"})

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

    def _cron(self, opts: pulumi.ResourceOptions) -> k8s.apps.v1.Deployment:
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
        spec = self._pod_spec("cron", [container], terminationGracePeriodSeconds=CRON_GRACE_SECONDS)
        return k8s.apps.v1.Deployment(
            f"{self._name}-cron",
            metadata=_k8s(self._workload_metadata(self.cron_deployment_name, "cron")),
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
        for suffix, spec in odoo_routes.middlewares(args.profile).items():
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
        return odoo_routes.routes(
            self._args.hostnames, self.service_name, f"{APP}-websocket-transport"
        )

    # -- backups ------------------------------------------------------------------------------

    def _backups(self, ready: Sequence[pulumi.Resource]) -> None:
        """Backup (dump + upload) and restore-check (fetch + check) CronJobs, per the contract in
        `odoo_platform.odoo.scripts`. They keep running while the tenant is suspended."""
        depends = [self._scripts_map, self._backup_sa, self._restore_sa, *ready]
        backup_pod = self._dump_and_upload_pod()
        restore_pod = self._backup_pod(
            init=[self._script_container("fetch", "restore-fetch.sh", self._args.aws_cli_image)],
            main=self._script_container("check", "restore-check.sh", self._args.postgres_image),
            service_account=RESTORE_CHECK_SA,
            work_size=RESTORE_WORK_SIZE,
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
                                "template": self._pod_template(component, pod),
                            }
                        },
                    }
                ),
                opts=child_opts(self, depends_on=depends),
            )

    def _pod_template(self, component: str, pod: Manifest) -> Manifest:
        return {
            "metadata": {"labels": self._selector(component), "annotations": _irsa_skip(pod)},
            "spec": pod,
        }

    def _upload_sidecar(self) -> Manifest:
        """backup-upload.sh beside the dump (a native sidecar: an init container that keeps
        running), reading its pipes. The dump reports the verdict, so the sidecar then idles
        until the pod ends (restarted, it would wait for a new dump)."""
        path = f"{scripts.SCRIPTS_MOUNT_PATH}/backup-upload.sh"
        linger = f"trap 'exit 0' TERM; sh {path} || true; while :; do sleep 3600 & wait $!; done"
        sidecar = self._script_container(
            "upload", "backup-upload.sh", self._args.aws_cli_image, linger
        )
        sidecar["restartPolicy"] = "Always"
        return sidecar

    def _dump_and_upload_pod(self, **dump_env: str) -> Manifest:
        """The backup CronJob's pod; `dump_env` sets optional overrides (RETENTION_CLASS)."""
        return self._backup_pod(
            init=[self._upload_sidecar()],
            main=self._script_container(
                "dump", "backup-dump.sh", self._args.postgres_image, extra_env=dump_env
            ),
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
                    "template": self._pod_template(component, pod),
                }
            ),
            opts=child_opts(
                self,
                depends_on=[self._scripts_map, self._backup_sa, *ready],
                custom_timeouts=pulumi.CustomTimeouts(create="360m", update="360m"),
            ),
        )

    def _backup_pod(
        self,
        init: list[Manifest],
        main: Manifest,
        service_account: str = BACKUP_SA,
        work_size: str = BACKUP_WORK_SIZE,
    ) -> Manifest:
        spec: Manifest = {
            "serviceAccountName": service_account,
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
            "volumes": self._backup_volumes(work_size),
        }
        if self._args.node_selector:
            spec["nodeSelector"] = dict(self._args.node_selector)
        if self._args.tolerations:
            spec["tolerations"] = [dict(t) for t in self._args.tolerations]
        return spec

    def _backup_volumes(self, work_size: str = BACKUP_WORK_SIZE) -> list[Manifest]:
        return [
            {"name": "scripts", "configMap": {"name": BACKUP_SCRIPTS_MAP}},
            {"name": "work", "emptyDir": {"sizeLimit": work_size}},
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
            "RPO_HOURS": {"name": "RPO_HOURS", "value": str(args.rpo_hours)},
            "BACKUP_BUCKET": {"name": "BACKUP_BUCKET", "value": args.backup_bucket_name},
            "BACKUP_KMS_KEY_ID": {"name": "BACKUP_KMS_KEY_ID", "value": args.backup_kms_key_arn},
            "AWS_REGION": {"name": "AWS_REGION", "value": args.aws_region},
        }
        # optional overrides (AWS_ENDPOINT_URL, RETENTION_CLASS) stay unset in the cluster
        return [available[key] for key in scripts.SCRIPT_ENV[script] if key in available]

    def _pre_upgrade_steps(self) -> list[Manifest]:
        """The Job's first steps: decide once (db-state.sh), then for an upgrade stop web and
        cron and back up the database before `-u` touches it, the upload sidecar streaming what
        the dump writes (the dump fails if the upload does). A new database is not backed up
        (it would become the newest backup and fail the restore checks)."""
        dump = f"{scripts.SCRIPTS_MOUNT_PATH}/backup-dump.sh"
        state = f"$WORK_DIR/{scripts.DB_STATE_FILE}"
        stop = self._scale_container(
            "stop",
            f"{self.web_deployment_name}=0 {self.cron_deployment_name}=0",
            WHEN_STATE="upgrade",
            DRAIN_SECONDS=str(max(WEB_GRACE_SECONDS, CRON_GRACE_SECONDS)),
        )
        return [
            self._script_container("db-state", "db-state.sh", self._args.postgres_image),
            stop,
            self._upload_sidecar(),
            self._script_container(
                "dump",
                "backup-dump.sh",
                self._args.postgres_image,
                f'if [ "$(cat "{state}")" = upgrade ]; then exec sh {dump}; fi; '
                # tells the waiting upload sidecar that nothing comes (backup-upload.sh)
                'mkdir -p "$WORK_DIR/backup"; '
                f"echo 'new database: no backup' | tee \"$WORK_DIR/backup/{NO_BACKUP_MARKER}\"",
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


# The only steps that reach S3 (the others get no web identity token).
AWS_STEPS = ("upload", "fetch")
CRON_WORKERS_ALIVE = "grep -qs '^PPid:[[:space:]]*1$' /proc/[0-9]*/status"


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


def backup_policy(bucket_arn: str, kms_key_arn: str, slug: str) -> str:
    """The backup writer: put (multipart included, no read, list or delete) under the tenant's
    three prefixes, and the backup key to encrypt (multipart SSE-KMS uploads also decrypt)."""
    return _policy(
        {
            "Sid": "WriteOwnPrefixes",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": [f"{bucket_arn}/{p}*" for p in tenant_key_prefixes(slug)],
        },
        {
            "Sid": "UseBackupKey",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            "Resource": kms_key_arn,
        },
    )


def restore_check_policy(bucket_arn: str, kms_key_arn: str, slug: str) -> str:
    """The restore check: list and read (no write) the tenant's three prefixes, and decrypt."""
    prefixes = tenant_key_prefixes(slug)
    return _policy(
        {
            "Sid": "ListOwnPrefixes",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}},
        },
        {
            "Sid": "ReadOwnPrefixes",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [f"{bucket_arn}/{p}*" for p in prefixes],
        },
        {
            "Sid": "UseBackupKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey"],
            "Resource": kms_key_arn,
        },
    )


def _policy(*statements: Manifest) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _irsa_skip(pod: Manifest) -> dict[str, str]:
    """Only the steps that talk to S3 get the web identity token of the pod's role."""
    names = [c["name"] for c in [*pod.get("initContainers", []), *pod["containers"]]]
    return {IRSA_SKIP_ANNOTATION: ",".join(n for n in names if n not in AWS_STEPS)}


def _is_iso_date(value: str | None) -> bool:
    try:
        dt.date.fromisoformat(value or "")
    except ValueError:
        return False
    return True


def _kube_api_volume() -> Manifest:
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
