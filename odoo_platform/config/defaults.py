"""Environment defaults, and the effective value of every setting a stack may leave unset.

The platform's assembly (`odoo_platform/platform/assembly/`) asks these functions and passes the
values in each component's args, so the environment rules live here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from odoo_platform.config.catalog import SIZE_PROFILES, SizeProfile
from odoo_platform.config.models import (
    DEFAULT_POOL,
    DatabaseConfig,
    DedicatedTierConfig,
    PlatformConfig,
    RedisConfig,
    TenantConfig,
)
from odoo_platform.config.services import NodeGroupConfig


@dataclass(frozen=True)
class EnvironmentDefaults:
    nat_per_az: bool
    multi_az: bool
    deletion_protection: bool
    protect_stateful: bool
    immutability: str
    automated_backup_retention_days: int
    min_automated_backup_retention_days: int
    traefik_replicas: int
    redis_replicas: int
    scheduled_shutdown: bool
    # Pages on-call (tight alarms, critical Prometheus alerts); elsewhere alerts are advisory.
    paging_alerts: bool
    # Traefik replicas must run in different zones (a zone outage keeps the entry point up).
    ingress_zone_spread: bool
    cert_manager_replicas: int
    # Caches: Multi-AZ failover, snapshot days and a final snapshot before deletion.
    cache_multi_az: bool
    cache_snapshot_retention_days: int
    cache_final_snapshot: bool
    # Modifications apply at once rather than in the next maintenance window.
    apply_immediately: bool


ENVIRONMENT_DEFAULTS: dict[str, EnvironmentDefaults] = {
    "prod": EnvironmentDefaults(
        nat_per_az=True,
        multi_az=True,
        deletion_protection=True,
        protect_stateful=True,
        immutability="compliance",
        automated_backup_retention_days=14,
        min_automated_backup_retention_days=7,
        traefik_replicas=2,
        redis_replicas=1,
        scheduled_shutdown=False,
        paging_alerts=True,
        ingress_zone_spread=True,
        cert_manager_replicas=2,
        cache_multi_az=True,
        cache_snapshot_retention_days=7,
        cache_final_snapshot=True,
        apply_immediately=False,
    ),
    "staging": EnvironmentDefaults(
        nat_per_az=False,
        multi_az=False,
        deletion_protection=True,
        protect_stateful=False,
        immutability="none",
        automated_backup_retention_days=7,
        min_automated_backup_retention_days=1,
        traefik_replicas=1,
        redis_replicas=0,
        scheduled_shutdown=True,
        paging_alerts=False,
        ingress_zone_spread=False,
        cert_manager_replicas=1,
        cache_multi_az=False,
        cache_snapshot_retention_days=1,
        cache_final_snapshot=False,
        apply_immediately=True,
    ),
    "dev": EnvironmentDefaults(
        nat_per_az=False,
        multi_az=False,
        deletion_protection=False,
        protect_stateful=False,
        immutability="none",
        automated_backup_retention_days=3,
        min_automated_backup_retention_days=1,
        traefik_replicas=1,
        redis_replicas=0,
        scheduled_shutdown=True,
        paging_alerts=False,
        ingress_zone_spread=False,
        cert_manager_replicas=1,
        cache_multi_az=False,
        cache_snapshot_retention_days=1,
        cache_final_snapshot=False,
        apply_immediately=True,
    ),
}


def env_defaults(config: PlatformConfig) -> EnvironmentDefaults:
    return ENVIRONMENT_DEFAULTS[config.environment]


def _or(value: bool | int | str | None, default: bool | int | str) -> bool | int | str:
    return default if value is None else value


def nat_per_az(config: PlatformConfig) -> bool:
    return bool(_or(config.landing_zone.nat_per_az, env_defaults(config).nat_per_az))


def multi_az(config: PlatformConfig, database: DatabaseConfig) -> bool:
    return bool(_or(database.multi_az, env_defaults(config).multi_az))


def deletion_protection(config: PlatformConfig, database: DatabaseConfig) -> bool:
    return bool(_or(database.deletion_protection, env_defaults(config).deletion_protection))


def protect_stateful(config: PlatformConfig) -> bool:
    """Whether stateful resources carry Pulumi's `protect` option."""
    return protects_stateful(config.environment)


def protects_stateful(environment: str) -> bool:
    """The same, for a stack that knows only its environment (a tenant stack)."""
    return ENVIRONMENT_DEFAULTS[environment].protect_stateful


def immutability(config: PlatformConfig) -> str:
    return str(_or(config.backup.immutability, env_defaults(config).immutability))


def automated_backup_retention_days(config: PlatformConfig) -> int:
    value = config.backup.automated_backup_retention_days
    return int(_or(value, env_defaults(config).automated_backup_retention_days))


