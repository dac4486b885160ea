"""parliament on every IAM identity policy the sample stacks declare: nothing not accepted.

Accepted findings and their reasons: `odoo_platform.policies.scanners.PARLIAMENT_ALLOWED`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from odoo_platform.policies.scanners import PARLIAMENT_ALLOWED
from odoo_platform.testing import ProgramResult
from tests.scanners.scanning import Finding, parliament, policy_documents

pytestmark = pytest.mark.xdist_group("scanners")


@pytest.fixture(scope="module")
def findings(
    sample_stacks: dict[str, ProgramResult], tmp_path_factory: pytest.TempPathFactory
) -> list[Finding]:
    documents = {}
    for stack, result in sample_stacks.items():
        documents.update(policy_documents(stack, result))
    assert len(documents) > 20, "the stacks declare role policies to audit"
    return parliament(documents, tmp_path_factory.mktemp("parliament"))


def test_every_finding_on_the_sample_stacks_is_accepted(findings: list[Finding]) -> None:
    unexpected = sorted({str(f) for f in findings if f.allowed_by(PARLIAMENT_ALLOWED) is None})
    assert unexpected == [], "\n".join(unexpected)


def test_every_accepted_finding_still_occurs(findings: list[Finding]) -> None:
    used = {id(f.allowed_by(PARLIAMENT_ALLOWED)) for f in findings}
    stale = [f"{a.check} {a.resource}" for a in PARLIAMENT_ALLOWED if id(a) not in used]
    assert stale == [], "accepted findings that no stack produces any more: remove them"


def test_parliament_reports_a_permissions_management_grant(tmp_path: Path) -> None:
    """The scanner runs for real: a policy letting a role rewrite IAM policies is reported."""
    document = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "iam:PutRolePolicy", "Resource": "*"}]}'
    )
    found = parliament({"test/escalation.policy": document}, tmp_path)
    assert "PERMISSIONS_MANAGEMENT_ACTIONS" in {f.check for f in found}
