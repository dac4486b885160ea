"""The tenant's identities: service accounts, IRSA roles and the upgrade Jobs' scale rights.

Odoo (web, cron, the init Job's Odoo) has no AWS role. The backup writer may only write the
tenant's three bucket prefixes; the restore check may only list and read them; both use the
backup key. The init/upgrade and resume Jobs run as the upgrade account: the backup role (for
the pre-upgrade backup) and a Role that may only read and set the scale of this tenant's web and
cron Deployments, and pause their ScaledObjects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from odoo_platform.components._shared.iam import irsa_trust_policy, policy_json
from odoo_platform.components.backup_bucket import tenant_key_prefixes
from odoo_platform.components.odoo_tenant.scope import (
    BACKUP_SA,
    RESTORE_CHECK_SA,
    UPGRADE_SA,
    TenantScope,
    k8s_value,
)
from odoo_platform.config.tags import resource_tags
from odoo_platform.odoo import scripts
from odoo_platform.odoo.names import APP, CRON_DEPLOYMENT, WEB_DEPLOYMENT

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
SCALE_ROLE = f"{APP}-scale-workloads"
PolicyOf = Callable[[str, str, str], str]


@dataclass(frozen=True)
class Identities:
    """What the workloads and Jobs run as (they depend on these accounts existing)."""

    odoo: k8s.core.v1.ServiceAccount
    backup: k8s.core.v1.ServiceAccount
    restore_check: k8s.core.v1.ServiceAccount
    upgrade: k8s.rbac.v1.RoleBinding
    backup_role_arn: pulumi.Output[str]
    backup_role_name: pulumi.Output[str]


def declare_identities(scope: TenantScope) -> Identities:
    odoo = k8s.core.v1.ServiceAccount(
        f"{scope.name}-sa",
        metadata=k8s_value(scope.metadata(APP)),
        automount_service_account_token=False,
        opts=scope.opts(),
    )
    writer = _irsa_role(scope, "backup", (BACKUP_SA, UPGRADE_SA), "Backups", backup_policy)
    reader = _irsa_role(
        scope, "restore-check", RESTORE_CHECK_SA, "Restore checks", restore_check_policy
    )
    return Identities(
        odoo=odoo,
        backup=_irsa_account(scope, "backup", BACKUP_SA, writer),
        restore_check=_irsa_account(scope, "restore-check", RESTORE_CHECK_SA, reader),
        upgrade=_upgrade_identity(scope, writer),
        backup_role_arn=writer.arn,
        backup_role_name=writer.name,
    )


def _irsa_account(
    scope: TenantScope, prefix: str, service_account: str, role: aws.iam.Role
) -> k8s.core.v1.ServiceAccount:
    return k8s.core.v1.ServiceAccount(
        f"{scope.name}-{prefix}-sa",
        metadata=k8s_value(
            scope.metadata(service_account, annotations={IRSA_ANNOTATION: role.arn})
        ),
        automount_service_account_token=False,
        opts=scope.opts(),
    )


def _upgrade_identity(scope: TenantScope, role: aws.iam.Role) -> k8s.rbac.v1.RoleBinding:
    account = k8s.core.v1.ServiceAccount(
        f"{scope.name}-upgrade-sa",
        metadata=k8s_value(scope.metadata(UPGRADE_SA, annotations={IRSA_ANNOTATION: role.arn})),
        automount_service_account_token=False,
        opts=scope.opts(),
    )
    scale = k8s.rbac.v1.Role(
        f"{scope.name}-scale-role",
        metadata=k8s_value(scope.metadata(SCALE_ROLE)),
        rules=k8s_value(
            [
                {
                    "apiGroups": ["apps"],
                    "resources": ["deployments/scale"],
                    "resourceNames": [WEB_DEPLOYMENT, CRON_DEPLOYMENT],
                    "verbs": ["get", "patch"],
                },
                {
                    # pauses KEDA while an upgrade runs (scale-workloads.sh, KEDA_PAUSE)
                    "apiGroups": ["keda.sh"],
                    "resources": ["scaledobjects"],
                    "resourceNames": [WEB_DEPLOYMENT, CRON_DEPLOYMENT],
                    "verbs": ["patch"],
                },
            ]
        ),
        opts=scope.opts(),
    )
    return k8s.rbac.v1.RoleBinding(
        f"{scope.name}-scale-binding",
        metadata=k8s_value(scope.metadata(SCALE_ROLE)),
        role_ref=k8s_value(
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": SCALE_ROLE}
        ),
        subjects=k8s_value(
            [{"kind": "ServiceAccount", "name": UPGRADE_SA, "namespace": scope.namespace}]
        ),
        opts=scope.opts(depends_on=[account, scale]),
    )


def _irsa_role(
    scope: TenantScope,
    prefix: str,
    service_accounts: str | tuple[str, ...],
    what: str,
    policy_of: PolicyOf,
) -> aws.iam.Role:
    args = scope.args
    trust = irsa_trust_policy(
        args.oidc_provider_arn, args.oidc_issuer_url, scope.namespace, service_accounts
    )
    role = aws.iam.Role(
        f"{scope.name}-{prefix}-role",
        assume_role_policy=trust,
        description=f"{what} of Odoo tenant {args.slug}",
        tags=resource_tags(args.tier, args.slug),
        opts=scope.opts(),
    )
    policy = pulumi.Output.all(args.backup_bucket_arn, args.backup_kms_key_arn).apply(
        lambda v: policy_of(v[0], v[1], args.slug)
    )
    aws.iam.RolePolicy(
        f"{scope.name}-{prefix}-policy", role=role.id, policy=policy, opts=scope.opts()
    )
    return role


def backup_policy(bucket_arn: str, kms_key_arn: str, slug: str) -> str:
    """The backup writer: put (multipart included, no read, list or delete) under the tenant's
    three prefixes, and the backup key to encrypt (multipart SSE-KMS uploads also decrypt)."""
    return policy_json(
        {
            "Sid": "WriteOwnPrefixes",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": [f"{bucket_arn}/{p}*" for p in tenant_key_prefixes(slug)],
        },
        {
            "Sid": "UseBackupKey",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            "Resource": kms_key_arn,
        },
    )


def restore_check_policy(bucket_arn: str, kms_key_arn: str, slug: str) -> str:
    """The restore check: list and read the tenant's three prefixes, decrypt, and write only
    the `verified.json` marker beside a backup it verified (restore-verified.sh)."""
    prefixes = tenant_key_prefixes(slug)
    return policy_json(
        {
            "Sid": "ListOwnPrefixes",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}},
        },
        {
            "Sid": "ReadOwnPrefixes",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [f"{bucket_arn}/{p}*" for p in prefixes],
        },
        {
            "Sid": "MarkVerified",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": [f"{bucket_arn}/{p}*/{scripts.VERIFIED_MARKER}" for p in prefixes],
        },
        {
            "Sid": "UseBackupKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
            "Resource": kms_key_arn,
        },
    )
