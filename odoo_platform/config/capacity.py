"""Connection and memory budgets: what Odoo's per-process settings add up to.

Odoo's `db_maxconn` is per process, so a tenant's worst case is the per-process value times
every process it can run: each web pod runs its HTTP workers (`db_maxconn` each) plus one gevent
process (its own `db_maxconn_gevent` pool), KEDA may scale web pods to the profile's maximum and
a rollout adds a surge pod, and the cron pods (`event_cron_replicas` at an event's peak) run the
cron workers. The init/upgrade Job's Odoo processes and the sessions of backups and restore
checks are added on top: the role's `CONNECTION LIMIT` is this worst case.
"""

from __future__ import annotations

from dataclasses import dataclass

from odoo_platform.config.catalog import (
    REPORT_ADDRESS_SPACE_MIB,
    cron_resident_mib,
    rds_default_max_connections,
    web_pod_connections,
    web_resident_mib,
)
from odoo_platform.config.defaults import dedicated_settings, tenant_profile
from odoo_platform.config.lifecycle import runs_workloads
from odoo_platform.config.models import DEFAULT_POOL, DatabaseConfig, PlatformConfig, TenantConfig
from odoo_platform.config.tenant_pods import peak_pods

SHARED_SERVER = "multi-tenant"
POOL_SEPARATOR = ":"  # `multi-tenant:<pool>`: a shared server besides the default one
DEDICATED_SERVER_PREFIX = "dedicated:"
# Sessions besides Odoo's that log in as the tenant role and may overlap with a fully scaled
# tenant: the backup CronJob (psql, then pg_dump), the restore check and the weekly DR drill
# (pg_restore into their own scratch databases, then psql): one session each at a time, and
# their schedules can meet (an hourly backup meets every drill; a long drill the next check).
# Without them a backup at peak load would be refused by the role's CONNECTION LIMIT, which
# equals the worst case below.
MAINTENANCE_CONNECTIONS = 3
# The init/upgrade Job: `odoo -i/-u` and then `odoo shell` (one pool each, counted as if they
# overlapped), next to its own psql (database state) or pg_dump (pre-upgrade backup).
INIT_JOB_ODOO_PROCESSES = 2
INIT_JOB_CLIENT_CONNECTIONS = 1


class ServerKey(str):
    """One database server of the stack, spelt as outputs and alarm names spell it: `multi-tenant`
    (the shared tier's default pool), `multi-tenant:<pool>` (another pool of the shared tier) or
    `dedicated:<slug>` (a dedicated tenant's own)."""

    __slots__ = ()

    @classmethod
    def shared(cls) -> ServerKey:
        return cls(SHARED_SERVER)

    @classmethod
    def pool(cls, name: str | None) -> ServerKey:
        """A shared pool's server; None or `default` is the default pool (`multi-tenant`)."""
        if name is None or name == DEFAULT_POOL:
            return cls.shared()
        return cls(SHARED_SERVER + POOL_SEPARATOR + name)

    @classmethod
    def dedicated(cls, slug: str) -> ServerKey:
        return cls(DEDICATED_SERVER_PREFIX + slug)

    @classmethod
    def of(cls, tenant: TenantConfig) -> ServerKey:
        """The server that hosts the tenant's database."""
        if tenant.tier == "shared":
            return cls.pool(tenant.database_pool)
        return cls.dedicated(tenant.slug)

    @property
    def is_shared(self) -> bool:
        """A server of the shared tier (the default pool or another)."""
        return self == SHARED_SERVER or self.startswith(SHARED_SERVER + POOL_SEPARATOR)

    @property
    def pool_name(self) -> str | None:
        """The shared pool's name (`default` for `multi-tenant`); None for a dedicated server."""
        if not self.is_shared:
            return None
        return self.removeprefix(SHARED_SERVER).removeprefix(POOL_SEPARATOR) or DEFAULT_POOL

    @property
    def tenant(self) -> str | None:
        """The dedicated tenant that owns this server; None for the shared one."""
        if not self.startswith(DEDICATED_SERVER_PREFIX):
            return None
        return self.removeprefix(DEDICATED_SERVER_PREFIX)


@dataclass(frozen=True)
class TenantConnections:
    """One tenant's worst case: every pool full at once, during a rollout at maximum scale."""

    slug: str
    """The tenant."""
    web: int
    """Connections of every web pod at maximum scale plus the rollout surge (workers and gevent)."""
    cron: int
    """Connections of the cron pods at their event peak (`event_cron_replicas` x `cron_workers`
    x `db_maxconn`)."""
    init_job: int
    """Connections of the init/upgrade Job (its Odoo processes and clients)."""
    maintenance: int = MAINTENANCE_CONNECTIONS
    """Sessions besides Odoo's under the tenant role: the backup, restore check and drill."""

    @property
    def worst_case(self) -> int:
        return self.web + self.cron + self.init_job + self.maintenance