def apply_immediately(config: PlatformConfig) -> bool:
    """Whether database changes apply at once; production waits for the maintenance window."""
    return config.environment != "prod"


def traefik_replicas(config: PlatformConfig) -> int:
    if warm_standby(config):
        return 1  # nothing to serve until failover
    replicas = config.shared_services.traefik.replicas
    return int(_or(replicas, env_defaults(config).traefik_replicas))


@dataclass(frozen=True)
class StandbySize:
    """What a warm standby's caches run at while it stands by (`dr_site.role: standby`).

    Its Odoo is at zero, so nothing uses them; failing over (`role: primary`) restores the
    configured node type and replicas. Both are in-place ElastiCache modifications (online
    vertical scaling, replicas added or removed), never a replacement. The caches hold Odoo's
    sessions only (`session:<slug>:*`): at failover users log in again, nothing else is lost."""

    cache_node_type: str
    cache_replicas: int


STANDBY_SIZE = StandbySize(cache_node_type="cache.t4g.small", cache_replicas=0)


def standby_redis(config: PlatformConfig, redis: RedisConfig) -> RedisConfig:
    """The cache's settings with a standby's node type while it stands by."""
    if not warm_standby(config):
        return redis
    return redis.model_copy(update={"node_type": STANDBY_SIZE.cache_node_type})


def redis_replicas(config: PlatformConfig, redis: RedisConfig) -> int:
    if warm_standby(config):
        return STANDBY_SIZE.cache_replicas
    return int(_or(redis.replicas, env_defaults(config).redis_replicas))


def cache_multi_az(config: PlatformConfig) -> bool:
    """Multi-AZ caches where the environment asks for them, but not on a standby (one node)."""
    return env_defaults(config).cache_multi_az and not warm_standby(config)


def dedicated_settings(config: PlatformConfig, tenant: TenantConfig) -> DedicatedTierConfig:
    """The dedicated tier defaults with the tenant's own overrides applied."""
    base = config.dedicated_defaults
    overrides = tenant.dedicated
    if overrides is None:
        return base
    return DedicatedTierConfig(
        database=overrides.database or base.database,
        reporting_replica=bool(_or(overrides.reporting_replica, base.reporting_replica)),
        redis=overrides.redis or base.redis,
        node_group=overrides.node_group or base.node_group,
    )


def tenant_profile(tenant: TenantConfig) -> SizeProfile:
    """The tenant's size profile with its own `db_maxconn` applied."""
    profile = SIZE_PROFILES[tenant.size]
    if tenant.db_maxconn is None:
        return profile
    return replace(profile, db_maxconn=tenant.db_maxconn)


def tenant_database(config: PlatformConfig, tenant: TenantConfig) -> DatabaseConfig:
    """The database server settings that host this tenant."""
    if tenant.tier == "dedicated":
        return dedicated_settings(config, tenant).database
    if tenant.database_pool in (None, DEFAULT_POOL):
        return config.multi_tenant.database
    return config.multi_tenant.database_pools[tenant.database_pool]  # validated to exist


def replicates_backups(config: PlatformConfig) -> bool:
    """Backups are copied to the DR region whenever a DR mode is set: every mode restores there."""
    return config.disaster_recovery is not None


def replicates_database_backups(config: PlatformConfig) -> bool:
    """RDS automated backups (point-in-time restore) are replicated for the faster DR modes."""
    dr = config.disaster_recovery
    return dr is not None and dr.mode in ("pilot-light", "warm-standby")


def replicates_admin_secrets(config: PlatformConfig) -> bool:
    """Servers' admin secrets get a DR-region replica where a warm standby promotes them or a
    pilot-light site restores them (a restored server keeps the primary's master password)."""
    dr = config.disaster_recovery
    return dr is not None and dr.mode in ("pilot-light", "warm-standby")


def scheduled_shutdown(config: PlatformConfig) -> bool:
    """Whether the stack stops outside `capacity.working_hours` (never in prod)."""
    if config.environment == "prod":
        return False
    enabled = config.capacity.working_hours.enabled
    return bool(_or(enabled, env_defaults(config).scheduled_shutdown))


def follows_working_hours(config: PlatformConfig, tenant: TenantConfig) -> bool:
    """Whether this tenant scales to zero outside working hours (its `always_on` opts out)."""
    return scheduled_shutdown(config) and not tenant.always_on


def warm_standby(config: PlatformConfig) -> bool:
    """A warm-standby DR site that has not failed over: replicas, workloads at zero, small."""
    site = config.dr_site
    return site is not None and site.mode == "warm-standby" and site.role == "standby"


def standby_node_group(config: PlatformConfig, group: NodeGroupConfig) -> NodeGroupConfig:
    """A standby keeps one node per group (pods are at zero); failover restores the sizes."""
    if not warm_standby(config):
        return group
    return group.model_copy(update={"min_size": min(group.min_size, 1), "desired_size": None})
