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


@pytest.mark.parametrize("day", [MONTH_END, "2026-12-01", "2026-12-24"])
def test_a_preview_in_a_freeze_passes_and_says_so(day: str) -> None:
    code, out, _ = run("policies", "--stack", "prod-eu-west-1", "--json", "--date", day)
    document = json.loads(out)
    assert code == 0
    assert document["passed"] is True
    assert document["date"] == day
    assert document["freeze"]["update_blocked"] is True
    [finding] = document["findings"]
    assert (finding["rule"], finding["severity"]) == ("prod-change-freeze", "advisory")
    assert document["freeze"]["window"] in finding["message"]
    assert finding["remediation"]


def test_outside_a_freeze_there_is_no_freeze() -> None:
    code, out, _ = run("policies", "--stack", "prod-eu-west-1", "--json", "--date", OUTSIDE_FREEZE)
    assert (code, json.loads(out)["freeze"]) == (0, None)


def test_dev_stacks_are_not_frozen() -> None:
    code, out, _ = run("policies", "--stack", "dev-eu-west-1", "--json", "--date", MONTH_END)
    assert code == 0
    assert json.loads(out)["findings"] == []


def test_human_output_starts_with_the_freeze_and_passes() -> None:
    code, out, _ = run("policies", "--stack", "prod-eu-west-1", "--date", "2026-12-01")
    assert code == 0
    first = out.split("\n\n")[0].replace("\n", " ")
    assert first.startswith("FROZEN: change freeze 'month-end-close' is active on 2026-12-01")
    assert "until 2026-12-03" in first and "`pulumi up` will stop" in first
    assert "prod-change-freeze" in out
    assert "passed: no mandatory findings" in out


def test_invalid_config_exits_1_before_running_anything(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text("config:\n  odoo-platform:platform:\n    environment: production\n")
    result = CliRunner().invoke(app, ["policies", "--config-file", str(bad)])
    assert result.exit_code == 1
    assert "platform.environment" in result.stderr
    assert result.stdout == ""


def test_policy_config_writes_the_facts_once_and_not_the_freeze_of_one_day() -> None:
    code, out, _ = run("policy-config", "--stack", "prod-eu-west-1", "--date", MONTH_END)
    assert code == 0
    document = json.loads(out)
    assert document["environment"] == "prod"
    facts = document["stackFacts"]
    assert {t["slug"] for t in facts["tenants"]} >= {"halden-law"}
    assert [w["name"] for w in facts["freezeWindows"]] == ["month-end-close", "year-end-close"]
    assert out.count('"halden-law"') == 1  # written once, not once per policy
    # the same document on any other day: nothing in it goes stale
    assert run("policy-config", "--stack", "prod-eu-west-1", "--date", OUTSIDE_FREEZE)[1] == out
