"""The typed stack configuration: one model tree under the stack key `odoo-platform:platform`.

Every model forbids unknown keys, so a typo in a stack file is an error rather than a silently
ignored setting. Fields left unset (`None`) take the environment's default (see `defaults.py`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from odoo_platform.config.catalog import (
    ANY_EC2_INSTANCE_TYPE,
    BASE_TAG_KEYS,
    CACHE_NODE_TYPES,
    LOG_RETENTION_DAYS,
    RDS_CLASS_MEMORY_GIB,
    REGION_RESIDENCY,
    RESERVED_TENANT_SLUGS,
    RESIDENCY_ZONES,
    TAG_BACKUP_PLAN,
    TAG_TENANT,
    TAG_TIER,
    DataClassification,
    Environment,
    LifecycleState,
    OdooVersion,
    SizeName,
    Tier,
)

# Patterns spell digits [0-9] and word characters [A-Za-z0-9_]: `\d` and `\w` also match other
# scripts' digits and letters, which AWS, Kubernetes and int() refuse.
SLUG_PATTERN = r"^[a-z][a-z0-9-]{0,19}[a-z0-9]$"
HOSTNAME_PATTERN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
RDS_IDENTIFIER_PATTERN = r"^[a-z][a-z0-9-]{0,61}[a-z0-9]$"
ROLE_ARN_PATTERN = r"^arn:aws:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@/_-]+$"
K8S_VERSION_PATTERN = r"^1\.(2[89]|3[0-9])$"
# What the common patterns mean, for error messages (the pattern itself is shown too).
PATTERN_MEANINGS = {
    SLUG_PATTERN: "2 to 21 of a-z, 0-9 and '-', starting with a letter and not ending with '-'",
    HOSTNAME_PATTERN: "a lower-case DNS name such as erp.example.com",
    ROLE_ARN_PATTERN: "an IAM role ARN such as arn:aws:iam::111122223333:role/name",
    K8S_VERSION_PATTERN: 'a Kubernetes minor version from 1.28 to 1.39, quoted: "1.33"',
}
IMAGE_TAG = re.compile(
    r"^[A-Za-z0-9_.-]+(?::[0-9]+)?(/[A-Za-z0-9_.-]+)*:(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$"
)
IMAGE_DIGEST = re.compile(r"^[A-Za-z0-9_.-]+(?::[0-9]+)?(/[A-Za-z0-9_.-]+)*@sha256:[a-f0-9]{64}$")
HHMM = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)"
BACKUP_WINDOW = re.compile(f"{HHMM}-{HHMM}")
MAINTENANCE_WINDOW = re.compile(f"{DAY}:{HHMM}-{DAY}:{HHMM}")
VPC_PREFIXES = (16, 28)  # what AWS allows for a VPC's primary CIDR
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
# AWS tags: keys of 1-128 and values of up to 256 letters, digits, spaces and `_.:/=+-@`; the
# `aws:` prefix is reserved; at most 50 per resource, of which the platform sets up to 8.
TAG_SYMBOLS = frozenset("_.:/=+-@ ")
MAX_EXTRA_TAGS = 40
PLATFORM_TAG_KEYS = (*BASE_TAG_KEYS, TAG_TIER, TAG_TENANT, TAG_BACKUP_PLAN, "Role")


def _check_region(value: str) -> str:
    if value not in REGION_RESIDENCY:
        raise ValueError(f"must be one of {', '.join(sorted(REGION_RESIDENCY))}")
    return value


def _check_zone(value: str) -> str:
    if value not in RESIDENCY_ZONES:
        raise ValueError(f"must be one of {', '.join(RESIDENCY_ZONES)}")
    return value


def _check_vpc(value: object) -> str:
    """A VPC range: a network address in a private range, /16 to /28 (parsed again after)."""
    try:
        network = ipaddress.IPv4Network(
            str(value) if isinstance(value, str | ipaddress.IPv4Network) else ""
        )
    except ValueError as error:
        raise ValueError(f"must be a network such as 10.40.0.0/16 ({error})") from None
    low, high = VPC_PREFIXES
    if not low <= network.prefixlen <= high:
        raise ValueError(f"must be /{low} to /{high} (AWS limits for a VPC)")
    if not any(network.subnet_of(ipaddress.IPv4Network(r)) for r in PRIVATE_RANGES):
        raise ValueError(f"must be inside a private range: {', '.join(PRIVATE_RANGES)}")
    return str(network)


def _tag_text(value: str) -> str:
    if any(not (c.isalnum() or c in TAG_SYMBOLS) for c in value):
        raise ValueError("AWS tags allow letters, digits, spaces and _ . : / = + - @ only")
    return value


def _check_tags(tags: dict[str, str]) -> dict[str, str]:
    if len(tags) > MAX_EXTRA_TAGS:
        raise ValueError(f"at most {MAX_EXTRA_TAGS} tags (AWS allows 50; the platform sets 8)")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or len(value) > 256:
            raise ValueError(f"tag '{key}': keys have 1 to 128 characters, values up to 256")
        if key.lower().startswith("aws:"):
            raise ValueError(f"tag '{key}': the aws: prefix is reserved by AWS")
        if key in PLATFORM_TAG_KEYS:
            raise ValueError(
                f"tag '{key}' is set by the platform (from owner, cost_centre, environment...)"
            )
        _tag_text(key)
        _tag_text(value)
    return tags


def _printable(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must not contain control characters such as tabs or line breaks")
    return value


def _window(pattern: re.Pattern[str], example: str) -> AfterValidator:
    def check(value: str) -> str:
        if pattern.fullmatch(value) is None:
            raise ValueError(f"must be like {example}, in UTC with hours 00-23, minutes 00-59")
        return value

    return AfterValidator(check)


def _log_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(f"must be one of {', '.join(map(str, LOG_RETENTION_DAYS))} (CloudWatch)")
    return value


def _known_ec2_type(value: str) -> str:
    if value not in ANY_EC2_INSTANCE_TYPE:
        raise ValueError("is not an EC2 instance type (see odoo_platform/data/instance_types.json)")
    return value


Region = Annotated[
    str,
    AfterValidator(_check_region),
    Field(
        description="a supported AWS region (see Regions and residency zones)",
        json_schema_extra={"enum": sorted(REGION_RESIDENCY)},
    ),
]
ResidencyZone = Annotated[
    str,
    AfterValidator(_check_zone),
    Field(
        description="data-residency zone: the zone of the stack's region",
        json_schema_extra={"enum": list(RESIDENCY_ZONES)},
    ),
]
VpcCidr = Annotated[ipaddress.IPv4Network, BeforeValidator(_check_vpc)]
Text = Annotated[str, AfterValidator(_printable)]
TagText = Annotated[str, AfterValidator(_printable), AfterValidator(_tag_text)]
Ec2InstanceType = Annotated[str, AfterValidator(_known_ec2_type)]
# An int checked against the list (a Literal of ints would take `true` for 1)
LogRetention = Annotated[
    int,
    AfterValidator(_log_retention),
    Field(json_schema_extra={"enum": list(LOG_RETENTION_DAYS)}),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubnetPrefixes(Strict):
    """Prefix length of one subnet of each kind, per availability zone."""

    public: int = Field(24, ge=16, le=28)
    private: int = Field(20, ge=16, le=28)
    database: int = Field(24, ge=16, le=28)


class LandingZoneConfig(Strict):
    vpc_cidr: VpcCidr = Field(
        ipaddress.IPv4Network("10.0.0.0/16"), description="a private range, /16 to /28"
    )
    availability_zones: int = Field(3, ge=2, le=6)
    subnet_prefixes: SubnetPrefixes = SubnetPrefixes()
    nat_per_az: bool | None = Field(None, description="default: true in prod, false elsewhere")
    interface_endpoints: bool = Field(False, description="ECR, STS, Secrets Manager, Logs")
    flow_log_retention_days: LogRetention = Field(90, description="a CloudWatch Logs period")
    log_retention_days: LogRetention = Field(
        90,
        description="the CloudWatch log groups the services write: RDS postgresql and upgrade "
        "logs (slow statements carry tenant data), the EKS control plane",
    )


class NodeGroupConfig(Strict):
    """An EKS managed node group: on-demand nodes, scaled by the cluster autoscaler."""

    instance_types: list[Ec2InstanceType] = Field(
        default_factory=lambda: ["m7i.xlarge"],
        min_length=1,
        max_length=20,
        description="EC2 instance types the group may launch",
    )
    min_size: int = Field(2, ge=0, le=100, description="nodes the autoscaler keeps at least")
    max_size: int = Field(6, ge=1, le=100, description="nodes the autoscaler may add up to")
    desired_size: int | None = Field(
        None,
        ge=0,
        le=100,
        description="nodes at creation (default: min_size); later the autoscaler owns it",
    )
    disk_gib: int = Field(
        50, ge=20, le=1000, description="GiB of each node's encrypted gp3 root volume"
    )


class NodeGroupsConfig(Strict):
    system: NodeGroupConfig = NodeGroupConfig(instance_types=["m7i.large"], min_size=2, max_size=3)
    shared: NodeGroupConfig = NodeGroupConfig()


class EksClusterConfig(Strict):
    mode: Literal["eks"] = "eks"
    kubernetes_version: str = Field("1.33", pattern=K8S_VERSION_PATTERN)
    public_endpoint_cidrs: list[ipaddress.IPv4Network] = Field(
        default_factory=list, description="empty: the public endpoint is off"
    )
    admin_role_arns: list[Annotated[str, Field(pattern=ROLE_ARN_PATTERN)]] = Field(
        default_factory=list
    )
    node_groups: NodeGroupsConfig = NodeGroupsConfig()
    name: str | None = Field(
        None,
        pattern=r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$",
        description="the EKS cluster name; default `odoo-cluster-eks-<stack>`. Set it to the "
        "name of a cluster created before names were explicit, so it is kept",
    )


class ExistingClusterConfig(Strict):
    mode: Literal["existing"]
    kubernetes_version: str = Field("1.33", pattern=K8S_VERSION_PATTERN)
    kubeconfig_secret_key: str = Field(
        "kubeconfig",
        description="name of the secret stack config key (pulumi config set --secret) "
        "that holds the kubeconfig",
    )
    oidc_provider_arn: str = Field(
        pattern=r"^arn:aws:iam::[0-9]{12}:oidc-provider/.+$",
        description="the cluster's IAM OIDC provider: IRSA roles for backups and cert-manager",
    )
    oidc_issuer_url: str = Field(
        pattern=r"^https://\S+$", description="the cluster's OIDC issuer URL (https://...)"
    )


ClusterConfig = Annotated[EksClusterConfig | ExistingClusterConfig, Field(discriminator="mode")]


class TraefikConfig(Strict):
    replicas: int | None = Field(None, ge=1, le=10, description="default: 2 in prod, else 1")
    chart_version: str = Field("41.3.0", pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")


class CertManagerTls(Strict):
    mode: Literal["cert-manager"] = "cert-manager"
    acme_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    route53_zone_id: str = Field(pattern=r"^Z[A-Z0-9]{4,32}$")
    route53_zone_name: str = Field(pattern=HOSTNAME_PATTERN)
    acme_server: str = "https://acme-v02.api.letsencrypt.org/directory"
    chart_version: str = Field(
        "v1.19.1",
        pattern=r"^v[0-9]+\.[0-9]+\.[0-9]+$",
        description="pinned cert-manager Helm chart",
    )


class AcmTls(Strict):
    mode: Literal["acm"]
    certificate_arn: str = Field(
        pattern=r"^arn:aws:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9_-]+$"
    )
    route53_zone_id: str | None = Field(
        None, pattern=r"^Z[A-Z0-9]{4,32}$", description="zone for tenant DNS records; unset: none"
    )


TlsConfig = Annotated[CertManagerTls | AcmTls, Field(discriminator="mode")]


class AlertsConfig(Strict):
    emails: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")]] = Field(
        default_factory=list
    )
    sns_topic_arns: list[
        Annotated[
            str, Field(pattern=r"^arn:aws:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")
        ]
    ] = Field(default_factory=list)
    prometheus_rules: bool = Field(
        False,
        description="declare PrometheusRules per tenant (the cluster must run the Prometheus "
        "Operator, e.g. kube-prometheus-stack)",
    )


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"


class SmtpRelayConfig(Strict):
    """A relay of one's own: the firm's mail provider, or a relay inside the VPC."""

    mode: Literal["smtp"] = "smtp"
    host: str = Field(pattern=HOSTNAME_PATTERN, max_length=253)
    port: int = Field(587, ge=1, le=65535, description="a STARTTLS (or plain) port, never 465")
    tls: Literal["starttls", "none"] = Field(
        "starttls", description="none: only to a relay on private addresses, without password"
    )
    user: str | None = Field(None, min_length=1, max_length=256)
    password_secret_key: str | None = Field(
        None,
        pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$",
        description="name of the secret stack config key (pulumi config set --secret) that "
        "holds the SMTP password",
    )
    email_from: str | None = Field(
        None, pattern=EMAIL_PATTERN, description="sender when Odoo has no mail.default.from"
    )
    from_filter: str | None = Field(
        None, min_length=3, max_length=253, description="the domain or address the relay accepts"
    )
    egress_cidrs: list[ipaddress.IPv4Network] = Field(
        default_factory=lambda: [ipaddress.IPv4Network("0.0.0.0/0")],
        min_length=1,
        description="where the relay is: tenant pods reach its port there only",
    )

    @field_validator("port")
    @classmethod
    def _starttls_port(cls, value: int) -> int:
        if value == 465:
            raise ValueError(
                "465 is implicit TLS, which odoo.conf cannot express (its smtp_ssl means "
                "STARTTLS); use the relay's STARTTLS port, usually 587"
            )
        return value


class SesMailConfig(Strict):
    """Amazon SES in the stack's region: a domain identity with DKIM, SMTP credentials per
    tenant (docs/runbooks/mail.md)."""

    mode: Literal["ses"]
    domain: str | None = Field(
        None,
        pattern=HOSTNAME_PATTERN,
        description="the SES domain identity; tenants send from their host name under it; "
        "default: the cert-manager Route53 zone name",
    )
    route53_zone_id: str | None = Field(
        None, pattern=r"^Z[A-Z0-9]{4,32}$", description="zone of the DKIM records; default: TLS's"
    )
    port: Literal[587, 2587] = Field(587, description="STARTTLS port of the SES SMTP endpoint")
    production_access: bool = Field(
        False,
        description="record true once AWS has granted production access (the account leaves "
        "the SES sandbox); until then the plan warns",
    )


MailConfig = Annotated[SmtpRelayConfig | SesMailConfig, Field(discriminator="mode")]


class SharedServicesConfig(Strict):
    traefik: TraefikConfig = TraefikConfig()
    tls: TlsConfig
    alerts: AlertsConfig = AlertsConfig()
    mail: MailConfig | None = Field(
        None, description="outgoing mail of every tenant; SES is the prod default"
    )


class DatabaseConfig(Strict):
    instance_class: str = "db.m7g.large"
    engine_version: str = Field("16", pattern=r"^1[4-7](\.[0-9]+)?$")
    allocated_storage_gib: int = Field(100, ge=20, le=65536)
    max_allocated_storage_gib: int = Field(500, ge=20, le=65536)
    max_connections: int | None = Field(
        None, ge=50, le=5000, description="default: derived from the class memory as RDS does"
    )
    reserved_connections: int = Field(
        10,
        ge=3,
        le=100,
        description="kept free for administrators and RDS (tenants' backups: in their budget)",
    )
    multi_az: bool | None = Field(None, description="default: true in prod")
    deletion_protection: bool | None = Field(None, description="default: true in prod")
    backup_window: Annotated[str, _window(BACKUP_WINDOW, "02:00-03:00")] = Field(
        "02:00-03:00", description="daily, UTC: HH:MM-HH:MM"
    )
    maintenance_window: Annotated[str, _window(MAINTENANCE_WINDOW, "sun:04:00-sun:05:00")] = Field(
        "sun:04:00-sun:05:00", description="weekly, UTC: ddd:HH:MM-ddd:HH:MM"
    )
    identifier: str | None = Field(
        None,
        pattern=RDS_IDENTIFIER_PATTERN,
        description="the RDS instance identifier; default `<server>-db-<stack>`. Set it to the "
        "identifier of an instance created before identifiers were explicit, so it is kept",
    )
    replica_identifier: str | None = Field(
        None,
        pattern=RDS_IDENTIFIER_PATTERN,
        description="the reporting replica's identifier; default `<server>-replica-<stack>`",
    )

    @field_validator("instance_class")
    @classmethod
    def _known_class(cls, value: str) -> str:
        if value not in RDS_CLASS_MEMORY_GIB:
            raise ValueError(f"must be one of {', '.join(RDS_CLASS_MEMORY_GIB)}")
        return value


class RedisConfig(Strict):
    engine: Literal["redis", "valkey"] = "valkey"
    engine_version: str = Field("8.0", pattern=r"^[0-9]+\.[0-9]+$")
    node_type: str = "cache.t4g.medium"
    replicas: int | None = Field(None, ge=0, le=5, description="default: 1 in prod, else 0")
    maxmemory_policy: Literal["allkeys-lru", "volatile-lru", "noeviction"] = "volatile-lru"

    @field_validator("node_type")
    @classmethod
    def _known_node_type(cls, value: str) -> str:
        if value not in CACHE_NODE_TYPES:
            raise ValueError(f"must be one of {', '.join(CACHE_NODE_TYPES)}")
        return value


class FileSystemConfig(Strict):
    throughput_mode: Literal["elastic", "bursting"] = "elastic"
    performance_mode: Literal["generalPurpose"] = "generalPurpose"


class MultiTenantTierConfig(Strict):
    database: DatabaseConfig = DatabaseConfig()
    redis: RedisConfig = RedisConfig()
    file_system: FileSystemConfig = FileSystemConfig()


class DedicatedOverrides(Strict):
    """Per-tenant overrides of the dedicated tier defaults; unset keys inherit."""

    database: DatabaseConfig | None = None
    reporting_replica: bool | None = None
    redis: RedisConfig | None = None
    node_group: NodeGroupConfig | None = None
    aws_account_role_arn: str | None = Field(None, pattern=ROLE_ARN_PATTERN)
    account_vpc_cidr: VpcCidr | None = Field(
        None,
        description=(
            "VPC of the tenant's own account (peered with the stack's VPC); required with "
            "aws_account_role_arn, /20 or larger, overlapping no other VPC of the stack"
        ),
    )


class DedicatedTierConfig(Strict):
    database: DatabaseConfig = DatabaseConfig()
    reporting_replica: bool = False
    redis: RedisConfig = RedisConfig(node_type="cache.t4g.small")
    node_group: NodeGroupConfig = NodeGroupConfig(min_size=1, max_size=3)


class BackupPolicy(Strict):
    rpo_hours: int = Field(24, ge=1, le=24)
    daily_retention_days: int = Field(14, ge=1, le=35)
    weekly_retention_weeks: int = Field(8, ge=0, le=52)
    monthly_retention_months: int = Field(12, ge=0, le=120)
    immutability: Literal["none", "governance", "compliance"] | None = Field(
        None, description="S3 Object Lock mode; default: compliance in prod, none elsewhere"
    )
    immutability_days: int = Field(14, ge=1, le=3650)
    automated_backup_retention_days: int | None = Field(
        None, description="RDS automated backups (1 to 35); default: 14 in prod, 7 elsewhere"
    )


class DisasterRecoveryConfig(Strict):
    mode: Literal["backup-restore", "pilot-light", "warm-standby"] = "backup-restore"
    dr_region: Region
    transfer_basis: Text | None = Field(
        None,
        min_length=10,
        max_length=300,
        description="recorded legal basis for DR copies outside the stack's residency zone "
        "(a zone with a single region, such as 'uk', has no DR region inside it); "
        "unset: the DR region must be in the zone",
    )


class FreezeWindow(Strict):
    """A period with no prod updates: monthly (around close) or between two dates."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    last_days_of_month: int = Field(0, ge=0, le=10)
    first_days_of_month: int = Field(0, ge=0, le=10)
    start: dt.date | None = None
    end: dt.date | None = None


