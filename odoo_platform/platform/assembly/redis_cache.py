"""`RedisCacheArgs`: a shared cache pool's (a user per hosted shared tenant on the pool) or a
dedicated tenant's."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from odoo_platform.components.redis_cache import RedisCacheArgs
from odoo_platform.config import defaults
from odoo_platform.config.cache_pools import pool_tenants, shared_caches
from odoo_platform.config.models import DEFAULT_POOL, PlatformConfig, TenantConfig


def redis_cache_args(
    config: PlatformConfig,
    *,
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
    vpc_id: pulumi.Input[str],
    nodes_security_group_id: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    tenant: TenantConfig | None = None,
    pool: str = DEFAULT_POOL,
) -> RedisCacheArgs:
    """A dedicated `tenant`'s own cache, or (no tenant) the shared cache `pool`
    (`multi_tenant.redis` for `default`, else `multi_tenant.cache_pools.<pool>`)."""
    if tenant is None:
        redis, tier, slug = shared_caches(config)[pool], "shared", None
        users = [t.slug for t in pool_tenants(config, pool)]
    else:
        redis = defaults.dedicated_settings(config, tenant).redis
        tier, slug, users = "dedicated", tenant.slug, [tenant.slug]
    env = defaults.env_defaults(config)
    return RedisCacheArgs(
        redis=defaults.standby_redis(config, redis),
        subnet_ids=subnet_ids,
        vpc_id=vpc_id,
        nodes_security_group_id=nodes_security_group_id,
        kms_key_arn=kms_key_arn,
        tenants=tuple(users),
        replicas=defaults.redis_replicas(config, redis),
        multi_az=defaults.cache_multi_az(config),
        snapshot_retention_days=env.cache_snapshot_retention_days,
        final_snapshot=env.cache_final_snapshot,
        apply_immediately=env.apply_immediately,
        tier=tier,
        tenant=slug,
    )
