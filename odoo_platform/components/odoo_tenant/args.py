"""`OdooTenantArgs`: one tenant's Odoo settings, checked when they are made.

Plain values come from the platform layer (`odoo_platform.platform.assembly.tenant` builds them
from the stack configuration); ids, ARNs and names come from other components.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Literal

import pulumi

from odoo_platform.components._shared.base import Between, Port, Slug, TierLabel, check_args
from odoo_platform.config.calendar import JobWindow
from odoo_platform.config.catalog import OdooVersion, SizeProfile
from odoo_platform.config.scaling import TenantScaling
from odoo_platform.config.validation import SESSIONS_IN_REDIS_REFUSED
from odoo_platform.odoo import conf as odoo_conf
from odoo_platform.odoo import mail


@dataclass(frozen=True)
class DnsFailover:
    """Route53 failover routing: the primary site answers while its health check passes."""

    role: Literal["PRIMARY", "SECONDARY"]
    """PRIMARY: the serving site (with a health check); SECONDARY: the warm standby."""
    set_identifier: str
    """Tells the two records of a name apart; stable per site (its region), so a change of
    `role` updates the record in place."""
    health_check_id: pulumi.Input[str] | None = None
    """The health check of the PRIMARY site's ingress; None on the SECONDARY."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class TenantDns:
    """Where the tenant's host names are published: a CNAME each in a Route53 zone."""

    zone_id: pulumi.Input[str]
    """The Route53 hosted zone that holds the host names (below its apex: no CNAME there)."""
    target: pulumi.Input[str]
    """What every record points to: the ingress load balancer's host name."""
    provider: pulumi.ProviderResource | None = None
    """The AWS provider of the zone's account; None inherits the tenant's (set it for a tenant
    whose AWS resources live in its own account)."""
    moved_from: Mapping[str, Sequence[pulumi.Alias]] = field(default_factory=dict)
    """Per host name, where its record was declared before (the platform's `TraefikIngress`
    until issue 15), so that `pulumi up` moves it instead of deleting and creating it."""
    failover: DnsFailover | None = None
    """Failover records between a primary and its warm standby; None: one simple record."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class DrReplica:
    """The DR-region copy of the tenant's backups: the replica bucket that the primary's
    `BackupBucket` replicates to (read-only here, the tenant's prefixes only)."""

    bucket_name: pulumi.Input[str]
    """The replica bucket's name."""
    bucket_arn: pulumi.Input[str]
    """Its ARN: the IAM policies name the tenant's prefixes in it."""
    kms_key_arn: pulumi.Input[str]
    """The DR-region key its objects are encrypted with (decrypt only)."""
    region: pulumi.Input[str]
    """The DR region (the AWS CLI of the fetch step talks to it)."""
    database_from: Literal["backup", "point-in-time"] = "backup"
    """Where the tenant's database comes from: the backup's dump, or (pilot light) its server,
    restored by RDS to a point in time: then only the filestore is restored (dr-restore.sh
    `DATABASE_FROM`)."""


@dataclass(frozen=True)
class DrDrillArgs:
    """A weekly DR drill: restore the newest verified DR-region copy into the scratch database,
    timed; the result goes to `drills/<tenant>/` in the backup bucket, the seconds to
    CloudWatch (`OdooPlatform/DR` `RestoreSeconds`, alarmed by `Observability`)."""

    replica: DrReplica
    """Where the drill restores from."""
    stack: str
    """The stack's name: the metric's `Stack` dimension."""
    weekday: Annotated[int, Between(0, 6)] = 6
    """Day of the week (cron: 0 Sunday .. 6 Saturday); the hour and minute are staggered by the
    slug, away from the backup and the restore check (which share the scratch database)."""
    rto_target_minutes: Annotated[int, Between(1, 10080)] | None = None
    """The tenant's recovery time objective: a slower drill is reported `met: false`."""
    platform_provider: pulumi.ProviderResource | None = None
    """A tenant in its own AWS account: the platform account's provider. The drill then
    publishes its metric there (where its alarm is) through a role of that account that only
    the drill's role may assume, and that may only publish to `OdooPlatform/DR`."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class OdooTenantArgs:
    """One tenant's Odoo. Plain values from config; ids, ARNs and names from other components."""

    slug: Slug
    """The tenant's id: names its objects, labels, bucket prefixes and IAM roles."""
    namespace: pulumi.Input[str]
    """The tenant's namespace (made by `TenantNamespace`); every object goes there."""
    odoo_version: OdooVersion
    """The Odoo series the image runs; decides the image user and version-specific settings."""
    image: str
    """The Odoo image, pinned by tag or digest; a new one re-runs the init/upgrade Job."""
    profile: SizeProfile
    """The tenant's size: Odoo workers, replicas, requests and limits, memory caps."""
    hostnames: tuple[str, ...]
    """The host names the tenant is served on (at least one); the first is Odoo's site URL."""
    database_name: str
    """The tenant's database (`db_name`, `dbfilter = ^<db>$`)."""
    db_credentials_secret: pulumi.Input[str]
    """The Secret in the namespace with `host`, `port`, `user`, `password` (`TenantDatabase`)."""
    backup_bucket_name: pulumi.Input[str]
    """The bucket the backups go to, under the tenant's own prefixes."""
    backup_bucket_arn: pulumi.Input[str]
    """That bucket's ARN: the IRSA policies allow the tenant's prefixes in it only."""
    backup_kms_key_arn: pulumi.Input[str]
    """The key the backups are encrypted with (SSE-KMS)."""
    efs_file_system_id: pulumi.Input[str]
    """The file system holding the filestore; the tenant gets its own access point on it."""
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider, which the IRSA roles trust."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer URL (the IRSA trust conditions name it)."""
    database_cidrs: pulumi.Input[Sequence[str]]
    """The database subnets' CIDRs: the only place pods reach PostgreSQL and Redis (one or more;
    an Input, so a stack reading a platform stack's outputs passes them as is)."""
    vpc_cidr: pulumi.Input[str]
    """The VPC's CIDR: egress to NFS (EFS mount targets) opens to it only."""
    aws_region: pulumi.Input[str]
    """The region of the backup bucket, for the backup scripts' AWS CLI."""
    tier: TierLabel = "shared"
    """The tenancy tier, for tags: `shared` or `dedicated`."""
    addons: tuple[str, ...] = ()
    """Modules installed on first install and upgraded with `-u` when the list or image change."""
    filestore_version: OdooVersion | None = None
    """The series whose image user owns the filestore: the one before a recorded migration (the
    official image's uid changed from 101 to 100 in 18.0; the access point keeps its owner).
    None: `odoo_version`."""
    admin_login: str | None = None
    """Odoo's first user's login (base.user_admin), set on first install only; None keeps
    `admin`."""
    k8s_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels of every object (owner, cost centre, environment, tier, tenant)."""
    redis_host: pulumi.Input[str] | None = None
    """The Redis primary endpoint; with `redis_password`, a Secret holds the tenant's Redis URL.
    None: no Redis."""
    redis_port: Port = 6379
    """The Redis port; egress to the database CIDRs opens it beside PostgreSQL's."""
    redis_user: str | None = None
    """The tenant's Redis ACL user; None: the slug."""
    redis_password: pulumi.Input[str] | None = None
    """That user's password (kept secret)."""
    sessions_in_redis: bool = False
    """Refused when true: the official image cannot keep sessions in Redis (see
    config/validation.py, sessions); they stay on the shared filestore."""
    traefik_namespace: pulumi.Input[str] = "traefik"
    """Traefik's namespace: the only one whose pods may reach the web pods."""
    entry_point: pulumi.Input[str] = "websecure"
    """The Traefik entry point the IngressRoute attaches to."""
    cluster_issuer: pulumi.Input[str] | None = None
    """The cert-manager ClusterIssuer of the tenant's certificate; None: no Certificate and no
    TLS secret on the route (TLS ends at the load balancer, ACM)."""
    node_selector: Mapping[str, str] = field(default_factory=dict)
    """Where every pod runs (a dedicated tenant's node group); empty: the shared nodes."""
    tolerations: tuple[Mapping[str, str], ...] = ()
    """Tolerations of that node group's taint; empty for the shared nodes."""
    smtp: mail.SmtpSettings | None = None
    """The SMTP relay Odoo sends through; None: no outgoing mail server configured."""
    smtp_user: pulumi.Input[str] | None = None
    """The relay's login (SES: an access key id), kept in a Secret; with `smtp_password` or not
    at all."""
    smtp_password: pulumi.Input[str] | None = None
    """The relay's password (kept secret); only with `smtp`."""
    smtp_egress_cidrs: pulumi.Input[Sequence[str]] = ("0.0.0.0/0",)
    """Where the relay is: egress opens the relay's port to these CIDRs only."""
    rpo_hours: int = 24
    """The recovery point objective, 1 to 24 hours: the backup CronJob runs at least this often."""
    job_window: JobWindow | None = None
    """Local hours and days the backup, restore check and drill run in when the tenant's
    database sleeps outside working hours (`capacity.working_hours`); None: at night, UTC."""
    suspended: bool = False
    """Web and cron scaled to zero; data, backups and restore checks stay."""
    scaling: TenantScaling | None = None
    """The web and cron ScaledObjects' bounds and calendar windows (`config.scaling`); None: the
    profile's replica range on CPU only, one cron pod."""
    paused_replicas: int | None = None
    """Web held at this many replicas and cron stopped, autoscaling paused (KEDA's
    `autoscaling.keda.sh/paused-replicas`): a standby's workloads (0) until it takes over.
    None: not paused."""
    standby: bool = False
    """A warm-standby copy on a read replica: web and cron at zero with their ScaledObjects paused
    there, no init or resume Job (the database is read-only) and the backup and restore-check
    CronJobs suspended; false after failover."""
    offboarded: bool = False
    """Only the data and one final backup remain (needs `offboarding_requested_on`)."""
    offboarding_requested_on: str | None = None
    """The offboarding request date, YYYY-MM-DD: names the final backup Job."""
    protect: bool = False
    """Protects the filestore (access point, volume, claim) against deletion."""
    postgres_image: str = "postgres:17.6-alpine"
    """The image of the dump, restore-check and database-state steps (pg_dump, psql)."""
    aws_cli_image: str = "amazon/aws-cli:2.27.50"
    """The image of the upload and fetch steps (the only ones that reach S3)."""
    efs_mount_target_ip: pulumi.Input[str] | None = None
    """A mount target's address for a file system in a peered VPC (the tenant's own account),
    whose DNS name does not resolve from the cluster's VPC; None: the file system's DNS name."""
    dns: TenantDns | None = None
    """Where the host names get their DNS records; None: they are published elsewhere."""
    dr_restore_from: DrReplica | None = None
    """On a disaster-recovery site (backup-restore, pilot-light): the primary's DR-region copy
    that the init Job restores the tenant from before Odoo first starts; None: no restore."""
    dr_drill: DrDrillArgs | None = None
    """A weekly DR drill from the DR-region copy (on the primary); None: no drill."""

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
                (self.offboarded and self.standby, "offboarded and standby: choose one"),
                (
                    self.paused_replicas is not None
                    and not 0 <= self.paused_replicas <= self.profile.max_replicas,
                    f"paused_replicas: 0 to the profile's max_replicas "
                    f"{self.profile.max_replicas}, not {self.paused_replicas}",
                ),
                (
                    self.paused_replicas is not None and self.suspended,
                    "paused_replicas and suspended: choose one (suspended is paused at zero)",
                ),
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


def _is_iso_date(value: str | None) -> bool:
    try:
        dt.date.fromisoformat(value or "")
    except ValueError:
        return False
    return True


def _empty(values: pulumi.Input[Sequence[str]]) -> bool:
    """Plain and empty; an Output (another stack's) is checked where it was produced."""
    return isinstance(values, (list, tuple)) and not values