@dataclass(frozen=True)
class ConnectionBudget:
    """All tenants of one database server against its `max_connections`."""

    server: ServerKey
    """The server: `multi-tenant`, `multi-tenant:<pool>` or `dedicated:<slug>`."""
    max_connections: int
    """The server's `max_connections` (set, or what RDS derives from the instance memory)."""
    reserved: int
    """Connections kept free for administrators and RDS (`reserved_connections`)."""
    tenants: tuple[TenantConnections, ...]
    """Each tenant's worst case on this server; their sum plus `reserved` must fit
    `max_connections`."""

    @property
    def total(self) -> int:
        return self.reserved + sum(t.worst_case for t in self.tenants)

    @property
    def headroom(self) -> float:
        # (max - total) / max, not 1 - total / max: exact at a round 20 % (0.2, not 0.1999...)
        return (self.max_connections - self.total) / self.max_connections

    @property
    def fits(self) -> bool:
        return self.total <= self.max_connections


@dataclass(frozen=True)
class MemoryBudget:
    """One tenant's pods against Odoo's memory model (docs/capacity.md).

    Two different numbers: `limit_memory_hard_mib` is a per-process cap on *address space*
    (RLIMIT_AS), inherited by wkhtmltopdf, so it must stay above what a PDF report needs; the
    pod limit bounds *resident* memory, so it is compared with the resident estimate of a fully
    busy web pod and cron pod, never with processes x limit_memory_hard.
    """

    slug: str
    web_resident_mib: int
    cron_resident_mib: int
    pod_limit_mib: int
    limit_memory_soft_mib: int
    limit_memory_hard_mib: int

    @property
    def resident_mib(self) -> int:
        return max(self.web_resident_mib, self.cron_resident_mib)

    @property
    def headroom(self) -> float:
        return 1 - self.resident_mib / self.pod_limit_mib

    @property
    def fits(self) -> bool:
        return self.resident_mib <= self.pod_limit_mib

    @property
    def prints_reports(self) -> bool:
        return self.limit_memory_hard_mib >= REPORT_ADDRESS_SPACE_MIB

    @property
    def soft_below_hard(self) -> bool:
        return self.limit_memory_soft_mib < self.limit_memory_hard_mib


def max_connections(database: DatabaseConfig) -> int:
    """The explicit setting, or the value RDS derives from the instance class memory."""
    if database.max_connections is not None:
        return database.max_connections
    return rds_default_max_connections(database.instance_class)


def tenant_connections(tenant: TenantConfig) -> TenantConnections:
    """The pods counted are the namespace quota's (`config.tenant_pods.peak_pods`)."""
    profile = tenant_profile(tenant)
    pods = peak_pods(profile)
    init_job = INIT_JOB_ODOO_PROCESSES * profile.db_maxconn + INIT_JOB_CLIENT_CONNECTIONS
    return TenantConnections(
        tenant.slug,
        web=pods.web * web_pod_connections(profile, tenant.odoo_version),
        cron=pods.cron * profile.cron_workers * profile.db_maxconn,
        init_job=pods.init_job * init_job,
    )


def hosted_tenants(config: PlatformConfig) -> list[TenantConfig]:
    """Tenants that may open connections: their workloads exist (suspended ones scale back up).

    Offboarded tenants keep their databases but run nothing, so they take no budget.
    """
    return [t for t in config.tenants if runs_workloads(t)]


def shared_servers(config: PlatformConfig) -> dict[ServerKey, DatabaseConfig]:
    """The shared tier's servers: the default pool (`multi_tenant.database`) first, then each of
    `multi_tenant.database_pools` in the stack file's order."""
    pools = config.multi_tenant.database_pools
    return {
        ServerKey.shared(): config.multi_tenant.database,
        **{ServerKey.pool(name): database for name, database in pools.items()},
    }


def connection_budgets(config: PlatformConfig) -> list[ConnectionBudget]:
    """One budget per shared pool's server and one per dedicated tenant's server.

    A tenant naming a pool that does not exist is in no budget (validation reports it)."""
    hosted = hosted_tenants(config)
    on_server: dict[ServerKey, list[TenantConnections]] = {}
    for tenant in hosted:
        if tenant.tier == "shared":
            on_server.setdefault(ServerKey.of(tenant), []).append(tenant_connections(tenant))
    budgets = [
        ConnectionBudget(
            key,
            max_connections(database),
            database.reserved_connections,
            tuple(on_server.get(key, ())),
        )
        for key, database in shared_servers(config).items()
    ]
    for tenant in hosted:
        if tenant.tier == "dedicated":
            database = dedicated_settings(config, tenant).database
            budgets.append(
                ConnectionBudget(
                    ServerKey.dedicated(tenant.slug),
                    max_connections(database),
                    database.reserved_connections,
                    (tenant_connections(tenant),),
                )
            )
    return budgets


def budgets_by_server(config: PlatformConfig) -> dict[ServerKey, ConnectionBudget]:
    """Every server's budget by its key: the platform derives it once and hands it down."""
    return {budget.server: budget for budget in connection_budgets(config)}


def memory_budget(tenant: TenantConfig) -> MemoryBudget:
    profile = tenant_profile(tenant)
    return MemoryBudget(
        tenant.slug,
        web_resident_mib(profile),
        cron_resident_mib(profile),
        profile.memory_limit_mib,
        profile.limit_memory_soft_mib,
        profile.limit_memory_hard_mib,
    )
