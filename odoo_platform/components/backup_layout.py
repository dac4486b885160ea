"""The backup bucket's layout and policy documents: pure builders (no resources declared).

Keys are laid out `<retention class>/<tenant slug>/...`, so one lifecycle rule per class expires
every tenant's backups and a tenant's IAM policy names its three prefixes. `BackupBucket`
declares what these describe.
"""

from __future__ import annotations

from typing import Any, Literal

import pulumi_aws as aws

from odoo_platform.components._shared.iam import (
    key_administration_statement,
    key_use_through_services_statement,
    policy_document,
)
from odoo_platform.config.services import BackupPolicy

ImmutabilityMode = Literal["none", "governance", "compliance"]
RETENTION_CLASSES = ("daily", "weekly", "monthly")
EXPIRE_UNUSED_CLASS_DAYS = 1
ABORT_INCOMPLETE_UPLOAD_DAYS = 7
ACCESS_LOG_RETENTION_DAYS = 365
KEY_SERVICES = ("s3", "backup", "rds")


def backup_key_prefix(retention_class: str, tenant: str) -> str:
    """Where a tenant's backups of one retention class go, e.g. `daily/acme/`."""
    if retention_class not in RETENTION_CLASSES:
        raise ValueError(f"retention class {retention_class!r}: use one of {RETENTION_CLASSES}")
    return f"{retention_class}/{tenant}/"


def tenant_key_prefixes(tenant: str) -> list[str]:
    """Every prefix a tenant may write and read: its IAM policy lists exactly these."""
    return [backup_key_prefix(c, tenant) for c in RETENTION_CLASSES]


def retention_days(policy: BackupPolicy) -> dict[str, int]:
    """How long each class is kept (0 kept means the class is not used)."""
    return {
        "daily": policy.daily_retention_days,
        "weekly": policy.weekly_retention_weeks * 7,
        "monthly": policy.monthly_retention_months * 31,
    }


def transitions(expire_days: int) -> list[tuple[str, int]]:
    """Colder storage as a backup ages, only where it outlives each class's minimum duration."""
    steps = []
    if expire_days >= 60:
        steps.append(("STANDARD_IA", 30))
    if expire_days >= 180:
        steps.append(("GLACIER_IR", 90))
    if expire_days >= 365:
        steps.append(("DEEP_ARCHIVE", 180))
    return steps


def lifecycle_rules(
    policy: BackupPolicy, noncurrent_days: int
) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    """One rule per retention class prefix, and one for versions, delete markers and uploads."""
    rule = aws.s3.BucketLifecycleConfigurationRuleArgs
    rules = []
    for retention_class, days in retention_days(policy).items():
        rules.append(
            rule(
                id=f"{retention_class}-retention",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(
                    prefix=f"{retention_class}/"
                ),
                transitions=[
                    aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                        storage_class=storage_class, days=after
                    )
                    for storage_class, after in transitions(days)
                ],
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                    days=days or EXPIRE_UNUSED_CLASS_DAYS
                ),
            )
        )
    rules.append(
        rule(
            id="housekeeping",
            status="Enabled",
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
            noncurrent_version_expiration=(
                aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=noncurrent_days
                )
            ),
            abort_incomplete_multipart_upload=(
                aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=ABORT_INCOMPLETE_UPLOAD_DAYS
                )
            ),
            expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                expired_object_delete_marker=True
            ),
        )
    )
    return rules


def bucket_policy(bucket_arn: str, kms_key_arn: str) -> dict[str, Any]:
    """TLS 1.2+ only, and uploads only with SSE-KMS under the bucket's own key.

    Uploads that name no encryption get the bucket default (that key), so they are allowed.
    """
    everything = [bucket_arn, f"{bucket_arn}/*"]
    return policy_document(
        _deny(
            "DenyInsecureTransport",
            "s3:*",
            everything,
            {"Bool": {"aws:SecureTransport": "false"}},
        ),
        _deny("DenyOutdatedTls", "s3:*", everything, {"NumericLessThan": {"s3:TlsVersion": "1.2"}}),
        _deny(
            "DenyOtherEncryption",
            "s3:PutObject",
            [f"{bucket_arn}/*"],
            {
                "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
                "Null": {"s3:x-amz-server-side-encryption": "false"},
            },
        ),
        _deny(
            "DenyOtherKmsKeys",
            "s3:PutObject",
            [f"{bucket_arn}/*"],
            {
                "StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": kms_key_arn},
                "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
            },
        ),
    )


def _deny(sid: str, action: str, resources: list[str], condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resources,
        "Condition": condition,
    }


def service_key_policy(account_id: str, region: str) -> dict[str, Any]:
    """Administration for the account, use only through S3, AWS Backup and RDS in the region.

    No statement grants `kms:*`: principals of the account can use the key only through those
    services, and only when their own IAM policy also allows it.
    """
    return policy_document(
        key_administration_statement(account_id),
        key_use_through_services_statement(
            "UseThroughBackupServices", account_id, region, KEY_SERVICES
        ),
    )


def log_bucket_policy(log_bucket_arn: str, source_arn: str, account_id: str) -> dict[str, Any]:
    """S3 server access logging may write, only for our source bucket; TLS only for everyone."""
    return policy_document(
        {
            "Sid": "S3ServerAccessLogs",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{log_bucket_arn}/*",
            "Condition": {
                "ArnLike": {"aws:SourceArn": source_arn},
                "StringEquals": {"aws:SourceAccount": account_id},
            },
        },
        _deny(
            "DenyInsecureTransport",
            "s3:*",
            [log_bucket_arn, f"{log_bucket_arn}/*"],
            {"Bool": {"aws:SecureTransport": "false"}},
        ),
    )


def replication_policy(
    source_arn: str, target_arn: str, source_key_arn: str, target_key_arn: str
) -> dict[str, Any]:
    """Read versions from the source, write replicas to the target, with both keys."""
    return policy_document(
        {
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            "Resource": source_arn,
        },
        {
            "Effect": "Allow",
            "Action": [
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionTagging",
                "s3:GetObjectRetention",
                "s3:GetObjectLegalHold",
            ],
            "Resource": f"{source_arn}/*",
        },
        {
            "Effect": "Allow",
            # No s3:ObjectOwnerOverrideToBucketOwner: both buckets are this account's.
            "Action": ["s3:ReplicateObject", "s3:ReplicateTags"],
            "Resource": f"{target_arn}/*",
        },
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": source_key_arn},
        {
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": target_key_arn,
        },
    )
