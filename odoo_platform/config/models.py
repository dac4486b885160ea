"""The typed stack configuration: one model tree under the stack key `odoo-platform:platform`.

Every model forbids unknown keys, so a typo in a stack file is an error rather than a silently
ignored setting. Fields left unset (`None`) take the environment's default (see `defaults.py`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from odoo_platform.config.catalog import (
    CACHE_NODE_TYPES,
    RDS_CLASS_MEMORY_GIB,
    REGION_RESIDENCY,
    RESERVED_TENANT_SLUGS,
    RESIDENCY_ZONES,
    DataClassification,
    Environment,
    LifecycleState,
    OdooVersion,
    SizeName,
    Tier,
)

SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,20}$"
HOSTNAME_PATTERN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
ROLE_ARN_PATTERN = r"^arn:aws:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@/_-]+$"
K8S_VERSION_PATTERN = r"^1\.(2[89]|3[0-9])$"
IMAGE_TAG = re.compile(r"^[\w.-]+(?::\d+)?(/[\w.-]+)*:(?P<tag>[\w][\w.-]{0,127})$")
IMAGE_DIGEST = re.compile(r"^[\w.-]+(?::\d+)?(/[\w.-]+)*@sha256:[a-f0-9]{64}$")


def _check_region(value: str) -> str:
    if value not in REGION_RESIDENCY:
        raise ValueError(f"must be one of {', '.join(sorted(REGION_RESIDENCY))}")
    return value


def _check_zone(value: str) -> str:
    if value not in RESIDENCY_ZONES:
        raise ValueError(f"must be one of {', '.join(RESIDENCY_ZONES)}")
    return value


Region = Annotated[str, AfterValidator(_check_region), Field(description="a supported AWS region")]
ResidencyZone = Annotated[
    str, AfterValidator(_check_zone), Field(description="data-residency zone")
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubnetPrefixes(Strict):
    """Prefix length of one subnet of each kind, per availability zone."""

    public: int = Field(24, ge=16, le=28)
    private: int = Field(20, ge=16, le=28)
    database: int = Field(24, ge=16, le=28)


class LandingZoneConfig(Strict):
    vpc_cidr: ipaddress.IPv4Network = ipaddress.IPv4Network("10.0.0.0/16")
    availability_zones: int = Field(3, ge=2, le=6)
    subnet_prefixes: SubnetPrefixes = SubnetPrefixes()
    nat_per_az: bool | None = Field(None, description="default: true in prod, false elsewhere")
    interface_endpoints: bool = Field(False, description="ECR, STS, Secrets Manager, Logs")
    flow_log_retention_days: int = Field(90, ge=1, le=3653)


class NodeGroupConfig(Strict):
    instance_types: list[str] = Field(default_factory=lambda: ["m7i.xlarge"], min_length=1)
    min_size: int = Field(2, ge=0, le=100)
    max_size: int = Field(6, ge=1, le=100)
    desired_size: int | None = Field(None, ge=0, le=100)
    disk_gib: int = Field(50, ge=20, le=1000)


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


class ExistingClusterConfig(Strict):
    mode: Literal["existing"]
    kubernetes_version: str = Field("1.33", pattern=K8S_VERSION_PATTERN)
    kubeconfig_secret_key: str = Field(
        "kubeconfig",
        description="name of the secret stack config key (pulumi config set --secret) "
        "that holds the kubeconfig",
    )
    oidc_provider_arn: str = Field(
        pattern=r"^arn:aws:iam::\d{12}:oidc-provider/.+$",
        description="the cluster's IAM OIDC provider: IRSA roles for backups and cert-manager",
    )
    oidc_issuer_url: str = Field(
        pattern=r"^https://\S+$", description="the cluster's OIDC issuer URL (https://...)"
    )


ClusterConfig = Annotated[EksClusterConfig | ExistingClusterConfig, Field(discriminator="mode")]


class TraefikConfig(Strict):
    replicas: int | None = Field(None, ge=1, le=10, description="default: 2 in prod, else 1")
    chart_version: str = Field("41.3.0", pattern=r"^\d+\.\d+\.\d+$")


class CertManagerTls(Strict):
    mode: Literal["cert-manager"] = "cert-manager"
    acme_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    route53_zone_id: str = Field(pattern=r"^Z[A-Z0-9]{4,32}$")
    route53_zone_name: str = Field(pattern=HOSTNAME_PATTERN)
    acme_server: str = "https://acme-v02.api.letsencrypt.org/directory"
    chart_version: str = Field(
        "v1.19.1", pattern=r"^v\d+\.\d+\.\d+$", description="pinned cert-manager Helm chart"
    )


class AcmTls(Strict):
    mode: Literal["acm"]
    certificate_arn: str = Field(pattern=r"^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate/[\w-]+$")
    route53_zone_id: str | None = Field(
        None, pattern=r"^Z[A-Z0-9]{4,32}$", description="zone for tenant DNS records; unset: none"
    )


TlsConfig = Annotated[CertManagerTls | AcmTls, Field(discriminator="mode")]


class AlertsConfig(Strict):
    emails: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")]] = Field(
        default_factory=list
    )
    sns_topic_arns: list[Annotated[str, Field(pattern=r"^arn:aws:sns:[a-z0-9-]+:\d{12}:.+$")]] = (
        Field(default_factory=list)
    )
    prometheus_rules: bool = Field(
        False,
        description="declare PrometheusRules per tenant (the cluster must run the Prometheus "
        "Operator, e.g. kube-prometheus-stack)",
    )


class SharedServicesConfig(Strict):
    traefik: TraefikConfig = TraefikConfig()
    tls: TlsConfig
    alerts: AlertsConfig = AlertsConfig()


class DatabaseConfig(Strict):
    instance_class: str = "db.m7g.large"
    engine_version: str = Field("16", pattern=r"^1[4-7](\.\d+)?$")
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
    backup_window: str = Field("02:00-03:00", pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")
    maintenance_window: str = Field(
        "sun:04:00-sun:05:00", pattern=r"^[a-z]{3}:\d{2}:\d{2}-[a-z]{3}:\d{2}:\d{2}$"
    )

    @field_validator("instance_class")
    @classmethod
    def _known_class(cls, value: str) -> str:
        if value not in RDS_CLASS_MEMORY_GIB:
            raise ValueError(f"must be one of {', '.join(RDS_CLASS_MEMORY_GIB)}")
        return value


class RedisConfig(Strict):
    engine: Literal["redis", "valkey"] = "valkey"
    engine_version: str = Field("8.0", pattern=r"^\d+\.\d+$")
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
    account_vpc_cidr: ipaddress.IPv4Network | None = Field(
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
    transfer_basis: str | None = Field(
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

    change_ref: str = Field(min_length=3, max_length=64)
    reason: str = Field(min_length=10, max_length=500)
    window: str = Field(description="the freeze window it covers (a freeze_windows name)")
    expires: dt.date = Field(description="its last day (UTC); an expired override is refused")


class GovernanceConfig(Strict):
    freeze_windows: list[FreezeWindow] = Field(default_factory=list)
    freeze_override: FreezeOverride | None = None
    required_tag_keys: list[str] = Field(default_factory=list)


class Offboarding(Strict):
    requested_on: dt.date
    purge_after: dt.date | None = Field(
        None, description="stateful resources are deleted only when this date is set and past"
    )


class TenantConfig(Strict):
    slug: str = Field(pattern=SLUG_PATTERN, description="immutable identity of the tenant")
    display_name: str = Field(min_length=1, max_length=80)
    tier: Tier
    size: SizeName = "s"
    odoo_version: OdooVersion = "18.0"
    image: str = Field(description="pinned image: name:tag or name@sha256:digest, never latest")
    hostnames: list[Annotated[str, Field(pattern=HOSTNAME_PATTERN, max_length=253)]] = Field(
        min_length=1
    )
    addons: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]] = Field(default_factory=list)
    data_classification: DataClassification = "confidential"
    regulated: bool = False
    residency: ResidencyZone
    state: LifecycleState = "active"
    offboarding: Offboarding | None = None
    sessions_in_redis: bool = False
    db_maxconn: int | None = Field(None, ge=2, le=64, description="default: the size profile's")
    dedicated: DedicatedOverrides | None = None

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

    organisation: str = Field(min_length=1, max_length=64)
    owner: str = Field(min_length=1, max_length=128)
    cost_centre: str = Field(min_length=1, max_length=64)
    environment: Environment
    region: Region
    residency: ResidencyZone
    tags: dict[str, str] = Field(default_factory=dict)
    landing_zone: LandingZoneConfig = LandingZoneConfig()
    cluster: ClusterConfig = EksClusterConfig()
    shared_services: SharedServicesConfig
    multi_tenant: MultiTenantTierConfig = MultiTenantTierConfig()
    dedicated_defaults: DedicatedTierConfig = DedicatedTierConfig()
    backup: BackupPolicy = BackupPolicy()
    disaster_recovery: DisasterRecoveryConfig | None = None
    governance: GovernanceConfig = GovernanceConfig()
    tenants: list[TenantConfig] = Field(default_factory=list)
