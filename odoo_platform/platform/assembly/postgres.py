"""`PostgresServerArgs` from a stack's configuration: the shared server or a dedicated one."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from odoo_platform.components.postgres import (
    AdminRotation,
    AdminSecretReplica,
    CrossRegionBackups,
    PointInTimeSource,
    PostgresServerArgs,
)
from odoo_platform.config import defaults
from odoo_platform.config.capacity import ConnectionBudget, ServerKey, shared_servers
from odoo_platform.config.models import PlatformConfig, TenantConfig
from odoo_platform.config.tags import labels
from odoo_platform.platform.dr_site import PrimarySite


def postgres_server_args(
    config: PlatformConfig,
    budget: ConnectionBudget,
    *,
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
    vpc_id: pulumi.Input[str],
    nodes_security_group_id: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    logs_kms_key_arn: pulumi.Input[str] | None = None,
    rotation: AdminRotation | None = None,
    tenant: TenantConfig | None = None,
    pool: str | None = None,
    cross_region_backups: CrossRegionBackups | None = None,
    point_in_time: PointInTimeSource | None = None,
) -> PostgresServerArgs:
    """A shared server (no `tenant`: the default pool, or the database `pool` of that name) or a
    dedicated tenant's server, with the environment's defaults (`config.defaults`).
    `cross_region_backups` is used only when the stack's DR mode replicates database backups.
    With `point_in_time` (a pilot-light DR site) the server is restored from the primary's
    replicated automated backups: it has no rotation or copies of its own (the site declares
    no `disaster_recovery`), its admin secret is the primary's replica."""
    if tenant is None:
        database = shared_servers(config)[ServerKey.pool(pool)]
        tier, slug, replica = "shared", None, False
    else:
        dedicated = defaults.dedicated_settings(config, tenant)
        database, tier, slug = dedicated.database, "dedicated", tenant.slug
        replica = dedicated.reporting_replica
    replicate = defaults.replicates_database_backups(config)
    dr = config.disaster_recovery
    # A warm standby promotes its replica of this server with the primary's admin password:
    # the admin secret goes to the DR region under the DR key of the server's account.
    admin_replica = (
        AdminSecretReplica(region=dr.dr_region, kms_key_arn=cross_region_backups.kms_key_arn)
        if dr is not None
        and defaults.replicates_admin_secrets(config)
        and cross_region_backups is not None
        else None
    )
    return PostgresServerArgs(
        database=database,
        budget=budget,
        subnet_ids=subnet_ids,
        vpc_id=vpc_id,
        nodes_security_group_id=nodes_security_group_id,
        kms_key_arn=kms_key_arn,
        multi_az=defaults.multi_az(config, database),
        deletion_protection=defaults.deletion_protection(config, database),
        protect=defaults.protect_stateful(config),
        apply_immediately=defaults.apply_immediately(config),
        backup_retention_days=defaults.automated_backup_retention_days(config),
        reporting_replica=replica,
        cross_region_backups=(
            cross_region_backups if replicate and point_in_time is None else None
        ),
        logs_kms_key_arn=logs_kms_key_arn,
        log_retention_days=config.landing_zone.log_retention_days,
        rotation=rotation if point_in_time is None else None,
        admin_secret_replica=admin_replica if point_in_time is None else None,
        point_in_time=point_in_time,
        tier=tier,
        tenant=slug,
        k8s_labels=labels(config, tier, slug),
    )


def point_in_time_source(
    config: PlatformConfig, primary: PrimarySite | None, key: ServerKey
) -> PointInTimeSource | None:
    """On a pilot-light DR site, where server `key` is restored from: the primary's replicated
    automated backups of its server `key` and its admin secret's DR-region replica."""
    site = config.dr_site
    if primary is None or site is None or site.mode != "pilot-light":
        return None
    return primary.point_in_time(key)
