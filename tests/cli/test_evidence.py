"""Deployment evidence: the `deployment` stack output, `odoo-platform evidence` and its record."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pulumi
import pytest

from odoo_platform.config.deployment import DEPLOYMENT_KEY
from odoo_platform.platform.program import main
from odoo_platform.testing import run_program, stack_config

SMALL = Path(__file__).resolve().parents[1] / "stacks" / "Pulumi.prod-eu-west-1.yaml"
OUTSIDE_FREEZE = dt.date(2026, 11, 18)
RECORD = {
    "commit": "6a13505f0c2d4e1b8a9f7e6d5c4b3a2918171615",
    "approver": "maria.lopez",
    "run_url": "https://github.com/acme/odoo-platform/actions/runs/123456789",
    "time": "2026-12-02T01:30:00Z",
}


def run_small(**extra: str) -> dict[str, object]:
    config, secrets = stack_config(SMALL)
    result = run_program(
        main,
        config={**config, **extra},
        secret_keys=secrets,
        stack="prod-eu-west-1",
        preview=True,
        today=OUTSIDE_FREEZE,
    )
    return result.outputs


def test_the_program_exports_the_deployment_record_it_is_given() -> None:
    outputs = run_small(**{DEPLOYMENT_KEY: json.dumps(RECORD)})
    assert outputs["deployment"] == RECORD


def test_without_a_record_there_is_no_deployment_output() -> None:
    assert "deployment" not in run_small()


def test_a_bad_record_stops_the_program_at_its_key_path() -> None:
    bad = json.dumps({**RECORD, "commit": "main"})
    with pytest.raises(pulumi.RunError) as raised:
        run_small(**{DEPLOYMENT_KEY: bad})
    message = str(raised.value)
    assert "odoo-platform:deployment" in message
    assert "deployment.commit" in message and "git commit SHA" in message
