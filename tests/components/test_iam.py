"""The shared IAM/KMS policy builders, and that components use them instead of their own."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi

from odoo_platform.components._shared import iam
from odoo_platform.components._shared.iam import irsa_trust_policy, service_trust_policy
from odoo_platform.testing import run_program

COMPONENTS = Path(iam.__file__).parent


def test_irsa_trust_policy_names_one_service_account() -> None:
    arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"

    def program() -> None:
        url = pulumi.Output.from_input("https://oidc.eks.eu-west-1.amazonaws.com/id/ABC")
        namespace = pulumi.Output.from_input("tenant-a")
        pulumi.export("policy", irsa_trust_policy(arn, url, namespace, "odoo"))

    policy = json.loads(run_program(program).outputs["policy"])
    (statement,) = policy["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {"Federated": arn}
    host = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
    assert statement["Condition"]["StringEquals"] == {
        f"{host}:sub": "system:serviceaccount:tenant-a:odoo",
        f"{host}:aud": "sts.amazonaws.com",
    }


def test_service_trust_policy_names_one_service() -> None:
    (statement,) = json.loads(service_trust_policy("backup.amazonaws.com"))["Statement"]
    assert statement == {
        "Effect": "Allow",
        "Principal": {"Service": "backup.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    (eks,) = json.loads(service_trust_policy("eks.amazonaws.com", tag_session=True))["Statement"]
    assert eks["Action"] == ["sts:AssumeRole", "sts:TagSession"]


def test_trust_policies_and_key_actions_are_built_in_one_place() -> None:
    """A second hand-written trust policy or key-action list would drift from this one."""
    markers = ("AssumeRoleWithWebIdentity", '"sts:AssumeRole"', '"kms:ScheduleKeyDeletion"')
    others = sorted(p for p in COMPONENTS.glob("*.py") if p.name != "iam.py")
    found = [f"{p.name}: {m}" for p in others for m in markers if m in p.read_text()]
    assert found == []
