"""Change freeze at the stack level: prod updates stop in a window, previews and overrides go."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from odoo_platform.platform.program import main
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


YEAR_END = {"name": "year-end-close", "start": "2026-12-22", "end": "2027-01-05"}


def with_override(tmp_path: Path, **override: str) -> Path:
    document = yaml.safe_load((STACKS / "Pulumi.prod-eu-west-1.yaml").read_text())
    governance = document["config"]["odoo-platform:platform"]["governance"]
    governance["freeze_override"] = override
    governance["freeze_windows"].append(YEAR_END)
    stack_file = tmp_path / "Pulumi.prod-eu-west-1.yaml"
    stack_file.write_text(yaml.safe_dump(document))
    return stack_file


OVERRIDE = {
    "change_ref": "CHG-20261130-7",
    "reason": "urgent TLS fix approved by the CAB",
    "window": "month-end-close",
}


def test_a_recorded_override_lets_the_update_through_and_is_exported(tmp_path: Path) -> None:
    override = {**OVERRIDE, "expires": "2026-12-01"}
    stack_file = with_override(tmp_path, **override)

    result = run_stack(config_file=stack_file, preview=False, program=program_on(MONTH_END))

    assert result.outputs["freeze_override"] == override


def test_an_override_covers_only_its_window(tmp_path: Path) -> None:
    stack_file = with_override(tmp_path, **{**OVERRIDE, "expires": "2027-01-31"})
    year_end = dt.date(2026, 12, 23)  # in year-end-close only, which the override does not name
    with pytest.raises(Exception, match="change freeze 'year-end-close' is active"):
        run_stack(config_file=stack_file, preview=False, program=program_on(year_end))


def test_an_expired_override_is_refused_with_key_value_and_what_is_allowed(
    tmp_path: Path,
) -> None:
    stack_file = with_override(tmp_path, **{**OVERRIDE, "expires": "2026-11-30"})
    for preview in (True, False):
        with pytest.raises(Exception) as raised:
            run_stack(config_file=stack_file, preview=preview, today=dt.date(2026, 12, 1))
        message = str(raised.value)
        assert "platform.governance.freeze_override.expires" in message
        assert "2026-11-30 is not allowed" in message
        assert "on or after 2026-12-01" in message
    assert not run_stack(config_file=stack_file, today=dt.date(2026, 11, 30)).errors()


def test_an_override_must_name_a_configured_window(tmp_path: Path) -> None:
    stack_file = with_override(tmp_path, **{**OVERRIDE, "window": "xmas", "expires": "2026-12-01"})
    with pytest.raises(Exception, match=r"freeze_override.window: 'xmas' is not allowed"):
        run_stack(config_file=stack_file, today=MID_MONTH)


def test_the_harness_day_reaches_the_program_clock() -> None:
    # run_stack(today=) pins odoo_platform.config.clock, which main() reads by default
    with pytest.raises(Exception, match="change freeze 'month-end-close' is active on 2026-11-30"):
        run_stack("prod-eu-west-1", stacks_dir=STACKS, preview=False, today=MONTH_END)
    assert run_stack("prod-eu-west-1", stacks_dir=STACKS, preview=False, today=MID_MONTH).outputs


def test_a_preview_in_a_freeze_says_until_when(tmp_path: Path) -> None:
    result = run_stack("prod-eu-west-1", stacks_dir=STACKS, today=dt.date(2026, 12, 1))
    [warning] = [log.message for log in result.logs if log.severity == "warning"]
    assert warning.startswith("FROZEN: change freeze 'month-end-close' is active on 2026-12-01")
    assert "until 2026-12-03" in warning and "`pulumi up` will stop" in warning
