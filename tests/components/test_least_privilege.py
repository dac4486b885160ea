"""Least privilege in the policies the components write (issue 13).

parliament (tests/scanners/test_parliament.py) audits the role policies of every sample stack;
these tests pin each grant that was too wide to the component that writes it.
"""

from __future__ import annotations

import fnmatch
import json

import pytest

from odoo_platform.components._shared.iam import KEY_ADMIN_ACTIONS, key_administration_statement
from odoo_platform.components.backup_bucket import replication_policy
from odoo_platform.components.landing_zone import kms_key_policy
from odoo_platform.config import ConfigError, PlatformConfig, parse_platform
from odoo_platform.testing import ProgramResult
from tests.components.infra_fixtures import declare, make_config

ACCOUNT = "123456789012"
KEY_USE = (
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:ReEncryptTo",
)


def grants(patterns: list[str], action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in patterns)


@pytest.mark.parametrize("action", KEY_USE)
def test_key_administrators_cannot_grant_themselves_use_of_the_key(action: str) -> None:
    """`kms:Create*` included CreateGrant: an admin could grant itself Decrypt around ViaService."""
    assert not grants(list(KEY_ADMIN_ACTIONS), action)
    assert not grants(key_administration_statement(ACCOUNT)["Action"], action)


@pytest.mark.parametrize("purpose", ["data", "backups", "logs", "kubernetes"])
def test_no_key_policy_grants_create_grant_outside_the_service_condition(purpose: str) -> None:
    policy = json.loads(kms_key_policy(purpose, ACCOUNT, "eu-west-1"))
    for statement in policy["Statement"]:
        actions = statement["Action"]
        if grants(actions, "kms:CreateGrant"):
            assert "kms:ViaService" in json.dumps(statement.get("Condition", {})), statement


def test_key_administrators_keep_what_managing_a_key_needs() -> None:
    for action in (
        "kms:CreateAlias",
        "kms:PutKeyPolicy",
        "kms:ScheduleKeyDeletion",
        "kms:RevokeGrant",
    ):
        assert grants(list(KEY_ADMIN_ACTIONS), action), action


def test_same_account_replication_does_not_override_object_ownership() -> None:
    policy = replication_policy("arn:aws:s3:::src", "arn:aws:s3:::dst", "k1", "k2")
    actions = [
        a
        for s in policy["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert "s3:ObjectOwnerOverrideToBucketOwner" not in actions
    assert {"s3:ReplicateObject", "s3:ReplicateTags"} <= set(actions)


@pytest.fixture(scope="module")
def prod() -> ProgramResult:
    return declare(make_config())


def test_flow_log_role_holds_only_grants_that_apply_to_its_log_group(prod: ProgramResult) -> None:
    """DescribeLogGroups is not a log-group action: granted on the group's ARN it did nothing."""
    (statement,) = json.loads(prod.named("lz-flow-logs-write").inputs["policy"])["Statement"]
    assert set(statement["Action"]) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogStreams",
    }


def test_the_cluster_creator_is_not_made_a_permanent_admin(prod: ProgramResult) -> None:
    access = prod.named("k8s-eks", "aws:eks/cluster:Cluster").inputs["accessConfig"]
    assert access == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    entry = prod.named("k8s-admin-111122223333-platform-admins", "aws:eks/accessEntry:AccessEntry")
    assert entry.inputs["principalArn"] == "arn:aws:iam::111122223333:role/platform-admins"
    policy = prod.named("k8s-admin-111122223333-platform-admins-policy")
    assert policy.inputs["policyArn"].endswith(":cluster-access-policy/AmazonEKSClusterAdminPolicy")


def test_an_eks_cluster_needs_an_admin_role(prod_config: PlatformConfig) -> None:
    data = prod_config.model_dump(mode="json")
    data["cluster"]["admin_role_arns"] = []
    with pytest.raises(ConfigError) as error:
        parse_platform(data)
    assert "platform.cluster.admin_role_arns" in str(error.value)
    assert "pulumi up" in str(error.value)
