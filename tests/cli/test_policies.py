"""`odoo-platform policies` and `policy-config`: exit codes, JSON document, freeze as of a date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from odoo_platform.cli import app

STACKS = Path(__file__).resolve().parents[2] / "stacks"
SAMPLE_STACKS = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in STACKS.glob("Pulumi.*.yaml"))
OUTSIDE_FREEZE = "2026-11-18"
MONTH_END = "2026-11-30"  # the samples freeze prod for the last two days of every month


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--stacks-dir", str(STACKS)])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("stack", SAMPLE_STACKS)
def test_every_sample_stack_passes_every_mandatory_rule(stack: str) -> None:
    code, out, _ = run("policies", "--stack", stack, "--json", "--date", OUTSIDE_FREEZE)
    document = json.loads(out)
    mandatory = [f for f in document["findings"] if f["severity"] == "mandatory"]
    assert mandatory == []
    assert document["program_errors"] == []
    assert code == 0
    assert document["passed"] is True


def test_prod_update_in_a_freeze_fails_with_the_window_named() -> None:
    code, out, _ = run("policies", "--stack", "prod-eu-west-1", "--json", "--date", MONTH_END)
    document = json.loads(out)
    assert code == 1
    assert document["passed"] is False
    assert document["counts"]["mandatory"] == 1
    [finding] = document["findings"]
    assert finding["rule"] == "prod-change-freeze"
    assert "month-end-close" in finding["message"]
    assert finding["remediation"]


def test_dev_stacks_are_not_frozen() -> None:
    code, out, _ = run("policies", "--stack", "dev-eu-west-1", "--json", "--date", MONTH_END)
    assert code == 0
    assert json.loads(out)["findings"] == []


def test_human_output_names_the_tenant_group_and_the_verdict() -> None:
    code, out, _ = run("policies", "--stack", "prod-eu-west-1", "--date", MONTH_END)
    assert code == 1
    assert "platform" in out
    assert "prod-change-freeze" in out
    assert "FAILED: 1 mandatory" in out


def test_invalid_config_exits_1_before_running_anything(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text("config:\n  odoo-platform:platform:\n    environment: production\n")
    result = CliRunner().invoke(app, ["policies", "--config-file", str(bad)])
    assert result.exit_code == 1
    assert "platform.environment" in result.stderr
    assert result.stdout == ""


def test_policy_config_carries_the_stack_facts_to_every_rule() -> None:
    code, out, _ = run("policy-config", "--stack", "prod-eu-west-1", "--date", MONTH_END)
    document = json.loads(out)
    assert code == 0
    settings = document["prod-change-freeze"]
    assert settings["environment"] == "prod"
    assert settings["stackFacts"]["freezeWindow"] == "month-end-close"
    assert {t["slug"] for t in settings["stackFacts"]["tenants"]} >= {"halden-law"}
    assert len({json.dumps(v, sort_keys=True) for v in document.values()}) == 1
