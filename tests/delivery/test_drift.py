"""`odoo-platform drift-report`: a `pulumi preview --refresh --expect-no-changes --json` digest
as the markdown body of the drift issue.

The fixtures in previews/ follow the digest Pulumi prints for `preview --json`
(pulumi/pulumi pkg/display/json.go: PreviewDigest, PreviewStep, PropertyDiff, filled by
pkg/backend/display/json.go ShowPreviewDigest, where a refresh that found a change is rewritten
to an `update` with a detailedDiff or a `delete`); step ops are pkg/resource/deploy/step.go's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from odoo_platform.cli import app
from odoo_platform.offline.drift import DriftError, differences, drift_markdown, load_preview

PREVIEWS = Path(__file__).resolve().parent / "previews"
BUCKET = (
    "urn:pulumi:prod-eu-west-1::odoo-platform::odoo-platform:index:RegionalPlatform"
    "$odoo-platform:index:DedicatedTier$odoo-platform:index:BackupBucket"
    "$aws:s3/bucket:Bucket::odoo-dedicated-halden-law-backups-bucket"
)
DATABASE_SG = "aws:ec2/securityGroup:SecurityGroup::odoo-dedicated-halden-law-efs-sg"


def drift_report(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["drift-report", *args])
    return result.exit_code, result.stdout, result.stderr


def test_every_changing_step_is_a_difference_with_its_type_and_property_paths() -> None:
    found = differences(load_preview((PREVIEWS / "drift.json").read_text()))
    assert [(d.type, d.op) for d in found] == [
        ("aws:s3/bucket:Bucket", "update"),
        ("aws:rds/instance:Instance", "update"),
        ("aws:ec2/securityGroup:SecurityGroup", "delete"),
        ("aws:ec2/securityGroup:SecurityGroup", "create"),
    ]
    bucket = found[0]
    assert bucket.urn == BUCKET
    assert bucket.paths == (("tags.debug", "delete"), ("tags.owner", "update"))
    assert found[1].paths == (("backupRetentionPeriod", "update"), ("deletionProtection", "update"))
    assert found[2].paths == ()


def test_same_refresh_and_read_steps_are_not_drift() -> None:
    assert differences(load_preview((PREVIEWS / "clean.json").read_text())) == []


def test_paths_fall_back_to_diff_reasons_without_a_detailed_diff() -> None:
    digest = {"steps": [{"op": "update", "urn": BUCKET, "diffReasons": ["versioning", "tags"]}]}
    assert differences(digest)[0].paths == (("tags", None), ("versioning", None))


def test_a_replacement_names_the_properties_that_force_it() -> None:
    """Without a detailedDiff (older providers), replaceReasons say what forces a replace."""
    step = {"op": "replace", "urn": BUCKET, "diffReasons": ["tags"], "replaceReasons": ["bucket"]}
    assert differences({"steps": [step]})[0].paths == (("bucket", "replace"), ("tags", None))


def test_report_lists_each_resource_in_a_table_and_names_the_stack_and_runbook() -> None:
    code, out, _ = drift_report(str(PREVIEWS / "drift.json"))
    assert code == 1
    assert "Drift in stack `prod-eu-west-1`" in out
    assert f"| `{BUCKET}` | `aws:s3/bucket:Bucket` | update | `tags.debug` (delete), " in out
    assert "`backupRetentionPeriod` (update), `deletionProtection` (update) |" in out
    assert out.count(DATABASE_SG) == 2  # gone from the cloud (delete), declared again (create)
    assert "4 resource steps" in out
    assert "docs/runbooks/drift.md" in out
    assert "odoo-dr-data-key" not in out  # refreshed without a change
    assert "would replace or delete" not in out  # the group is gone already: create, not delete


def test_a_report_that_would_replace_or_delete_warns_before_reconciling() -> None:
    replace = {"op": "replace", "urn": BUCKET, "replaceReasons": ["bucket"]}
    update = {"op": "update", "urn": BUCKET, "diffReasons": ["tags"]}
    warning = "**`pulumi up` would replace or delete 1 resource**"
    assert warning in drift_markdown("s", differences({"steps": [replace, update]}))
    assert "would replace or delete" not in drift_markdown("s", differences({"steps": [update]}))


def test_no_drift_exits_0_with_one_line() -> None:
    code, out, _ = drift_report(str(PREVIEWS / "clean.json"), "--stack", "prod-eu-west-1")
    assert code == 0
    assert out.strip() == "No drift in stack `prod-eu-west-1`: the cloud matches the stack."


def test_the_stack_option_names_the_stack_in_the_report() -> None:
    _, out, _ = drift_report(str(PREVIEWS / "drift.json"), "--stack", "acme/prod-eu-west-1")
    assert "Drift in stack `acme/prod-eu-west-1`" in out


def test_a_failed_preview_is_not_reported_as_no_drift() -> None:
    code, out, err = drift_report(str(PREVIEWS / "failed.json"))
    assert code == 4
    assert out == ""
    assert "the preview failed" in err
    assert "freeze_override.expires" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not JSON"),
        ("Previewing update (prod-eu-west-1)", "not JSON"),
        ("[]", "not a `pulumi preview --json` document"),
        ('{"steps": {"op": "same"}}', "steps must be a list"),
        ('{"steps": [{"op": "update"}]}', "steps[0] has no urn"),
    ],
)
def test_anything_but_a_preview_digest_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DriftError, match=re.escape(message)):
        load_preview(text)
    path = tmp_path / "preview.json"
    path.write_text(text)
    code, out, err = drift_report(str(path))
    assert (code, out) == (2, "")
    assert str(path) in err and message in err


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = drift_report(str(tmp_path / "absent.json"))
    assert code == 2
    assert "absent.json" in err


def test_table_cells_cannot_break_the_table() -> None:
    digest = {
        "steps": [
            {
                "op": "update",
                "urn": BUCKET,
                "detailedDiff": {'tags["a|b"]': {"kind": "add", "inputDiff": False}},
            }
        ]
    }
    body = drift_markdown("prod-eu-west-1", differences(digest))
    row = next(line for line in body.splitlines() if BUCKET in line)
    assert row.count(" | ") == 3  # four cells: the pipe in the path is escaped
    assert r'`tags["a\|b"]` (add)' in row
