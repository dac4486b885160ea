"""Composition of a regional platform from one validated configuration, and its outputs.

`RegionalPlatform` declares, in order: the landing zone (and the AWS provider every child uses),
the Kubernetes cluster (and the Kubernetes provider), Traefik with TLS, the disaster-recovery
site, both tenancy tiers, AWS Backup and observability. `PlatformOutputs` is what a stack
exports; `PlatformReference` reads it back from another stack.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, TypeVar, cast

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from odoo_platform.components._shared.base import child_opts, component_type
from odoo_platform.components._shared.kms import customer_key
from odoo_platform.components.aws_backup import BackupPlan
from odoo_platform.components.backup_bucket import BackupBucket, BackupsOutput
from odoo_platform.components.budgets import CostControls
from odoo_platform.components.cluster import KubernetesCluster
from odoo_platform.components.event_autoscaler import EventAutoscaler
from odoo_platform.components.landing_zone import LandingZone, kms_key_policy
from odoo_platform.components.mail import SesMail
from odoo_platform.components.node_autoscaler import NodeAutoscaler
from odoo_platform.components.observability import Observability, ObservabilityArgs
from odoo_platform.components.postgres import PostgresServer
from odoo_platform.components.redis_cache import CacheOutput
from odoo_platform.components.traefik import IngressOutput, TraefikIngress
from odoo_platform.config import PlatformConfig, defaults
from odoo_platform.config.capacity import ConnectionBudget, ServerKey, budgets_by_server
from odoo_platform.config.drills import restores_on_start
from odoo_platform.config.lifecycle import retained_tenants
from odoo_platform.config.mail import ses_settings
from odoo_platform.config.models import DEFAULT_POOL, EksClusterConfig
from odoo_platform.config.tags import base_tags, resource_tags
from odoo_platform.platform import warm_standby
from odoo_platform.platform.assembly.aws_backup import backup_plan_args
from odoo_platform.platform.assembly.budgets import cost_controls_args
from odoo_platform.platform.assembly.cluster import cluster_args
from odoo_platform.platform.assembly.event_autoscaler import event_autoscaler_args
from odoo_platform.platform.assembly.landing_zone import landing_zone_args
from odoo_platform.platform.assembly.mail import mail_args
from odoo_platform.platform.assembly.node_autoscaler import node_autoscaler_args, node_discovery
from odoo_platform.platform.assembly.observability import observability_args
from odoo_platform.platform.assembly.recovery import (
    DrReplicaOutput,
    dr_backup_replicas,
    drill_alarms,
    replication_alarms,
)
from odoo_platform.platform.assembly.traefik import traefik_args
from odoo_platform.platform.dr_site import StandbySources, primary_site
from odoo_platform.platform.tiers import (
    DedicatedTier,
    DisasterRecoverySite,
    HostedTenant,
    HostedTenantOutput,
    MultiTenantTier,
    TierArgs,
)

TierT = TypeVar("TierT", MultiTenantTier, DedicatedTier)
RETAINED_TENANTS = "retained_tenants"  # tenants whose data the next deployment must keep
TENANTS = "tenants"  # per tenant, among others the Odoo series it runs (`odoo_version`)
# The nested outputs of the shared tier's services, as each component exports itself.
SharedCacheOutput = CacheOutput
SharedBackupsOutput = BackupsOutput


@dataclass(frozen=True)
class RegionalPlatformArgs:
    config: PlatformConfig
    """The stack's validated configuration (`odoo-platform:platform`)."""
    today: dt.date
    """The day lifecycle decisions (offboarding, purge dates, retained tenants) are taken as of."""
    deployment: dict[str, str] | None = None
    """The pipeline's deployment record (`odoo-platform:deployment`), exported as it is."""


