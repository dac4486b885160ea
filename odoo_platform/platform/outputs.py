"""What a platform stack exports: `PlatformOutputs`, its nested types, and their builders.

Each nested output is the declaring component's own (`TraefikIngress.output()`, ...), typed as
`PlatformReference` (platform/reference.py) reads it back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, cast

import pulumi

from odoo_platform.components.backup_bucket import BackupsOutput
from odoo_platform.components.postgres import PostgresServer
from odoo_platform.components.redis_cache import CacheOutput
from odoo_platform.components.traefik import IngressOutput, TraefikIngress
from odoo_platform.config.capacity import ConnectionBudget, ServerKey
from odoo_platform.platform.assembly.recovery import (
    DrReplicaOutput,
)
from odoo_platform.platform.dr_site import StandbySources
from odoo_platform.platform.tiers import (
    HostedTenant,
    HostedTenantOutput,
)

RETAINED_TENANTS = "retained_tenants"  # tenants whose data the next deployment must keep


TENANTS = "tenants"  # per tenant, among others the Odoo series it runs (`odoo_version`)


# The nested outputs of the shared tier's services, as each component exports itself.
SharedCacheOutput = CacheOutput


SharedBackupsOutput = BackupsOutput


class SharedDatabaseOutput(TypedDict):
    """The `shared_database` output: the multi-tenant tier's PostgreSQL server.

    The administrator Secret lives in `admin_namespace` on the platform's cluster; a
    `TenantDatabase` runs its bootstrap Job there, so the credentials never leave it.
    """

    address: str
    port: int
    admin_namespace: str
    admin_secret_name: str
    # The rotated admin password: Jobs run as this service account and read this secret.
    admin_secret_arn: str
    admin_service_account: str | None
    max_connections: int


class PlatformIngressOutput(IngressOutput):
    """The `ingress` output: the ingress's own part and the zone of the tenants' DNS records."""

    dns_zone_id: str | None  # None: the tenants' host names are managed elsewhere


@dataclass(frozen=True)
class PlatformOutputs:
    """What a platform stack exports (field name = output name); secrets stay secret.

    Each nested output is the declaring component's own (`TraefikIngress.output()`, ...), typed
    as `PlatformReference` reads it back.
    """

    environment: str
    region: str
    residency: str
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    private_subnet_ids: pulumi.Input[list[str]]
    database_subnet_ids: pulumi.Input[list[str]]
    database_cidrs: list[str]
    node_security_group_id: pulumi.Input[str]
    kms_key_arns: dict[str, pulumi.Output[str]]
    file_system_id: pulumi.Input[str]
    kubernetes_version: str
    cluster_name: pulumi.Input[str] | None
    kubeconfig: pulumi.Output[str]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    ingress: pulumi.Output[PlatformIngressOutput]
    shared_database: pulumi.Output[SharedDatabaseOutput] | None
    shared_cache: pulumi.Output[SharedCacheOutput] | None
    shared_backups: pulumi.Output[SharedBackupsOutput] | None
    tenants: dict[str, pulumi.Output[HostedTenantOutput]]
    retained_tenants: list[str]
    # secret: each tenant's first Odoo login and its generated password (set on first install)
    tenant_admin_logins: pulumi.Output[dict[str, Any]]
    connection_budgets: dict[str, dict[str, int]]  # per server: worst case and max_connections
    alerts_topic_arn: pulumi.Input[str]
    freeze_override: dict[str, str] | None
    disaster_recovery: dict[str, str] | None = None
    """The DR mode and region (a DR site checks that they name it)."""
    standby_sources: pulumi.Output[StandbySources] | None = None
    """With a warm standby: what it replicates (servers, bucket replicas, password secrets)."""
    deployment: dict[str, str] | None = None
    """Commit, approver, run URL and time of this deployment (`odoo-platform:deployment`)."""
    dr_backup_replicas: dict[str, pulumi.Output[DrReplicaOutput]] | None = None
    """Per tenant, the DR-region copy of its backups: what a DR site restores from."""
    database_admin_secrets: dict[str, pulumi.Output[str]] | None = None
    """On a warm standby, per server key: the replica of the primary's admin secret here."""
    shared_databases: dict[str, pulumi.Output[SharedDatabaseOutput]] | None = None
    """Every shared server by database pool (`default` is `shared_database`): what a tenant
    stack's `database_pool` names."""
    shared_caches: dict[str, pulumi.Output[SharedCacheOutput]] | None = None
    """Every shared cache by cache pool (`default` is `shared_cache`)."""

    def export(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if value is not None:
                pulumi.export(item.name, value)


OUTPUT_NAMES = tuple(f.name for f in dataclasses.fields(PlatformOutputs))


# The keys of the nested outputs, checked against what RegionalPlatform exports by the tests.
NESTED_OUTPUT_KEYS: dict[str, frozenset[str]] = {
    "ingress": frozenset(PlatformIngressOutput.__annotations__),
    "shared_database": frozenset(SharedDatabaseOutput.__annotations__),
    "shared_cache": frozenset(SharedCacheOutput.__annotations__),
    "shared_backups": frozenset(SharedBackupsOutput.__annotations__),
}


def database_output(server: PostgresServer) -> pulumi.Output[SharedDatabaseOutput]:
    """The shared server as the stack exports it (here until PostgresServer gives its own)."""
    return pulumi.Output.all(
        address=server.address,
        port=server.port,
        admin_namespace=server.admin_namespace,
        admin_secret_name=server.admin_secret_name,
        admin_secret_arn=server.master_secret_arn,
        admin_service_account=server.admin_service_account,
        max_connections=server.max_connections,
    ).apply(lambda values: cast(SharedDatabaseOutput, values))


def budget_outputs(budgets: Mapping[ServerKey, ConnectionBudget]) -> dict[str, dict[str, int]]:
    return {
        str(key): {"total": budget.total, "max_connections": budget.max_connections}
        for key, budget in budgets.items()
    }


def admin_logins(hosted: dict[str, HostedTenant]) -> pulumi.Output[dict[str, Any]]:
    """Each tenant's first Odoo login and its generated password, as one secret."""
    logins: dict[str, Any] = {
        slug: {"login": tenant.odoo.admin_login, "password": tenant.odoo.admin_login_password}
        for slug, tenant in hosted.items()
    }
    return pulumi.Output.secret(logins)


def ingress_output(
    ingress: TraefikIngress, dns_zone_id: str | None
) -> pulumi.Output[PlatformIngressOutput]:
    return ingress.output().apply(
        lambda part: cast(PlatformIngressOutput, {**part, "dns_zone_id": dns_zone_id})
    )
