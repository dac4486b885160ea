"""The typed stack configuration: one model tree under the stack key `odoo-platform:platform`.

Every model forbids unknown keys, so a typo in a stack file is an error rather than a silently
ignored setting. Fields left unset (`None`) take the environment's default (see `defaults.py`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from odoo_platform.config.calendar import CapacityConfig, EventAutoscaler
from odoo_platform.config.catalog import (
    RESERVED_TENANT_SLUGS,
    DataClassification,
    Environment,
    LifecycleState,
    OdooVersion,
    SizeName,
    Tier,
)
from odoo_platform.config.cost_controls import CostConfig
from odoo_platform.config.drills import DrillsConfig
from odoo_platform.config.fields import (
    HOSTNAME_PATTERN,
    IMAGE_DIGEST,
    IMAGE_TAG,
    K8S_VERSION_PATTERN,
    PATTERN_MEANINGS,
    ROLE_ARN_PATTERN,
    SLUG_PATTERN,
    LogRetention,
    Region,
    ResidencyZone,
    Strict,
    TagText,
    Text,
    VpcCidr,
    check_tags,
)
from odoo_platform.config.mail_settings import MailConfig, SmtpRelayConfig
from odoo_platform.config.node_autoscaling import KarpenterConfig, NodeAutoscaler
from odoo_platform.config.objectives import RecoveryDefaults, RecoveryObjectives
from odoo_platform.config.services import (
    BackupPolicy,
    DatabaseConfig,
    FileSystemConfig,
    NodeGroupConfig,
    RedisConfig,
)

# Re-exported: code that reads the stack file imports every model and pattern from here.
__all__ = [
    "HOSTNAME_PATTERN",
    "K8S_VERSION_PATTERN",
    "PATTERN_MEANINGS",
    "ROLE_ARN_PATTERN",
    "SLUG_PATTERN",
    "BackupPolicy",
    "DatabaseConfig",
    "FileSystemConfig",
    "NodeGroupConfig",
    "RedisConfig",
    "Strict",
]


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
    node_autoscaler: NodeAutoscaler = Field(
        "karpenter",
        description="karpenter: installed here, adding nodes above the managed groups' "
        "min_size; bring-your-own: none is installed (you run one)",
    )
    karpenter: KarpenterConfig = KarpenterConfig()
    event_autoscaler: EventAutoscaler = Field(
        "keda",
        description="keda: the platform installs KEDA (shared_services.keda); bring-your-own: "
        "the cluster already runs KEDA 2.15 or later (the tenants' ScaledObjects need it)",
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
    node_autoscaler: NodeAutoscaler = Field(
        "bring-your-own",
        description="bring-your-own: the cluster's own autoscaler adds nodes, nothing is "
        "installed; karpenter: installed here (needs `name`; tag its private subnets and node "
        "security group `karpenter.sh/discovery: <name>`)",
    )
    name: str | None = Field(
        None,
        pattern=r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$",
        description="the cluster's EKS name; required with node_autoscaler karpenter",
    )
    karpenter: KarpenterConfig = KarpenterConfig()
    shared_node_pool: NodeGroupConfig = Field(
        default_factory=NodeGroupConfig,
        description="with node_autoscaler karpenter: instance types, disk and max_size of the "
        "shared tier's NodePool (EKS stacks take them from node_groups.shared)",
    )
    event_autoscaler: EventAutoscaler = Field(
        "keda",
        description="keda: the platform installs KEDA (shared_services.keda); bring-your-own: "
        "the cluster already runs KEDA 2.15 or later (the tenants' ScaledObjects need it)",
    )


ClusterConfig = Annotated[EksClusterConfig | ExistingClusterConfig, Field(discriminator="mode")]


class TraefikConfig(Strict):
    replicas: int | None = Field(None, ge=1, le=10, description="default: 2 in prod, else 1")
    chart_version: str = Field("41.3.0", pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")


class KedaConfig(Strict):
    chart_version: str = Field(
        "2.20.2",
        pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$",
        description="pinned kedacore/keda Helm chart (its CRDs come with it)",
    )


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


class SharedServicesConfig(Strict):
    traefik: TraefikConfig = TraefikConfig()
    keda: KedaConfig = KedaConfig()
    tls: TlsConfig
    alerts: AlertsConfig = AlertsConfig()
    mail: MailConfig | None = Field(
        None, description="outgoing mail of every tenant; SES is the prod default"
    )


DEFAULT_POOL = "default"  # the name of `multi_tenant.database` as a pool (never a pool's key)
PoolName = Annotated[str, Field(pattern=SLUG_PATTERN)]


class CacheQuotas(Strict):
    """The account's ElastiCache quotas in the stack's region, as Service Quotas shows them.

    Defaults are AWS's published defaults (ElastiCache user guide, "Quotas for ElastiCache"); all
    three are adjustable, so a stack whose account had them raised records the new values here.
    """

    users_per_user_group: int = Field(
        100,
        ge=3,
        le=10000,
        description="ElastiCache 'Users per user group': a shared cache holds its tenants plus "
        "the disabled default user and the platform administrator",
    )
    users: int = Field(
        1000,
        ge=3,
        le=100000,
        description="ElastiCache users per Region in the platform account: every cache's "
        "tenants, default and admin users together",
    )
    user_groups: int = Field(
        100, ge=1, le=10000, description="ElastiCache user groups per Region (one per cache)"
    )


class MultiTenantTierConfig(Strict):
    database: DatabaseConfig = Field(
        DatabaseConfig(),
        description="the default pool: the shared server of every tenant without database_pool",
    )
    database_pools: dict[PoolName, DatabaseConfig] = Field(
        default_factory=dict,
        description="more shared servers, each with its own connection budget; a tenant picks "
        "one with database_pool (docs/capacity.md#database-pools)",
    )
    redis: RedisConfig = Field(
        RedisConfig(),
        description="the default cache pool: the shared cache of every tenant without cache_pool",
    )
    cache_pools: dict[PoolName, RedisConfig] = Field(
        default_factory=dict,
        description="more shared caches, each with its own ElastiCache user group; a tenant "
        "picks one with cache_pool (docs/capacity.md#cache-pools)",
    )
    cache_quotas: CacheQuotas = CacheQuotas()
    file_system: FileSystemConfig = FileSystemConfig()

    @field_validator("database_pools", "cache_pools")
    @classmethod
    def _not_default(cls, pools: dict[str, object]) -> dict[str, object]:
        if DEFAULT_POOL in pools:
            raise ValueError(
                f"'{DEFAULT_POOL}' names the default pool (multi_tenant.database or "
                "multi_tenant.redis) itself; choose another pool name"
            )
        return pools


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
    drills: DrillsConfig = DrillsConfig()


class DrSiteConfig(Strict):
    """This stack is the disaster-recovery site of another regional stack (docs/runbooks/dr.md).

    It runs in the primary's `disaster_recovery.dr_region` and reads the primary's outputs through
    `PlatformReference`. Failing over is the reviewed change `role: primary`.
    """

    primary_stack: str = Field(
        pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$",
        description="the primary's fully qualified stack name: organisation/project/stack",
    )
    primary_region: Region = Field(description="the primary stack's region")
    mode: Literal["backup-restore", "pilot-light", "warm-standby"] = Field(
        description="the primary's disaster_recovery.mode (checked against its outputs)"
    )
    role: Literal["standby", "primary"] = Field(
        "standby",
        description="standby: replicas and zero-replica workloads (warm standby) or nothing "
        "restored yet; primary: failed over, the site serves the tenants",
    )
    transfer_basis: Text | None = Field(
        None,
        min_length=10,
        max_length=300,
        description="recorded legal basis for a DR site outside the primary's residency zone; "
        "unset: the site's region must be in the primary's zone",
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


class PoolMigration(Strict):
    """A move of a shared tenant's database to another pool, done outside the platform
    (docs/runbooks/database-pools.md): dumped from the old pool's server and restored on the new
    one before the tenant's `database_pool` changed."""

    from_pool: PoolName = Field(
        description="the pool the last deployment placed the tenant on ('default': "
        "multi_tenant.database)"
    )
    migrated_on: dt.date = Field(description="the day the database was restored on the new pool")
    change_ref: str = Field(min_length=3, max_length=64, description="change or ticket reference")