class FreezeOverride(Strict):
    """An approved change through one freeze window, until it expires (see freeze-override.md)."""

    change_ref: Text = Field(min_length=3, max_length=64)
    reason: Text = Field(min_length=10, max_length=500)
    window: Text = Field(description="the freeze window it covers (a freeze_windows name)")
    expires: dt.date = Field(description="its last day (UTC); an expired override is refused")


class GovernanceConfig(Strict):
    freeze_windows: list[FreezeWindow] = Field(default_factory=list)
    freeze_override: FreezeOverride | None = None
    required_tag_keys: list[TagText] = Field(default_factory=list)


class Offboarding(Strict):
    requested_on: dt.date
    purge_after: dt.date | None = Field(
        None, description="stateful resources are deleted only when this date is set and past"
    )


class Migration(Strict):
    """A major-version migration done outside the platform (docs/runbooks/odoo-tenant.md): the
    database was migrated (Odoo's upgrade service or OpenUpgrade) and restored before the tenant's
    `odoo_version` and `image` changed."""

    from_version: OdooVersion = Field(description="the series the tenant ran before")
    migrated_on: dt.date = Field(description="the day the migrated database was restored")
    change_ref: str = Field(min_length=3, max_length=64, description="change or ticket reference")
    filestore_version: OdooVersion | None = Field(
        None,
        description="the series whose image user owns the filestore (uid 101 up to 17.0, 100 "
        "from 18.0); default from_version; keep the first value across later migrations",
    )


