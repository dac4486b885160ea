"""Composition of a regional platform from one validated configuration, and its outputs.

`RegionalPlatform` declares, in order: the landing zone (and the AWS provider every child uses),
the Kubernetes cluster (and the Kubernetes provider), Traefik with TLS, the disaster-recovery
site, both tenancy tiers, AWS Backup and observability. `PlatformOutputs` is what a stack
exports; `PlatformReference` reads it back from another stack.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import child_opts, component_type
from odoo_platform.components._shared.kms import customer_key
from odoo_platform.components.aws_backup import BackupPlan
from odoo_platform.components.backup_bucket import BackupBucket
from odoo_platform.components.budgets import CostControls
from odoo_platform.components.cluster import KubernetesCluster
from odoo_platform.components.event_autoscaler import EventAutoscaler
from odoo_platform.components.landing_zone import LandingZone, kms_key_policy
from odoo_platform.components.mail import SesMail
from odoo_platform.components.node_autoscaler import NodeAutoscaler
from odoo_platform.components.observability import Observability, ObservabilityArgs
from odoo_platform.components.postgres import PostgresServer
from odoo_platform.components.traefik import TraefikIngress
from odoo_platform.config import PlatformConfig, defaults
from odoo_platform.config.capacity import ServerKey, budgets_by_server
from odoo_platform.config.drills import restores_on_start
from odoo_platform.config.lifecycle import retained_tenants
from odoo_platform.config.mail import ses_settings
from odoo_platform.config.models import EksClusterConfig
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
    dr_backup_replicas,
    drill_alarms,
    replication_alarms,
)
from odoo_platform.platform.assembly.traefik import traefik_args
from odoo_platform.platform.dr_site import StandbySources, primary_site
from odoo_platform.platform.outputs import (
    PlatformOutputs,
    SharedDatabaseOutput,
    admin_logins,
    budget_outputs,
    database_output,
    ingress_output,
)
from odoo_platform.platform.tiers import (
    DedicatedTier,
    DisasterRecoverySite,
    HostedTenant,
    MultiTenantTier,
    TierArgs,
)

TierT = TypeVar("TierT", MultiTenantTier, DedicatedTier)


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
        # The DR region's keys first: the shared EFS replicates to it (a warm standby's primary).
        dr = self._disaster_recovery_site(name, config)
        self.landing_zone = zone = LandingZone(
            f"{name}-network",
            dataclasses.replace(
                landing_zone_args(config, node_discovery=discovery),
                efs_replication=warm_standby.filestore_replication(config, dr),
            ),
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
        tenant its server and password secret (never the password). With pilot light: the
        servers only (with their replicated automated backups), what its DR site restores."""
        standby = warm_standby.primary_of_standby(config)
        if not standby and not warm_standby.primary_of_pilot_light(config):
            return None
        servers: dict[str, Any] = {}
        backups: dict[str, Any] = {}
        filestores: dict[str, Any] = {}  # each tier's filestore replica (FileSystemReplication)
        if self.shared_tier is not None:
            bucket = self.shared_tier.services.bucket
            assert isinstance(bucket, BackupBucket)
            for key, pool_server in self.shared_tier.servers.items():
                assert isinstance(pool_server, PostgresServer)
                servers[key] = warm_standby.server_source(pool_server)
            backups[ServerKey.shared()] = warm_standby.dr_backups_output(bucket)
            filestores[ServerKey.shared()] = self.landing_zone.efs_replica_file_system_id
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
            filestores[key] = hosted.services.file_system_replica_id
        tenants = {
            t.slug: {
                "server": ServerKey.of(t),
                "password_secret": warm_standby.password_secret_name(t.slug),
            }
            for t in config.tenants
            if standby
        }
        if not standby:  # pilot light restores servers only: no bucket or filestore replicas
            backups, filestores = {}, {}
        return pulumi.Output.all(
            servers=servers, backups=backups, tenants=tenants, filestores=filestores
        ).apply(lambda values: cast(StandbySources, values))

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
            ingress=ingress_output(self.ingress, config.shared_services.tls.route53_zone_id),
            shared_database=(
                database_output(shared.server)
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
            tenant_admin_logins=admin_logins(self.hosted_tenants),
            connection_budgets=budget_outputs(self._budgets),
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
            str(key.pool_name): database_output(server)
            for key, server in self.shared_tier.servers.items()
            if isinstance(server, PostgresServer)
        } or None


def _oidc(
    config: PlatformConfig, cluster: KubernetesCluster
) -> tuple[pulumi.Input[str], pulumi.Input[str]]:
    """The OIDC provider for IRSA: created with EKS, or named in the config of an existing one."""
    if isinstance(config.cluster, EksClusterConfig):
        assert cluster.oidc_provider_arn is not None and cluster.oidc_issuer_url is not None
        return cluster.oidc_provider_arn, cluster.oidc_issuer_url
    return config.cluster.oidc_provider_arn, config.cluster.oidc_issuer_url


def build_platform(
    config: PlatformConfig, today: dt.date, deployment: dict[str, str] | None = None
) -> RegionalPlatform:
    """The stack program's body: one RegionalPlatform, its outputs exported."""
    platform = RegionalPlatform("odoo", RegionalPlatformArgs(config, today, deployment))
    platform.outputs.export()
    return platform
