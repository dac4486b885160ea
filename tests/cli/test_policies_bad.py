"""The deliberately bad stack (issue 7): a valid stack file plus a non-compliant program.

`tests/policies/bad-stack/` passes config validation, so the CLI runs it; the findings come from
the resources of `tests/policies/bad_program.py` (run with `--program`) and from an active change
freeze. Exit code, JSON document and the human grouping by tenant and severity reflect them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from odoo_platform.cli import app
from tests.policies.bad_program import EXPECTED_ADVISORY, EXPECTED_MANDATORY, UNTAGGED_KEY

BAD_STACK = Path(__file__).resolve().parents[1] / "policies" / "bad-stack"
BAD_STACK_FILE = BAD_STACK / "Pulumi.prod-eu-west-1.yaml"
BAD_PROGRAM = "tests.policies.bad_program:main"
TENANT = "lax-consulting"  # the stack's first tenant, which the bad program deploys
IN_FREEZE = "2026-11-18"  # inside the stack's 'audit-fieldwork' freeze
OUTSIDE_FREEZE = "2026-11-25"
FINDING_KEYS = {"rule", "severity", "tenant", "resource", "type", "urn", "message", "remediation"}


def run(*args: str) -> tuple[int, str, str]:
    # A wide terminal keeps rich's table cells on one line each.
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "300"})
    return result.exit_code, result.stdout, result.stderr


def policies_json(date: str, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run(
        "policies", "--config-file", str(BAD_STACK_FILE), "--json", "--date", date, *extra
    )
    assert out, err
    return code, json.loads(out)


def rules(document: dict[str, Any], severity: str) -> set[str]:
    return {f["rule"] for f in document["findings"] if f["severity"] == severity}


def test_the_bad_stack_file_is_valid_configuration() -> None:
    code, out, _ = run("validate", "--config-file", str(BAD_STACK_FILE))
    assert code == 0
    assert "valid" in out


def test_bad_program_triggers_the_expected_mandatory_and_advisory_rules() -> None:
    code, document = policies_json(IN_FREEZE, "--program", BAD_PROGRAM)
    assert code == 3
    assert rules(document, "mandatory") == EXPECTED_MANDATORY
    # the freeze advises (a preview passes); the stack program stops the update itself
    assert rules(document, "advisory") == EXPECTED_ADVISORY | {"prod-change-freeze"}


def test_json_document_shape_and_counts() -> None:
    _, document = policies_json(IN_FREEZE, "--program", BAD_PROGRAM)
    assert document["stack"] == "prod-eu-west-1"
    assert (document["environment"], document["region"]) == ("prod", "eu-west-1")
    assert document["passed"] is False
    assert document["resources_checked"] > 0
    findings = document["findings"]
    assert all(set(f) == FINDING_KEYS for f in findings)
    assert document["counts"] == {
        "mandatory": sum(f["severity"] == "mandatory" for f in findings),
        "advisory": sum(f["severity"] == "advisory" for f in findings),
    }
    assert all(f["remediation"] for f in findings)


def test_findings_name_their_tenant_and_resource() -> None:
    _, document = policies_json(IN_FREEZE, "--program", BAD_PROGRAM)
    by_rule = {f["rule"]: f for f in document["findings"]}
    database = by_rule["rds-not-publicly-accessible"]
    assert database["tenant"] == TENANT
    assert database["resource"] == f"{TENANT}-db"
    assert database["type"] == "aws:rds/instance:Instance"
    assert database["urn"].endswith(f"::{TENANT}-db")
    assert by_rule["k8s-image-pinned"]["tenant"] == TENANT
    assert "odoo:latest" in by_rule["k8s-image-pinned"]["message"]
    assert by_rule["kms-key-rotation"]["resource"] == UNTAGGED_KEY
    assert by_rule["kms-key-rotation"]["tenant"] is None
    freeze = by_rule["prod-change-freeze"]
    assert freeze["resource"] is None and "audit-fieldwork" in freeze["message"]


def test_outside_the_freeze_only_the_resources_fail() -> None:
    code, document = policies_json(OUTSIDE_FREEZE, "--program", BAD_PROGRAM)
    assert code == 3
    assert rules(document, "mandatory") == EXPECTED_MANDATORY
    assert rules(document, "advisory") == EXPECTED_ADVISORY


def test_human_output_groups_by_tenant_then_severity() -> None:
    code, out, _ = run(
        "policies",
        "--config-file",
        str(BAD_STACK_FILE),
        "--date",
        IN_FREEZE,
        "--program",
        BAD_PROGRAM,
    )
    assert code == 3
    lines = [line.rstrip() for line in out.splitlines()]
    tenant_title, platform_title = lines.index(TENANT), lines.index("platform")
    assert tenant_title < platform_title
    tenant_rows = [line for line in lines[tenant_title:platform_title] if "│" in line]
    severities = [row.split("│")[1].strip() for row in tenant_rows]
    severities = [s for s in severities if s]
    assert severities == sorted(severities, key=["mandatory", "advisory"].index)
    assert set(severities) == {"mandatory", "advisory"}
    platform_rows = "\n".join(lines[platform_title:])
    assert "kms-key-rotation" in platform_rows and "prod-change-freeze" in platform_rows
    assert "rds-storage-encrypted" not in platform_rows
    assert lines[-1] == f"FAILED: {len(mandatory_findings())} mandatory and 3 advisory findings"


def mandatory_findings() -> list[dict[str, Any]]:
    _, document = policies_json(IN_FREEZE, "--program", BAD_PROGRAM)
    return [f for f in document["findings"] if f["severity"] == "mandatory"]


def test_plan_with_the_bad_program_exits_3() -> None:
    code, out, _ = run(
        "plan",
        "--config-file",
        str(BAD_STACK_FILE),
        "--json",
        "--date",
        OUTSIDE_FREEZE,
        "--program",
        BAD_PROGRAM,
    )
    assert code == 3
    document = json.loads(out)
    assert document["passed"] is False
    assert rules(document["policy"], "mandatory") == EXPECTED_MANDATORY


def test_the_bad_stack_with_its_own_program_reports_its_freeze() -> None:
    _, document = policies_json(IN_FREEZE)
    assert "prod-change-freeze" in rules(document, "advisory")
    assert document["freeze"]["window"] == "audit-fieldwork"


def test_a_malformed_program_option_is_a_usage_error() -> None:
    code, _, err = run("policies", "--config-file", str(BAD_STACK_FILE), "--program", "nocolon")
    assert code == 2
    assert "MODULE:FUNCTION" in err


def test_a_bucket_without_any_public_access_block_is_found() -> None:
    _, document = policies_json(OUTSIDE_FREEZE, "--program", BAD_PROGRAM)
    unblocked = [
        f for f in document["findings"] if f["rule"] == "s3-bucket-has-public-access-block"
    ]
    # The backups bucket has a (lax) block tied to it by property dependency; exports has none.
    assert [(f["resource"], f["tenant"], f["type"]) for f in unblocked] == [
        (f"{TENANT}-exports", TENANT, "aws:s3/bucket:Bucket")
    ]
    assert unblocked[0]["urn"].endswith(f"::{TENANT}-exports")