class TenantConfig(Strict):
    slug: str = Field(pattern=SLUG_PATTERN, description="immutable identity of the tenant")
    display_name: Text = Field(min_length=1, max_length=80)
    tier: Tier
    size: SizeName = "s"
    odoo_version: OdooVersion = "18.0"
    image: str = Field(description="pinned image: name:tag or name@sha256:digest, never latest")
    hostnames: list[Annotated[str, Field(pattern=HOSTNAME_PATTERN, max_length=253)]] = Field(
        min_length=1
    )
    addons: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]] = Field(default_factory=list)
    admin_login: str | None = Field(
        None,
        pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$",
        max_length=254,
        description="login (an e-mail address) of Odoo's first user, given a generated password "
        "on first install only (stack output tenant_admin_logins); unset: 'admin'",
    )
    data_classification: DataClassification = "confidential"
    regulated: bool = False
    residency: ResidencyZone
    state: LifecycleState = "active"
    offboarding: Offboarding | None = None
    sessions_in_redis: bool = False
    migration: Migration | None = Field(
        None,
        description="required to change odoo_version in place: records the migration from the "
        "series the last deployment ran",
    )
    db_maxconn: int | None = Field(None, ge=2, le=64, description="default: the size profile's")
    dedicated: DedicatedOverrides | None = None
    mail: SmtpRelayConfig | None = Field(
        None, description="the tenant's own relay instead of shared_services.mail"
    )

    @field_validator("slug")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_TENANT_SLUGS:
            raise ValueError(f"'{value}' is reserved (Redis session keys start with it)")
        return value

    @field_validator("image")
    @classmethod
    def _pinned(cls, value: str) -> str:
        digest = IMAGE_DIGEST.match(value)
        tagged = IMAGE_TAG.match(value)
        if not digest and (not tagged or tagged.group("tag") == "latest"):
            raise ValueError("must be pinned as name:tag or name@sha256:<digest>, never latest")
        return value


class PlatformConfig(Strict):
    """Everything one regional stack declares."""

    organisation: Text = Field(min_length=1, max_length=64)
    owner: TagText = Field(min_length=1, max_length=128, description="an AWS tag value")
    cost_centre: TagText = Field(min_length=1, max_length=64, description="an AWS tag value")
    environment: Environment
    region: Region
    residency: ResidencyZone
    tags: Annotated[dict[str, str], AfterValidator(_check_tags)] = Field(
        default_factory=dict, description="extra AWS tags on every resource"
    )
    landing_zone: LandingZoneConfig = LandingZoneConfig()
    cluster: ClusterConfig = EksClusterConfig()
    shared_services: SharedServicesConfig
    multi_tenant: MultiTenantTierConfig = MultiTenantTierConfig()
    dedicated_defaults: DedicatedTierConfig = DedicatedTierConfig()
    backup: BackupPolicy = BackupPolicy()
    disaster_recovery: DisasterRecoveryConfig | None = None
    governance: GovernanceConfig = GovernanceConfig()
    tenants: list[TenantConfig] = Field(default_factory=list)
