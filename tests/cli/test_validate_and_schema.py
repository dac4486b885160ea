"""`odoo-platform validate` and `schema`: exit codes, where messages go, what they say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from odoo_platform.cli import app

STACKS = Path(__file__).resolve().parents[2] / "stacks"
SAMPLE_STACKS = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in STACKS.glob("Pulumi.*.yaml"))


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize("stack", SAMPLE_STACKS)
def test_every_sample_stack_is_valid(runner: CliRunner, stack: str) -> None:
    result = runner.invoke(app, ["validate", "--stack", stack, "--stacks-dir", str(STACKS)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout


def test_invalid_stack_file_exits_1_and_names_key_value_and_choices(
    runner: CliRunner, tmp_path: Path
) -> None:
    document = yaml.safe_load((STACKS / "Pulumi.dev-eu-west-1.yaml").read_text())
    document["config"]["odoo-platform:platform"]["environment"] = "production"
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text(yaml.safe_dump(document))

    result = runner.invoke(app, ["validate", "--config-file", str(bad)])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "platform.environment" in result.stderr
    assert '"production"' in result.stderr
    assert "dev" in result.stderr and "prod" in result.stderr


def test_missing_stack_file_is_reported(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "--stack", "nowhere", "--stacks-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "Pulumi.nowhere.yaml" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["validate"], ["validate", "--stack", "a", "--config-file", "b.yaml"]],
)
def test_stack_and_config_file_are_mutually_exclusive(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "exactly one of --stack NAME or --config-file PATH" in result.stderr


def test_schema_prints_the_json_schema_of_the_config_key(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert {"environment", "region", "tenants"} <= set(schema["properties"])
    assert schema["properties"]["environment"]["enum"] == ["dev", "staging", "prod"]
    assert "tenants" not in schema["required"]


def test_validate_json_reports_a_valid_stack(runner: CliRunner) -> None:
    args = ["validate", "--stack", "dev-eu-west-1", "--stacks-dir", str(STACKS), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert (document["valid"], document["environment"]) == (True, "dev")


def test_validate_json_reports_every_error_as_key_path_and_message(
    runner: CliRunner, tmp_path: Path
) -> None:
    document = yaml.safe_load((STACKS / "Pulumi.dev-eu-west-1.yaml").read_text())
    document["config"]["odoo-platform:platform"]["environment"] = "production"
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text(yaml.safe_dump(document))

    result = runner.invoke(app, ["validate", "--config-file", str(bad), "--json"])

    assert result.exit_code == 1
    error = json.loads(result.stdout)
    assert (error["error"], error["source"]) == ("invalid-stack-file", str(bad))
    [issue] = [e for e in error["errors"] if e["path"] == "platform.environment"]
    assert '"production"' in issue["message"]


def test_an_expired_freeze_override_is_invalid_input(runner: CliRunner, tmp_path: Path) -> None:
    document = yaml.safe_load((STACKS / "Pulumi.prod-eu-west-1.yaml").read_text())
    document["config"]["odoo-platform:platform"]["governance"]["freeze_override"] = {
        "change_ref": "CHG-1",
        "reason": "approved by the CAB for the close",
        "window": "month-end-close",
        "expires": "2026-11-30",
    }
    stack_file = tmp_path / "Pulumi.prod-eu-west-1.yaml"
    stack_file.write_text(yaml.safe_dump(document))
    args = ["validate", "--config-file", str(stack_file), "--json"]
    assert runner.invoke(app, [*args, "--date", "2026-11-30"]).exit_code == 0
    result = runner.invoke(app, [*args, "--date", "2026-12-01"])
    assert result.exit_code == 1
    [issue] = json.loads(result.stdout)["errors"]
    assert issue["path"] == "platform.governance.freeze_override.expires"
    assert "2026-11-30 is not allowed" in issue["message"]
