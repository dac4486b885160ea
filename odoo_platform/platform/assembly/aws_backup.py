"""`BackupPlanArgs`: AWS Backup for the platform account, or a tenant's own account."""

from __future__ import annotations

from typing import cast

import pulumi

from odoo_platform.components.aws_backup import BackupPlanArgs
from odoo_platform.components.backup_bucket import ImmutabilityMode
from odoo_platform.config import defaults
from odoo_platform.config.models import PlatformConfig, TenantConfig


def backup_plan_args(
    config: PlatformConfig,
    *,
    kms_key_arn: pulumi.Input[str],
    dr_provider: pulumi.ProviderResource | None = None,
    dr_kms_key_arn: pulumi.Input[str] | None = None,
    tenant: TenantConfig | None = None,
) -> BackupPlanArgs:
    """DR copies are made whenever the stack has a DR mode (`BackupBucket.dr_kms_key_arn` is a
    key there)."""
    replicate = defaults.replicates_backups(config)
    return BackupPlanArgs(
        policy=config.backup,
        kms_key_arn=kms_key_arn,
        immutability=cast(ImmutabilityMode, defaults.immutability(config)),
        protect=defaults.protect_stateful(config),
        dr_provider=dr_provider if replicate else None,
        dr_kms_key_arn=dr_kms_key_arn if replicate else None,
        tier="dedicated" if tenant else "shared",
        tenant=tenant.slug if tenant else None,
    )
