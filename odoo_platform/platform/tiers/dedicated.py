"""The dedicated tier: per tenant its own key, server, cache, bucket and file system (in its own
AWS account when it has one), and Odoo on its own nodes.
"""

from __future__ import annotations

import dataclasses

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import child_opts, component_type
from odoo_platform.components._shared.kms import KeyAlias, customer_key
from odoo_platform.components.aws_backup import BackupPlan
from odoo_platform.components.backup_bucket import BackupBucket
from odoo_platform.components.file_system import (
    FileSystem,
    FileSystemArgs,
    ReplicatedFileSystem,
)
from odoo_platform.components.landing_zone import kms_key_policy
from odoo_platform.components.postgres import (
    CrossRegionBackups,
    PostgresServer,
)
from odoo_platform.components.postgres.replica import CrossRegionReplica
from odoo_platform.components.redis_cache import RedisCache
from odoo_platform.config.capacity import ServerKey
from odoo_platform.config.lifecycle import protect_tenant_data
from odoo_platform.config.models import TenantConfig
from odoo_platform.config.tags import base_tags, resource_tags
from odoo_platform.platform.assembly.aws_backup import backup_plan_args
from odoo_platform.platform.assembly.backup_bucket import backup_bucket_args
from odoo_platform.platform.assembly.postgres import point_in_time_source, postgres_server_args
from odoo_platform.platform.assembly.redis_cache import redis_cache_args
from odoo_platform.platform.tiers.args import (
    HostedTenant,
    TenantPlacement,
    TenantServices,
    TierArgs,
    cross_region_backups,
    data_network,
)
from odoo_platform.platform.tiers.own_account import own_account_network
from odoo_platform.platform.tiers.tenant import (
    admin_rotation,
    database_schedule,
    declare_tenant,
    password_replica,
)
from odoo_platform.platform.warm_standby import (
    RestoreSource,
    filestore_replication,
    replica_server,
    restore_source,
    standby_file_system,
)


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
        own = own_account_network(self, name, args, tenant, account) if account else None
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
                point_in_time=point_in_time_source(config, args.dr_primary, key),
                logs_kms_key_arn=(
                    own.network.logs_kms_key_arn if own else zone.kms_key_arns["logs"]
                ),
                rotation=(
                    admin_rotation(args, own.network.private_subnet_ids, own.oidc_provider_arn)
                    if own
                    else admin_rotation(args, zone.private_subnet_ids, args.oidc_provider_arn)
                ),
                **network,
            )
            server = PostgresServer(
                f"{name}-postgres",
                dataclasses.replace(server_args, protect=protect),
                opts=child_opts(self, providers=in_account),
            )
            database_schedule(
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
                # in the tenant's account for an own-account tenant, with its DR-region key
                replication=filestore_replication(
                    config, args.dr, dr_copies.kms_key_arn if dr_copies else None
                ),
            ),
            opts=child_opts(self, providers=in_account),
        )
        mounted: FileSystem | ReplicatedFileSystem = file_system
        if args.standby is not None:
            # The standby's own EFS stays declared (empty on a standby never promoted; kept so
            # that no update deletes a file system); its tenant mounts the primary's replica.
            mounted = standby_file_system(
                f"{name}-efs-replica",
                args.standby,
                key,
                vpc_id=network["vpc_id"],
                subnet_ids=own.network.private_subnet_ids if own else zone.private_subnet_ids,
                nodes_security_group_id=network["nodes_security_group_id"],
                tenant=tenant.slug,
                opts=child_opts(self, providers=in_account),
            )
        services = TenantServices(
            server,
            cache,
            bucket,
            mounted.file_system_id,
            file_system_replica_id=file_system.replica_file_system_id,
        )
        if account is not None and isinstance(bucket, BackupBucket):
            self._account_backup_plan(name, tenant, bucket, account_dr, account)
        replica = password_replica(args, key_arn, dr_copies)
        if own is None or account is None:
            return declare_tenant(self, name, args, tenant, services, password_replica=replica)
        return declare_tenant(
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
                efs_mount_target_ip=mounted.mount_target_ips[0],
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
        # Alias names are unique per account and Region (AWS KMS: "Aliases in AWS KMS"). A DR
        # site's key is in the Region where its primary keeps the tenant's DR-region key, in the
        # same account for a tenant in its own: the site's alias names its stack. (A DR site has
        # no disaster_recovery, hence no DR-region key of its own.)
        alias = f"alias/odoo-platform/{tenant.slug}/data"
        if config.dr_site is not None:
            alias = f"alias/odoo-platform/{pulumi.get_stack()}/{tenant.slug}/data"
        key = customer_key(
            f"{name}-key{suffix}",
            description=f"data of tenant {tenant.slug}",
            policy=account_id.apply(lambda account: kms_key_policy("data", account, key_region)),
            tags=resource_tags("dedicated", tenant.slug),
            opts=child_opts(self, protect=protect, provider=provider),
            alias=KeyAlias(f"{name}-key{suffix}-alias", alias),
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
            return cross_region_backups(self._args)
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
