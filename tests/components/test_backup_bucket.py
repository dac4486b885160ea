"""BackupBucket and BackupPlan under mocks: every safeguard, prod versus dev, DR copies."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from odoo_platform.components.aws_backup import (
    BackupPlan,
    BackupPlanArgs,
    kept_classes,
    schedules,
)
from odoo_platform.components.backup_bucket import (
    BackupBucket,
    BackupBucketArgs,
    backup_key_prefix,
    lifecycle_rules,
    retention_days,
    tenant_key_prefixes,
    transitions,
)
from odoo_platform.config import PlatformConfig
from odoo_platform.config.models import BackupPolicy
from odoo_platform.platform.assembly.aws_backup import backup_plan_args
from odoo_platform.platform.assembly.backup_bucket import backup_bucket_args
from odoo_platform.testing import ProgramResult, RecordedResource, run_program

KMS = "arn:aws:kms:eu-west-1:123456789012:key/backups"
BUCKET = "aws:s3/bucket:Bucket"
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
VAULT = "aws:backup/vault:Vault"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"


def declare(config: PlatformConfig, *, own_key: bool = False) -> ProgramResult:
    def program() -> None:
        dr = aws.Provider("dr", region="eu-central-1")
        bucket = BackupBucket(
            "backups",
            backup_bucket_args(config, kms_key_arn=None if own_key else KMS, dr_provider=dr),
        )
        BackupPlan(
            "aws-backup",
            backup_plan_args(
                config,
                kms_key_arn=bucket.kms_key_arn,
                dr_provider=dr,
                dr_kms_key_arn=bucket.dr_kms_key_arn,
            ),
        )

    return run_program(program)


@pytest.fixture(scope="module")
def prod(prod_config: PlatformConfig) -> ProgramResult:
    return declare(prod_config)


@pytest.fixture(scope="module")
def dev(dev_config: PlatformConfig) -> ProgramResult:
    return declare(dev_config)


def of(result: ProgramResult, name: str, kind: str) -> RecordedResource:
    return result.named(name, f"aws:s3/{kind}")


def policy_of(result: ProgramResult, name: str) -> dict[str, Any]:
    return json.loads(of(result, name, "bucketPolicy:BucketPolicy").inputs["policy"])


def test_bucket_is_protected_in_prod_only(prod: ProgramResult, dev: ProgramResult) -> None:
    assert prod.named("backups-bucket", BUCKET).protect
    assert prod.named("backups-access-logs-bucket", BUCKET).protect
    assert prod.named("backups-dr-bucket", BUCKET).protect
    assert not dev.named("backups-bucket", BUCKET).protect
    assert prod.named("backups-bucket", BUCKET).inputs["forceDestroy"] is False


def test_ownership_and_public_access_blocks(prod: ProgramResult) -> None:
    for prefix in ("backups", "backups-access-logs", "backups-dr"):
        ownership = of(
            prod, f"{prefix}-ownership", "bucketOwnershipControls:BucketOwnershipControls"
        )
        assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
        block = of(
            prod, f"{prefix}-public-access", "bucketPublicAccessBlock:BucketPublicAccessBlock"
        )
        flags = (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
        assert all(block.inputs[flag] is True for flag in flags)


def test_versioning_and_kms_encryption_with_bucket_key(prod: ProgramResult) -> None:
    versioning = of(prod, "backups-versioning", "bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    encryption = of(
        prod,
        "backups-encryption",
        "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )
    rule = encryption.inputs["rules"][0]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": KMS,
    }
    assert rule["bucketKeyEnabled"] is True


def test_policy_denies_plain_http_and_foreign_encryption(prod: ProgramResult) -> None:
    statements = {s["Sid"]: s for s in policy_of(prod, "backups-policy")["Statement"]}
    assert all(s["Effect"] == "Deny" for s in statements.values())
    assert statements["DenyInsecureTransport"]["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }
    other_key = statements["DenyOtherKmsKeys"]["Condition"]
    assert other_key["StringNotEquals"]["s3:x-amz-server-side-encryption-aws-kms-key-id"] == KMS
    other_sse = statements["DenyOtherEncryption"]["Condition"]
    assert other_sse["StringNotEquals"] == {"s3:x-amz-server-side-encryption": "aws:kms"}
    bucket_arn = prod.named("backups-bucket", BUCKET).outputs["arn"]
    assert statements["DenyOtherKmsKeys"]["Resource"] == [f"{bucket_arn}/*"]


def test_object_lock_in_prod_with_configured_mode_and_days(
    prod: ProgramResult, prod_config: PlatformConfig
) -> None:
    lock = prod.named("backups-object-lock", LOCK)
    retention = lock.inputs["rule"]["defaultRetention"]
    assert retention == {"mode": "COMPLIANCE", "days": prod_config.backup.immutability_days}
    versioning = of(prod, "backups-versioning", "bucketVersioning:BucketVersioning")
    assert versioning.urn in lock.dependencies
    # the bucket itself never changes with the lock mode (enabling it later replaces nothing)
    assert "objectLockEnabled" not in prod.named("backups-bucket", BUCKET).inputs
    assert prod.named("backups-dr-object-lock", LOCK)


def test_no_object_lock_in_dev(dev: ProgramResult) -> None:
    assert not dev.by_type(LOCK)
    assert not dev.by_type(VAULT_LOCK)


def test_governance_mode_is_passed_through(prod_config: PlatformConfig) -> None:
    config = prod_config.model_copy(
        update={"backup": prod_config.backup.model_copy(update={"immutability": "governance"})}
    )
    result = declare(config)
    lock = result.named("backups-object-lock", LOCK)
    assert lock.inputs["rule"]["defaultRetention"]["mode"] == "GOVERNANCE"
    vault_lock = result.named("aws-backup-vault-lock", VAULT_LOCK)
    assert "changeableForDays" not in vault_lock.inputs


def lifecycle(result: ProgramResult, name: str = "backups-lifecycle") -> dict[str, dict[str, Any]]:
    resource = of(result, name, "bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    return {rule["id"]: rule for rule in resource.inputs["rules"]}


def test_lifecycle_per_retention_class(prod: ProgramResult, prod_config: PlatformConfig) -> None:
    rules = lifecycle(prod)
    policy = prod_config.backup
    assert rules["daily-retention"]["filter"] == {"prefix": "daily/"}
    assert rules["daily-retention"]["expiration"] == {"days": policy.daily_retention_days}
    assert rules["weekly-retention"]["expiration"] == {"days": policy.weekly_retention_weeks * 7}
    monthly = rules["monthly-retention"]
    assert monthly["expiration"] == {"days": policy.monthly_retention_months * 31}
    assert [t["storageClass"] for t in monthly["transitions"]] == [
        "STANDARD_IA",
        "GLACIER_IR",
        "DEEP_ARCHIVE",
    ]
    assert all(rule["status"] == "Enabled" for rule in rules.values())


def test_lifecycle_housekeeping(prod: ProgramResult) -> None:
    housekeeping = lifecycle(prod)["housekeeping"]
    assert housekeeping["filter"] == {}
    assert housekeeping["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
    assert housekeeping["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    assert housekeeping["expiration"] == {"expiredObjectDeleteMarker": True}


def test_dev_expires_unused_classes_at_once(dev: ProgramResult) -> None:
    rules = lifecycle(dev)
    assert rules["weekly-retention"]["expiration"] == {"days": 1}
    assert rules["monthly-retention"]["expiration"] == {"days": 1}
    assert rules["daily-retention"]["expiration"] == {"days": 7}


def test_access_logs_go_to_a_log_bucket(prod: ProgramResult) -> None:
    logging = of(prod, "backups-access-logging", "bucketLogging:BucketLogging")
    logs = prod.named("backups-access-logs-bucket", BUCKET)
    assert logging.inputs["targetBucket"] == logs.outputs["bucket"]
    assert logging.inputs["targetObjectKeyFormat"]["partitionedPrefix"]
    log_encryption = of(
        prod,
        "backups-access-logs-encryption",
        "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )
    default = log_encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default == {"sseAlgorithm": "AES256"}
    statements = policy_of(prod, "backups-access-logs-policy")["Statement"]
    writer = statements[0]
    assert writer["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    source_arn = prod.named("backups-bucket", BUCKET).outputs["arn"]
    assert writer["Condition"]["ArnLike"] == {"aws:SourceArn": source_arn}


def test_an_existing_log_bucket_is_used_as_given(prod_config: PlatformConfig) -> None:
    def program() -> None:
        args = backup_bucket_args(prod_config, kms_key_arn=KMS, access_log_bucket="logs")
        BackupBucket("backups", args)

    result = run_program(program)
    assert len(result.by_type(BUCKET)) == 1
    logging = of(result, "backups-access-logging", "bucketLogging:BucketLogging")
    assert logging.inputs["targetBucket"] == "logs"


def test_replication_to_the_dr_region_under_its_own_key(prod: ProgramResult) -> None:
    dr = prod.named("dr")
    dr_key = prod.named("backups-dr-key", "aws:kms/key:Key")
    dr_bucket = prod.named("backups-dr-bucket", BUCKET)
    assert dr_key.provider == dr.urn and dr_bucket.provider == dr.urn
    assert dr_key.protect and dr_key.inputs["enableKeyRotation"] is True
    replication = of(prod, "backups-replication", "bucketReplicationConfig:BucketReplicationConfig")
    rule = replication.inputs["rules"][0]
    assert rule["destination"]["bucket"] == dr_bucket.outputs["arn"]
    assert rule["destination"]["encryptionConfiguration"] == {
        "replicaKmsKeyId": dr_key.outputs["arn"]
    }
    assert rule["deleteMarkerReplication"] == {"status": "Disabled"}
    # Replication Time Control: 15 minutes as an SLA, and the metrics it needs
    assert rule["destination"]["replicationTime"] == {"status": "Enabled", "time": {"minutes": 15}}
    assert rule["destination"]["metrics"] == {
        "status": "Enabled",
        "eventThreshold": {"minutes": 15},
    }
    assert rule["id"] == "dr-copy"
    assert rule["sourceSelectionCriteria"]["sseKmsEncryptedObjects"] == {"status": "Enabled"}
    versionings = {
        of(prod, f"{p}-versioning", "bucketVersioning:BucketVersioning").urn
        for p in ("backups", "backups-dr")
    }
    assert versionings <= set(replication.dependencies)
    role = prod.named("backups-replication", "aws:iam/role:Role")
    assert replication.inputs["role"] == role.outputs["arn"]
    policy = json.loads(
        prod.named("backups-replication", "aws:iam/rolePolicy:RolePolicy").inputs["policy"]
    )
    actions = {a for s in policy["Statement"] for a in _listed(s["Action"])}
    assert "s3:ReplicateDelete" not in actions and "s3:ReplicateObject" in actions
    dr_lifecycle = lifecycle(prod, "backups-dr-lifecycle")
    assert dr_lifecycle["daily-retention"] == lifecycle(prod)["daily-retention"]


def _listed(action: str | list[str]) -> list[str]:
    return [action] if isinstance(action, str) else action


def test_dev_without_dr_mode_does_not_replicate(dev: ProgramResult) -> None:
    assert not dev.by_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    assert len(dev.by_type(BUCKET)) == 2  # the bucket and its access-log bucket
    assert len(dev.by_type(VAULT)) == 1


def test_own_key_for_a_dedicated_bucket_has_a_service_scoped_policy(
    prod_config: PlatformConfig,
) -> None:
    result = declare(prod_config, own_key=True)
    key = result.named("backups-key", "aws:kms/key:Key")
    assert key.protect and key.inputs["enableKeyRotation"] is True
    policy = json.loads(key.inputs["policy"])
    assert all("kms:*" not in _listed(s["Action"]) for s in policy["Statement"])
    use = next(s for s in policy["Statement"] if s["Sid"] == "UseThroughBackupServices")
    assert "s3.eu-west-1.amazonaws.com" in use["Condition"]["StringEquals"]["kms:ViaService"]
    encryption = of(
        result,
        "backups-encryption",
        "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )
    default = encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default["kmsMasterKeyId"] == key.outputs["arn"]


def test_children_are_named_after_the_component_and_tagged(prod: ProgramResult) -> None:
    for component, token in (("backups", "BackupBucket"), ("aws-backup", "BackupPlan")):
        parent = prod.named(component, f"odoo-platform:index:{token}")
        children = prod.descendants(parent)
        assert children and all(r.name.startswith(component) for r in children)
        assert all(r.inputs["tags"]["Tier"] == "shared" for r in children if "tags" in r.inputs)


def test_vault_uses_kms_and_is_locked_in_prod(
    prod: ProgramResult, prod_config: PlatformConfig
) -> None:
    vault = prod.named("aws-backup-vault", VAULT)
    assert vault.protect
    assert vault.inputs["kmsKeyArn"] == KMS
    lock = prod.named("aws-backup-vault-lock", VAULT_LOCK)
    policy = prod_config.backup
    assert lock.inputs["minRetentionDays"] == policy.daily_retention_days
    assert lock.inputs["maxRetentionDays"] == policy.monthly_retention_months * 31
    assert lock.inputs["changeableForDays"] == 3
    assert lock.inputs["backupVaultName"] == vault.outputs["name"]


def plan_rules(result: ProgramResult) -> dict[str, dict[str, Any]]:
    plan = result.named("aws-backup-plan", "aws:backup/plan:Plan")
    return {rule["ruleName"]: rule for rule in plan.inputs["rules"]}


def test_plan_rules_and_copies_to_the_dr_vault(
    prod: ProgramResult, prod_config: PlatformConfig
) -> None:
    rules = plan_rules(prod)
    assert set(rules) == {"daily", "weekly", "monthly"}
    dr_vault = prod.named("aws-backup-dr-vault", VAULT)
    assert dr_vault.provider == prod.named("dr").urn
    assert dr_vault.inputs["kmsKeyArn"] == prod.named("backups-dr-key").outputs["arn"]
    assert prod.named("aws-backup-dr-vault-lock", VAULT_LOCK).provider == dr_vault.provider
    for name, days in retention_days(prod_config.backup).items():
        rule = rules[name]
        assert rule["lifecycle"] == {"deleteAfter": days}
        assert rule["targetVaultName"] == prod.named("aws-backup-vault").outputs["name"]
        assert rule["copyActions"] == [
            {"destinationVaultArn": dr_vault.outputs["arn"], "lifecycle": {"deleteAfter": days}}
        ]
    assert rules["daily"]["schedule"] == "cron(0 1/4 * * ? *)"  # RPO of 4 hours


def test_dev_plan_keeps_only_daily_and_copies_nothing(dev: ProgramResult) -> None:
    rules = plan_rules(dev)
    assert list(rules) == ["daily"]
    assert "copyActions" not in rules["daily"]
    assert rules["daily"]["schedule"] == "cron(0 5 * * ? *)"


def test_selection_covers_rds_and_efs_by_tag(prod: ProgramResult) -> None:
    selection = prod.named("aws-backup-selection", "aws:backup/selection:Selection")
    assert selection.inputs["resources"] == [
        "arn:aws:rds:*:*:db:*",
        "arn:aws:elasticfilesystem:*:*:file-system/*",
    ]
    condition = selection.inputs["conditions"][0]["stringEquals"][0]
    assert condition == {"key": "aws:ResourceTag/BackupPlan", "value": "odoo-platform"}
    role = prod.named("aws-backup-role", "aws:iam/role:Role")
    assert selection.inputs["iamRoleArn"] == role.outputs["arn"]
    attached = {
        r.inputs["policyArn"]
        for r in prod.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert {a.rsplit("/", 1)[-1] for a in attached} == {
        "AWSBackupServiceRolePolicyForBackup",
        "AWSBackupServiceRolePolicyForRestores",
    }


def test_plan_needs_both_dr_inputs(prod_config: PlatformConfig) -> None:
    def program() -> None:
        dr = aws.Provider("dr", region="eu-central-1")
        BackupPlan("p", BackupPlanArgs(prod_config.backup, KMS, dr_provider=dr))

    with pytest.raises(ValueError, match="both"):
        run_program(program)


def test_object_lock_longer_than_daily_expiry_is_rejected() -> None:
    policy = BackupPolicy(daily_retention_days=7, immutability_days=14)
    with pytest.raises(ValueError, match="outlives"):
        run_program(
            lambda: pulumi.Output.from_input(
                BackupBucket("b", BackupBucketArgs(policy, "compliance", kms_key_arn=KMS))
            )
        )


def test_key_prefixes_are_class_first() -> None:
    assert backup_key_prefix("weekly", "acme") == "weekly/acme/"
    assert tenant_key_prefixes("acme") == ["daily/acme/", "weekly/acme/", "monthly/acme/"]
    with pytest.raises(ValueError, match="retention class"):
        backup_key_prefix("hourly", "acme")


@pytest.mark.parametrize(
    ("days", "classes"),
    [(14, []), (59, []), (60, ["STANDARD_IA"]), (364, ["STANDARD_IA", "GLACIER_IR"])],
)
def test_transitions_respect_minimum_storage_durations(days: int, classes: list[str]) -> None:
    assert [storage for storage, _ in transitions(days)] == classes
    assert all(after < days for _, after in transitions(days))


def test_lifecycle_rules_cover_each_class_once() -> None:
    rules = lifecycle_rules(BackupPolicy(), 30)
    assert [r.id for r in rules] == [  # type: ignore[attr-defined]
        "daily-retention",
        "weekly-retention",
        "monthly-retention",
        "housekeeping",
    ]


def test_schedules_and_kept_classes() -> None:
    assert schedules(24, 5)["daily"] == "cron(0 5 * * ? *)"
    assert schedules(6, 5)["daily"] == "cron(0 5/6 * * ? *)"
    assert schedules(24, 5)["monthly"] == "cron(0 5 1 * ? *)"
    assert kept_classes(BackupPolicy(weekly_retention_weeks=0)) == {"daily": 14, "monthly": 372}
