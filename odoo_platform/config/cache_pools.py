"""Cache pools of the shared tier: which shared Redis/Valkey cache holds each tenant's ACL user.

The default pool is `multi_tenant.redis`; each `multi_tenant.cache_pools.<name>` is another
replication group with its own ElastiCache user group. What binds a shared cache is the user
group: ElastiCache's default quota is 100 users per user group (ElastiCache user guide, "Quotas
for ElastiCache"), and every group also holds the disabled `default` user and the platform
administrator, so 98 tenants per cache. Memory and connections are far from binding
(docs/capacity.md#cache-pools), but each pool's budget checks all three.

A tenant names its pool with `cache_pool`; unset is the default pool, forever, so adding pools
never moves anyone. Moving a tenant's user to another cache drops what the old cache held for it
(its sessions, were they kept in Redis): refused unless `cache_pool_migration` records the move
from the pool the last deployment used (`tenants.<slug>.cache_pool` output).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from odoo_platform.config.capacity import hosted_tenants
from odoo_platform.config.catalog import (
    CACHE_MAX_CLIENTS,
    CACHE_NODE_MEMORY_GIB,
    CACHE_SERVICE_USERS,
)
from odoo_platform.config.defaults import tenant_profile
from odoo_platform.config.errors import ConfigIssue, key_path
from odoo_platform.config.models import DEFAULT_POOL, PlatformConfig, RedisConfig, TenantConfig
from odoo_platform.config.tenant_pods import ROLLOUT_SURGE_PODS

RUNBOOK = "docs/runbooks/database-pools.md#cache-pools"
# Session model (assumptions, docs/capacity.md#cache-pools): Odoo's deployment guide sizes one
# HTTP worker for about 6 concurrent users; a session lives 7 days (`SESSION_LIFETIME`,
# odoo/http.py), so each concurrent seat is taken to leave 20 sessions behind (devices, logins),
# of at most 2 KiB each (a JSON document of uid, login, context and token).
USERS_PER_HTTP_WORKER = 6
SESSIONS_PER_USER = 20
SESSION_KIB = 2


def cache_pool_of(tenant: TenantConfig) -> str:
    """The shared tenant's cache pool name (`default` for `multi_tenant.redis`)."""
    return tenant.cache_pool or DEFAULT_POOL


def shared_caches(config: PlatformConfig) -> dict[str, RedisConfig]:
    """The shared tier's caches by pool: the default (`multi_tenant.redis`) first, then each of
    `multi_tenant.cache_pools` in the stack file's order."""
    return {DEFAULT_POOL: config.multi_tenant.redis, **config.multi_tenant.cache_pools}


def cache_pool_path(pool: str, *rest: str) -> str:
    """The stack file key of a shared cache's settings."""
    if pool == DEFAULT_POOL:
        return key_path("multi_tenant", "redis", *rest)
    return key_path("multi_tenant", "cache_pools", pool, *rest)


def pool_tenants(config: PlatformConfig, pool: str) -> list[TenantConfig]:
    """The hosted shared tenants whose Redis user is in the pool's cache (offboarded tenants
    run nothing and have no user)."""
    return [t for t in hosted_tenants(config) if t.tier == "shared" and cache_pool_of(t) == pool]


@dataclass(frozen=True)
class TenantCacheNeeds:
    """What one tenant takes of a shared cache, at its size profile's maximum scale."""

    slug: str
    """The tenant."""
    connections: int
    """Its Odoo processes that could each hold a session-store connection: every web pod at
    maximum scale plus the rollout surge (HTTP workers, and the gevent process's concurrent
    websocket greenlets bounded by `db_maxconn_gevent`), and the cron workers of an event."""
    memory_mib: float
    """Its sessions: concurrent users (6 per HTTP worker at maximum scale) x 20 sessions each
    x 2 KiB."""
    users: int = 1
    """Its ACL user."""


