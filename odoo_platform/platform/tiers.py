"""The two tenancy tiers (DESIGN.md, "Tenancy model").

`MultiTenantTier`: shared PostgreSQL servers (one per database pool), Redis caches (one per cache
pool) and one backup bucket; per tenant its own namespace, database and role (on its pool's
server), its Redis user (in its cache pool's cache), and Odoo on the shared node group.
`DedicatedTier`: per tenant its own server (Multi-AZ in prod, optional reporting replica), cache,
backup bucket with its own KMS key, file system and node group; Odoo pinned to that node group.
A dedicated tenant with an account role has all of these (but the nodes) in its own AWS account,
in a VPC peered with the platform's.

Every logical name derives from the tier and the tenant slug, never from a list position, so adding,
removing or reordering tenants changes no other resource's URN.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict, cast

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import child_opts, component_type
from odoo_platform.components._shared.kms import KeyAlias, customer_key
from odoo_platform.components.aws_backup import BackupPlan
from odoo_platform.components.backup_bucket import BackupBucket
from odoo_platform.components.cluster import KubernetesCluster
from odoo_platform.components.database_schedule import DatabaseSchedule
from odoo_platform.components.file_system import FileSystem, FileSystemArgs
from odoo_platform.components.landing_zone import LandingZone, kms_key_policy
from odoo_platform.components.mail import SesMail
from odoo_platform.components.odoo_tenant import DnsFailover, OdooTenant
from odoo_platform.components.postgres import (
    AdminRotation,
    CrossRegionBackups,
    PostgresServer,
)
from odoo_platform.components.postgres.replica import CrossRegionReplica
from odoo_platform.components.redis_cache import RedisCache
from odoo_platform.components.tenant_account_network import (
    TenantAccountNetwork,
    TenantAccountNetworkArgs,
)
from odoo_platform.components.tenant_database import TenantDatabase
from odoo_platform.components.tenant_namespace import TenantNamespace
from odoo_platform.components.traefik import TraefikIngress
from odoo_platform.config.cache_pools import cache_pool_of, shared_caches
from odoo_platform.config.capacity import ConnectionBudget, ServerKey
from odoo_platform.config.lifecycle import protect_tenant_data
from odoo_platform.config.models import DEFAULT_POOL, PlatformConfig, TenantConfig
from odoo_platform.config.tags import base_tags, resource_tags
from odoo_platform.odoo import bootstrap
from odoo_platform.platform.assembly.aws_backup import backup_plan_args
from odoo_platform.platform.assembly.backup_bucket import backup_bucket_args
from odoo_platform.platform.assembly.database_schedule import database_schedule_args
from odoo_platform.platform.assembly.mail import tenant_mail_args
from odoo_platform.platform.assembly.postgres import postgres_server_args
from odoo_platform.platform.assembly.recovery import recovery_args
from odoo_platform.platform.assembly.redis_cache import redis_cache_args
from odoo_platform.platform.assembly.tenant import (
    database_args,
    namespace_args,
    platform_dns,
    server_of,
    tenant_args,
    tenant_context,
)
from odoo_platform.platform.dr_site import PrimarySite
from odoo_platform.platform.warm_standby import (
    PasswordReplica,
    RestoreSource,
    primary_of_standby,
    replica_server,
    replicate_password,
    restore_source,
    standby_credentials,
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
    file_system_id: pulumi.Input[str]


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


def _cross_region_backups(args: TierArgs) -> CrossRegionBackups | None:
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


@dataclass(frozen=True)
class OwnAccount:
    """A tenant's own account: its peered VPC, the platform nodes' group as seen from there."""

    network: TenantAccountNetwork
    nodes_security_group_ref: pulumi.Output[str]  # `<platform account>/<sg-id>`
    oidc_provider_arn: pulumi.Output[str]

    def data_network(self, kms_key_arn: pulumi.Input[str]) -> DataNetwork:
        return DataNetwork(
            subnet_ids=self.network.database_subnet_ids,
            vpc_id=self.network.vpc_id,
            nodes_security_group_id=self.nodes_security_group_ref,
            kms_key_arn=kms_key_arn,
        )


def _password_replica(
    args: TierArgs, kms_key_arn: pulumi.Input[str], dr_copies: CrossRegionBackups | None
) -> PasswordReplica | None:
    """On a primary with a warm standby: the tenants' passwords go to the DR region too."""
    dr = args.config.disaster_recovery
    if dr is None or dr_copies is None or not primary_of_standby(args.config):
        return None
    return PasswordReplica(kms_key_arn, dr.dr_region, dr_copies.kms_key_arn)