class RegionalPlatform(pulumi.ComponentResource):
    """Everything one regional stack runs, from one validated configuration."""

    landing_zone: LandingZone
    cluster: KubernetesCluster
    node_autoscaler: NodeAutoscaler | None
    ingress: TraefikIngress
    event_autoscaler: EventAutoscaler | None
    shared_tier: MultiTenantTier | None
    dedicated_tier: DedicatedTier | None
    mail: SesMail | None
    backup_plan: BackupPlan
    observability: Observability
    cost_controls: CostControls | None
    outputs: PlatformOutputs

    def __init__(
        self, name: str, args: RegionalPlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("RegionalPlatform"), name, None, opts)
        config = args.config
        # Derived once from the configuration and handed to the tiers, alarms and outputs.
        self._budgets = budgets_by_server(config)
        self._dr_backups_key: pulumi.Output[str] | None = None
        discovery = node_discovery(config, f"{name}-cluster")
        self.landing_zone = zone = LandingZone(
            f"{name}-network",
            landing_zone_args(config, node_discovery=discovery),
            opts=child_opts(self),
        )
        on_aws = child_opts(self, providers=[zone.provider])
        self.cluster = cluster = KubernetesCluster(
            f"{name}-cluster",
            cluster_args(
                config,
                subnet_ids=zone.private_subnet_ids,
                node_security_group_id=zone.node_security_group_id,
                secrets_kms_key_arn=zone.kms_key_arns["kubernetes"],
                logs_kms_key_arn=zone.kms_key_arns["logs"],
                efs_file_system_id=zone.efs_file_system_id,
            ),
            opts=on_aws,
        )
        oidc_arn, oidc_url = _oidc(config, cluster)
        on_cluster = child_opts(self, providers=[zone.provider, cluster.provider])
        self.node_autoscaler = self._node_autoscaler(name, config, oidc_arn, oidc_url)
        self.ingress = TraefikIngress(
            f"{name}-ingress",
            traefik_args(config, oidc_provider_arn=oidc_arn, oidc_issuer_url=oidc_url),
            opts=on_cluster,
        )
        self.event_autoscaler = self._event_autoscaler(name, config, on_cluster)
        dr = self._disaster_recovery_site(name, config)
        site = primary_site(config, self)
        self.mail = self._mail(name, config, zone)
        tier_args = TierArgs(
            config=config,
            today=args.today,
            landing_zone=zone,
            cluster=cluster,
            ingress=self.ingress,
            tenants=(),
            budgets=self._budgets,
            oidc_provider_arn=oidc_arn,
            oidc_issuer_url=oidc_url,
            dr=dr,
            mail=self.mail,
            standby=site if config.dr_site and config.dr_site.mode == "warm-standby" else None,
            dns_failover=warm_standby.dns_failover(config, self._health_check(name, config)),
            dr_primary=site if restores_on_start(config) else None,
        )
        self.shared_tier = self._tier(MultiTenantTier, f"{name}-shared", tier_args, "shared")
        self.dedicated_tier = self._tier(DedicatedTier, f"{name}-dedicated", tier_args, "dedicated")
        self.backup_plan = BackupPlan(
            f"{name}-backup-plan",
            backup_plan_args(
                config,
                kms_key_arn=zone.kms_key_arns["backups"],
                dr_provider=dr.provider if dr else None,
                dr_kms_key_arn=self._dr_backups_key if dr else None,
            ),
            opts=on_aws,
        )
        self.observability = Observability(
            f"{name}-observability", self._observability_args(config), opts=on_cluster
        )
        cost_args = cost_controls_args(config, self.observability.topic_arn)
        self.cost_controls = (
            CostControls(f"{name}-cost", cost_args, opts=child_opts(self)) if cost_args else None
        )
        self.outputs = dataclasses.replace(
            self._outputs(config, args.today, oidc_arn, oidc_url), deployment=args.deployment
        )
        self.register_outputs({"tenants": list(self.hosted_tenants)})

    @property
    def hosted_tenants(self) -> dict[str, HostedTenant]:
        tiers = (self.shared_tier, self.dedicated_tier)
        return {slug: t for tier in tiers if tier for slug, t in tier.tenants.items()}

    def _tier(self, kind: type[TierT], name: str, args: TierArgs, tier: str) -> TierT | None:
        tenants = [t for t in args.config.tenants if t.tier == tier]
        if not tenants:
            return None
        zone, cluster = args.landing_zone, args.cluster
        # The tenants' ScaledObjects need KEDA's CRDs and webhook first.
        after = [self.event_autoscaler] if self.event_autoscaler else []
        opts = child_opts(self, providers=[zone.provider, cluster.provider], depends_on=after)
        return kind(name, dataclasses.replace(args, tenants=tenants), opts=opts)

    def _node_autoscaler(
        self,
        name: str,
        config: PlatformConfig,
        oidc_arn: pulumi.Input[str],
        oidc_url: pulumi.Input[str],
    ) -> NodeAutoscaler | None:
        """Karpenter, unless the stack brings its own node autoscaler."""
        cluster = self.cluster
        args = node_autoscaler_args(
            config,
            cluster_component=f"{name}-cluster",
            oidc_provider_arn=oidc_arn,
            oidc_issuer_url=oidc_url,
            eks_cluster_name=cluster.cluster_name,
            cluster_security_group_id=cluster.cluster_security_group_id,
        )
        if args is None:
            return None
        opts = child_opts(self, providers=[self.landing_zone.provider, cluster.provider])
        return NodeAutoscaler(f"{name}-nodes", args, opts=opts)

    def _event_autoscaler(
        self, name: str, config: PlatformConfig, opts: pulumi.ResourceOptions
    ) -> EventAutoscaler | None:
        autoscaler = event_autoscaler_args(config)
        if autoscaler is None:
            return None
        return EventAutoscaler(f"{name}-event-autoscaler", autoscaler, opts=opts)

    def _health_check(self, name: str, config: PlatformConfig) -> aws.route53.HealthCheck | None:
        """The ingress's health check that the PRIMARY records of a warm standby's primary use."""
        if not warm_standby.primary_of_standby(config):
            return None
        if config.shared_services.tls.route53_zone_id is None:
            return None
        opts = child_opts(self, providers=[self.landing_zone.provider])
        return warm_standby.ingress_health_check(name, self.ingress, opts)

    def _standby_sources(self, config: PlatformConfig) -> pulumi.Output[StandbySources] | None:
        """What the warm standby replicates: servers and bucket replicas by ServerKey, and per
        tenant its server and password secret (never the password)."""
        if not warm_standby.primary_of_standby(config):
            return None
        servers: dict[str, Any] = {}
        backups: dict[str, Any] = {}
        if self.shared_tier is not None:
            bucket = self.shared_tier.services.bucket
            assert isinstance(bucket, BackupBucket)
            for key, pool_server in self.shared_tier.servers.items():
                assert isinstance(pool_server, PostgresServer)
                servers[key] = warm_standby.server_source(pool_server)
            backups[ServerKey.shared()] = warm_standby.dr_backups_output(bucket)
        by_slug = {t.slug: t for t in config.tenants}
        for slug, hosted in (self.dedicated_tier.tenants if self.dedicated_tier else {}).items():
            key, server, bucket = (
                ServerKey.dedicated(slug),
                hosted.services.server,
                hosted.services.bucket,
            )
            assert isinstance(server, PostgresServer) and isinstance(bucket, BackupBucket)
            servers[key] = warm_standby.server_source(server, by_slug[slug])
            backups[key] = warm_standby.dr_backups_output(bucket)
        tenants = {
            t.slug: {
                "server": ServerKey.of(t),
                "password_secret": warm_standby.password_secret_name(t.slug),
            }
            for t in config.tenants
        }
        return pulumi.Output.all(servers=servers, backups=backups, tenants=tenants).apply(
            lambda values: cast(StandbySources, values)
        )

    def _mail(self, name: str, config: PlatformConfig, zone: LandingZone) -> SesMail | None:
        """SES for the tenants that send through it (none without `shared_services.mail`)."""
        if ses_settings(config) is None:
            return None
        return SesMail(
            f"{name}-mail",
            mail_args(
                config,
                vpc_id=zone.vpc_id,
                vpc_cidr=zone.vpc_cidr,
                subnet_ids=zone.private_subnet_ids,
            ),
            opts=child_opts(self, providers=[zone.provider]),
        )

    def _disaster_recovery_site(
        self, name: str, config: PlatformConfig
    ) -> DisasterRecoverySite | None:
        """A provider in the DR region and keys there for database and vault copies."""
        dr = config.disaster_recovery
        if dr is None:
            return None
        provider = aws.Provider(
            f"{name}-dr",
            region=dr.dr_region,
            default_tags=aws.ProviderDefaultTagsArgs(tags=base_tags(config)),
            opts=child_opts(self),
        )
        account = aws.get_caller_identity_output(
            opts=pulumi.InvokeOutputOptions(parent=self, provider=provider)
        ).account_id
        protect = defaults.protect_stateful(config)

        def key(purpose: str) -> pulumi.Output[str]:
            created = customer_key(
                f"{name}-dr-{purpose}-key",
                description=f"{purpose} copies from {config.region} (disaster recovery)",
                policy=account.apply(lambda a: kms_key_policy(purpose, a, dr.dr_region)),
                tags=resource_tags(),
                opts=child_opts(self, provider=provider, protect=protect),
            )
            return created.arn

        self._dr_backups_key = key("backups")
        return DisasterRecoverySite(provider=provider, database_key_arn=key("data"))

    def _observability_args(self, config: PlatformConfig) -> ObservabilityArgs:
        servers: dict[ServerKey, pulumi.Input[str]] = {}
        caches: dict[ServerKey, pulumi.Input[str]] = {}
        replicas: dict[ServerKey, pulumi.Input[str]] = {}
        if self.shared_tier is not None:
            for key, shared in self.shared_tier.servers.items():  # every database pool
                servers[key] = shared.identifier
            for pool, cache in self.shared_tier.caches.items():  # every cache pool
                caches[ServerKey.pool(pool)] = cache.replication_group_id
        for slug, tenant in (self.dedicated_tier.tenants if self.dedicated_tier else {}).items():
            key = ServerKey.dedicated(slug)
            if key not in self._budgets:
                continue  # offboarded: its server keeps its data but serves no one
            server = tenant.services.server
            servers[key], caches[key] = (
                server.identifier,
                tenant.services.cache.replication_group_id,
            )
            if server.replica_identifier is not None:
                replicas[key] = server.replica_identifier
        args = observability_args(
            config,
            self._budgets,
            kms_key_arn=self.landing_zone.kms_key_arns["logs"],
            database_identifiers=servers,
            cache_group_ids=caches,
            replica_identifiers=replicas,
        )
        if not config.shared_services.alerts.prometheus_rules:
            args = dataclasses.replace(args, tenants=())
        hosted = self.hosted_tenants
        return dataclasses.replace(
            args,
            dr_drills=drill_alarms(hosted),
            replications=replication_alarms(config, hosted),
        )

    def _outputs(
        self,
        config: PlatformConfig,
        today: dt.date,
        oidc_arn: pulumi.Input[str],
        oidc_url: pulumi.Input[str],
    ) -> PlatformOutputs:
        zone, cluster = self.landing_zone, self.cluster
        shared = self.shared_tier.services if self.shared_tier else None
        return PlatformOutputs(
            environment=config.environment,
            region=config.region,
            residency=config.residency,
            vpc_id=zone.vpc_id,
            vpc_cidr=zone.vpc_cidr,
            private_subnet_ids=pulumi.Output.all(*zone.private_subnet_ids),
            database_subnet_ids=pulumi.Output.all(*zone.database_subnet_ids),
            database_cidrs=list(zone.database_cidrs),
            node_security_group_id=zone.node_security_group_id,
            kms_key_arns=zone.kms_key_arns,
            file_system_id=zone.efs_file_system_id,
            kubernetes_version=config.cluster.kubernetes_version,
            cluster_name=cluster.cluster_name,
            kubeconfig=pulumi.Output.secret(cluster.kubeconfig),
            oidc_provider_arn=oidc_arn,
            oidc_issuer_url=oidc_url,
            ingress=_ingress_output(self.ingress, config.shared_services.tls.route53_zone_id),
            shared_database=(
                _database_output(shared.server)
                if shared and isinstance(shared.server, PostgresServer)
                else None
            ),
            shared_cache=shared.cache.output() if shared else None,
            shared_databases=self._shared_databases(),
            shared_caches=(
                {pool: cache.output() for pool, cache in self.shared_tier.caches.items()}
                if self.shared_tier
                else None
            ),
            shared_backups=shared.bucket.output() if shared else None,
            tenants={t.slug: self.hosted_tenants[t.slug].output(t) for t in config.tenants},
            retained_tenants=retained_tenants(config, today),
            tenant_admin_logins=_admin_logins(self.hosted_tenants),
            connection_budgets=_budget_outputs(self._budgets),
            alerts_topic_arn=self.observability.topic_arn,
            freeze_override=(
                config.governance.freeze_override.model_dump(mode="json")
                if config.governance.freeze_override
                else None
            ),
            disaster_recovery=(
                config.disaster_recovery.model_dump(mode="json", include={"mode", "dr_region"})
                if config.disaster_recovery
                else None
            ),
            standby_sources=self._standby_sources(config),
            database_admin_secrets=warm_standby.admin_secrets(
                self.shared_tier.servers if self.shared_tier else {}, self.hosted_tenants
            ),
            dr_backup_replicas=dr_backup_replicas(config, self.hosted_tenants),
        )

    def _shared_databases(self) -> dict[str, pulumi.Output[SharedDatabaseOutput]] | None:
        """Every shared server by database pool name (`default` included); a standby has none."""
        if self.shared_tier is None:
            return None
        return {
            str(key.pool_name): _database_output(server)
            for key, server in self.shared_tier.servers.items()
            if isinstance(server, PostgresServer)
        } or None


