"""Every rule against a passing and a failing case, with the exact messages it must report."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pytest
from policy_samples import (
    BACKUP_BUCKET,
    BACKUP_JOB,
    BUCKET_POLICY,
    BUCKET_TYPE,
    BUCKET_V2_TYPE,
    CACHE,
    CACHE_DEFAULT_USER,
    CACHE_TYPE,
    CACHE_USER_TYPE,
    CRON,
    CRONJOB_TYPE,
    DEFAULT_DENY,
    DEPLOYMENT_TYPE,
    DEV,
    DROP,
    EKS,
    EKS_TYPE,
    INGRESS_RULE,
    INGRESS_RULE_TYPE,
    KEY_ARN,
    KMS,
    KMS_TYPE,
    LAUNCH_TEMPLATE,
    LAUNCH_TEMPLATE_TYPE,
    NAMESPACE,
    NAMESPACE_TYPE,
    NETPOL_TYPE,
    PAB,
    PAB_TYPE,
    PDB,
    PDB_TYPE,
    POLICY_TYPE,
    PROD,
    RDS,
    RDS_TYPE,
    SG,
    SG_RULE,
    SG_RULE_TYPE,
    SG_TYPE,
    SSE,
    SSE_TYPE,
    TAGS,
    TENANT_NAMESPACE,
    TLS_STATEMENT,
    VERSIONING,
    VERSIONING_TYPE,
    WEB,
    compliant_stack,
    edit,
    literal,
    public_access_block_for,
    view,
)

from odoo_platform.policies import (
    ALL_RULES,
    ResourceView,
    StackContext,
    StackFacts,
    TenantFacts,
    evaluate,
    rule_by_id,
)


@dataclass(frozen=True)
class Case:
    rule_id: str
    title: str
    resources: tuple[ResourceView, ...]
    messages: tuple[str, ...] = ()  # exactly what the rule reports; () means the case passes
    context: StackContext = PROD

    @property
    def passes(self) -> bool:
        return not self.messages


def one(
    rule_id: str,
    title: str,
    type_: str,
    props: Mapping[str, Any],
    *messages: str,
    ctx: StackContext = PROD,
) -> Case:
    return Case(rule_id, title, (view(type_, props, ctx=ctx),), messages, ctx)


def policy_json(*statements: Mapping[str, Any]) -> dict[str, Any]:
    return edit(
        BUCKET_POLICY,
        {"policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})},
    )


CONTAINER = "spec.template.spec.containers.0"
PSS_LABEL = "pod-security.kubernetes.io/enforce"
COMPONENT = "app.kubernetes.io/component"
WORLD_ONLY_443 = "only tcp 443 may face the world"
RETENTION = "backupRetentionPeriod is {}; allowed in {}: {} to 35 days"
NO_DENY = "a default-deny NetworkPolicy (Ingress and Egress)"
ALL_NS_GAPS = f"namespace acme lacks {NO_DENY}, a ResourceQuota, a LimitRange"

NO_BLOCK = (
    "bucket {} has no BucketPublicAccessBlock: only account-level settings keep it from being "
    "made public"
)
BACKUPS = literal(view(BUCKET_TYPE, edit(BACKUP_BUCKET, {"tags.Tenant": "acme"}), "acme-backups"))
EXPORTS_V2 = literal(view(BUCKET_V2_TYPE, {"tags": TAGS}, "acme-exports"))

AWS_CASES = [
    one("rds-storage-encrypted", "encrypted", RDS_TYPE, RDS),
    one(
        "rds-storage-encrypted",
        "replica-inherits",
        RDS_TYPE,
        edit(RDS, {"storageEncrypted": DROP, "replicateSourceDb": "db"}),
    ),
    one(
        "rds-storage-encrypted",
        "false",
        RDS_TYPE,
        edit(RDS, {"storageEncrypted": False}),
        "storageEncrypted is not true: the database storage and its snapshots are unencrypted",
    ),
    one(
        "rds-storage-encrypted",
        "unset",
        RDS_TYPE,
        edit(RDS, {"storageEncrypted": DROP}),
        "storageEncrypted is not true: the database storage and its snapshots are unencrypted",
    ),
    one("rds-not-publicly-accessible", "private", RDS_TYPE, RDS),
    one(
        "rds-not-publicly-accessible",
        "public",
        RDS_TYPE,
        edit(RDS, {"publiclyAccessible": True}),
        "publiclyAccessible is true: the database gets a public DNS name and address",
    ),
    one("rds-multi-az-prod", "prod", RDS_TYPE, RDS),
    one("rds-multi-az-prod", "dev-single-az", RDS_TYPE, edit(RDS, {"multiAz": False}), ctx=DEV),
    one(
        "rds-multi-az-prod",
        "prod-single-az",
        RDS_TYPE,
        edit(RDS, {"multiAz": False}),
        "multiAz is not true in prod: one AZ failure takes the database down",
    ),
    one(
        "rds-multi-az-prod",
        "prod-unset",
        RDS_TYPE,
        edit(RDS, {"multiAz": DROP}),
        "multiAz is not true in prod: one AZ failure takes the database down",
    ),
    one("rds-deletion-protection-prod", "prod", RDS_TYPE, RDS),
    one(
        "rds-deletion-protection-prod",
        "dev-off",
        RDS_TYPE,
        edit(RDS, {"deletionProtection": False}),
        ctx=DEV,
    ),
    one(
        "rds-deletion-protection-prod",
        "prod-off",
        RDS_TYPE,
        edit(RDS, {"deletionProtection": False}),
        "deletionProtection is not true in prod",
    ),
    one("rds-backup-retention", "prod-14", RDS_TYPE, RDS),
    one(
        "rds-backup-retention",
        "prod-7-as-float",
        RDS_TYPE,
        edit(RDS, {"backupRetentionPeriod": 7.0}),
    ),
    one(
        "rds-backup-retention", "dev-1", RDS_TYPE, edit(RDS, {"backupRetentionPeriod": 1}), ctx=DEV
    ),
    one(
        "rds-backup-retention",
        "replica-unset",
        RDS_TYPE,
        edit(RDS, {"backupRetentionPeriod": DROP, "replicateSourceDb": "db"}),
    ),
    one(
        "rds-backup-retention",
        "prod-3",
        RDS_TYPE,
        edit(RDS, {"backupRetentionPeriod": 3}),
        RETENTION.format("3 days", "prod", 7),
    ),
    one(
        "rds-backup-retention",
        "dev-0",
        RDS_TYPE,
        edit(RDS, {"backupRetentionPeriod": 0}),
        RETENTION.format("0 days", "dev", 1),
        ctx=DEV,
    ),
    one(
        "rds-backup-retention",
        "prod-36",
        RDS_TYPE,
        edit(RDS, {"backupRetentionPeriod": 36}),
        RETENTION.format("36 days", "prod", 7),
    ),
    one(
        "rds-backup-retention",
        "unset",
        RDS_TYPE,
        edit(RDS, {"backupRetentionPeriod": DROP}),
        RETENTION.format("unset", "prod", 7),
    ),
    one("s3-public-access-blocked", "all-four", PAB_TYPE, PAB),
    one(
        "s3-public-access-blocked",
        "two-missing",
        PAB_TYPE,
        edit(PAB, {"blockPublicPolicy": False, "restrictPublicBuckets": DROP}),
        "public access block flags not true: blockPublicPolicy, restrictPublicBuckets",
    ),
    Case(
        "s3-bucket-has-public-access-block", "blocked", (BACKUPS, public_access_block_for(BACKUPS))
    ),
    Case(
        "s3-bucket-has-public-access-block",
        "v2-token-blocked",
        (EXPORTS_V2, public_access_block_for(EXPORTS_V2)),
    ),
    Case(
        "s3-bucket-has-public-access-block",
        "literal-names",
        (BACKUPS, literal(view(PAB_TYPE, PAB, "acme-backups-public-access"))),
    ),
    Case(
        "s3-bucket-has-public-access-block",
        "no-property-dependencies-not-applicable",
        (view(BUCKET_TYPE, BACKUP_BUCKET, "acme-backups"),),
    ),
    Case(
        "s3-bucket-has-public-access-block",
        "no-block",
        (BACKUPS,),
        (NO_BLOCK.format("acme-backups"),),
    ),
    Case(
        "s3-bucket-has-public-access-block",
        "block-of-another-bucket",
        (BACKUPS, EXPORTS_V2, public_access_block_for(BACKUPS)),
        (NO_BLOCK.format("acme-exports"),),
    ),
    Case(
        "s3-bucket-has-public-access-block",
        "other-literal-name",
        (
            BACKUPS,
            literal(view(PAB_TYPE, edit(PAB, {"bucket": "acme-exports"}), "exports-block")),
        ),
        (NO_BLOCK.format("acme-backups"),),
    ),
    Case(
        "s3-bucket-has-public-access-block",
        "depends-through-another-property",
        (
            BACKUPS,
            replace(
                literal(view(PAB_TYPE, PAB, "acme-backups-public-access")),
                property_dependencies={"bucket": (), "blockPublicAcls": (BACKUPS.urn,)},
            ),
            literal(view(BUCKET_TYPE, edit(BACKUP_BUCKET, {"bucket": "other"}), "other")),
        ),
        (NO_BLOCK.format("other"),),
    ),
    one("s3-encrypted-with-kms", "kms", SSE_TYPE, SSE),
    one(
        "s3-encrypted-with-kms",
        "v2-token",
        SSE_TYPE.replace("Configuration", "ConfigurationV2"),
        SSE,
    ),
    one(
        "s3-encrypted-with-kms",
        "aes256",
        SSE_TYPE,
        edit(SSE, {"rules.0.applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}),
        "rules[0] uses sseAlgorithm 'AES256', not aws:kms",
    ),
    Case(
        "s3-encrypted-with-kms",
        "access-log-destination-keeps-sse-s3",
        (
            view(
                SSE_TYPE,
                edit(
                    SSE, {"rules.0.applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
                ),
                name="backups-access-logs-encryption",
            ),
        ),
        (),
        PROD,
    ),
    one(
        "s3-encrypted-with-kms",
        "aws-managed-key",
        SSE_TYPE,
        edit(SSE, {"rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId": DROP}),
        "rules[0] has no kmsMasterKeyId: the AWS managed key aws/s3 is used",
    ),
    one(
        "s3-encrypted-with-kms",
        "no-rules",
        SSE_TYPE,
        edit(SSE, {"rules": []}),
        "no default encryption rule",
    ),
    one("s3-versioning-enabled", "enabled", VERSIONING_TYPE, VERSIONING),
    one(
        "s3-versioning-enabled",
        "suspended",
        VERSIONING_TYPE,
        edit(VERSIONING, {"versioningConfiguration.status": "Suspended"}),
        "versioningConfiguration.status is 'Suspended', not 'Enabled'",
    ),
    one("s3-tls-only", "deny-statement", POLICY_TYPE, BUCKET_POLICY),
    one(
        "s3-tls-only",
        "list-spellings",
        POLICY_TYPE,
        policy_json(
            {"Effect": "Allow", "Principal": {"AWS": KEY_ARN}, "Action": "s3:GetObject"},
            {
                **TLS_STATEMENT,
                "Principal": {"AWS": ["*"]},
                "Action": ["s3:*"],
                "Condition": {"BoolIfExists": {"aws:securetransport": [False]}},
            },
        ),
    ),
    one(
        "s3-tls-only",
        "allow-only",
        POLICY_TYPE,
        policy_json({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}),
        "no statement denies s3:* to every principal when aws:SecureTransport is false",
    ),
    one(
        "s3-tls-only",
        "denies-tls",
        POLICY_TYPE,
        policy_json({**TLS_STATEMENT, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}),
        "no statement denies s3:* to every principal when aws:SecureTransport is false",
    ),
    one(
        "s3-tls-only",
        "one-principal",
        POLICY_TYPE,
        policy_json({**TLS_STATEMENT, "Principal": {"AWS": KEY_ARN}}),
        "no statement denies s3:* to every principal when aws:SecureTransport is false",
    ),
    one(
        "s3-tls-only",
        "only-puts",
        POLICY_TYPE,
        policy_json({**TLS_STATEMENT, "Action": "s3:PutObject"}),
        "no statement denies s3:* to every principal when aws:SecureTransport is false",
    ),
    one(
        "s3-tls-only",
        "bad-json",
        POLICY_TYPE,
        edit(BUCKET_POLICY, {"policy": "{"}),
        "policy is not valid JSON",
    ),
    one("s3-backup-object-lock-prod", "locked", BUCKET_TYPE, BACKUP_BUCKET),
    one(
        "s3-backup-object-lock-prod",
        "not-backups",
        BUCKET_TYPE,
        edit(BACKUP_BUCKET, {"tags.Purpose": "assets", "objectLockEnabled": DROP}),
    ),
    one(
        "s3-backup-object-lock-prod",
        "dev",
        BUCKET_TYPE,
        edit(BACKUP_BUCKET, {"objectLockEnabled": False}),
        ctx=DEV,
    ),
    one(
        "s3-backup-object-lock-prod",
        "unlocked",
        BUCKET_TYPE,
        edit(BACKUP_BUCKET, {"objectLockEnabled": False}),
        "prod backup bucket (Purpose=backups) has objectLockEnabled not true",
    ),
    one(
        "s3-backup-object-lock-prod",
        "v2-tags-all",
        "aws:s3/bucketV2:BucketV2",
        {"bucket": "b", "tags": TAGS, "tagsAll": {"Purpose": "backups"}},
        "prod backup bucket (Purpose=backups) has objectLockEnabled not true",
    ),
    one("kms-key-rotation", "rotating", KMS_TYPE, KMS),
    one(
        "kms-key-rotation",
        "asymmetric",
        KMS_TYPE,
        edit(KMS, {"enableKeyRotation": DROP, "customerMasterKeySpec": "RSA_2048"}),
    ),
    one(
        "kms-key-rotation",
        "unset",
        KMS_TYPE,
        edit(KMS, {"enableKeyRotation": DROP}),
        "enableKeyRotation is not true",
    ),
    one("elasticache-encrypted", "both", CACHE_TYPE, CACHE),
    one(
        "elasticache-encrypted",
        "required-mode",
        CACHE_TYPE,
        edit(CACHE, {"transitEncryptionMode": "required"}),
    ),
    one(
        "elasticache-encrypted",
        "neither",
        CACHE_TYPE,
        edit(CACHE, {"atRestEncryptionEnabled": False, "transitEncryptionEnabled": DROP}),
        "atRestEncryptionEnabled is not true",
        "transitEncryptionEnabled is not true",
    ),
    one(
        "elasticache-encrypted",
        "preferred-mode",
        CACHE_TYPE,
        edit(CACHE, {"transitEncryptionMode": "preferred"}),
        "transitEncryptionMode is 'preferred': plaintext connections are still accepted",
    ),
    one("elasticache-default-user-disabled", "group-with-users", CACHE_TYPE, CACHE),
    one("elasticache-default-user-disabled", "default-off", CACHE_USER_TYPE, CACHE_DEFAULT_USER),
    one(
        "elasticache-default-user-disabled",
        "tenant-user-on",
        CACHE_USER_TYPE,
        edit(CACHE_DEFAULT_USER, {"userName": "acme", "accessString": "on ~acme:* +@all"}),
    ),
    one(
        "elasticache-default-user-disabled",
        "group-without-users",
        CACHE_TYPE,
        edit(CACHE, {"userGroupIds": DROP}),
        "no userGroupIds: clients connect as the built-in default user",
    ),
    one(
        "elasticache-default-user-disabled",
        "default-on",
        CACHE_USER_TYPE,
        edit(CACHE_DEFAULT_USER, {"accessString": "on ~* +@all"}),
        "user 'default' is enabled: its accessString must switch it off ('off ...')",
    ),
    one(
        "elasticache-default-user-disabled",
        "last-switch-wins",
        CACHE_USER_TYPE,
        edit(CACHE_DEFAULT_USER, {"accessString": "off ~* on +@all"}),
        "user 'default' is enabled: its accessString must switch it off ('off ...')",
    ),
    one("eks-endpoint-private", "private-only", EKS_TYPE, EKS),
    one(
        "eks-endpoint-private",
        "public-limited",
        EKS_TYPE,
        edit(
            EKS,
            {
                "vpcConfig.endpointPublicAccess": True,
                "vpcConfig.publicAccessCidrs": ["203.0.113.0/24"],
            },
        ),
    ),
    one(
        "eks-endpoint-private",
        "aws-defaults",
        EKS_TYPE,
        edit(EKS, {"vpcConfig": {"subnetIds": ["s-1"]}}),
        "vpcConfig.endpointPrivateAccess is not true",
        "public endpoint is on with no publicAccessCidrs (AWS default: 0.0.0.0/0)",
    ),
    one(
        "eks-endpoint-private",
        "public-world",
        EKS_TYPE,
        edit(
            EKS,
            {"vpcConfig.endpointPublicAccess": True, "vpcConfig.publicAccessCidrs": ["0.0.0.0/0"]},
        ),
        "public endpoint is open to 0.0.0.0/0",
    ),
    one("eks-secrets-encrypted", "kms", EKS_TYPE, EKS),
    one(
        "eks-secrets-encrypted",
        "list-form",
        EKS_TYPE,
        edit(EKS, {"encryptionConfig": [EKS["encryptionConfig"]]}),
    ),
    one(
        "eks-secrets-encrypted",
        "unset",
        EKS_TYPE,
        edit(EKS, {"encryptionConfig": DROP}),
        "encryptionConfig does not envelope-encrypt 'secrets' with a KMS key",
    ),
    one(
        "eks-secrets-encrypted",
        "no-key",
        EKS_TYPE,
        edit(EKS, {"encryptionConfig.provider": DROP}),
        "encryptionConfig does not envelope-encrypt 'secrets' with a KMS key",
    ),
    one("eks-control-plane-logging", "all", EKS_TYPE, EKS),
    one(
        "eks-control-plane-logging",
        "api-only",
        EKS_TYPE,
        edit(EKS, {"enabledClusterLogTypes": ["api"]}),
        "enabledClusterLogTypes lacks: audit, authenticator",
    ),
    one("ec2-imdsv2-required", "required", LAUNCH_TEMPLATE_TYPE, LAUNCH_TEMPLATE),
    one(
        "ec2-imdsv2-required",
        "imds-off",
        LAUNCH_TEMPLATE_TYPE,
        edit(LAUNCH_TEMPLATE, {"metadataOptions": {"httpEndpoint": "disabled"}}),
    ),
    one(
        "ec2-imdsv2-required",
        "optional",
        LAUNCH_TEMPLATE_TYPE,
        edit(LAUNCH_TEMPLATE, {"metadataOptions.httpTokens": "optional"}),
        "metadataOptions.httpTokens is 'optional', not 'required'",
    ),
    one(
        "ec2-imdsv2-required",
        "unset",
        LAUNCH_TEMPLATE_TYPE,
        edit(LAUNCH_TEMPLATE, {"metadataOptions": DROP}),
        "metadataOptions.httpTokens is None, not 'required'",
    ),
    one("security-group-no-world-ingress", "https-and-internal", SG_TYPE, SG),
    one(
        "security-group-no-world-ingress",
        "float-ports",
        SG_TYPE,
        edit(SG, {"ingress.0.fromPort": 443.0, "ingress.0.toPort": 443.0}),
    ),
    one(
        "security-group-no-world-ingress", "ingress-rule-https-v6", INGRESS_RULE_TYPE, INGRESS_RULE
    ),
    one("security-group-no-world-ingress", "rule-https", SG_RULE_TYPE, SG_RULE),
    one(
        "security-group-no-world-ingress",
        "rule-egress",
        SG_RULE_TYPE,
        edit(SG_RULE, {"type": "egress", "protocol": "-1", "fromPort": 0, "toPort": 0}),
    ),
    one(
        "security-group-no-world-ingress",
        "ssh",
        SG_TYPE,
        edit(
            SG,
            {
                "ingress.1": {
                    "protocol": "tcp",
                    "fromPort": 22,
                    "toPort": 22,
                    "cidrBlocks": ["10.0.0.0/8", "0.0.0.0/0"],
                }
            },
        ),
        f"ingress[1] allows 0.0.0.0/0 on tcp 22-22; {WORLD_ONLY_443}",
    ),
    one(
        "security-group-no-world-ingress",
        "v6-range-incl-443",
        SG_TYPE,
        edit(
            SG,
            {
                "ingress.0": {
                    "protocol": "tcp",
                    "fromPort": 0,
                    "toPort": 65535,
                    "ipv6CidrBlocks": ["::/0"],
                }
            },
        ),
        f"ingress[0] allows ::/0 on tcp 0-65535; {WORLD_ONLY_443}",
    ),
    one(
        "security-group-no-world-ingress",
        "ingress-rule-all",
        INGRESS_RULE_TYPE,
        edit(INGRESS_RULE, {"ipProtocol": "-1", "fromPort": DROP, "toPort": DROP}),
        f"rule allows ::/0 on all protocols and ports; {WORLD_ONLY_443}",
    ),
    one(
        "security-group-no-world-ingress",
        "rule-http",
        SG_RULE_TYPE,
        edit(SG_RULE, {"fromPort": 80, "toPort": 80}),
        f"rule allows 0.0.0.0/0 on tcp 80-80; {WORLD_ONLY_443}",
    ),
    one(
        "security-group-no-world-ingress",
        "udp-443",
        SG_RULE_TYPE,
        edit(SG_RULE, {"protocol": "udp"}),
        f"rule allows 0.0.0.0/0 on udp 443-443; {WORLD_ONLY_443}",
    ),
    one("aws-required-tags", "tagged", RDS_TYPE, RDS),
    one("aws-required-tags", "tags-all", RDS_TYPE, edit(RDS, {"tags": DROP, "tagsAll": TAGS})),
    one(
        "aws-required-tags",
        "provider-defaults",
        RDS_TYPE,
        edit(RDS, {"tags": {}}),
        ctx=replace(PROD, default_tags=TAGS),
    ),
    one("aws-required-tags", "not-taggable", SG_RULE_TYPE, SG_RULE),
    one(
        "aws-required-tags",
        "missing-three",
        RDS_TYPE,
        edit(RDS, {"tags": {"Owner": "me"}}),
        "missing required tags: CostCentre, Environment, ManagedBy",
    ),
    one(
        "aws-required-tags",
        "empty-value",
        KMS_TYPE,
        edit(KMS, {"tags.CostCentre": ""}),
        "missing required tags: CostCentre",
    ),
    one(
        "aws-required-tags",
        "custom-keys",
        KMS_TYPE,
        KMS,
        "missing required tags: DataClass",
        ctx=replace(PROD, required_tags=("Owner", "DataClass")),
    ),
]

WEB_BROKEN = {
    "hostNetwork": ("spec.template.spec.hostNetwork", True, "hostNetwork is true"),
    "hostPID": ("spec.template.spec.hostPID", True, "hostPID is true"),
    "privileged": (f"{CONTAINER}.securityContext.privileged", True, "container odoo: privileged"),
    "hostPort": (
        f"{CONTAINER}.ports",
        [{"containerPort": 8069, "hostPort": 8069.0}],
        "container odoo: hostPort 8069",
    ),
    "hostPath": (
        "spec.template.spec.volumes.0",
        {"name": "logs", "hostPath": {"path": "/var/log"}},
        "volume logs is a hostPath",
    ),
}

KUBERNETES_CASES = [
    one("k8s-pod-host-isolation", "web", DEPLOYMENT_TYPE, WEB),
    *(
        one("k8s-pod-host-isolation", title, DEPLOYMENT_TYPE, edit(WEB, {path: value}), message)
        for title, (path, value, message) in WEB_BROKEN.items()
    ),
    one(
        "k8s-pod-host-isolation",
        "cronjob-host-ipc",
        CRONJOB_TYPE,
        edit(BACKUP_JOB, {"spec.jobTemplate.spec.template.spec.hostIPC": True}),
        "hostIPC is true",
    ),
    one("k8s-pod-security-restricted", "web", DEPLOYMENT_TYPE, WEB),
    one("k8s-pod-security-restricted", "cronjob", CRONJOB_TYPE, BACKUP_JOB),
    one(
        "k8s-pod-security-restricted",
        "no-security-context",
        DEPLOYMENT_TYPE,
        edit(
            WEB, {"spec.template.spec.securityContext": DROP, f"{CONTAINER}.securityContext": DROP}
        ),
        "container odoo: runAsNonRoot is not true",
        "container odoo: allowPrivilegeEscalation is not false",
        "container odoo: capabilities.drop does not include ALL",
        "container odoo: seccompProfile.type is unset, not RuntimeDefault or Localhost",
    ),
    one(
        "k8s-pod-security-restricted",
        "extra-capability",
        DEPLOYMENT_TYPE,
        edit(
            WEB,
            {f"{CONTAINER}.securityContext.capabilities.add": ["NET_BIND_SERVICE", "SYS_ADMIN"]},
        ),
        "container odoo: capabilities.add has SYS_ADMIN (only NET_BIND_SERVICE is allowed)",
    ),
    one(
        "k8s-pod-security-restricted",
        "nfs-volume",
        DEPLOYMENT_TYPE,
        edit(
            WEB,
            {
                "spec.template.spec.volumes.0": {
                    "name": "share",
                    "nfs": {"server": "x", "path": "/"},
                }
            },
        ),
        "volume share has type nfs, not allowed by the restricted profile",
    ),
    one("k8s-container-resources", "web", DEPLOYMENT_TYPE, WEB),
    one(
        "k8s-container-resources",
        "no-limits",
        DEPLOYMENT_TYPE,
        edit(WEB, {f"{CONTAINER}.resources.limits": DROP}),
        "container odoo: missing limits.cpu, limits.memory",
    ),
    one(
        "k8s-container-resources",
        "init-without",
        DEPLOYMENT_TYPE,
        edit(
            WEB, {"spec.template.spec.initContainers": [{"name": "wait", "image": "busybox:1.36"}]}
        ),
        "initContainer wait: missing requests.cpu, requests.memory, limits.cpu, limits.memory",
    ),
    one("k8s-image-pinned", "tag", DEPLOYMENT_TYPE, WEB),
    one(
        "k8s-image-pinned",
        "digest",
        DEPLOYMENT_TYPE,
        edit(WEB, {f"{CONTAINER}.image": "odoo@sha256:" + "a" * 64}),
    ),
    one(
        "k8s-image-pinned",
        "latest",
        DEPLOYMENT_TYPE,
        edit(WEB, {f"{CONTAINER}.image": "odoo:latest"}),
        "container odoo: image odoo:latest uses the mutable tag latest",
    ),
    one(
        "k8s-image-pinned",
        "untagged-with-registry-port",
        CRONJOB_TYPE,
        edit(
            BACKUP_JOB,
            {"spec.jobTemplate.spec.template.spec.containers.0.image": "registry:5000/pg"},
        ),
        "container dump: image registry:5000/pg has no tag",
    ),
    one("k8s-odoo-web-probes", "web", DEPLOYMENT_TYPE, WEB),
    one("k8s-odoo-web-probes", "cron-is-not-web", DEPLOYMENT_TYPE, CRON),
    one(
        "k8s-odoo-web-probes",
        "no-readiness",
        DEPLOYMENT_TYPE,
        edit(WEB, {f"{CONTAINER}.readinessProbe": DROP}),
        "container odoo (web) has no readinessProbe",
    ),
    one("k8s-odoo-cron-liveness", "exec", DEPLOYMENT_TYPE, CRON),
    one(
        "k8s-odoo-cron-liveness",
        "http",
        DEPLOYMENT_TYPE,
        edit(
            CRON, {f"{CONTAINER}.livenessProbe": {"httpGet": {"path": "/web/health", "port": 8069}}}
        ),
        "container odoo (cron) probes HTTP, but cron runs with --no-http",
    ),
    one(
        "k8s-odoo-cron-liveness",
        "none",
        DEPLOYMENT_TYPE,
        edit(CRON, {f"{CONTAINER}.livenessProbe": DROP}),
        "container odoo (cron) has no livenessProbe",
    ),
    one("k8s-tenant-namespace-pss-enforced", "restricted", NAMESPACE_TYPE, NAMESPACE),
    one(
        "k8s-tenant-namespace-pss-enforced",
        "platform-namespace",
        NAMESPACE_TYPE,
        {"metadata": {"name": "traefik"}},
    ),
    one(
        "k8s-tenant-namespace-pss-enforced",
        "baseline",
        NAMESPACE_TYPE,
        edit(NAMESPACE, {("metadata", "labels", PSS_LABEL): "baseline"}),
        "tenant namespace lacks label pod-security.kubernetes.io/enforce=restricted",
    ),
    Case("k8s-tenant-namespace-guardrails", "complete", TENANT_NAMESPACE),
    Case(
        "k8s-tenant-namespace-guardrails",
        "deny-split-in-two",
        (
            TENANT_NAMESPACE[0],
            *TENANT_NAMESPACE[2:],
            view(NETPOL_TYPE, edit(DEFAULT_DENY, {"spec.policyTypes": ["Ingress"]}), "deny-in"),
            view(
                NETPOL_TYPE,
                edit(DEFAULT_DENY, {"spec.policyTypes": ["Egress"], "spec.egress": []}),
                "deny-out",
            ),
        ),
    ),
    Case(
        "k8s-tenant-namespace-guardrails", "namespace-alone", TENANT_NAMESPACE[:1], (ALL_NS_GAPS,)
    ),
    Case(
        "k8s-tenant-namespace-guardrails",
        "guardrails-elsewhere",
        (
            TENANT_NAMESPACE[0],
            *(
                view(r.type, edit(r.props, {"metadata.namespace": "other"}), r.name)
                for r in TENANT_NAMESPACE[1:]
            ),
        ),
        (ALL_NS_GAPS,),
    ),
    Case(
        "k8s-tenant-namespace-guardrails",
        "ingress-only-deny",
        (
            *TENANT_NAMESPACE[:1],
            *TENANT_NAMESPACE[2:],
            view(NETPOL_TYPE, edit(DEFAULT_DENY, {"spec.policyTypes": DROP}), "deny-in"),
        ),
        (f"namespace acme lacks {NO_DENY}",),
    ),
    Case(
        "k8s-tenant-namespace-guardrails",
        "policy-allows-traffic",
        (
            *TENANT_NAMESPACE[:1],
            *TENANT_NAMESPACE[2:],
            view(
                NETPOL_TYPE,
                edit(DEFAULT_DENY, {"spec.ingress": [{"from": [{"podSelector": {}}]}]}),
                "allow",
            ),
            view(
                NETPOL_TYPE,
                edit(DEFAULT_DENY, {"spec.podSelector": {"matchLabels": {"a": "b"}}}),
                "narrow",
            ),
        ),
        (f"namespace acme lacks {NO_DENY}",),
    ),
    Case(
        "k8s-tenant-namespace-guardrails",
        "unnamed",
        (view(NAMESPACE_TYPE, edit(NAMESPACE, {"metadata.name": DROP})),),
        ("tenant namespace has no metadata.name to match guardrails by",),
    ),
    Case(
        "k8s-pdb-for-replicated-workloads",
        "web-with-pdb",
        (view(DEPLOYMENT_TYPE, WEB), view(PDB_TYPE, PDB)),
    ),
    Case("k8s-pdb-for-replicated-workloads", "single-replica", (view(DEPLOYMENT_TYPE, CRON),)),
    Case(
        "k8s-pdb-for-replicated-workloads",
        "expressions",
        (
            view(DEPLOYMENT_TYPE, WEB),
            view(
                PDB_TYPE,
                edit(
                    PDB,
                    {
                        "spec.selector": {
                            "matchExpressions": [
                                {
                                    "key": "app.kubernetes.io/component",
                                    "operator": "In",
                                    "values": ["web", "websocket"],
                                },
                                {"key": "canary", "operator": "DoesNotExist"},
                            ]
                        }
                    },
                ),
            ),
        ),
    ),
    Case(
        "k8s-pdb-for-replicated-workloads",
        "no-pdb",
        (view(DEPLOYMENT_TYPE, edit(WEB, {"spec.replicas": 3.0})),),
        ("3 replicas but no PodDisruptionBudget in acme selects its pods",),
    ),
    Case(
        "k8s-pdb-for-replicated-workloads",
        "pdb-elsewhere",
        (
            view(DEPLOYMENT_TYPE, WEB),
            view(PDB_TYPE, edit(PDB, {"metadata.namespace": "other"})),
        ),
        ("2 replicas but no PodDisruptionBudget in acme selects its pods",),
    ),
    Case(
        "k8s-pdb-for-replicated-workloads",
        "pdb-selects-cron",
        (
            view(DEPLOYMENT_TYPE, WEB),
            view(PDB_TYPE, edit(PDB, {("spec", "selector", "matchLabels", COMPONENT): "cron"})),
        ),
        ("2 replicas but no PodDisruptionBudget in acme selects its pods",),
    ),
]

FACTS = PROD.facts or StackFacts(residency_zone="eu")


def facts_case(
    rule_id: str, title: str, *messages: str, ctx: StackContext = PROD, **changes: Any
) -> Case:
    context = replace(ctx, facts=replace(FACTS, **changes))
    return Case(rule_id, title, (), messages, context)


STACK_CASES = [
    facts_case("tenant-regulated-dedicated", "regulated-dedicated"),
    facts_case(
        "tenant-regulated-dedicated",
        "regulated-shared",
        "tenant bank is regulated but placed in the shared tier",
        tenants=(TenantFacts("bank", "shared", regulated=True, residency="eu"),),
    ),
    facts_case("tenant-residency-matches-region", "eu-in-eu"),
    facts_case(
        "tenant-residency-matches-region",
        "us-in-eu",
        "tenant acme requires residency us, but eu-west-1 is in zone eu",
        tenants=(TenantFacts("acme", "shared", regulated=False, residency="us"),),
    ),
    facts_case("prod-change-freeze", "no-window"),
    facts_case(
        "prod-change-freeze",
        "override",
        freeze_window="month-end-close",
        freeze_override="CHG-1234",
    ),
    facts_case(
        "prod-change-freeze",
        "staging",
        freeze_window="month-end-close",
        ctx=replace(PROD, environment="staging"),
    ),
    facts_case(
        "prod-change-freeze",
        "frozen",
        "change freeze 'month-end-close' is active until 2026-12-03 and no override covers it: "
        "previews pass, `pulumi up` stops",
        freeze_window="month-end-close",
        freeze_until="2026-12-03",
    ),
]

CASES = AWS_CASES + KUBERNETES_CASES + STACK_CASES


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c.rule_id}:{'pass' if c.passes else 'fail'}:{c.title}" for c in CASES]
)
def test_rule_reports_exactly(case: Case) -> None:
    findings = evaluate(case.resources, case.context, rules=[rule_by_id(case.rule_id)])
    assert [f.message for f in findings] == list(case.messages)
    assert {f.rule_id for f in findings} <= {case.rule_id}


def test_every_rule_has_a_passing_and_a_failing_case() -> None:
    ids = [rule.id for rule in ALL_RULES]
    passing = {c.rule_id for c in CASES if c.passes}
    failing = {c.rule_id for c in CASES if not c.passes}
    assert [i for i in ids if i not in passing] == []
    assert [i for i in ids if i not in failing] == []
    assert {c.rule_id for c in CASES} <= set(ids)


def test_rule_ids_are_unique() -> None:
    ids = [rule.id for rule in ALL_RULES]
    assert len(ids) == len(set(ids))


def test_compliant_stack_passes_every_rule() -> None:
    assert evaluate(compliant_stack(), PROD) == []


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.passes and c.resources], ids=lambda c: c.title
)
def test_passing_samples_pass_every_rule(case: Case) -> None:
    # A passing case must not lean on a rule it was not written for.
    findings = evaluate(case.resources, case.context)
    stack_scoped = {"k8s-tenant-namespace-guardrails", "k8s-pdb-for-replicated-workloads"}
    assert [f for f in findings if f.rule_id not in stack_scoped] == []


def test_a_bucket_without_a_block_is_reported_as_itself() -> None:
    [finding] = evaluate([BACKUPS], PROD, rules=[rule_by_id("s3-bucket-has-public-access-block")])
    assert (finding.urn, finding.name, finding.resource_type) == (
        BACKUPS.urn,
        "acme-backups",
        BUCKET_TYPE,
    )
    assert finding.tenant == "acme"