class CachePoolMigration(Strict):
    """A move of a shared tenant's Redis user to another cache pool: what the old cache held
    for the tenant (its sessions, if it kept any there) is not copied, so its users log in
    again (docs/runbooks/database-pools.md#cache-pools)."""

    from_pool: PoolName = Field(
        description="the cache pool the last deployment placed the tenant on ('default': "
        "multi_tenant.redis)"
    )
    change_ref: str = Field(min_length=3, max_length=64, description="change or ticket reference")


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
    database_pool: PoolName | None = Field(
        None,
        description="shared tier: the multi_tenant.database_pools entry whose server hosts the "
        "tenant's database; unset: the default pool (multi_tenant.database), forever",
    )
    pool_migration: PoolMigration | None = Field(
        None,
        description="required to change database_pool: records the move from the pool the "
        "last deployment used",
    )
    cache_pool: PoolName | None = Field(
        None,
        description="shared tier: the multi_tenant.cache_pools entry whose cache holds the "
        "tenant's Redis user; unset: the default cache (multi_tenant.redis), forever",
    )
    cache_pool_migration: CachePoolMigration | None = Field(
        None,
        description="required to change cache_pool: records the move from the cache pool the "
        "last deployment used",
    )
    dedicated: DedicatedOverrides | None = None
    always_on: bool = Field(
        False,
        description="opt out of capacity.working_hours: the tenant runs nights and weekends "
        "(its database server too, when it has its own)",
    )
    mail: SmtpRelayConfig | None = Field(
        None, description="the tenant's own relay instead of shared_services.mail"
    )
    recovery: RecoveryObjectives = Field(
        RecoveryObjectives(),
        description="the tenant's recovery objectives; unset keys: recovery_defaults "
        "(docs/disaster-recovery.md)",
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
    tags: Annotated[dict[str, str], AfterValidator(check_tags)] = Field(
        default_factory=dict, description="extra AWS tags on every resource"
    )
    landing_zone: LandingZoneConfig = LandingZoneConfig()
    cluster: ClusterConfig = EksClusterConfig()
    shared_services: SharedServicesConfig
    multi_tenant: MultiTenantTierConfig = MultiTenantTierConfig()
    dedicated_defaults: DedicatedTierConfig = DedicatedTierConfig()
    backup: BackupPolicy = BackupPolicy()
    disaster_recovery: DisasterRecoveryConfig | None = None
    dr_site: DrSiteConfig | None = Field(
        None, description="set on a disaster-recovery stack: the primary it recovers"
    )
    recovery_defaults: RecoveryDefaults = Field(
        RecoveryDefaults(),
        description="recovery objectives of every tenant, by stack and tier "
        "(docs/disaster-recovery.md)",
    )
    capacity: CapacityConfig = CapacityConfig()
    cost: CostConfig = CostConfig()
    governance: GovernanceConfig = GovernanceConfig()
    tenants: list[TenantConfig] = Field(default_factory=list)
