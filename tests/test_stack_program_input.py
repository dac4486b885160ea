"""`pulumi up` hands the program the stack key as JSON; bad values stop it with a located error
before any resource, never with a traceback from inside the program."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from odoo_platform.config import CONFIG_KEY
from odoo_platform.config.stack_yaml import load_yaml
from odoo_platform.platform.program import main
from odoo_platform.testing import run_program

STACK = Path(__file__).resolve().parents[1] / "stacks" / "Pulumi.dev-eu-west-1.yaml"
PLATFORM = json.dumps(load_yaml(STACK.read_bytes())["config"][CONFIG_KEY])


def inject(anchor: str, setting: str) -> str:
    """The engine's JSON with `setting` first in the mapping that `anchor` opens."""
    assert anchor in PLATFORM
    return PLATFORM.replace(anchor, anchor + setting + ", ", 1)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (
            inject('"landing_zone": {', '"flow_log_retention_days": ' + "9" * 5000),
            "platform.landing_zone.flow_log_retention_days: line 1, column",
        ),
        (
            inject('"multi_tenant": {', '"x": ' + "[" * 2000 + "]" * 2000),
            "platform.multi_tenant.x[0][0]",
        ),
        (
            inject('"database": {', '"backup_window": "\\u0662\\u0662:00-03:00"'),
            "platform.multi_tenant.database.backup_window",
        ),
    ],
    ids=["5000-digit integer", "nested 2000 deep", "Arabic-Indic digits in a DB window"],
)
def test_bad_engine_config_stops_with_a_located_error(value: str, words: str) -> None:
    with pytest.raises(pulumi.RunError) as raised:
        run_program(main, config={"aws:region": "eu-west-1", CONFIG_KEY: value})
    assert words in str(raised.value)
    assert "odoo-platform:platform" in str(raised.value)
