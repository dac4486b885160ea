"""Programs that declare tenants (TenantNamespace then OdooTenant) from the sample stacks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from odoo_platform.components.odoo_tenant import OdooTenant, OdooTenantArgs
from odoo_platform.components.postgres import PostgresServer
from odoo_platform.components.tenant_database import TenantDatabaseArgs
from odoo_platform.components.tenant_namespace import TenantNamespace, TenantNamespaceArgs
from odoo_platform.config import PlatformConfig, load_stack_file
from odoo_platform.config.models import TenantConfig
from odoo_platform.platform.assembly.tenant import (
    database_args,
    namespace_args,
    server_of,
    tenant_args,
    tenant_context,
)
from odoo_platform.synthesis.harness import ProgramResult, run_program

STACKS = Path(__file__).resolve().parents[2] / "stacks"
BUCKET_ARN = "arn:aws:s3:::nb-backups-eu-west-1"
KMS_ARN = "arn:aws:kms:eu-west-1:123456789012:key/backup"
OIDC_ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789"
OIDC_ARN = (
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789"
)


def sample_config(stack: str = "prod-eu-west-1") -> PlatformConfig:
    return load_stack_file(STACKS / f"Pulumi.{stack}.yaml")


def tenant(config: PlatformConfig, slug: str) -> TenantConfig:
    return next(t for t in config.tenants if t.slug == slug)


def with_always_on(config: PlatformConfig, slug: str) -> PlatformConfig:
    """The configuration with one tenant opted out of working hours (`always_on`)."""
    tenants = [
        t.model_copy(update={"always_on": t.slug == slug or t.always_on}) for t in config.tenants
    ]
    return config.model_copy(update={"tenants": tenants})


def infra(slug: str, **overrides: Any) -> dict[str, Any]:
    """What other components would pass: ids, ARNs, names and CIDRs."""
    values: dict[str, Any] = {
        "database_name": slug.replace("-", "_"),
        "db_credentials_secret": f"{slug}-db",
        "backup_bucket_name": "nb-backups-eu-west-1",
        "backup_bucket_arn": BUCKET_ARN,
        "backup_kms_key_arn": KMS_ARN,
        "efs_file_system_id": "fs-0123456789abcdef0",
        "oidc_provider_arn": OIDC_ARN,
        "oidc_issuer_url": OIDC_ISSUER,
        "database_cidrs": ("10.40.200.0/24", "10.40.201.0/24", "10.40.202.0/24"),
        "vpc_cidr": "10.40.0.0/16",
        "redis_host": "master.nb-redis.abc123.euw1.cache.amazonaws.com",
        "redis_password": f"redis-{slug}-password",  # the component makes it secret
        "cluster_issuer": "letsencrypt-dns",
    }
    return {**values, **overrides}


def odoo_args(
    config: PlatformConfig, t: TenantConfig, today: dt.date | None = None, **infra: Any
) -> OdooTenantArgs:
    """The tenant's OdooTenantArgs as a platform stack assembles them."""
    return tenant_args(t, tenant_context(config, t, today), **infra)


def ns_args(config: PlatformConfig, t: TenantConfig) -> TenantNamespaceArgs:
    return namespace_args(t, tenant_context(config, t))


def db_args(
    config: PlatformConfig, t: TenantConfig, server: PostgresServer, *, tenant_namespace: str
) -> TenantDatabaseArgs:
    context = tenant_context(config, t)
    return database_args(t, context, server_of(server, t.slug), tenant_namespace=tenant_namespace)


def declare(config: PlatformConfig, tenants: list[TenantConfig], **overrides: Any) -> None:
    for t in tenants:
        namespace = TenantNamespace(f"ns-{t.slug}", ns_args(config, t))
        args = odoo_args(config, t, namespace=namespace.name, **infra(t.slug, **overrides))
        OdooTenant(f"odoo-{t.slug}", args)


def run_tenants(
    config: PlatformConfig, tenants: list[TenantConfig], **overrides: Any
) -> ProgramResult:
    return run_program(lambda: declare(config, tenants, **overrides))


def run_args(args: OdooTenantArgs) -> ProgramResult:
    return run_program(lambda: OdooTenant(f"odoo-{args.slug}", args) and None)


def with_tenant(config: PlatformConfig, slug: str, **changes: Any) -> PlatformConfig:
    tenants = [t.model_copy(update=changes) if t.slug == slug else t for t in config.tenants]
    return config.model_copy(update={"tenants": tenants})
