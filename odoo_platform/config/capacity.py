"""Connection and memory budgets: what Odoo's per-process settings add up to.

Odoo's `db_maxconn` and `limit_memory_hard` are per process, so a tenant's worst case is the
per-process value times every process it can run: each web pod runs its HTTP workers plus one
gevent worker, the HPA may scale web pods to the profile's maximum, and the cron pod runs the cron
workers. Maintenance sessions that connect as the tenant role (backups, restore checks, the
init/upgrade Job's checks) are added on top: the role's `CONNECTION LIMIT` is this worst case.
"""

from __future__ import annotations

from dataclasses import dataclass

from odoo_platform.config.catalog import rds_default_max_connections
from odoo_platform.config.defaults import dedicated_settings, tenant_profile
from odoo_platform.config.lifecycle import runs_workloads
from odoo_platform.config.models import DatabaseConfig, PlatformConfig, TenantConfig

SHARED_SERVER = "multi-tenant"
# Sessions besides Odoo's that log in as the tenant role and may overlap with a fully scaled
# tenant: one dump or restore (the backup CronJob's pg_dump, the init Job's pre-upgrade pg_dump
# or the restore check's pg_restore) plus one psql (the restore check's checks, the init Job's
# "is base installed" probe). Without them a backup at peak load would be refused by the role's
# CONNECTION LIMIT, which equals the worst case below.
MAINTENANCE_CONNECTIONS = 2


@dataclass(frozen=True)
class TenantConnections:
    slug: str
    processes: int
    db_maxconn: int
    maintenance: int = MAINTENANCE_CONNECTIONS

    @property
    def worst_case(self) -> int:
        return self.processes * self.db_maxconn + self.maintenance


@dataclass(frozen=True)
class ConnectionBudget:
    """All tenants of one database server against its `max_connections`."""

    server: str
    max_connections: int
    reserved: int
    tenants: tuple[TenantConnections, ...]

    @property
    def total(self) -> int:
        return self.reserved + sum(t.worst_case for t in self.tenants)

    @property
    def headroom(self) -> float:
        return 1 - self.total / self.max_connections

    @property
    def fits(self) -> bool:
        return self.total <= self.max_connections


@dataclass(frozen=True)
class MemoryBudget:
    """One web pod: (HTTP workers + gevent) x `limit_memory_hard` against the pod limit."""

    slug: str
    processes: int
    limit_memory_hard_mib: int
    pod_limit_mib: int

    @property
    def total_mib(self) -> int:
        return self.processes * self.limit_memory_hard_mib

    @property
    def headroom(self) -> float:
        return 1 - self.total_mib / self.pod_limit_mib

    @property
    def fits(self) -> bool:
        return self.total_mib <= self.pod_limit_mib


def max_connections(database: DatabaseConfig) -> int:
    """The explicit setting, or the value RDS derives from the instance class memory."""
    if database.max_connections is not None:
        return database.max_connections
    return rds_default_max_connections(database.instance_class)


def tenant_connections(tenant: TenantConfig) -> TenantConnections:
    profile = tenant_profile(tenant)
    processes = profile.max_replicas * (profile.http_workers + 1) + profile.cron_workers
    return TenantConnections(tenant.slug, processes, profile.db_maxconn)


def hosted_tenants(config: PlatformConfig) -> list[TenantConfig]:
    """Tenants that may open connections: their workloads exist (suspended ones scale back up).

    Offboarded tenants keep their databases but run nothing, so they take no budget.
    """
    return [t for t in config.tenants if runs_workloads(t)]


def connection_budgets(config: PlatformConfig) -> list[ConnectionBudget]:
    """One budget for the shared server and one per dedicated tenant's server."""
    hosted = hosted_tenants(config)
    shared_db = config.multi_tenant.database
    budgets = [
        ConnectionBudget(
            SHARED_SERVER,
            max_connections(shared_db),
            shared_db.reserved_connections,
            tuple(tenant_connections(t) for t in hosted if t.tier == "shared"),
        )
    ]
    for tenant in hosted:
        if tenant.tier == "dedicated":
            database = dedicated_settings(config, tenant).database
            budgets.append(
                ConnectionBudget(
                    f"dedicated:{tenant.slug}",
                    max_connections(database),
                    database.reserved_connections,
                    (tenant_connections(tenant),),
                )
            )
    return budgets


def memory_budget(tenant: TenantConfig) -> MemoryBudget:
    profile = tenant_profile(tenant)
    return MemoryBudget(
        tenant.slug,
        profile.http_workers + 1,
        profile.limit_memory_hard_mib,
        profile.memory_limit_mib,
    )
