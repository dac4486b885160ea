"""Database pools of the shared tier: which shared server hosts each tenant, and moves between them.

The default pool is `multi_tenant.database` (ServerKey `multi-tenant`); each
`multi_tenant.database_pools.<name>` is another shared server (`multi-tenant:<name>`) with its own
connection budget. A tenant names its pool with `database_pool`; unset is the default pool,
forever, so adding pools never moves anyone. Moving a tenant is a data migration: refused unless
`pool_migration` records it from the pool the last deployment used (`tenants.<slug>` output).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from odoo_platform.config.capacity import ConnectionBudget, ServerKey, connection_budgets
from odoo_platform.config.errors import ConfigIssue, key_path
from odoo_platform.config.models import DEFAULT_POOL, PlatformConfig, TenantConfig

RUNBOOK = "docs/runbooks/database-pools.md"


def pool_of(tenant: TenantConfig) -> str:
    """The shared tenant's pool name (`default` for `multi_tenant.database`)."""
    return tenant.database_pool or DEFAULT_POOL


def pool_names(config: PlatformConfig) -> list[str]:
    return [DEFAULT_POOL, *config.multi_tenant.database_pools]


def pool_path(key: ServerKey, *rest: str) -> str:
    """The stack file key of a shared server's settings (`multi_tenant.database...`)."""
    name = key.pool_name
    if name == DEFAULT_POOL:
        return key_path("multi_tenant", "database", *rest)
    return key_path("multi_tenant", "database_pools", str(name), *rest)


def room_elsewhere(config: PlatformConfig, full: ServerKey) -> str:
    """Where else shared tenants fit: each other pool's free connections, roomiest first."""
    others = [
        b for b in connection_budgets(config) if b.server.is_shared and b.server != full and b.fits
    ]
    others.sort(key=lambda b: b.total - b.max_connections)
    free = ", ".join(f"{b.server.pool_name} ({b.max_connections - b.total} free)" for b in others)
    if not free:
        return "or add a pool under multi_tenant.database_pools and place tenants there"
    return f"or place new tenants on another pool with database_pool: {free}"


def budget_issue(config: PlatformConfig, budget: ConnectionBudget) -> ConfigIssue:
    """A shared pool whose tenants' worst case does not fit its server."""
    detail = ", ".join(f"{t.slug}={t.worst_case}" for t in budget.tenants)
    return ConfigIssue(
        pool_path(budget.server, "max_connections"),
        f"database pool '{budget.server.pool_name}' (server '{budget.server}') needs "
        f"{budget.total} connections ({detail}, reserved={budget.reserved}) but max_connections "
        f"is {budget.max_connections}; use a larger instance class, set max_connections, lower "
        f"db_maxconn, {room_elsewhere(config, budget.server)}",
    )


def issues(config: PlatformConfig) -> Iterator[ConfigIssue]:
    """Every tenant's pool exists and only shared tenants name one; a pool_migration record
    names another pool than the tenant's."""
    known = pool_names(config)
    for i, tenant in enumerate(config.tenants):
        pool = tenant.database_pool
        if pool is not None and tenant.tier != "shared":
            yield ConfigIssue(
                key_path("tenants", i, "database_pool"),
                f"'{pool}' but tenant '{tenant.slug}' is {tenant.tier}: only shared tenants are "
                "placed on pools (a dedicated tenant has its own server); remove it",
            )
        elif pool is not None and pool not in known:
            yield ConfigIssue(
                key_path("tenants", i, "database_pool"),
                f"'{pool}' is not a pool of this stack; allowed: {', '.join(known)}. A pool "
                "that still hosts a tenant's database (running, suspended or offboarded) cannot "
                f"be removed: move its tenants first ({RUNBOOK})",
            )
        record = pool_record_issue(tenant, key_path("tenants", i))
        if record is not None:
            yield record


def pool_record_issue(tenant: TenantConfig, where: str) -> ConfigIssue | None:
    """A `pool_migration` naming the tenant's current pool (`where`: the tenant's key path)."""
    record = tenant.pool_migration
    if record is None or record.from_pool != pool_of(tenant):
        return None
    return ConfigIssue(
        f"{where}.pool_migration.from_pool",
        f"'{record.from_pool}' is the tenant's current pool; a pool_migration records "
        "the pool the database was moved away from",
    )


def pool_change_issues(
    config: PlatformConfig, deployed_servers: Mapping[str, str]
) -> list[ConfigIssue]:
    """Shared tenants whose pool differs from the last deployment's (`{slug: server key}`)."""
    found = (
        pool_move_issue(tenant, deployed_servers.get(tenant.slug), key_path("tenants", i))
        for i, tenant in enumerate(config.tenants)
    )
    return [issue for issue in found if issue is not None]


def pool_move_issue(tenant: TenantConfig, deployed: str | None, where: str) -> ConfigIssue | None:
    """The shared tenant's pool differs from the server key the last deployment placed it on
    (`deployed`, None if it never was), and no `pool_migration` records the move; `where` is
    the tenant's key path (a platform stack's `tenants[i]`, a tenant stack's `tenant`).

    Changing `database_pool` in place would point the tenant at an empty database on the new
    server; only a recorded move from the deployed pool passes.
    """
    current = ServerKey.of(tenant)
    if deployed is None or deployed == current or not current.is_shared:
        return None
    before = ServerKey(deployed)
    if not before.is_shared:
        return None  # a tier change, not a pool move
    record = tenant.pool_migration
    if record is not None and record.from_pool == before.pool_name:
        return None
    recorded = (
        f"; pool_migration.from_pool is '{record.from_pool}', not '{before.pool_name}'"
        if record is not None
        else ""
    )
    return ConfigIssue(
        f"{where}.database_pool",
        f"'{pool_of(tenant)}' but the last deployment placed tenant '{tenant.slug}' on "
        f"pool '{before.pool_name}' (server '{before}'){recorded}: moving a tenant "
        "between servers is a data migration, the new server has no copy of its "
        "database. Move the data first and record it as pool_migration: {from_pool: "
        f"'{before.pool_name}', migrated_on, change_ref}} ({RUNBOOK}), or keep "
        f"database_pool: {_spelt(before)}",
    )


def _spelt(key: ServerKey) -> str:
    return "unset" if key.pool_name == DEFAULT_POOL else f"'{key.pool_name}'"
