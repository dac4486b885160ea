"""One tenant of either tier: namespace, database (or, on a warm standby, the replicated
credentials), then Odoo; and the per-server pieces both tiers share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi

from odoo_platform.components._shared.base import child_opts
from odoo_platform.components.database_schedule import DatabaseSchedule
from odoo_platform.components.odoo_tenant import OdooTenant
from odoo_platform.components.postgres import (
    AdminRotation,
    CrossRegionBackups,
    PostgresServer,
)
from odoo_platform.components.postgres.replica import CrossRegionReplica
from odoo_platform.components.tenant_database import TenantDatabase
from odoo_platform.components.tenant_namespace import TenantNamespace
from odoo_platform.config.models import DEFAULT_POOL, PlatformConfig, TenantConfig
from odoo_platform.odoo import bootstrap
from odoo_platform.platform.assembly.database_schedule import database_schedule_args
from odoo_platform.platform.assembly.mail import tenant_mail_args
from odoo_platform.platform.assembly.recovery import recovery_args
from odoo_platform.platform.assembly.tenant import (
    database_args,
    namespace_args,
    platform_dns,
    server_of,
    tenant_args,
    tenant_context,
)
from odoo_platform.platform.tiers.args import (
    HostedTenant,
    TenantPlacement,
    TenantServices,
    TierArgs,
)
from odoo_platform.platform.warm_standby import (
    PasswordReplica,
    primary_of_standby,
    replicate_password,
    standby_credentials,
)


def password_replica(
    args: TierArgs, kms_key_arn: pulumi.Input[str], dr_copies: CrossRegionBackups | None
) -> PasswordReplica | None:
    """On a primary with a warm standby: the tenants' passwords go to the DR region too."""
    dr = args.config.disaster_recovery
    if dr is None or dr_copies is None or not primary_of_standby(args.config):
        return None
    return PasswordReplica(kms_key_arn, dr.dr_region, dr_copies.kms_key_arn)


def admin_rotation(
    args: TierArgs,
    subnet_ids: Sequence[pulumi.Input[str]],
    oidc_provider_arn: pulumi.Input[str],
) -> AdminRotation:
    """The admin password rotates in the server's VPC; Jobs read it through the account's OIDC."""
    return AdminRotation(
        subnet_ids=list(subnet_ids),
        oidc_provider_arn=oidc_provider_arn,
        oidc_issuer_url=args.oidc_issuer_url,
    )


def database_schedule(
    parent: pulumi.Resource,
    name: str,
    server: PostgresServer,
    config: PlatformConfig,
    *,
    tenant: TenantConfig | None = None,
    pool: str | None = None,
    providers: Mapping[str, pulumi.ProviderResource] | None = None,
) -> DatabaseSchedule | None:
    """Night and weekend stop of a server that follows working hours (issue 16)."""
    args = database_schedule_args(config, server, tenant, pool or DEFAULT_POOL)
    if args is None:
        return None
    opts = child_opts(parent, providers=dict(providers or {}))
    return DatabaseSchedule(f"{name}-schedule", args, opts=opts)


def declare_tenant(
    parent: pulumi.Resource,
    name: str,
    args: TierArgs,
    tenant: TenantConfig,
    services: TenantServices,
    *,
    placement: TenantPlacement | None = None,
    password_replica: PasswordReplica | None = None,
) -> HostedTenant:
    """Namespace first (the database Job writes its Secret there), then database, then Odoo.

    On a warm standby the database, its role and password come with the replica: the
    credentials Secret is written from the replicated password (`warm_standby`)."""
    config = args.config
    context = tenant_context(config, tenant, args.today)
    namespace = TenantNamespace(
        f"{name}-ns", namespace_args(tenant, context), opts=child_opts(parent)
    )
    account = placement.providers.get("aws") if placement else None
    database: TenantDatabase | None = None
    if args.standby is not None:
        assert isinstance(services.server, CrossRegionReplica)
        credentials = standby_credentials(
            parent,
            name,
            tenant,
            args.standby,
            services.server,
            namespace=namespace.name,
            k8s_labels=dict(context.k8s_labels),
            provider=account,
        )
        database_name = bootstrap.database_name(tenant.slug)
        credentials_name: pulumi.Input[str] = credentials.metadata.name
        ready: list[pulumi.Resource] = [credentials]
    else:
        assert isinstance(services.server, PostgresServer)
        database = TenantDatabase(
            f"{name}-db",
            database_args(
                tenant,
                context,
                server_of(services.server, tenant.slug),
                tenant_namespace=namespace.name,
            ),
            opts=child_opts(parent),
        )
        if password_replica is not None:
            replicate_password(
                parent, name, tenant.slug, database.password, password_replica, provider=account
            )
        database_name, credentials_name = database.database_name, database.credentials_secret_name
        ready = [database]
    cache = services.cache
    odoo_args = tenant_args(
        tenant,
        context,
        standby=args.standby is not None and not args.standby.promoted,
        namespace=namespace.name,
        database_name=database_name,
        db_credentials_secret=credentials_name,
        backup_bucket_name=services.bucket.bucket_name,
        backup_bucket_arn=services.bucket.bucket_arn,
        backup_kms_key_arn=services.bucket.kms_key_arn,
        efs_file_system_id=services.file_system_id,
        oidc_provider_arn=placement.oidc_provider_arn if placement else args.oidc_provider_arn,
        oidc_issuer_url=args.oidc_issuer_url,
        database_cidrs=placement.database_cidrs if placement else args.landing_zone.database_cidrs,
        vpc_cidr=placement.vpc_cidr if placement else str(config.landing_zone.vpc_cidr),
        efs_mount_target_ip=placement.efs_mount_target_ip if placement else None,
        redis_host=cache.primary_endpoint,
        redis_port=cache.port,
        redis_user=cache.tenant_user_names.get(tenant.slug),
        redis_password=cache.tenant_passwords.get(tenant.slug),
        traefik_namespace=args.ingress.namespace,
        entry_point=args.ingress.entry_point,
        cluster_issuer=args.ingress.cluster_issuer_name,
        dns=platform_dns(
            config, tenant, args.ingress, args.landing_zone.provider, failover=args.dns_failover
        ),
        **tenant_mail_args(config, tenant, args.mail),
        **recovery_args(
            config,
            tenant,
            services.bucket,
            args.dr_primary,
            platform_account=args.landing_zone.provider if placement else None,
        ),
    )
    # In its own account, the tenant's IAM role and EFS access point go there too.
    in_account = dict(placement.providers) if placement else {}
    odoo = OdooTenant(
        name, odoo_args, opts=child_opts(parent, depends_on=ready, providers=in_account)
    )
    return HostedTenant(tenant.slug, tenant.tier, namespace.name, database, odoo, services)