@dataclass(frozen=True)
class CacheBudget:
    """All tenants of one shared cache against its user group quota, node memory and clients."""

    pool: str
    """The cache pool: `default` (`multi_tenant.redis`) or a `multi_tenant.cache_pools` key."""
    node_type: str
    """The cache's node type (its memory is the ceiling of every node, primary and replicas)."""
    users_per_user_group: int
    """The account's ElastiCache 'Users per user group' quota."""
    tenants: tuple[TenantCacheNeeds, ...]
    """Each tenant's share."""

    @property
    def users(self) -> int:
        return CACHE_SERVICE_USERS + sum(t.users for t in self.tenants)

    @property
    def connections(self) -> int:
        return sum(t.connections for t in self.tenants)

    @property
    def memory_mib(self) -> float:
        return sum(t.memory_mib for t in self.tenants)

    @property
    def node_memory_mib(self) -> float:
        return CACHE_NODE_MEMORY_GIB[self.node_type] * 1024

    @property
    def max_clients(self) -> int:
        return CACHE_MAX_CLIENTS

    @property
    def free_users(self) -> int:
        return self.users_per_user_group - self.users

    @property
    def fits(self) -> bool:
        return (
            self.users <= self.users_per_user_group
            and self.connections <= self.max_clients
            and self.memory_mib <= self.node_memory_mib
        )


def tenant_cache_needs(tenant: TenantConfig) -> TenantCacheNeeds:
    profile = tenant_profile(tenant)
    web_pods = profile.max_replicas + ROLLOUT_SURGE_PODS
    processes = web_pods * (profile.http_workers + profile.db_maxconn_gevent)
    cron = profile.event_cron_replicas * profile.cron_workers
    users = profile.max_replicas * profile.http_workers * USERS_PER_HTTP_WORKER
    return TenantCacheNeeds(
        tenant.slug,
        connections=processes + cron,
        memory_mib=users * SESSIONS_PER_USER * SESSION_KIB / 1024,
    )


def cache_budgets(config: PlatformConfig) -> list[CacheBudget]:
    """One budget per shared cache, in `shared_caches` order."""
    quota = config.multi_tenant.cache_quotas.users_per_user_group
    return [
        CacheBudget(
            pool,
            redis.node_type,
            quota,
            tuple(tenant_cache_needs(t) for t in pool_tenants(config, pool)),
        )
        for pool, redis in shared_caches(config).items()
    ]


def _room_elsewhere(budgets: list[CacheBudget], full: str) -> str:
    others = [b for b in budgets if b.pool != full and b.fits and b.free_users > 0]
    others.sort(key=lambda b: -b.free_users)
    free = ", ".join(f"{b.pool} ({b.free_users} free users)" for b in others)
    if not free:
        return "or add a pool under multi_tenant.cache_pools and place new tenants there"
    return f"or place new tenants on another pool with cache_pool: {free}"


def _budget_issues(config: PlatformConfig) -> Iterator[ConfigIssue]:
    budgets = cache_budgets(config)
    for budget in budgets:
        where = f"cache pool '{budget.pool}'"
        elsewhere = _room_elsewhere(budgets, budget.pool)
        if budget.users > budget.users_per_user_group:
            yield ConfigIssue(
                cache_pool_path(budget.pool),
                f"{where} needs {budget.users} ElastiCache users ({len(budget.tenants)} "
                f"tenants + {CACHE_SERVICE_USERS} service users) but the user group quota is "
                f"{budget.users_per_user_group} (multi_tenant.cache_quotas."
                f"users_per_user_group); raise the quota in Service Quotas and record it there, "
                f"{elsewhere}",
            )
        if budget.memory_mib > budget.node_memory_mib:
            yield ConfigIssue(
                cache_pool_path(budget.pool, "node_type"),
                f"{where}: its tenants' sessions take about {budget.memory_mib:.0f} MiB but "
                f"'{budget.node_type}' has {budget.node_memory_mib:.0f} MiB; use a larger node "
                f"type, {elsewhere}",
            )
        if budget.connections > budget.max_clients:
            yield ConfigIssue(
                cache_pool_path(budget.pool),
                f"{where}: its tenants' processes could hold {budget.connections} connections "
                f"but a node accepts {budget.max_clients}; {elsewhere}",
            )


