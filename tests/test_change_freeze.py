"""Change freeze at the stack level: prod updates stop in a window, previews and overrides go."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from odoo_platform.stack import main
from odoo_platform.testing import run_stack

STACKS = Path(__file__).resolve().parent / "stacks"  # a one-tenant prod stack: fast
SAMPLES = Path(__file__).resolve().parents[1] / "stacks"
MONTH_END = dt.date(2026, 11, 30)  # the samples freeze prod for the last two days of the month
MID_MONTH = dt.date(2026, 11, 18)


def program_on(day: dt.date) -> Callable[[], None]:
    return lambda: main(clock=lambda: day)


def test_prod_update_in_a_freeze_stops_with_the_window_and_the_way_out() -> None:
    with pytest.raises(Exception, match="change freeze 'month-end-close' is active") as raised:
        run_stack("prod-eu-west-1", stacks_dir=STACKS, preview=False, program=program_on(MONTH_END))
    assert "platform.governance.freeze_override" in str(raised.value)


def test_prod_preview_in_a_freeze_is_allowed_with_a_warning() -> None:
    result = run_stack(
        "prod-eu-west-1", stacks_dir=STACKS, preview=True, program=program_on(MONTH_END)
    )
    assert any(
        "month-end-close" in log.message and log.severity == "warning" for log in result.logs
    )
    assert "tenants" in result.outputs


def test_outside_the_window_prod_updates_run() -> None:
    result = run_stack(
        "prod-eu-west-1", stacks_dir=STACKS, preview=False, program=program_on(MID_MONTH)
    )
    assert "tenants" in result.outputs


def test_non_prod_stacks_are_never_frozen() -> None:
    result = run_stack(
        "dev-eu-west-1", stacks_dir=SAMPLES, preview=False, program=program_on(MONTH_END)
    )
    assert "tenants" in result.outputs


def test_a_recorded_override_lets_the_update_through_and_is_exported(tmp_path: Path) -> None:
    document = yaml.safe_load((STACKS / "Pulumi.prod-eu-west-1.yaml").read_text())
    override = {"change_ref": "CHG-20261130-7", "reason": "urgent TLS fix approved by the CAB"}
    document["config"]["odoo-platform:platform"]["governance"]["freeze_override"] = override
    stack_file = tmp_path / "Pulumi.prod-eu-west-1.yaml"
    stack_file.write_text(yaml.safe_dump(document))

    result = run_stack(config_file=stack_file, preview=False, program=program_on(MONTH_END))

    assert result.outputs["freeze_override"] == override