def _admin_rotation(
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


def _own_account_network(
    parent: pulumi.Resource,
    name: str,
    args: TierArgs,
    tenant: TenantConfig,
    account: aws.Provider,
) -> OwnAccount:
    """The tenant account's VPC peered with the platform's, and an OIDC provider for IRSA there.

    Security groups there admit the platform nodes' group by `<account>/<sg-id>`, which AWS
    accepts for a peered VPC in the same region (the provider splits it into UserId/GroupId).
    """
    overrides = tenant.dedicated
    assert overrides and overrides.aws_account_role_arn and overrides.account_vpc_cidr
    config, zone = args.config, args.landing_zone
    network = TenantAccountNetwork(
        f"{name}-net",
        TenantAccountNetworkArgs(
            vpc_cidr=str(overrides.account_vpc_cidr),
            tenant_account_id=overrides.aws_account_role_arn.split(":")[4],
            platform_provider=zone.provider,
            platform_vpc_id=zone.vpc_id,
            platform_vpc_cidr=zone.vpc_cidr,
            platform_route_table_ids=zone.private_route_table_ids,
            region=config.region,
            availability_zones=config.landing_zone.availability_zones,
            flow_log_retention_days=config.landing_zone.flow_log_retention_days,
            protect_logs_key=protect_tenant_data(config, tenant, args.today),
            tenant=tenant.slug,
        ),
        opts=child_opts(parent, providers={"aws": account}),
    )
    platform = pulumi.InvokeOutputOptions(parent=parent, provider=zone.provider)
    platform_account = aws.get_caller_identity_output(opts=platform).account_id
    # IRSA roles in the tenant account trust the cluster's issuer through a provider of its own.
    oidc = aws.iam.OpenIdConnectProvider(
        f"{name}-oidc",
        url=args.oidc_issuer_url,
        client_id_lists=["sts.amazonaws.com"],
        tags=resource_tags("dedicated", tenant.slug),
        opts=child_opts(parent, provider=account),
    )
    return OwnAccount(
        network=network,
        nodes_security_group_ref=pulumi.Output.concat(
            platform_account, "/", zone.node_security_group_id
        ),
        oidc_provider_arn=oidc.arn,
    )


def _database_schedule(
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


def _declare_tenant(
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
            config, tenant, services.bucket, args.dr_primary, own_account=placement is not None
        ),
    )
    # In its own account, the tenant's IAM role and EFS access point go there too.
    in_account = dict(placement.providers) if placement else {}
    odoo = OdooTenant(
        name, odoo_args, opts=child_opts(parent, depends_on=ready, providers=in_account)
    )
    return HostedTenant(tenant.slug, tenant.tier, namespace.name, database, odoo, services)


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
                    cross_region_backups=_cross_region_backups(args),
                    logs_kms_key_arn=zone.kms_key_arns["logs"],
                    rotation=_admin_rotation(args, zone.private_subnet_ids, args.oidc_provider_arn),
                    **network,
                ),
                opts=child_opts(self),
            )
            _database_schedule(self, logical, created, config, pool=pool)
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
        self.services = TenantServices(default, cache, bucket, zone.efs_file_system_id)
        replica = _password_replica(args, zone.kms_key_arns["data"], _cross_region_backups(args))
        self.tenants = {
            t.slug: _declare_tenant(
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


class DedicatedTier(pulumi.ComponentResource):
    """Per tenant: its own key, server, cache, bucket and file system, and Odoo on its nodes."""

    tenants: dict[str, HostedTenant]

    def __init__(
        self, name: str, args: TierArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("DedicatedTier"), name, None, opts)
        self._args = args
        self.tenants = {t.slug: self._tenant(f"{name}-{t.slug}", t) for t in args.tenants}
        self.register_outputs({"tenants": list(self.tenants)})

    def _tenant(self, name: str, tenant: TenantConfig) -> HostedTenant:
        args, config, zone = self._args, self._args.config, self._args.landing_zone
        protect = protect_tenant_data(config, tenant, args.today)
        account, account_dr = self._account_providers(name, tenant)
        # A tenant in its own account gets every AWS resource there: children inherit this.
        in_account: dict[str, pulumi.ProviderResource] = {"aws": account} if account else {}
        own = _own_account_network(self, name, args, tenant, account) if account else None
        key_arn = self._data_key(name, tenant, protect, account)
        network = own.data_network(key_arn) if own else data_network(zone, key_arn)
        key = ServerKey.dedicated(tenant.slug)
        server: PostgresServer | CrossRegionReplica
        bucket: BackupBucket | RestoreSource
        dr_copies: CrossRegionBackups | None = None
        if args.standby is not None:
            server = replica_server(
                f"{name}-postgres",
                config,
                args.standby,
                args.budgets[key],
                tenant=tenant,
                opts=child_opts(self, providers=in_account),
                **network,
            )
        else:
            dr_copies = self._dr_backups(name, tenant, protect, account_dr)
            server_args = postgres_server_args(
                config,
                args.budgets[key],
                tenant=tenant,
                cross_region_backups=dr_copies,
                logs_kms_key_arn=(
                    own.network.logs_kms_key_arn if own else zone.kms_key_arns["logs"]
                ),
                rotation=(
                    _admin_rotation(args, own.network.private_subnet_ids, own.oidc_provider_arn)
                    if own
                    else _admin_rotation(args, zone.private_subnet_ids, args.oidc_provider_arn)
                ),
                **network,
            )
            server = PostgresServer(
                f"{name}-postgres",
                dataclasses.replace(server_args, protect=protect),
                opts=child_opts(self, providers=in_account),
            )
            _database_schedule(
                self, f"{name}-postgres", server, config, tenant=tenant, providers=in_account
            )
        cache = RedisCache(
            f"{name}-redis",
            redis_cache_args(config, tenant=tenant, **network),
            opts=child_opts(self, providers=in_account),
        )
        if args.standby is not None:
            bucket = restore_source(args.standby, key)
        else:
            dr_provider = account_dr or (args.dr.provider if args.dr else None)
            bucket_args = backup_bucket_args(config, tenant=tenant, dr_provider=dr_provider)
            bucket = BackupBucket(
                f"{name}-backups",
                dataclasses.replace(bucket_args, protect=protect),
                opts=child_opts(self, providers=in_account),
            )
        file_system = FileSystem(
            f"{name}-efs",
            FileSystemArgs(
                vpc_id=network["vpc_id"],
                subnet_ids=own.network.private_subnet_ids if own else zone.private_subnet_ids,
                nodes_security_group_id=network["nodes_security_group_id"],
                kms_key_arn=key_arn,
                protect=protect,
                tenant=tenant.slug,
            ),
            opts=child_opts(self, providers=in_account),
        )
        services = TenantServices(server, cache, bucket, file_system.file_system_id)
        if account is not None and isinstance(bucket, BackupBucket):
            self._account_backup_plan(name, tenant, bucket, account_dr, account)
        replica = _password_replica(args, key_arn, dr_copies)
        if own is None or account is None:
            return _declare_tenant(self, name, args, tenant, services, password_replica=replica)
        return _declare_tenant(
            self,
            name,
            args,
            tenant,
            services,
            password_replica=replica,
            placement=TenantPlacement(
                database_cidrs=own.network.database_cidrs,
                vpc_cidr=own.network.vpc_cidr,
                oidc_provider_arn=own.oidc_provider_arn,
                efs_mount_target_ip=file_system.mount_target_ips[0],
                providers={"aws": account},
            ),
        )

    def _data_key(
        self,
        name: str,
        tenant: TenantConfig,
        protect: bool,
        provider: aws.Provider | None,
        region: str | None = None,
    ) -> pulumi.Output[str]:
        """The tenant's own data key: destroying it (after purge) makes every copy unreadable.

        `provider` is the tenant's account (its region or, with `region`, the DR region); None
        keeps the key in the platform account, under the provider the tier inherits.
        """
        config = self._args.config
        invoke = pulumi.InvokeOutputOptions(parent=self, provider=provider)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        key_region = region or config.region
        suffix = "-dr" if region else ""
        key = customer_key(
            f"{name}-key{suffix}",
            description=f"data of tenant {tenant.slug}",
            policy=account_id.apply(lambda account: kms_key_policy("data", account, key_region)),
            tags=resource_tags("dedicated", tenant.slug),
            opts=child_opts(self, protect=protect, provider=provider),
            alias=KeyAlias(f"{name}-key{suffix}-alias", f"alias/odoo-platform/{tenant.slug}/data"),
        )
        return key.arn

    def _account_backup_plan(
        self,
        name: str,
        tenant: TenantConfig,
        bucket: BackupBucket,
        account_dr: aws.Provider | None,
        account: aws.Provider,
    ) -> BackupPlan:
        """AWS Backup in the tenant's account: the platform's plan sees only its own account.

        It selects by the same tag, so it picks up the tenant's database and file system; its
        vault uses the tenant bucket's key (usable by AWS Backup), DR copies that of the replica.
        """
        dr_key = bucket.dr_kms_key_arn if account_dr is not None else None
        plan_args = backup_plan_args(
            self._args.config,
            kms_key_arn=bucket.kms_key_arn,
            dr_provider=account_dr if dr_key is not None else None,
            dr_kms_key_arn=dr_key,
            tenant=tenant,
        )
        return BackupPlan(
            f"{name}-backup-plan", plan_args, opts=child_opts(self, providers={"aws": account})
        )

    def _dr_backups(
        self, name: str, tenant: TenantConfig, protect: bool, account_dr: aws.Provider | None
    ) -> CrossRegionBackups | None:
        """Database backup copies in the DR region: the tenant's own account keeps its own."""
        dr = self._args.config.disaster_recovery
        if account_dr is None or dr is None:
            return _cross_region_backups(self._args)
        key = self._data_key(name, tenant, protect, account_dr, region=dr.dr_region)
        return CrossRegionBackups(provider=account_dr, kms_key_arn=key)

    def _account_providers(
        self, name: str, tenant: TenantConfig
    ) -> tuple[aws.Provider | None, aws.Provider | None]:
        """Providers that assume the tenant's own account role (its region and the DR region).

        Every AWS resource of the tenant lives in its own account: a VPC peered with the
        platform's, its data key, database, cache, file system, backups (and their DR copies),
        the IRSA role and the EFS access point.
        """
        overrides = tenant.dedicated
        role = overrides.aws_account_role_arn if overrides else None
        if role is None:
            return None, None
        config = self._args.config

        def provider(suffix: str, region: str) -> aws.Provider:
            return aws.Provider(
                f"{name}-{suffix}",
                region=region,
                assume_roles=[
                    aws.ProviderAssumeRoleArgs(
                        role_arn=role, session_name=f"odoo-platform-{tenant.slug}"
                    )
                ],
                default_tags=aws.ProviderDefaultTagsArgs(tags=base_tags(config)),
                opts=child_opts(self),
            )

        dr = config.disaster_recovery
        return provider("account", config.region), (
            provider("account-dr", dr.dr_region) if dr and self._args.dr else None
        )
