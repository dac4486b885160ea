"""What the regional platform hands to both tiers, and what a tier gives back per tenant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict, cast

import pulumi
import pulumi_aws as aws

from odoo_platform.components.backup_bucket import BackupBucket
from odoo_platform.components.cluster import KubernetesCluster
from odoo_platform.components.landing_zone import LandingZone
from odoo_platform.components.mail import SesMail
from odoo_platform.components.odoo_tenant import DnsFailover, OdooTenant
from odoo_platform.components.postgres import (
    CrossRegionBackups,
    PostgresServer,
)
from odoo_platform.components.postgres.replica import CrossRegionReplica
from odoo_platform.components.redis_cache import RedisCache
from odoo_platform.components.tenant_database import TenantDatabase
from odoo_platform.components.traefik import TraefikIngress
from odoo_platform.config.cache_pools import cache_pool_of
from odoo_platform.config.capacity import ConnectionBudget, ServerKey
from odoo_platform.config.models import PlatformConfig, TenantConfig
from odoo_platform.platform.dr_site import PrimarySite
from odoo_platform.platform.warm_standby import (
    RestoreSource,
)


@dataclass(frozen=True)
class DisasterRecoverySite:
    """The DR region: a provider there and a KMS key for replicated database backups."""

    provider: aws.Provider
    """AWS provider of the DR region."""
    database_key_arn: pulumi.Output[str]
    """KMS key in the DR region for the RDS automated backups replicated there."""


@dataclass(frozen=True)
class TierArgs:
    """What the regional platform hands to both tiers (`budgets`: derived once, by server)."""

    config: PlatformConfig
    """The stack's validated configuration."""
    today: dt.date
    """The day lifecycle decisions (offboarding, purge, data protection) are taken as of."""
    landing_zone: LandingZone
    """The stack's network, keys and shared EFS."""
    cluster: KubernetesCluster
    """The cluster: its Kubernetes provider, node selectors and tolerations."""
    ingress: TraefikIngress
    """Traefik: the tenants' IngressRoutes use its namespace, entry point and issuer."""
    tenants: Sequence[TenantConfig]
    """The tenants of this tier that the platform declares (running or keeping data)."""
    budgets: Mapping[ServerKey, ConnectionBudget]
    """The connection budget of every database server, derived once by the platform."""
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider, trusted by the tenants' IRSA roles."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer URL, for the IRSA trust conditions."""
    dr: DisasterRecoverySite | None = None
    """The DR region's provider and key, when the stack has a DR mode; None: no cross-region
    copies."""
    mail: SesMail | None = None
    """SES and its per-tenant SMTP logins; None: no SES (a tenant's own relay needs none)."""
    standby: PrimarySite | None = None
    """On a warm-standby DR site: the primary whose servers it replicates; None: a primary."""
    dns_failover: DnsFailover | None = None
    """The tenants' records are failover records (a primary with a warm standby, or the
    standby); None: simple records."""
    dr_primary: PrimarySite | None = None
    """On a DR site that restores on start: the primary, whose DR-region copies it restores."""


@dataclass(frozen=True)
class TenantServices:
    """The data services a tenant's Odoo uses: the tier's shared ones or its own."""

    server: PostgresServer | CrossRegionReplica  # a replica on a warm standby
    cache: RedisCache
    bucket: BackupBucket | RestoreSource  # a standby restores from the primary's replica
    file_system_id: pulumi.Input[str]  # on a warm standby: the primary's filestore replica
    file_system_replica_id: pulumi.Output[str] | None = None  # a primary's DR-region replica


class HostedTenantOutput(TypedDict):
    """One entry of the `tenants` output."""

    tier: str
    state: str
    size: str
    odoo_version: str
    hostnames: list[str]
    namespace: str
    database_server: str  # its ServerKey: the next deployment refuses an unrecorded pool move
    cache_pool: str | None  # shared: its cache pool, likewise; dedicated: None (its own cache)


@dataclass(frozen=True)
class HostedTenant:
    """What the platform declared for one tenant, for outputs and alarms."""

    slug: str
    tier: str
    namespace: pulumi.Output[str]
    database: TenantDatabase | None  # None on a standby: the role comes with the replica
    odoo: OdooTenant
    services: TenantServices

    def output(self, tenant: TenantConfig) -> pulumi.Output[HostedTenantOutput]:
        """This tenant's entry of the `tenants` output (`tenant`: its configuration)."""
        return pulumi.Output.all(
            tier=tenant.tier,
            state=tenant.state,
            size=tenant.size,
            odoo_version=tenant.odoo_version,
            hostnames=list(tenant.hostnames),
            namespace=self.namespace,
            database_server=str(ServerKey.of(tenant)),
            cache_pool=cache_pool_of(tenant) if tenant.tier == "shared" else None,
        ).apply(lambda values: cast(HostedTenantOutput, values))


class DataNetwork(TypedDict):
    """Where data services live: the database subnets, reachable from the nodes only."""

    subnet_ids: list[pulumi.Output[str]]
    vpc_id: pulumi.Output[str]
    nodes_security_group_id: pulumi.Output[str]
    kms_key_arn: pulumi.Input[str]


def data_network(zone: LandingZone, kms_key_arn: pulumi.Input[str]) -> DataNetwork:
    return DataNetwork(
        subnet_ids=zone.database_subnet_ids,
        vpc_id=zone.vpc_id,
        nodes_security_group_id=zone.node_security_group_id,
        kms_key_arn=kms_key_arn,
    )


def cross_region_backups(args: TierArgs) -> CrossRegionBackups | None:
    if args.dr is None:
        return None
    return CrossRegionBackups(provider=args.dr.provider, kms_key_arn=args.dr.database_key_arn)


@dataclass(frozen=True)
class TenantPlacement:
    """Where a tenant in its own account runs its AWS side: its VPC, its OIDC provider, its EFS."""

    database_cidrs: tuple[str, ...]
    vpc_cidr: str
    oidc_provider_arn: pulumi.Input[str]
    efs_mount_target_ip: pulumi.Input[str]
    providers: Mapping[str, pulumi.ProviderResource]
