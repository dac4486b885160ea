"""From a `TenantConfig` to a tenant's three args: namespace, database and Odoo.

One path, used by the tiers (a platform stack's tenants) and by `ExternalTenant` (a tenant added
from another stack): `TenantContext` holds what the platform decides for the tenant (ownership
labels, RPO, region, protection), `DatabaseServer` where its database goes; the builders add
what the tenant's own configuration says. Environment rules come from `config.defaults`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Required, TypedDict, Unpack

import pulumi

from odoo_platform.components.cluster import dedicated_node_selector, dedicated_tolerations
from odoo_platform.components.odoo_tenant import (
    DnsFailover,
    DrDrillArgs,
    DrReplica,
    OdooTenantArgs,
    TenantDns,
)
from odoo_platform.components.postgres import PostgresServer
from odoo_platform.components.tenant_database import TenantDatabaseArgs
from odoo_platform.components.tenant_namespace import TenantNamespaceArgs
from odoo_platform.components.traefik import TraefikIngress
from odoo_platform.config import lifecycle
from odoo_platform.config.calendar import JobWindow
from odoo_platform.config.capacity import tenant_connections
from odoo_platform.config.database_schedule import job_window
from odoo_platform.config.defaults import protect_stateful, tenant_profile
from odoo_platform.config.models import PlatformConfig, TenantConfig
from odoo_platform.config.scaling import TenantScaling, tenant_scaling
from odoo_platform.config.tags import labels
from odoo_platform.odoo import mail


@dataclass(frozen=True)
class TenantContext:
    """What the platform decides for one tenant."""

    k8s_labels: Mapping[str, str]
    rpo_hours: int
    aws_region: pulumi.Input[str]
    protect: bool
    scaling: TenantScaling | None = None
    """The calendar's capacity (KEDA triggers); None: the profile's range on CPU only."""
    job_window: JobWindow | None = None
    """Backups inside working hours when the tenant's database sleeps; None: at night."""


@dataclass(frozen=True)
class DatabaseServer:
    """The PostgreSQL server a tenant's database goes on: its endpoint, and the admin namespace
    and Secret where the bootstrap Job runs (see `PostgresServer`)."""

    host: pulumi.Input[str]
    port: pulumi.Input[int]
    admin_namespace: pulumi.Input[str]
    admin_secret_name: pulumi.Input[str]
    admin_secret_arn: pulumi.Input[str] | None = None
    admin_service_account: pulumi.Input[str] | None = None


def tenant_context(
    config: PlatformConfig, tenant: TenantConfig, today: dt.date | None = None
) -> TenantContext:
    """A platform stack's tenant. With `today`, protection follows the tenant's lifecycle (an
    offboarded tenant whose purge is due is unprotected); without it, the environment's."""
    return TenantContext(
        k8s_labels=labels(config, tenant.tier, tenant.slug),
        rpo_hours=config.backup.rpo_hours,
        aws_region=config.region,
        protect=(
            protect_stateful(config)
            if today is None
            else lifecycle.protect_tenant_data(config, tenant, today)
        ),
        scaling=tenant_scaling(config, tenant),
        job_window=job_window(config, tenant),
    )


def server_of(server: PostgresServer, slug: str) -> DatabaseServer:
    """A server this stack declares (with `admin_namespace=True`); a rotated admin password is
    read by the Job through the server's service account."""
    if server.admin_namespace is None or server.admin_secret_name is None:
        raise ValueError(f"server for '{slug}' was declared without admin_namespace")
    return DatabaseServer(
        host=server.address,
        port=server.port,
        admin_namespace=server.admin_namespace,
        admin_secret_name=server.admin_secret_name,
        admin_secret_arn=server.master_secret_arn if server.admin_service_account else None,
        admin_service_account=server.admin_service_account,
    )


def platform_dns(
    config: PlatformConfig,
    tenant: TenantConfig,
    ingress: TraefikIngress,
    zone_provider: pulumi.ProviderResource,
    failover: DnsFailover | None = None,
) -> TenantDns | None:
    """The tenant's records in the stack's zone (none without `route53_zone_id`), under the
    platform account's provider even for a tenant in its own account. Until issue 15 the
    ingress declared them, named `<ingress>-<slug>-<host>`: the aliases move them from there."""
    zone_id = config.shared_services.tls.route53_zone_id
    if zone_id is None:
        return None
    return TenantDns(
        zone_id=zone_id,
        target=ingress.load_balancer_hostname,
        provider=zone_provider,
        moved_from={
            host: [
                pulumi.Alias(name=f"{ingress.resource_name}-{tenant.slug}-{host}", parent=ingress)
            ]
            for host in tenant.hostnames
        },
        failover=failover,
    )


