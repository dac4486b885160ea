"""Environment defaults, and the effective value of every setting a stack may leave unset.

Components read settings through these functions so the environment rules live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from odoo_platform.config.catalog import SIZE_PROFILES, SizeProfile
from odoo_platform.config.models import (
    DatabaseConfig,
    DedicatedTierConfig,
    PlatformConfig,
    RedisConfig,
    TenantConfig,
)


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


ENVIRONMENT_DEFAULTS: dict[str, EnvironmentDefaults] = {
    "prod": EnvironmentDefaults(True, True, True, True, "compliance", 14, 7, 2, 1, False),
    "staging": EnvironmentDefaults(False, False, True, False, "none", 7, 1, 1, 0, True),
    "dev": EnvironmentDefaults(False, False, False, False, "none", 3, 1, 1, 0, True),
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


def traefik_replicas(config: PlatformConfig) -> int:
    replicas = config.shared_services.traefik.replicas
    return int(_or(replicas, env_defaults(config).traefik_replicas))


def redis_replicas(config: PlatformConfig, redis: RedisConfig) -> int:
    return int(_or(redis.replicas, env_defaults(config).redis_replicas))


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
    return config.multi_tenant.database


def replicates_backups(config: PlatformConfig) -> bool:
    """Backups are copied to the DR region whenever a DR mode is set: every mode restores there."""
    return config.disaster_recovery is not None


def replicates_database_backups(config: PlatformConfig) -> bool:
    """RDS automated backups (point-in-time restore) are replicated for the faster DR modes."""
    dr = config.disaster_recovery
    return dr is not None and dr.mode in ("pilot-light", "warm-standby")
