"""Warm standby: the primary's side (password replicas, failover records, what it exports) and
the standby's (replicas of the primary's servers, the tenants' credentials, restore buckets).

Secrets. A tenant's database role and password are replicated with the data, so the standby's
Odoo must use the very same password. It never travels through stack outputs: the primary keeps
it in a Secrets Manager secret (its data key) with a replica in the DR region (a DR-region key),
and the standby reads that replica in its own region, under its own credentials, into the
tenant's Kubernetes Secret. A tenant in its own AWS account keeps both copies in that account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from odoo_platform.components._shared.base import child_opts
from odoo_platform.components._shared.k8s import manifest
from odoo_platform.components.backup_bucket import BackupBucket, BackupsOutput
from odoo_platform.components.file_system import (
    FileSystemReplication,
    ReplicatedFileSystem,
    ReplicatedFileSystemArgs,
)
from odoo_platform.components.odoo_tenant import DnsFailover
from odoo_platform.components.postgres import PostgresServer
from odoo_platform.components.postgres.replica import CrossRegionReplica, CrossRegionReplicaArgs
from odoo_platform.components.traefik import TraefikIngress
from odoo_platform.config import defaults
from odoo_platform.config.capacity import ConnectionBudget, ServerKey, shared_servers
from odoo_platform.config.models import PlatformConfig, TenantConfig
from odoo_platform.odoo import bootstrap
from odoo_platform.platform.dr_site import DatabaseServerSource, PrimarySite

if TYPE_CHECKING:  # the tiers import this module
    from odoo_platform.platform.tiers import HostedTenant
    from odoo_platform.platform.tiers.args import DisasterRecoverySite

HEALTH_CHECK_PORT = 443


def primary_of_standby(config: PlatformConfig) -> bool:
    """This stack has a warm standby in its DR region (and so exports what it replicates)."""
    dr = config.disaster_recovery
    return dr is not None and dr.mode == "warm-standby"


def filestore_replication(
    config: PlatformConfig,
    dr: DisasterRecoverySite | None,
    kms_key_arn: pulumi.Input[str] | None = None,
) -> FileSystemReplication | None:
    """A warm standby's primary replicates each filestore to the DR region with EFS replication
    (AWS: "most changes are replicated within a minute, with an overall Recovery Point Objective
    (RPO) of 15 minutes for most file systems"), encrypted there with `kms_key_arn` (default:
    the platform's DR-region data key). None: no standby, the filestores go as archives."""
    settings = config.disaster_recovery
    if settings is None or dr is None or not primary_of_standby(config):
        return None
    return FileSystemReplication(settings.dr_region, kms_key_arn or dr.database_key_arn)


def standby_file_system(
    name: str,
    site: PrimarySite,
    key: ServerKey,
    *,
    vpc_id: pulumi.Input[str],
    subnet_ids: Sequence[pulumi.Input[str]],
    nodes_security_group_id: pulumi.Input[str],
    tenant: str | None = None,
    opts: pulumi.ResourceOptions | None = None,
) -> ReplicatedFileSystem:
    """The standby's mounts of the primary's filestore replica for the tier that owns `key`
    (in both roles: after failover the replica, writable then, holds the attachments)."""
    return ReplicatedFileSystem(
        name,
        ReplicatedFileSystemArgs(
            file_system_id=site.filestore(key),
            vpc_id=vpc_id,
            subnet_ids=list(subnet_ids),
            nodes_security_group_id=nodes_security_group_id,
            tier="dedicated" if tenant else "platform",
            tenant=tenant,
        ),
        opts=opts,
    )


def primary_of_pilot_light(config: PlatformConfig) -> bool:
    """This stack's DR site restores its servers to a point in time (pilot light): it exports
    them, with their replicated automated backups, in `standby_sources`."""
    dr = config.disaster_recovery
    return dr is not None and dr.mode == "pilot-light"


def password_secret_name(slug: str) -> str:
    """The Secrets Manager name of a tenant's database password (the same in both regions)."""
    return f"odoo-platform/{pulumi.get_stack()}/{slug}/database-password"


@dataclass(frozen=True)
class PasswordReplica:
    """Where a tenant's database password is kept for its standby: this region and the DR one."""

    kms_key_arn: pulumi.Input[str]
    dr_region: str
    dr_kms_key_arn: pulumi.Input[str]


def replicate_password(
    parent: pulumi.Resource,
    name: str,
    slug: str,
    password: pulumi.Output[str],
    replica: PasswordReplica,
    *,
    provider: pulumi.ProviderResource | None,
) -> aws.secretsmanager.Secret:
    """The tenant's database password in Secrets Manager, replicated to the DR region."""
    secret = aws.secretsmanager.Secret(
        f"{name}-db-password",
        name=password_secret_name(slug),
        description=f"database password of tenant {slug}, for its warm standby",
        kms_key_id=replica.kms_key_arn,
        replicas=[
            aws.secretsmanager.SecretReplicaArgs(
                region=replica.dr_region, kms_key_id=replica.dr_kms_key_arn
            )
        ],
        recovery_window_in_days=30,
        opts=child_opts(parent, provider=provider),
    )
    aws.secretsmanager.SecretVersion(
        f"{name}-db-password",
        secret_id=secret.id,
        secret_string=password,
        opts=child_opts(parent, provider=provider),
    )
    return secret


def ingress_health_check(
    name: str, ingress: TraefikIngress, opts: pulumi.ResourceOptions
) -> aws.route53.HealthCheck:
    """TCP on the primary ingress's load balancer: fails when the site is unreachable (a single
    tenant's Odoo failing does not move every tenant to a standby at zero replicas)."""
    return aws.route53.HealthCheck(
        f"{name}-ingress-health",
        type="TCP",
        fqdn=ingress.load_balancer_hostname,
        port=HEALTH_CHECK_PORT,
        request_interval=30,
        failure_threshold=3,
        tags={"Name": f"{name} ingress"},
        opts=opts,
    )


def dns_failover(
    config: PlatformConfig, health_check: aws.route53.HealthCheck | None
) -> DnsFailover | None:
    """PRIMARY records (with the health check) on a primary with a warm standby, SECONDARY on
    the standby in both roles (two PRIMARY records of one name are refused by Route53); None:
    simple records. The set identifier is the site's region, so a role never renames one."""
    if config.dr_site is not None and config.dr_site.mode == "warm-standby":
        return DnsFailover(role="SECONDARY", set_identifier=config.region)
    if primary_of_standby(config) and health_check is not None:
        return DnsFailover(
            role="PRIMARY", set_identifier=config.region, health_check_id=health_check.id
        )
    return None


@dataclass(frozen=True)
class RestoreSource:
    """A standby's backup bucket: the replica of the primary's, in this region."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str]

    @classmethod
    def of(cls, source: pulumi.Output[BackupsOutput]) -> RestoreSource:
        return cls(
            bucket_name=source.apply(lambda b: b["bucket_name"]),
            bucket_arn=source.apply(lambda b: b["bucket_arn"]),
            kms_key_arn=source.apply(lambda b: b["kms_key_arn"]),
        )

    def output(self) -> pulumi.Output[BackupsOutput]:
        return pulumi.Output.all(
            bucket_name=self.bucket_name, bucket_arn=self.bucket_arn, kms_key_arn=self.kms_key_arn
        ).apply(lambda values: BackupsOutput(**values))  # type: ignore[typeddict-item]


def restore_source(site: PrimarySite, key: ServerKey) -> RestoreSource:
    """The replica of the backup bucket of the tier that owns server `key`."""
    return RestoreSource.of(site.backups(key))


def replica_server(
    name: str,
    config: PlatformConfig,
    site: PrimarySite,
    budget: ConnectionBudget,
    *,
    subnet_ids: Sequence[pulumi.Input[str]],
    vpc_id: pulumi.Input[str],
    nodes_security_group_id: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    tenant: TenantConfig | None = None,
    pool: str | None = None,
    opts: pulumi.ResourceOptions | None = None,
) -> CrossRegionReplica:
    """The replica of the primary's server `budget.server` (a shared pool's, or `tenant`'s),
    sized as the primary's."""
    if tenant is None:
        database, tier, slug = shared_servers(config)[ServerKey.pool(pool)], "shared", None
    else:
        database = defaults.dedicated_settings(config, tenant).database
        tier, slug = "dedicated", tenant.slug
    return CrossRegionReplica(
        name,
        CrossRegionReplicaArgs(
            source_arn=site.server_arn(ServerKey(budget.server)),
            admin_secret_arn=site.admin_secret_arn(ServerKey(budget.server)),
            engine_version=database.engine_version,
            instance_class=database.instance_class,
            max_connections=budget.max_connections,
            subnet_ids=list(subnet_ids),
            vpc_id=vpc_id,
            nodes_security_group_id=nodes_security_group_id,
            kms_key_arn=kms_key_arn,
            promoted=site.promoted,
            multi_az=defaults.multi_az(config, database),
            backup_retention_days=defaults.automated_backup_retention_days(config),
            deletion_protection=defaults.deletion_protection(config, database),
            protect=defaults.protect_stateful(config),
            tier=tier,
            tenant=slug,
        ),
        opts=opts,
    )


def standby_credentials(
    parent: pulumi.Resource,
    name: str,
    tenant: TenantConfig,
    site: PrimarySite,
    server: CrossRegionReplica,
    *,
    namespace: pulumi.Input[str],
    k8s_labels: dict[str, str],
    provider: pulumi.ProviderResource | None,
) -> k8s.core.v1.Secret:
    """The tenant's database credentials, as `TenantDatabase` writes them on the primary: the
    replica's address, the same database, role and (replicated) password."""
    inputs = bootstrap.BootstrapInputs.for_tenant(tenant.slug, 1)
    secret_id = site.tenant(tenant.slug).apply(lambda t: t["password_secret"])
    password = aws.secretsmanager.get_secret_version_output(
        secret_id=secret_id,
        opts=pulumi.InvokeOutputOptions(parent=parent, provider=provider),
    ).secret_string
    return k8s.core.v1.Secret(
        f"{name}-db-credentials",
        metadata=manifest({"namespace": namespace, "labels": k8s_labels}),
        type="Opaque",
        string_data={
            "host": server.address,
            "port": server.port.apply(str),
            "database": inputs.db,
            "user": inputs.role,
            "password": pulumi.Output.secret(password),
        },
        opts=child_opts(parent),
    )


def dr_backups_output(bucket: BackupBucket) -> pulumi.Output[BackupsOutput] | None:
    """The DR-region replica of `bucket` as a standby reads it (None: not replicated)."""
    if bucket.dr_bucket_arn is None or bucket.dr_kms_key_arn is None:
        return None
    return pulumi.Output.all(bucket.dr_bucket_arn, bucket.dr_kms_key_arn).apply(
        lambda v: BackupsOutput(
            bucket_name=v[0].split(":::", 1)[-1], bucket_arn=v[0], kms_key_arn=v[1]
        )
    )


def server_source(
    server: PostgresServer, tenant: TenantConfig | None = None
) -> pulumi.Output[DatabaseServerSource]:
    overrides = tenant.dedicated if tenant else None
    role = overrides.aws_account_role_arn if overrides else None
    return pulumi.Output.all(
        server.arn,
        server.kms_key_arn,
        server.admin_secret_replica_arn,
        server.automated_backups_replica_arn,
    ).apply(
        lambda v: DatabaseServerSource(
            arn=v[0],
            kms_key_arn=v[1],
            account_role_arn=role,
            admin_secret_arn=v[2],
            automated_backups_arn=v[3],
        )
    )


def admin_secrets(
    shared: Mapping[ServerKey, PostgresServer | CrossRegionReplica],
    hosted: Mapping[str, HostedTenant],
) -> dict[str, pulumi.Output[str]] | None:
    """A warm standby's `database_admin_secrets` output: per server key, the DR-region replica
    of the primary's admin secret, the promoted server's admin (None on a primary)."""
    servers = {str(key): server for key, server in shared.items()}
    for slug, tenant in hosted.items():
        if tenant.tier == "dedicated":
            servers[str(ServerKey.dedicated(slug))] = tenant.services.server
    found = {
        key: server.master_secret_arn
        for key, server in sorted(servers.items())
        if isinstance(server, CrossRegionReplica) and server.master_secret_arn is not None
    }
    return found or None
