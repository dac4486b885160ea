"""`BackupBucket`: the S3 bucket that holds Odoo's logical backups (dump + filestore).

Keys are laid out `<retention class>/<tenant slug>/...` (`backup_layout.py` holds the layout, the
lifecycle and the policy documents), so one lifecycle rule per class expires every tenant's
backups and a tenant's IAM policy names its three prefixes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypedDict, cast

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import (
    Between,
    Slug,
    TierLabel,
    check_args,
    child_opts,
    component_type,
)
from odoo_platform.components._shared.iam import service_trust_policy
from odoo_platform.components._shared.kms import customer_key
from odoo_platform.components.backup_layout import (
    ABORT_INCOMPLETE_UPLOAD_DAYS,
    ACCESS_LOG_RETENTION_DAYS,
    ImmutabilityMode,
    backup_key_prefix,
    bucket_policy,
    lifecycle_rules,
    log_bucket_policy,
    replication_policy,
    retention_days,
    service_key_policy,
    tenant_key_prefixes,
    transitions,
)
from odoo_platform.config.services import BackupPolicy
from odoo_platform.config.tags import PLATFORM_TIER, resource_tags

DR_REPLICATION_RULE = "dr-copy"  # the replication rule's id (the metrics' `RuleId`)
# S3 Replication Time Control's threshold, the only value S3 accepts (pulumi_aws
# BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs: "Valid values: 15").
REPLICATION_TIME_MINUTES = 15

# The layout's builders, importable from here as before they moved to backup_layout.py.
__all__ = [
    "DR_REPLICATION_RULE",
    "REPLICATION_TIME_MINUTES",
    "BackupBucket",
    "BackupBucketArgs",
    "BackupsOutput",
    "ImmutabilityMode",
    "backup_key_prefix",
    "bucket_policy",
    "lifecycle_rules",
    "log_bucket_policy",
    "replication_policy",
    "retention_days",
    "service_key_policy",
    "tenant_key_prefixes",
    "transitions",
]


@dataclass(frozen=True)
class BackupBucketArgs:
    policy: BackupPolicy
    """The stack's `backup` policy: lifecycle expiry of the daily, weekly and monthly prefixes and
    the Object Lock retention (`immutability_days`)."""
    immutability: ImmutabilityMode = "none"
    """S3 Object Lock mode: `compliance` (no one can shorten it, prod), `governance` (privileged
    users can) or `none`. Locked retention may not outlive the daily backups' expiry."""
    protect: bool = False
    """Pulumi `protect` on the bucket, its KMS key and the DR copy (prod: true)."""
    kms_key_arn: pulumi.Input[str] | None = None
    """KMS key for SSE-KMS (the shared bucket: the landing zone's `backups` key); None creates a key
    of the bucket's own (dedicated tenants)."""
    access_log_bucket: pulumi.Input[str] | None = None
    """Bucket that receives the server access logs; None creates a log bucket of its own (S3
    delivers access logs within a region only)."""
    dr_provider: pulumi.ProviderResource | None = None
    """AWS provider of the DR region: a replica bucket with its own key is created there and every
    object is replicated; None: no replication."""
    noncurrent_version_days: Annotated[int, Between(1, 3650)] = 30
    """Days a noncurrent (overwritten or deleted) object version is kept before it expires."""
    tier: TierLabel = PLATFORM_TIER
    """The `Tier` tag of every resource: `platform`, `shared` or `dedicated`."""
    tenant: Slug | None = None
    """The tenant slug tagged on every resource (`Tenant`); None for the platform's
    own."""

    def __post_init__(self) -> None:
        check_args(self)


def _check(args: BackupBucketArgs) -> None:
    daily = args.policy.daily_retention_days
    if args.immutability != "none" and args.policy.immutability_days > daily:
        raise ValueError(
            f"Object Lock retention of {args.policy.immutability_days} days outlives the daily "
            f"backups' expiry after {daily} days"
        )
    if args.noncurrent_version_days < 1:
        raise ValueError("noncurrent_version_days must be at least 1")


@dataclass(frozen=True)
class _Site:
    """Where a bucket lives: its logical name prefix and the provider (None: the parent's)."""

    prefix: str
    provider: pulumi.ProviderResource | None = None


class BackupsOutput(TypedDict):
    """A bucket as a platform stack exports it (`shared_backups`): each tenant writes under its
    own prefix."""

    bucket_name: str
    bucket_arn: str
    kms_key_arn: str


