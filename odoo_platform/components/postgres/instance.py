"""The RDS instances of a server: the primary, the reporting replica, their log groups,
enhanced monitoring and the cross-region copy of automated backups."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import child_opts
from odoo_platform.components._shared.iam import service_trust_policy
from odoo_platform.components._shared.network import service_log_group
from odoo_platform.components.postgres.args import CrossRegionBackups
from odoo_platform.components.postgres.names import instance_identifier, snapshot_identifier
from odoo_platform.components.postgres.scope import ADMIN_USERNAME, Scope
from odoo_platform.config.catalog import TAG_BACKUP_PLAN

ENHANCED_MONITORING_POLICY_ARN = (
    "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
)
LOG_EXPORTS = ("postgresql", "upgrade")
MONITORING_INTERVAL_SECONDS = 60  # enhanced monitoring granularity of every instance


def insight_settings(kms_key_arn: pulumi.Input[str]) -> dict[str, Any]:
    """What every instance of a server records, primary and replicas alike: its logs exported to
    CloudWatch, and Performance Insights under the server's key for 7 days (the free tier)."""
    return {
        "enabled_cloudwatch_logs_exports": list(LOG_EXPORTS),
        "performance_insights_enabled": True,
        "performance_insights_kms_key_id": kms_key_arn,
        "performance_insights_retention_period": 7,
    }


def monitoring_role(scope: Scope) -> aws.iam.Role:
    return enhanced_monitoring_role(scope.owner, scope.name, scope.tags)


def enhanced_monitoring_role(
    owner: pulumi.Resource, name: str, tags: dict[str, str]
) -> aws.iam.Role:
    """The role RDS assumes to publish enhanced monitoring (OS metrics) of `name`'s instances.

    IAM is global: the role serves instances in any region of the account it is declared in
    (a cross-region replica's, or a tenant account's with that account's provider)."""
    role = aws.iam.Role(
        f"{name}-monitoring",
        description=f"RDS enhanced monitoring of {name}",
        assume_role_policy=service_trust_policy("monitoring.rds.amazonaws.com"),
        tags=tags,
        opts=child_opts(owner),
    )
    aws.iam.RolePolicyAttachment(
        f"{name}-monitoring",
        role=role.name,
        policy_arn=ENHANCED_MONITORING_POLICY_ARN,
        opts=child_opts(owner),
    )
    return role


def primary(
    scope: Scope,
    password: pulumi.Output[str],
    *,
    security_group: aws.ec2.SecurityGroup,
    subnet_group: aws.rds.SubnetGroup,
    parameters: aws.rds.ParameterGroup,
    role: aws.iam.Role,
) -> aws.rds.Instance:
    args, db = scope.args, scope.args.database
    tags = dict(scope.tags)
    if args.backup_plan is not None:
        tags[TAG_BACKUP_PLAN] = args.backup_plan
    identifier = db.identifier or instance_identifier(pulumi.get_stack(), f"{scope.name}-db")
    restored = args.point_in_time
    # A restored instance brings the primary's master user and password: `username` (ForceNew,
    # Computed) and `password` are left out. `restore_to_point_in_time` is ForceNew and
    # conflicts with `replicate_source_db`, `snapshot_identifier` and `s3_import`
    # (terraform-provider-aws rds/instance.go): it matters at creation only, so a later change
    # of its source (a redeployed primary's new backups ARN) is ignored, never a replacement.
    credentials: dict[str, Any] = (
        {"username": ADMIN_USERNAME, "password": password}
        if restored is None
        else {
            "restore_to_point_in_time": aws.rds.InstanceRestoreToPointInTimeArgs(
                source_db_instance_automated_backups_arn=restored.automated_backups_arn,
                use_latest_restorable_time=True,
            )
        }
    )
    ignored = ["password"] if args.rotation else []
    if restored is not None:
        ignored = ["restoreToPointInTime"]
    return aws.rds.Instance(
        f"{scope.name}-db",
        identifier=identifier,
        engine="postgres",
        engine_version=db.engine_version,
        instance_class=db.instance_class,
        allocated_storage=db.allocated_storage_gib,
        max_allocated_storage=db.max_allocated_storage_gib,
        storage_type="gp3",
        storage_encrypted=True,
        kms_key_id=args.kms_key_arn,
        multi_az=args.multi_az,
        db_subnet_group_name=subnet_group.name,
        vpc_security_group_ids=[security_group.id],
        publicly_accessible=False,
        parameter_group_name=parameters.name,
        **credentials,
        backup_retention_period=args.backup_retention_days,
        backup_window=db.backup_window,
        maintenance_window=db.maintenance_window,
        copy_tags_to_snapshot=True,
        delete_automated_backups=False,
        deletion_protection=args.deletion_protection,
        skip_final_snapshot=False,
        final_snapshot_identifier=snapshot_identifier(scope.name, "final"),
        apply_immediately=args.apply_immediately,
        auto_minor_version_upgrade=True,
        allow_major_version_upgrade=False,
        **insight_settings(args.kms_key_arn),
        monitoring_interval=MONITORING_INTERVAL_SECONDS,
        monitoring_role_arn=role.arn,
        tags=tags,
        # Once rotation owns the password, the generated first one must never be set again.
        opts=scope.opts(
            protect=args.protect,
            depends_on=log_groups(scope, f"{scope.name}-db", identifier),
            ignore_changes=ignored,
        ),
    )


