"""`BackupBucketArgs`: the shared bucket, or a dedicated tenant's with its own key."""

from __future__ import annotations

from typing import cast

import pulumi

from odoo_platform.components.backup_bucket import BackupBucketArgs, ImmutabilityMode
from odoo_platform.config import defaults
from odoo_platform.config.models import PlatformConfig, TenantConfig


def backup_bucket_args(
    config: PlatformConfig,
    *,
    kms_key_arn: pulumi.Input[str] | None = None,
    access_log_bucket: pulumi.Input[str] | None = None,
    dr_provider: pulumi.ProviderResource | None = None,
    tenant: TenantConfig | None = None,
) -> BackupBucketArgs:
    """Leave `kms_key_arn` unset for a bucket with its own key (a dedicated tenant's).

    `dr_provider` is used only when the stack has a DR mode: every mode restores there.
    """
    mode = defaults.immutability(config)
    if mode not in ("none", "governance", "compliance"):
        raise ValueError(f"immutability {mode!r} is not an S3 Object Lock mode")
    return BackupBucketArgs(
        policy=config.backup,
        immutability=cast(ImmutabilityMode, mode),
        protect=defaults.protect_stateful(config),
        kms_key_arn=kms_key_arn,
        access_log_bucket=access_log_bucket,
        dr_provider=dr_provider if defaults.replicates_backups(config) else None,
        tier="dedicated" if tenant else "shared",
        tenant=tenant.slug if tenant else None,
    )