def namespace_args(tenant: TenantConfig, context: TenantContext) -> TenantNamespaceArgs:
    return TenantNamespaceArgs(
        slug=tenant.slug, profile=tenant_profile(tenant), k8s_labels=context.k8s_labels
    )


def database_args(
    tenant: TenantConfig,
    context: TenantContext,
    server: DatabaseServer,
    *,
    tenant_namespace: pulumi.Input[str],
) -> TenantDatabaseArgs:
    """The role's CONNECTION LIMIT is the tenant's worst case from the connection budget."""
    return TenantDatabaseArgs(
        slug=tenant.slug,
        connection_limit=tenant_connections(tenant).worst_case,
        host=server.host,
        port=server.port,
        admin_namespace=server.admin_namespace,
        admin_secret_name=server.admin_secret_name,
        admin_secret_arn=server.admin_secret_arn,
        admin_service_account=server.admin_service_account,
        tenant_namespace=tenant_namespace,
        k8s_labels=context.k8s_labels,
    )


class TenantInfra(TypedDict, total=False):
    """What the platform (or a tenant stack) hands a tenant's `OdooTenantArgs` beyond its
    configuration: where its services are. Each key is the `OdooTenantArgs` field of that name."""

    namespace: Required[pulumi.Input[str]]
    database_name: Required[str]
    db_credentials_secret: Required[pulumi.Input[str]]
    backup_bucket_name: Required[pulumi.Input[str]]
    backup_bucket_arn: Required[pulumi.Input[str]]
    backup_kms_key_arn: Required[pulumi.Input[str]]
    efs_file_system_id: Required[pulumi.Input[str]]
    oidc_provider_arn: Required[pulumi.Input[str]]
    oidc_issuer_url: Required[pulumi.Input[str]]
    database_cidrs: Required[pulumi.Input[Sequence[str]]]
    vpc_cidr: Required[pulumi.Input[str]]
    efs_mount_target_ip: pulumi.Input[str] | None
    redis_host: pulumi.Input[str] | None
    redis_port: int
    redis_user: str | None
    redis_password: pulumi.Input[str] | None
    traefik_namespace: pulumi.Input[str]
    entry_point: pulumi.Input[str]
    cluster_issuer: pulumi.Input[str] | None
    dns: TenantDns | None
    standby: bool
    paused_replicas: int | None
    smtp: mail.SmtpSettings | None
    smtp_user: pulumi.Input[str] | None
    smtp_password: pulumi.Input[str] | None
    smtp_egress_cidrs: pulumi.Input[Sequence[str]]
    dr_restore_from: DrReplica | None
    dr_drill: DrDrillArgs | None


def tenant_args(
    tenant: TenantConfig, context: TenantContext, **infra: Unpack[TenantInfra]
) -> OdooTenantArgs:
    """Everything the configuration decides; `infra` gives the ids, ARNs, names and CIDRs."""
    # An offboarded tenant's node group is gone (`cluster_args` declares none for it): its
    # final backup runs on the shared nodes.
    dedicated = tenant.tier == "dedicated" and lifecycle.runs_workloads(tenant)
    migration, offboarding = tenant.migration, tenant.offboarding
    return OdooTenantArgs(
        slug=tenant.slug,
        odoo_version=tenant.odoo_version,
        image=tenant.image,
        profile=tenant_profile(tenant),
        hostnames=tuple(tenant.hostnames),
        addons=tuple(tenant.addons),
        admin_login=tenant.admin_login,
        filestore_version=(
            (migration.filestore_version or migration.from_version) if migration else None
        ),
        tier=tenant.tier,
        k8s_labels=context.k8s_labels,
        sessions_in_redis=tenant.sessions_in_redis,
        rpo_hours=context.rpo_hours,
        job_window=context.job_window,
        aws_region=context.aws_region,
        suspended=tenant.state == "suspended",
        scaling=context.scaling,
        offboarded=tenant.state == "offboarded",
        offboarding_requested_on=(
            offboarding.requested_on.isoformat() if offboarding is not None else None
        ),
        protect=context.protect,
        node_selector=dedicated_node_selector(tenant.slug) if dedicated else {},
        tolerations=tuple(dedicated_tolerations(tenant.slug)) if dedicated else (),
        **infra,
    )
