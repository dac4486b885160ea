"""The shared tier: servers per database pool, caches per cache pool, one backup bucket, and
per tenant its namespace, database, Redis user and Odoo on the shared nodes.
"""

from __future__ import annotations

import dataclasses

import pulumi

from odoo_platform.components._shared.base import child_opts, component_type
from odoo_platform.components.backup_bucket import BackupBucket
from odoo_platform.components.postgres import (
    PostgresServer,
)
from odoo_platform.components.postgres.replica import CrossRegionReplica
from odoo_platform.components.redis_cache import RedisCache
from odoo_platform.config.cache_pools import cache_pool_of, shared_caches
from odoo_platform.config.capacity import ServerKey
from odoo_platform.config.models import DEFAULT_POOL
from odoo_platform.platform.assembly.backup_bucket import backup_bucket_args
from odoo_platform.platform.assembly.postgres import point_in_time_source, postgres_server_args
from odoo_platform.platform.assembly.redis_cache import redis_cache_args
from odoo_platform.platform.tiers.args import (
    HostedTenant,
    TenantServices,
    TierArgs,
    cross_region_backups,
    data_network,
)
from odoo_platform.platform.tiers.tenant import (
    admin_rotation,
    database_schedule,
    declare_tenant,
    password_replica,
)
from odoo_platform.platform.warm_standby import (
    RestoreSource,
    replica_server,
    restore_source,
    standby_file_system,
)


class MultiTenantTier(pulumi.ComponentResource):
    """Shared data services and, per tenant, a namespace, a database and Odoo.

    The default pool's server is `<name>-postgres`; each other database pool is a server of its
    own, `<name>-pool-<pool>`, and a tenant's database is on its pool's server. Likewise the
    default cache is `<name>-redis`, each other cache pool `<name>-cache-<pool>`.
    """

    services: TenantServices
    servers: dict[ServerKey, PostgresServer | CrossRegionReplica]
    caches: dict[str, RedisCache]
    tenants: dict[str, HostedTenant]

    def __init__(
        self, name: str, args: TierArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("MultiTenantTier"), name, None, opts)
        config, zone = args.config, args.landing_zone
        network = data_network(zone, zone.kms_key_arns["data"])

        def server(logical: str, pool: str | None) -> PostgresServer | CrossRegionReplica:
            budget = args.budgets[ServerKey.pool(pool)]
            if args.standby is not None:
                return replica_server(
                    logical,
                    config,
                    args.standby,
                    budget,
                    pool=pool,
                    opts=child_opts(self),
                    **network,
                )
            created = PostgresServer(
                logical,
                postgres_server_args(
                    config,
                    budget,
                    pool=pool,
                    cross_region_backups=cross_region_backups(args),
                    point_in_time=point_in_time_source(
                        config, args.dr_primary, ServerKey.pool(pool)
                    ),
                    logs_kms_key_arn=zone.kms_key_arns["logs"],
                    rotation=admin_rotation(args, zone.private_subnet_ids, args.oidc_provider_arn),
                    **network,
                ),
                opts=child_opts(self),
            )
            database_schedule(self, logical, created, config, pool=pool)
            return created

        self.servers = {ServerKey.shared(): server(f"{name}-postgres", None)}
        for pool in config.multi_tenant.database_pools:
            self.servers[ServerKey.pool(pool)] = server(f"{name}-pool-{pool}", pool)
        # The default cache pool keeps its name; each other pool is `<name>-cache-<pool>`.
        self.caches = {
            pool: RedisCache(
                f"{name}-redis" if pool == DEFAULT_POOL else f"{name}-cache-{pool}",
                redis_cache_args(config, pool=pool, **network),
                opts=child_opts(self),
            )
            for pool in shared_caches(config)
        }
        cache = self.caches[DEFAULT_POOL]
        bucket: BackupBucket | RestoreSource
        if args.standby is not None:
            bucket = restore_source(args.standby, ServerKey.shared())
        else:
            bucket = BackupBucket(
                f"{name}-backups",
                backup_bucket_args(
                    config,
                    kms_key_arn=zone.kms_key_arns["backups"],
                    dr_provider=args.dr.provider if args.dr else None,
                ),
                opts=child_opts(self),
            )
        default = self.servers[ServerKey.shared()]
        # A warm standby's tenants mount the primary's replica of the shared EFS, not the
        # landing zone's own (empty there, kept: no update deletes a file system).
        file_system_id: pulumi.Input[str] = zone.efs_file_system_id
        if args.standby is not None:
            file_system_id = standby_file_system(
                f"{name}-efs-replica",
                args.standby,
                ServerKey.shared(),
                vpc_id=zone.vpc_id,
                subnet_ids=zone.private_subnet_ids,
                nodes_security_group_id=zone.node_security_group_id,
                opts=child_opts(self),
            ).file_system_id
        self.services = TenantServices(default, cache, bucket, file_system_id)
        replica = password_replica(args, zone.kms_key_arns["data"], cross_region_backups(args))
        self.tenants = {
            t.slug: declare_tenant(
                self,
                f"{name}-{t.slug}",
                args,
                t,
                dataclasses.replace(
                    self.services,
                    server=self.servers[ServerKey.of(t)],
                    cache=self.caches[cache_pool_of(t)],
                ),
                password_replica=replica,
            )
            for t in args.tenants
        }
        self.register_outputs({"tenants": list(self.tenants)})