def _database_output(server: PostgresServer) -> pulumi.Output[SharedDatabaseOutput]:
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


def _budget_outputs(budgets: Mapping[ServerKey, ConnectionBudget]) -> dict[str, dict[str, int]]:
    return {
        str(key): {"total": budget.total, "max_connections": budget.max_connections}
        for key, budget in budgets.items()
    }


def _admin_logins(hosted: dict[str, HostedTenant]) -> pulumi.Output[dict[str, Any]]:
    """Each tenant's first Odoo login and its generated password, as one secret."""
    logins: dict[str, Any] = {
        slug: {"login": tenant.odoo.admin_login, "password": tenant.odoo.admin_login_password}
        for slug, tenant in hosted.items()
    }
    return pulumi.Output.secret(logins)


def _oidc(
    config: PlatformConfig, cluster: KubernetesCluster
) -> tuple[pulumi.Input[str], pulumi.Input[str]]:
    """The OIDC provider for IRSA: created with EKS, or named in the config of an existing one."""
    if isinstance(config.cluster, EksClusterConfig):
        assert cluster.oidc_provider_arn is not None and cluster.oidc_issuer_url is not None
        return cluster.oidc_provider_arn, cluster.oidc_issuer_url
    return config.cluster.oidc_provider_arn, config.cluster.oidc_issuer_url


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


