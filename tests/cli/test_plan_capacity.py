"""`odoo-platform plan`: each tenant's capacity per calendar window (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from odoo_platform.cli import app
from odoo_platform.config import load_stack_file
from odoo_platform.config.catalog import SIZE_PROFILES
from odoo_platform.offline.capacity_plan import capacity_plan
from tests.components.tenant_programs import with_always_on

STACKS = Path(__file__).resolve().parents[2] / "stacks"


def test_plan_json_shows_each_tenants_windows() -> None:
    args = ["plan", "--stack", "prod-eu-west-1", "--json", "--date", "2026-11-18"]
    result = CliRunner().invoke(app, [*args, "--stacks-dir", str(STACKS)])
    capacity = json.loads(result.stdout)["capacity"]
    assert capacity["timezone"] == "Europe/Dublin" and capacity["working_hours"] is None
    assert "nodes" in capacity["node_cost"]
    m = SIZE_PROFILES["m"]
    windows = {w["window"]: w for w in capacity["tenants"]["nb-consulting"]["windows"]}
    assert windows["normal"] == {
        "window": "normal", "when": "always", "web_min": m.min_replicas,
        "web_max": m.max_replicas, "cron": 1,
    }  # fmt: skip
    close = windows["month-end-close"]
    assert close["web_min"] == m.event_min_replicas
    assert close["when"] == "last 2 and first 3 days of the month, from 24 h before"
    assert windows["timesheets"]["when"] == "fri, from 6 h before"
    halden = {w["window"]: w for w in capacity["tenants"]["halden-law"]["windows"]}
    assert halden["month-end-close"]["cron"] == SIZE_PROFILES["l"].event_cron_replicas
    lab = capacity["tenants"]["nb-upgrade-lab"]["windows"]
    assert lab == [{"window": "suspended", "when": "always", "web_min": 0, "web_max": 0, "cron": 0}]


def test_a_dev_plan_shows_the_nights() -> None:
    config = load_stack_file(STACKS / "Pulumi.dev-eu-west-1.yaml")
    plan = capacity_plan(with_always_on(config, "dev-v17"))
    assert plan.working_hours == "mon,tue,wed,thu,fri 07:00-20:00"
    assert plan.running_fraction == round(5 * 13 / 168, 4)
    main = {w.window: (w.web_min, w.web_max, w.cron) for w in plan.tenants["dev-main"]}
    s = SIZE_PROFILES["s"]
    assert main == {
        "working hours": (s.min_replicas, s.max_replicas, 1),
        "outside working hours": (0, 0, 0),
    }
    always = {w.window: (w.web_min, w.cron) for w in plan.tenants["dev-v17"]}
    assert always == {"normal": (s.min_replicas, 1)}  # always_on: no night, no events in dev


def test_plan_details_print_the_capacity_table() -> None:
    args = ["plan", "--stack", "dev-eu-west-1", "--details", "--date", "2026-11-18"]
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, [*args, "--stacks-dir", str(STACKS)])
    assert "Capacity per calendar window (Europe/Dublin)" in result.stdout, result.stdout[-2000:]
    assert "outside working hours" in result.stdout
