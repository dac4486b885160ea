"""checkov's Terraform-plan checks on every sample stack: nothing fails that is not accepted.

The stacks are written as one plan (a module per stack, `odoo_platform.offline.terraform_plan`) and
scanned in one checkov run. Accepted findings and their reasons are
`odoo_platform.policies.scanners.CHECKOV_ALLOWED` (rendered in docs/policies.md).
"""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from odoo_platform.components.backup_bucket import BackupBucket
from odoo_platform.components.postgres import PostgresServer
from odoo_platform.config import connection_budgets, load_stack_file
from odoo_platform.offline.terraform_plan import stacks_plan, terraform_plan
from odoo_platform.platform.assembly.backup_bucket import backup_bucket_args
from odoo_platform.platform.assembly.postgres import postgres_server_args
from odoo_platform.policies.scanners import CHECKOV_ALLOWED
from odoo_platform.testing import ProgramResult, run_program
from tests.scanners.scanning import ROOT, Finding, checkov

pytestmark = pytest.mark.xdist_group("scanners")


@pytest.fixture(scope="module")
def findings(
    sample_stacks: dict[str, ProgramResult], tmp_path_factory: pytest.TempPathFactory
) -> list[Finding]:
    plan = stacks_plan({stack: terraform_plan(result) for stack, result in sample_stacks.items()})
    return checkov(plan, tmp_path_factory.mktemp("checkov"))


def test_every_finding_on_the_sample_stacks_is_accepted(findings: list[Finding]) -> None:
    unexpected = sorted(str(f) for f in findings if f.allowed_by(CHECKOV_ALLOWED) is None)
    assert unexpected == [], "\n".join(unexpected)


def test_every_accepted_finding_still_occurs(findings: list[Finding]) -> None:
    used = {id(f.allowed_by(CHECKOV_ALLOWED)) for f in findings}
    stale = [f"{a.check} {a.resource} ({a.stacks})" for a in CHECKOV_ALLOWED if id(a) not in used]
    assert stale == [], "accepted findings that no stack produces any more: remove them"


def test_a_weakened_resource_fails_the_matching_check(tmp_path: Path) -> None:
    """The platform's bucket and server pass; an unencrypted instance and an unversioned bucket
    beside them fail checkov's encryption and versioning checks."""

    dev_config = load_stack_file(ROOT / "stacks" / "Pulumi.dev-eu-west-1.yaml")

    def program() -> None:
        args = postgres_server_args(
            dev_config,
            connection_budgets(dev_config)[0],
            subnet_ids=["subnet-a", "subnet-b"],
            vpc_id="vpc-0123",
            nodes_security_group_id="sg-0nodes",
            kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/data",
        )
        PostgresServer("baseline", args)
        BackupBucket("baseline", backup_bucket_args(dev_config))
        aws.rds.Instance(
            "weak-db",
            engine="postgres",
            instance_class="db.t4g.micro",
            allocated_storage=20,
            username="admin",
            password=pulumi.Output.secret("x" * 20),
            storage_encrypted=False,
        )
        aws.s3.Bucket("weak-bucket")

    found = checkov(terraform_plan(run_program(program)), tmp_path)
    failed = {(f.check, f.resource) for f in found}
    assert ("CKV_AWS_16", "aws_db_instance.weak_db") in failed  # storage not encrypted
    assert ("CKV_AWS_16", "aws_db_instance.baseline_db") not in failed
    assert ("CKV_AWS_21", "aws_s3_bucket.weak_bucket") in failed  # no versioning
    assert ("CKV_AWS_21", "aws_s3_bucket.baseline_bucket") not in failed