def _ingress_output(
    ingress: TraefikIngress, dns_zone_id: str | None
) -> pulumi.Output[PlatformIngressOutput]:
    return ingress.output().apply(
        lambda part: cast(PlatformIngressOutput, {**part, "dns_zone_id": dns_zone_id})
    )


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


class MissingPlatformOutputError(KeyError):
    """The referenced platform stack does not export an output this stack needs."""

    def __str__(self) -> str:
        return str(self.args[0])


class PlatformReference:
    """Typed access to a platform stack's outputs from another stack (`StackReference`).

    `PlatformReference("platform", "acme/odoo-platform/prod-eu-west-1")`: the names are those of
    `PlatformOutputs`, so they cannot drift from what the platform exports: an accessor or
    `output()` with a name the platform does not export raises at once.
    """

    def __init__(self, name: str, stack: str, opts: pulumi.ResourceOptions | None = None) -> None:
        self.stack = stack
        self._reference = pulumi.StackReference(name, stack_name=stack, opts=opts)

    def output(self, name: str) -> pulumi.Output[Any]:
        """Any output by name (None if the stack does not export it); unknown names raise."""
        if name not in OUTPUT_NAMES:
            raise KeyError(f"{name!r} is not a platform output; known: {', '.join(OUTPUT_NAMES)}")
        return self._reference.get_output(name)

    def require(self, name: str) -> pulumi.Output[Any]:
        """An output the referenced stack must export; if it does not, the update fails with a
        message naming the stack and the output. Secret outputs stay secret."""
        stack = self.stack

        def present(value: Any) -> Any:
            if value is None:
                raise MissingPlatformOutputError(
                    f"platform stack {stack!r} exports no {name!r} output: deploy it (or a "
                    f"version of odoo-platform that exports it) before this stack"
                    + (
                        "; it is exported only when the platform has a shared (multi-tenant) tier"
                        if name.startswith("shared_")
                        else ""
                    )
                )
            return value

        return self.output(name).apply(present)

    @property
    def kubeconfig(self) -> pulumi.Output[str]:
        return pulumi.Output.secret(self.require("kubeconfig"))

    @property
    def environment(self) -> pulumi.Output[str]:
        return self.require("environment")

    @property
    def region(self) -> pulumi.Output[str]:
        return self.require("region")

    @property
    def residency(self) -> pulumi.Output[str]:
        return self.require("residency")

    @property
    def kubernetes_version(self) -> pulumi.Output[str]:
        return self.require("kubernetes_version")

    @property
    def oidc_provider_arn(self) -> pulumi.Output[str]:
        return self.require("oidc_provider_arn")

    @property
    def oidc_issuer_url(self) -> pulumi.Output[str]:
        return self.require("oidc_issuer_url")

    @property
    def vpc_cidr(self) -> pulumi.Output[str]:
        return self.require("vpc_cidr")

    @property
    def database_cidrs(self) -> pulumi.Output[list[str]]:
        return self.require("database_cidrs")

    @property
    def file_system_id(self) -> pulumi.Output[str]:
        return self.require("file_system_id")

    @property
    def ingress(self) -> pulumi.Output[PlatformIngressOutput]:
        return self.require("ingress")

    @property
    def shared_database(self) -> pulumi.Output[SharedDatabaseOutput]:
        return self.require("shared_database")

    def shared_database_of(self, pool: str | None) -> pulumi.Output[SharedDatabaseOutput]:
        """The shared server of database pool `pool` (None or `default`: `shared_database`);
        a pool the platform does not export fails the update, naming the pools it has."""
        name = pool or DEFAULT_POOL
        if name == DEFAULT_POOL:
            return self.shared_database
        stack = self.stack

        def pick(servers: dict[str, SharedDatabaseOutput] | None) -> SharedDatabaseOutput:
            if not servers:
                raise MissingPlatformOutputError(
                    f"platform stack {stack!r} exports no 'shared_databases' output, so only "
                    f"the default database pool: database_pool '{name}' needs a platform "
                    "deployed with a version of odoo-platform that exports its pools"
                )
            if name not in servers:
                raise MissingPlatformOutputError(
                    f"platform stack {stack!r} has no database pool '{name}'; its pools: "
                    f"{', '.join(sorted(servers))}"
                )
            return servers[name]

        return self.output("shared_databases").apply(pick)

    @property
    def shared_cache(self) -> pulumi.Output[SharedCacheOutput]:
        return self.require("shared_cache")

    @property
    def shared_backups(self) -> pulumi.Output[SharedBackupsOutput]:
        return self.require("shared_backups")

    @property
    def tenants(self) -> pulumi.Output[dict[str, HostedTenantOutput]]:
        return self.require("tenants")

    def kubernetes_provider(
        self, name: str, opts: pulumi.ResourceOptions | None = None
    ) -> k8s.Provider:
        """A Kubernetes provider for the platform's cluster, from its (secret) kubeconfig."""
        return k8s.Provider(name, kubeconfig=self.kubeconfig, opts=opts)

    def aws_provider(
        self,
        name: str,
        default_tags: Mapping[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> aws.Provider:
        """An AWS provider in the platform's region (credentials from this stack's environment),
        tagging what it creates with `default_tags` (owner, cost centre, environment, ...)."""
        tags = aws.ProviderDefaultTagsArgs(tags=dict(default_tags)) if default_tags else None
        return aws.Provider(name, region=self.region, default_tags=tags, opts=opts)


def build_platform(
    config: PlatformConfig, today: dt.date, deployment: dict[str, str] | None = None
) -> RegionalPlatform:
    """The stack program's body: one RegionalPlatform, its outputs exported."""
    platform = RegionalPlatform("odoo", RegionalPlatformArgs(config, today, deployment))
    platform.outputs.export()
    return platform