def account_usage(config: PlatformConfig) -> tuple[int, int]:
    """(users, user groups) this stack creates in the platform account's region: every shared
    cache and every dedicated cache there (a tenant in its own account has its cache there)."""
    shared = cache_budgets(config)
    dedicated = [
        t
        for t in hosted_tenants(config)
        if t.tier == "dedicated" and not (t.dedicated and t.dedicated.aws_account_role_arn)
    ]
    users = sum(b.users for b in shared) + len(dedicated) * (1 + CACHE_SERVICE_USERS)
    return users, len(shared) + len(dedicated)


def _account_issues(config: PlatformConfig) -> Iterator[ConfigIssue]:
    quotas = config.multi_tenant.cache_quotas
    users, groups = account_usage(config)
    for name, used, allowed in (
        ("users", users, quotas.users),
        ("user_groups", groups, quotas.user_groups),
    ):
        if used > allowed:
            yield ConfigIssue(
                key_path("multi_tenant", "cache_quotas", name),
                f"{allowed} but this stack alone creates {used} ElastiCache "
                f"{name.replace('_', ' ')} "
                "in its region (shared and dedicated caches in the platform account); raise the "
                "quota in Service Quotas and record the new value here",
            )


def issues(config: PlatformConfig) -> Iterator[ConfigIssue]:
    """Every tenant's cache pool exists and only shared tenants name one; a migration record
    names another pool than the tenant's; each cache and the account fit their quotas."""
    known = list(shared_caches(config))
    for i, tenant in enumerate(config.tenants):
        pool = tenant.cache_pool
        if pool is not None and tenant.tier != "shared":
            yield ConfigIssue(
                key_path("tenants", i, "cache_pool"),
                f"'{pool}' but tenant '{tenant.slug}' is {tenant.tier}: only shared tenants are "
                "placed on cache pools (a dedicated tenant has its own cache); remove it",
            )
        elif pool is not None and pool not in known:
            yield ConfigIssue(
                key_path("tenants", i, "cache_pool"),
                f"'{pool}' is not a cache pool of this stack; allowed: {', '.join(known)}",
            )
        record = tenant.cache_pool_migration
        if record is not None and record.from_pool == cache_pool_of(tenant):
            yield ConfigIssue(
                key_path("tenants", i, "cache_pool_migration", "from_pool"),
                f"'{record.from_pool}' is the tenant's current cache pool; a cache_pool_migration "
                "records the pool the tenant's user was moved away from",
            )
    yield from _budget_issues(config)
    yield from _account_issues(config)


def cache_pool_change_issues(
    config: PlatformConfig, deployed_pools: Mapping[str, str]
) -> list[ConfigIssue]:
    """Shared tenants whose cache pool differs from the last deployment's (`{slug: pool}`)."""
    found = []
    for i, tenant in enumerate(config.tenants):
        before = deployed_pools.get(tenant.slug)
        current = cache_pool_of(tenant)
        if tenant.tier != "shared" or before is None or before == current:
            continue
        record = tenant.cache_pool_migration
        if record is not None and record.from_pool == before:
            continue
        spelt = "unset" if before == DEFAULT_POOL else f"'{before}'"
        found.append(
            ConfigIssue(
                key_path("tenants", i, "cache_pool"),
                f"'{current}' but the last deployment placed tenant '{tenant.slug}' on cache "
                f"pool '{before}': its Redis user would move to another cache, and what the old "
                "one held for it is not copied. Record the move as cache_pool_migration: "
                f"{{from_pool: '{before}', change_ref}} ({RUNBOOK}), or keep cache_pool: {spelt}",
            )
        )
    return found
