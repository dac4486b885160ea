"""IAM and KMS policy documents that several components build the same way.

Plain JSON (no `aws.iam.get_policy_document` invoke): trust policies for AWS services and for one
Kubernetes service account (IRSA), and the statements of our customer-managed KMS key policies.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi

# Not `kms:Create*`: it includes kms:CreateGrant, with which an administrator could grant itself
# use of the key around the kms:ViaService condition of the use statement.
KEY_ADMIN_ACTIONS = (
    "kms:CreateAlias",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
)
KEY_USE_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
    "kms:CreateGrant",
    "kms:ListGrants",
)


def policy_document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def policy_json(*statements: dict[str, Any]) -> str:
    """`policy_document` as the JSON string IAM, SNS and SES take."""
    return json.dumps(policy_document(*statements))


def service_trust_policy(service: str, *, tag_session: bool = False) -> str:
    """Trust letting one AWS service principal (e.g. `backup.amazonaws.com`) assume a role."""
    action: str | list[str] = (
        ["sts:AssumeRole", "sts:TagSession"] if tag_session else "sts:AssumeRole"
    )
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": action}
    return json.dumps(policy_document(statement))


def irsa_trust_policy(
    oidc_provider_arn: pulumi.Input[str],
    oidc_issuer_url: pulumi.Input[str],
    namespace: pulumi.Input[str],
    service_account: pulumi.Input[str] | tuple[str, ...],
) -> pulumi.Output[str]:
    """Trust letting exactly one Kubernetes service account (or the few named) assume a role."""

    def document(arn: str, url: str, ns: str, accounts: str | list[str]) -> str:
        issuer = url.removeprefix("https://")
        names = [accounts] if isinstance(accounts, str) else list(accounts)
        subjects = [f"system:serviceaccount:{ns}:{name}" for name in names]
        statement = {
            "Effect": "Allow",
            "Principal": {"Federated": arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{issuer}:sub": subjects[0] if len(subjects) == 1 else subjects,
                    f"{issuer}:aud": "sts.amazonaws.com",
                }
            },
        }
        return json.dumps(policy_document(statement))

    return pulumi.Output.all(oidc_provider_arn, oidc_issuer_url, namespace, service_account).apply(
        lambda values: document(str(values[0]), str(values[1]), str(values[2]), values[3])
    )


def key_administration_statement(account_id: str) -> dict[str, Any]:
    """The account's IAM may manage the key (so it never becomes unmanageable), not use it."""
    return {
        "Sid": "KeyAdministration",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": list(KEY_ADMIN_ACTIONS),
        "Resource": "*",
    }


def key_use_through_services_statement(
    sid: str, account_id: str, region: str, services: Sequence[str]
) -> dict[str, Any]:
    """Principals of the account may use the key only through the listed services (and only
    when their own IAM policy allows it too)."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": list(KEY_USE_ACTIONS),
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "kms:CallerAccount": account_id,
                "kms:ViaService": [f"{svc}.{region}.amazonaws.com" for svc in services],
            }
        },
    }
