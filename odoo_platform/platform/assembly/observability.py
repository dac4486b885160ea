"""`ObservabilityArgs`: alarms for every server and cache the stack declares, rules per tenant.

Keys are the servers' `ServerKey`s (`multi-tenant`, `dedicated:<slug>`), the same as the
connection budgets the platform derives once and passes in. Every server and cache of the
configuration must be given (a missing one is an error: an unwatched database is how outages go
unnoticed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi

from odoo_platform.components.alert_rules import ClosePeriod, RulePolicy, TenantAlerting
from odoo_platform.components.observability import (
    ADVISORY_ALARMS,
    PROD_ALARMS,
    CacheAlarms,
    DatabaseAlarms,
    ObservabilityArgs,
)
from odoo_platform.config import defaults
from odoo_platform.config.cache_pools import pool_tenants, shared_caches
from odoo_platform.config.capacity import (
    ConnectionBudget,
    ServerKey,
    hosted_tenants,
    shared_servers,
)
from odoo_platform.config.capacity import max_connections as server_max_connections
from odoo_platform.config.models import PlatformConfig, RedisConfig, TenantConfig
from odoo_platform.config.tags import labels
from odoo_platform.odoo.names import tenant_namespace
from odoo_platform.platform.assembly.budgets import cost_alert_accounts


def observability_args(
    config: PlatformConfig,
    budgets: Mapping[ServerKey, ConnectionBudget],
    *,
    kms_key_arn: pulumi.Input[str],
    database_identifiers: Mapping[ServerKey, pulumi.Input[str]],
    cache_group_ids: Mapping[ServerKey, pulumi.Input[str]],
    replica_identifiers: Mapping[ServerKey, pulumi.Input[str]] | None = None,
    monitoring_namespace: str = "monitoring",
    rule_selector_labels: Mapping[str, str] | None = None,
) -> ObservabilityArgs:
    paging = defaults.env_defaults(config).paging_alerts
    alerts = config.shared_services.alerts
    return ObservabilityArgs(
        kms_key_arn=kms_key_arn,
        monitoring_namespace=monitoring_namespace,
        alarm_policy=PROD_ALARMS if paging else ADVISORY_ALARMS,
        rule_policy=RulePolicy(
            paging=paging, rpo_hours=config.backup.rpo_hours, close_period=close_period(config)
        ),
        environment=config.environment,
        alert_emails=tuple(alerts.emails),
        extra_topic_arns=tuple(alerts.sns_topic_arns),
        databases=_database_alarms(
            config, budgets, database_identifiers, replica_identifiers or {}
        ),
        caches=_cache_alarms(config, cache_group_ids),
        tenants=tuple(tenant_alerting(config, t) for t in config.tenants if t.state == "active"),
        rule_selector_labels=dict(rule_selector_labels or {}),
        cost_alert_accounts=cost_alert_accounts(config),
    )


def close_period(config: PlatformConfig) -> ClosePeriod | None:
    """The widest monthly freeze window: the days around the month-end close."""
    monthly = [
        w for w in config.governance.freeze_windows if w.last_days_of_month or w.first_days_of_month
    ]
    if not monthly:
        return None
    return ClosePeriod(
        last_days_of_month=max(w.last_days_of_month for w in monthly),
        first_days_of_month=max(w.first_days_of_month for w in monthly),
    )


def tenant_alerting(config: PlatformConfig, tenant: TenantConfig) -> TenantAlerting:
    return TenantAlerting(
        slug=tenant.slug,
        display_name=tenant.display_name,
        namespace=tenant_namespace(tenant.slug),
        tier=tenant.tier,
        labels=labels(config, tenant.tier, tenant.slug),
    )


def _require(kind: str, given: Mapping[ServerKey, object], needed: Sequence[ServerKey]) -> None:
    missing = [key for key in needed if key not in given]
    if missing:
        raise ValueError(f"Observability needs the {kind} of {', '.join(missing)}")


def _database_alarms(
    config: PlatformConfig,
    budgets: Mapping[ServerKey, ConnectionBudget],
    identifiers: Mapping[ServerKey, pulumi.Input[str]],
    replicas: Mapping[ServerKey, pulumi.Input[str]],
) -> dict[str, DatabaseAlarms]:
    _require("database identifiers", identifiers, list(budgets))
    owners = {ServerKey.of(t): t for t in hosted_tenants(config) if t.tier == "dedicated"}
    # A DR site runs no reporting replicas: its servers are the primary's replicas.
    with_replica = [
        k
        for k, t in owners.items()
        if defaults.dedicated_settings(config, t).reporting_replica and config.dr_site is None
    ]
    _require("reporting replica identifiers", replicas, with_replica)
    result: dict[str, DatabaseAlarms] = {}
    shared = shared_servers(config)
    for key, budget in budgets.items():
        owner = owners.get(key)
        database = defaults.tenant_database(config, owner) if owner else shared[key]
        result[key] = DatabaseAlarms(
            instance_identifier=identifiers[key],
            max_connections=server_max_connections(database),
            allocated_storage_gib=database.allocated_storage_gib,
            tenants=tuple(t.slug for t in budget.tenants),
            replica_identifier=replicas.get(key),
            tier="shared" if owner is None else "dedicated",
            tenant=key.tenant,
        )
    return result


def _cache_alarms(
    config: PlatformConfig, group_ids: Mapping[ServerKey, pulumi.Input[str]]
) -> dict[str, CacheAlarms]:
    hosted = hosted_tenants(config)
    # A shared cache pool is keyed like a shared server: `multi-tenant`, `multi-tenant:<pool>`.
    caches: dict[ServerKey, tuple[RedisConfig, tuple[str, ...]]] = {
        ServerKey.pool(pool): (redis, tuple(t.slug for t in pool_tenants(config, pool)))
        for pool, redis in shared_caches(config).items()
    }
    for tenant in hosted:
        if tenant.tier == "dedicated":
            redis = defaults.dedicated_settings(config, tenant).redis
            caches[ServerKey.of(tenant)] = (redis, (tenant.slug,))
    _require("cache replication group ids", group_ids, list(caches))
    return {
        key: CacheAlarms(
            replication_group_id=group_ids[key],
            node_count=1 + defaults.redis_replicas(config, redis),
            tenants=slugs,
            tier="shared" if key.tenant is None else "dedicated",
            tenant=key.tenant,
        )
        for key, (redis, slugs) in caches.items()
    }