class BackupBucket(pulumi.ComponentResource):
    """Versioned, KMS-encrypted, TLS-only, optionally locked and replicated backup bucket."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str]
    log_bucket_name: pulumi.Output[str]
    dr_bucket_arn: pulumi.Output[str] | None
    dr_kms_key_arn: pulumi.Output[str] | None
    dr_bucket_name: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: BackupBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("BackupBucket"), name, None, opts)
        _check(args)
        self._name, self._args = name, args
        self._tags = resource_tags(args.tier, args.tenant)
        self._account_id = aws.get_caller_identity_output(
            opts=pulumi.InvokeOutputOptions(parent=self)
        ).account_id
        home = _Site(name)
        key_arn = (
            pulumi.Output.from_input(args.kms_key_arn)
            if args.kms_key_arn is not None
            else self._key(home)
        )
        bucket, versioning = self._secure_bucket(home, key_arn)
        self.bucket_name, self.bucket_arn, self.kms_key_arn = bucket.bucket, bucket.arn, key_arn
        self.log_bucket_name = self._access_logging(bucket, home, args.access_log_bucket)
        self.dr_bucket_arn = self.dr_kms_key_arn = None
        self.dr_bucket_name = None
        if args.dr_provider is not None:
            self._replicate(bucket, versioning, key_arn, _Site(f"{name}-dr", args.dr_provider))
        self.register_outputs(
            {
                "bucket_name": self.bucket_name,
                "bucket_arn": self.bucket_arn,
                "kms_key_arn": self.kms_key_arn,
                "log_bucket_name": self.log_bucket_name,
                "dr_bucket_arn": self.dr_bucket_arn,
                "dr_kms_key_arn": self.dr_kms_key_arn,
            }
        )

    def output(self) -> pulumi.Output[BackupsOutput]:
        return pulumi.Output.all(
            bucket_name=self.bucket_name, bucket_arn=self.bucket_arn, kms_key_arn=self.kms_key_arn
        ).apply(lambda values: cast(BackupsOutput, values))

    def _opts(self, site: _Site, **kwargs: Any) -> pulumi.ResourceOptions:
        if site.provider is not None:
            kwargs["provider"] = site.provider
        return child_opts(self, **kwargs)

    def _key(self, site: _Site) -> pulumi.Output[str]:
        """A key of this bucket's own (dedicated tenants, the DR copy), usable only via services."""
        region = aws.get_region_output(
            opts=pulumi.InvokeOutputOptions(parent=self, provider=site.provider)
        ).region
        key = customer_key(
            f"{site.prefix}-key",
            description=f"backups in {site.prefix}",
            policy=pulumi.Output.json_dumps(
                pulumi.Output.all(self._account_id, region).apply(
                    lambda ids: service_key_policy(ids[0], ids[1])
                )
            ),
            tags=self._tags,
            opts=self._opts(site, protect=self._args.protect),
        )
        return key.arn

    def _secure_bucket(
        self, site: _Site, key_arn: pulumi.Output[str]
    ) -> tuple[aws.s3.Bucket, aws.s3.BucketVersioning]:
        """The bucket and every setting it needs to hold backups safely."""
        protect = self._args.protect
        bucket = aws.s3.Bucket(
            f"{site.prefix}-bucket",
            force_destroy=False,
            tags=self._tags,
            opts=self._opts(site, protect=protect),
        )
        self._private(site, bucket)
        versioning = aws.s3.BucketVersioning(
            f"{site.prefix}-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=self._opts(site),
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{site.prefix}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=key_arn
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=self._opts(site),
        )
        aws.s3.BucketPolicy(
            f"{site.prefix}-policy",
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps(
                pulumi.Output.all(bucket.arn, key_arn).apply(
                    lambda arns: bucket_policy(arns[0], arns[1])
                )
            ),
            opts=self._opts(site),
        )
        if self._args.immutability != "none":
            aws.s3.BucketObjectLockConfiguration(
                f"{site.prefix}-object-lock",
                bucket=bucket.id,
                rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                    default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                        mode=self._args.immutability.upper(),
                        days=self._args.policy.immutability_days,
                    )
                ),
                opts=self._opts(site, depends_on=[versioning]),
            )
        aws.s3.BucketLifecycleConfiguration(
            f"{site.prefix}-lifecycle",
            bucket=bucket.id,
            rules=lifecycle_rules(self._args.policy, self._args.noncurrent_version_days),
            opts=self._opts(site, depends_on=[versioning]),
        )
        return bucket, versioning

    def _private(self, site: _Site, bucket: aws.s3.Bucket) -> None:
        """Owner-enforced ownership (no ACLs) and all four public-access blocks."""
        aws.s3.BucketOwnershipControls(
            f"{site.prefix}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=self._opts(site),
        )
        aws.s3.BucketPublicAccessBlock(
            f"{site.prefix}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=self._opts(site),
        )

    def _access_logging(
        self,
        bucket: aws.s3.Bucket,
        site: _Site,
        target: pulumi.Input[str] | None = None,
    ) -> pulumi.Output[str]:
        """Server access logs to `target`, or to a log bucket of the site's own (S3 delivers
        access logs only within a region)."""
        target_name = (
            pulumi.Output.from_input(target)
            if target is not None
            else self._log_bucket(bucket, site)
        )
        aws.s3.BucketLogging(
            f"{site.prefix}-access-logging",
            bucket=bucket.id,
            target_bucket=target_name,
            target_prefix="s3-access/",
            target_object_key_format=aws.s3.BucketLoggingTargetObjectKeyFormatArgs(
                partitioned_prefix=aws.s3.BucketLoggingTargetObjectKeyFormatPartitionedPrefixArgs(
                    partition_date_source="EventTime"
                )
            ),
            opts=self._opts(site),
        )
        return target_name

    def _log_bucket(self, source: aws.s3.Bucket, home: _Site) -> pulumi.Output[str]:
        """Access logs: SSE-S3 (log delivery cannot use SSE-KMS), written only by S3 logging."""
        site = _Site(f"{home.prefix}-access-logs", home.provider)
        logs = aws.s3.Bucket(
            f"{site.prefix}-bucket",
            force_destroy=False,
            tags=self._tags,
            opts=self._opts(site, protect=self._args.protect),
        )
        self._private(site, logs)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{site.prefix}-encryption",
            bucket=logs.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
            opts=self._opts(site),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{site.prefix}-lifecycle",
            bucket=logs.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=ACCESS_LOG_RETENTION_DAYS
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=ABORT_INCOMPLETE_UPLOAD_DAYS
                    ),
                )
            ],
            opts=self._opts(site),
        )
        aws.s3.BucketPolicy(
            f"{site.prefix}-policy",
            bucket=logs.id,
            policy=pulumi.Output.json_dumps(
                pulumi.Output.all(logs.arn, source.arn, self._account_id).apply(
                    lambda values: log_bucket_policy(*values)
                )
            ),
            opts=self._opts(site),
        )
        return logs.bucket

    def _replicate(
        self,
        source: aws.s3.Bucket,
        source_versioning: aws.s3.BucketVersioning,
        source_key_arn: pulumi.Output[str],
        dr: _Site,
    ) -> None:
        """A copy in the DR region under its own key; deletions are not replicated."""
        dr_key_arn = self._key(dr)
        target, target_versioning = self._secure_bucket(dr, dr_key_arn)
        self._access_logging(target, dr)
        self.dr_bucket_arn, self.dr_kms_key_arn = target.arn, dr_key_arn
        self.dr_bucket_name = target.bucket
        role = aws.iam.Role(
            f"{self._name}-replication",
            description=f"S3 replication of {self._name} to the DR region",
            assume_role_policy=service_trust_policy("s3.amazonaws.com"),
            tags=self._tags,
            opts=child_opts(self),
        )
        aws.iam.RolePolicy(
            f"{self._name}-replication",
            role=role.name,
            policy=pulumi.Output.json_dumps(
                pulumi.Output.all(source.arn, target.arn, source_key_arn, dr_key_arn).apply(
                    lambda arns: replication_policy(*arns)
                )
            ),
            opts=child_opts(self),
        )
        rule = aws.s3.BucketReplicationConfigRuleArgs
        aws.s3.BucketReplicationConfig(
            f"{self._name}-replication",
            bucket=source.id,
            role=role.arn,
            rules=[
                rule(
                    id=DR_REPLICATION_RULE,
                    status="Enabled",
                    priority=1,
                    filter=aws.s3.BucketReplicationConfigRuleFilterArgs(),
                    delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                        status="Disabled"
                    ),
                    source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                        sse_kms_encrypted_objects=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                            status="Enabled"
                        )
                    ),
                    destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                        bucket=target.arn,
                        encryption_configuration=aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                            replica_kms_key_id=dr_key_arn
                        ),
                        # Replication Time Control: 15 minutes as an SLA, not a typical figure
                        # (the RPO derivation counts it); it needs the replication metrics,
                        # which the platform's alarms watch (replication_alarms.py).
                        replication_time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs(
                            status="Enabled",
                            time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs(
                                minutes=REPLICATION_TIME_MINUTES
                            ),
                        ),
                        metrics=aws.s3.BucketReplicationConfigRuleDestinationMetricsArgs(
                            status="Enabled",
                            event_threshold=aws.s3.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs(
                                minutes=REPLICATION_TIME_MINUTES
                            ),
                        ),
                    ),
                )
            ],
            opts=child_opts(self, depends_on=[source_versioning, target_versioning]),
        )