def reporting_replica(
    scope: Scope,
    source: aws.rds.Instance,
    *,
    security_group: aws.ec2.SecurityGroup,
    parameters: aws.rds.ParameterGroup,
    role: aws.iam.Role,
) -> aws.rds.Instance:
    """A reporting read replica: derived data, so no backups, final snapshot or protect."""
    args = scope.args
    identifier = args.database.replica_identifier or instance_identifier(
        pulumi.get_stack(), f"{scope.name}-replica"
    )
    return aws.rds.Instance(
        f"{scope.name}-replica",
        identifier=identifier,
        replicate_source_db=source.identifier,
        instance_class=args.database.instance_class,
        storage_type="gp3",
        storage_encrypted=True,
        kms_key_id=args.kms_key_arn,
        vpc_security_group_ids=[security_group.id],
        publicly_accessible=False,
        parameter_group_name=parameters.name,
        backup_retention_period=0,
        skip_final_snapshot=True,
        copy_tags_to_snapshot=True,
        deletion_protection=args.deletion_protection,
        apply_immediately=args.apply_immediately,
        auto_minor_version_upgrade=True,
        **insight_settings(args.kms_key_arn),
        monitoring_interval=MONITORING_INTERVAL_SECONDS,
        monitoring_role_arn=role.arn,
        tags={**scope.tags, "Role": "reporting-replica"},
        opts=scope.opts(depends_on=log_groups(scope, f"{scope.name}-replica", identifier)),
    )


def log_groups(scope: Scope, prefix: str, identifier: str) -> list[pulumi.Resource]:
    """`/aws/rds/instance/<id>/<log>` for each export, before RDS creates it unencrypted and
    kept forever (slow statements are logged with their literal values: tenant data)."""
    return [
        service_log_group(
            scope.owner,
            f"{prefix}-log-{export}",
            f"/aws/rds/instance/{identifier}/{export}",
            retention_days=scope.args.log_retention_days,
            kms_key_arn=scope.args.logs_kms_key_arn,
            tags=scope.tags,
        )
        for export in LOG_EXPORTS
    ]


def replicate_backups(
    scope: Scope, source: aws.rds.Instance, target: CrossRegionBackups
) -> aws.rds.InstanceAutomatedBackupsReplication:
    """Its `id` is the ARN of the replicated automated backups (terraform-provider-aws
    `aws_db_instance_automated_backups_replication`), a pilot-light site's restore source."""
    return aws.rds.InstanceAutomatedBackupsReplication(
        f"{scope.name}-backups-dr",
        source_db_instance_arn=source.arn,
        kms_key_id=target.kms_key_arn,
        retention_period=scope.args.backup_retention_days,
        opts=scope.opts(provider=target.provider),
    )
