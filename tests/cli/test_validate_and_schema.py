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
