"""`odoo-platform plan` reports every tenant's recovery objectives (issue 17): the sample stack
prod-eu-west-1 (warm-standby, stacks/Pulumi.dr-eu-central-1.yaml) against hand-computed figures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
from typer.testing import CliRunner

from odoo_platform.cli import app
from odoo_platform.config import load_stack_file
from odoo_platform.offline.recovery import recovery_json
from odoo_platform.platform.program import main
from odoo_platform.testing import run_program, stack_config

STACKS = Path(__file__).resolve().parents[2] / "stacks"
SYNTHETIC = "tests.synthetic_platform:program"
OUTSIDE_FREEZE = "2026-11-18"
STACKS_DIR = ("--stacks-dir", str(STACKS))
KEYS = {
    "mode",
    "rpo_target_minutes",
    "rpo_achieved_minutes",
    "rto_target_minutes",
    "rto_estimated_minutes",
}


def plan(*args: str, exit_code: int = 0) -> str:
    result = CliRunner().invoke(
        app,
        ["plan", "--stack", "prod-eu-west-1", "--date", OUTSIDE_FREEZE, *args, *STACKS_DIR],
    )
    assert result.exit_code == exit_code, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return json.loads(plan("--json"))  # the real stack program


def test_json_has_each_tenants_objectives_with_exactly_the_five_keys(
    document: dict[str, Any],
) -> None:
    tenants = document["recovery"]["tenants"]
    assert set(tenants) == {r["tenant"] for r in document["resources"] if r["tenant"]}
    assert all(set(entry) == KEYS for entry in tenants.values())
    # the standby's replica lags by at most 5; health checks 2 + replica promotion 10 + node
    # start 3 + Odoo start 10 + DNS 5, whatever the server's size
    assert tenants["nb-consulting"] == {
        "mode": "warm-standby",
        "rpo_target_minutes": 60,
        "rpo_achieved_minutes": 15,  # the filestore: EFS replication
        "rto_target_minutes": 240,
        "rto_estimated_minutes": 30,
    }
    assert tenants["halden-law"]["rto_estimated_minutes"] == 30
    assert tenants["halden-law"]["rpo_target_minutes"] == 30  # recovery_defaults.dedicated


def test_json_sources_name_every_figure_with_its_source(document: dict[str, Any]) -> None:
    sources = document["recovery"]["sources"]
    assert sources["retrieved"] == "2026-12-02"
    assert "loss of the stack's primary region" in sources["scope"]
    figure = sources["figures"]["backup_replication_lag_minutes"]
    assert figure["value"] == 30 and "prescriptive-guidance" in figure["source"]
    assert sources["tables"]["rds_pitr_restore_minutes"]["rows"][1] == {
        "up_to_gib": 500,
        "minutes": 45,
    }


def test_details_show_mode_rpo_and_rto_against_targets_per_tenant() -> None:
    # the synthetic program breaks mandatory rules on purpose (exit 3); the section is the file's
    out = plan("--program", SYNTHETIC, "--details", exit_code=3)
    start = out.index("Recovery objectives (loss of eu-west-1, recovered in eu-central-1)")
    section = out[start : out.index("tenants meet targets", start) + 40]
    rows = {line.split("│")[1].strip(): line for line in section.splitlines() if "│" in line}
    assert "warm-standby" in rows["nb-consulting"]
    assert [cell.strip() for cell in rows["halden-law"].split("│")[2:6]] == [
        "warm-standby",
        "15 / 30",
        "30 / 120",
        "met",
    ]
    assert "10/10 tenants meet targets" in section


def test_the_summary_gives_the_verdict_and_the_worst_figures_in_one_line() -> None:
    out = plan("--program", SYNTHETIC, exit_code=3)
    assert "Recovery: 10/10 tenants meet targets (warm-standby, worst RPO 15/RTO 30 min)" in (
        out.splitlines()
    )


def test_an_unachievable_target_stops_the_program_at_its_key_path(tmp_path: Path) -> None:
    """prod-eu-west-1 (warm-standby, the fastest mode) asked for an RPO of 2 minutes: refused
    before any resource is declared (`pulumi up` runs the same check); no mode meets it."""
    text = (STACKS / "Pulumi.prod-eu-west-1.yaml").read_text()
    anchor = "      - slug: halden-law\n"
    stack = tmp_path / "Pulumi.prod-eu-west-1.yaml"
    stack.write_text(text.replace(anchor, anchor + "        recovery: {rpo_minutes: 2}\n", 1))
    with pytest.raises(pulumi.RunError) as raised:
        run_program(
            main,
            config=stack_config(stack)[0],
            stack="prod-eu-west-1",
            today=dt.date.fromisoformat(OUTSIDE_FREEZE),
        )
    message = str(raised.value)
    assert "platform.tenants[8].recovery.rpo_minutes: tenant 'halden-law': RPO target 2 min" in (
        message
    )
    assert (
        "warm-standby achieves 15 min (database 5: cross-region replica lag 5; "
        "filestore 15: EFS replication 15)" in message
    )
    assert "no mode meets it (the best: warm-standby, ~15 min): raise the target" in message


STANDBY_NOTE = "hold only with its standby stack deployed"


def test_a_warm_standby_primary_says_its_objectives_need_the_standby_stack(
    document: dict[str, Any],
) -> None:
    note = document["recovery"]["note"]
    assert STANDBY_NOTE in note and "eu-central-1" in note
    assert "dr_site.primary_stack naming <org>/<project>/prod-eu-west-1" in note
    out = plan("--program", SYNTHETIC, "--details", exit_code=3)
    section = out[out.index("Recovery objectives (loss of eu-west-1") :]
    assert STANDBY_NOTE in " ".join(section.split())
    summary = plan("--program", SYNTHETIC, exit_code=3)
    assert STANDBY_NOTE in " ".join(summary.split())


@pytest.mark.parametrize("stack", ["prod-eu-central-1", "dr-eu-central-1", "dev-eu-west-1"])
def test_other_stacks_have_no_standby_note(stack: str) -> None:
    """pilot-light, the standby itself, no DR at all."""
    config = load_stack_file(STACKS / f"Pulumi.{stack}.yaml")
    assert recovery_json(config)["note"] is None
