"""A tenant's DR drill (on a primary) and DR restore (on a DR site) args, from the config.

The primary exports each tenant's DR-region copy (`dr_backup_replicas`); a DR site in
`backup-restore` or `pilot-light` mode reads it through its one reference to the primary
(`dr_site.PrimarySite`) and restores every tenant from it before Odoo starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import pulumi

from odoo_platform.components.backup_bucket import DR_REPLICATION_RULE, BackupBucket
from odoo_platform.components.drill_alarms import DrillAlarm
from odoo_platform.components.odoo_tenant import DrDrillArgs, DrReplica
from odoo_platform.components.odoo_tenant.recovery import DRILL_DEADLINE_SECONDS
from odoo_platform.components.replication_alarms import ReplicationAlarm
from odoo_platform.config.drills import (
    drill_weekday,
    drills_run,
    restores_on_start,
)
from odoo_platform.config.models import PlatformConfig, TenantConfig
from odoo_platform.config.recovery import rto_target_minutes
from odoo_platform.platform.dr_site import DrReplicaOutput, PrimarySite

if TYPE_CHECKING:  # the tiers import this module
    from odoo_platform.platform.tiers import HostedTenant
    from odoo_platform.platform.warm_standby import RestoreSource


def replica_of(config: PlatformConfig, bucket: BackupBucket) -> DrReplica | None:
    """The DR-region copy of `bucket` (None when the stack does not replicate backups)."""
    dr = config.disaster_recovery
    if dr is None or bucket.dr_bucket_arn is None or bucket.dr_kms_key_arn is None:
        return None
    return DrReplica(
        bucket_name=bucket.dr_bucket_arn.apply(lambda arn: arn.split(":")[-1]),
        bucket_arn=bucket.dr_bucket_arn,
        kms_key_arn=bucket.dr_kms_key_arn,
        region=dr.dr_region,
    )


def replica_output(replica: DrReplica) -> pulumi.Output[DrReplicaOutput]:
    return pulumi.Output.all(
        bucket_name=replica.bucket_name,
        bucket_arn=replica.bucket_arn,
        kms_key_arn=replica.kms_key_arn,
        region=replica.region,
    ).apply(lambda values: cast(DrReplicaOutput, values))


def recovery_args(
    config: PlatformConfig,
    tenant: TenantConfig,
    bucket: BackupBucket | RestoreSource,
    primary: PrimarySite | None,
    *,
    platform_account: pulumi.ProviderResource | None = None,
) -> dict[str, Any]:
    """`dr_drill` and `dr_restore_from` of the tenant's `OdooTenantArgs`, where they apply.

    `platform_account`: for a tenant in its own AWS account, the platform account's provider;
    its drill publishes its metric there, where the platform's alarm looks (see
    components/odoo_tenant/recovery.py)."""
    found: dict[str, Any] = {}
    # a warm standby restores from the primary's replica (RestoreSource): drills run there
    replica = replica_of(config, bucket) if isinstance(bucket, BackupBucket) else None
    if drills_run(config) and replica is not None:
        found["dr_drill"] = DrDrillArgs(
            replica=replica,
            stack=pulumi.get_stack(),
            weekday=drill_weekday(config),
            rto_target_minutes=rto_target_minutes(config, tenant),
            platform_provider=platform_account,
        )
    if restores_on_start(config) and primary is not None:
        site = config.dr_site
        found["dr_restore_from"] = primary.dr_backup_replica(
            tenant.slug, point_in_time=site is not None and site.mode == "pilot-light"
        )
    return found


def dr_backup_replicas(
    config: PlatformConfig, hosted: Mapping[str, HostedTenant]
) -> dict[str, pulumi.Output[DrReplicaOutput]] | None:
    """The primary's `dr_backup_replicas` output (None when it replicates nothing)."""
    if config.dr_site is not None:
        return None  # a DR site's own copies are not what another site restores from
    replicas = {
        slug: replica_output(replica)
        for slug, tenant in hosted.items()
        if isinstance(tenant.services.bucket, BackupBucket)
        and (replica := replica_of(config, tenant.services.bucket)) is not None
    }
    return replicas or None


def drill_alarms(hosted: Mapping[str, HostedTenant]) -> tuple[DrillAlarm, ...]:
    """One alarm per drilled tenant: its RTO target, or the drill's deadline without one."""
    return tuple(
        DrillAlarm(
            tenant=slug,
            stack=drill.stack,
            threshold_seconds=(
                drill.rto_target_minutes * 60
                if drill.rto_target_minutes is not None
                else DRILL_DEADLINE_SECONDS
            ),
            tier="dedicated" if tenant.tier == "dedicated" else "shared",
        )
        for slug, tenant in sorted(hosted.items())
        if (drill := tenant.odoo.dr_drill) is not None
    )


def replication_alarms(
    config: PlatformConfig, hosted: Mapping[str, HostedTenant]
) -> tuple[ReplicationAlarm, ...]:
    """One pair of S3 replication alarms per replicated backup bucket: the shared tier's and
    each dedicated tenant's.

    Not for a tenant in its own AWS account: its bucket's metrics are in that account, where
    the platform's alarms do not look."""
    own = {t.slug for t in config.tenants if t.dedicated and t.dedicated.aws_account_role_arn}
    found: dict[str, ReplicationAlarm] = {}
    for slug, tenant in sorted(hosted.items()):
        bucket = tenant.services.bucket
        if not isinstance(bucket, BackupBucket) or bucket.dr_bucket_name is None or slug in own:
            continue
        dedicated = tenant.tier == "dedicated"
        key = f"dedicated-{slug}" if dedicated else "shared"
        found.setdefault(
            key,
            ReplicationAlarm(
                key=key,
                source_bucket=bucket.bucket_name,
                destination_bucket=bucket.dr_bucket_name,
                rule_id=DR_REPLICATION_RULE,
                tier="dedicated" if dedicated else "shared",
                tenant=slug if dedicated else None,
            ),
        )
    return tuple(found.values())
