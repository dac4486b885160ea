"""`odoo-platform plan`: each budget beside the estimate, and its warnings (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from odoo_platform.cli import app

STACKS = Path(__file__).resolve().parents[2] / "stacks"
DATE = "2026-11-18"


def stack_file(tmp_path: Path, cost: dict[str, Any], **changes: Any) -> Path:
    """The dev sample with another `cost` section (and other changes)."""
    document = yaml.safe_load((STACKS / "Pulumi.dev-eu-west-1.yaml").read_text())
    platform = document["config"]["odoo-platform:platform"]
    platform["cost"] = cost
    platform.update(changes)
    path = tmp_path / "Pulumi.dev-eu-west-1.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def plan(path: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["plan", "--config-file", str(path), "--date", DATE, *extra])
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def over(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A budget below the estimate, tags never activated, a replica server that cannot sleep."""
    tenants = yaml.safe_load((STACKS / "Pulumi.dev-eu-west-1.yaml").read_text())["config"][
        "odoo-platform:platform"
    ]["tenants"]
    dedicated = {
        **tenants[0],
        "slug": "dev-dedicated",
        "tier": "dedicated",
        "hostnames": ["dedicated.dev.northbridge-erp.com"],
        "dedicated": {"reporting_replica": True},
    }
    cost = {
        "budget": {"monthly_limit_usd": 100},
        "tenant_budgets": {"dev-dedicated": {"monthly_limit_usd": 100000}},
    }
    return stack_file(tmp_path_factory.mktemp("over"), cost, tenants=[*tenants, dedicated])


def test_json_shows_each_budget_beside_its_estimate(over: Path) -> None:
    code, out = plan(over, "--json")
    assert code == 0
    document = json.loads(out)
    section = document["budgets"]
    stack, tenant = section["budgets"]
    assert stack["covers"] == "stack" and stack["filter"] == "tag Stack=dev-eu-west-1"
    assert stack["estimate_monthly"] == round(document["cost"]["total_monthly"], 2)
    assert stack["monthly_limit"] == 100 and stack["over"] is True
    assert tenant["covers"] == "dev-dedicated" and tenant["filter"] == "tag Tenant=dev-dedicated"
    assert tenant["estimate_monthly"] == document["cost"]["by_tenant_monthly"]["dev-dedicated"]
    assert tenant["over"] is False
    assert not stack["sees_cost"] and section["cost_allocation_tags_active_since"] is None
    assert section["anomaly_monitor"] == {"tag": "Stack=dev-eu-west-1", "threshold_usd": 100.0}
    warnings = document["warnings"]
    assert any(w.startswith("budget of stack: the estimate") and "exceeds" in w for w in warnings)
    assert not any(w.startswith("budget of dev-dedicated") for w in warnings)
    (tags,) = [w for w in warnings if "cost-allocation tags" in w]
    assert "stack, dev-dedicated" in tags and "cost_allocation_tags_active_since" in tags
    (replica,) = [w for w in warnings if "reporting replica" in w]
    assert "dev-dedicated" in replica and "RDS cannot stop" in replica


def test_activated_tags_and_a_fitting_budget_warn_no_more(tmp_path: Path) -> None:
    path = stack_file(
        tmp_path,
        {"budget": {"monthly_limit_usd": 5000}, "cost_allocation_tags_active_since": "2026-06-02"},
    )
    document = json.loads(plan(path, "--json")[1])
    (stack,) = document["budgets"]["budgets"]
    assert stack["sees_cost"] and not stack["over"]
    assert not [w for w in document["warnings"] if "budget" in w]


def test_text_output_lists_the_budgets(over: Path) -> None:
    summary = " ".join(plan(over)[1].split())  # the console wraps long lines
    assert "Budget of stack (tag Stack=dev-eu-west-1): estimate" in summary
    assert "of 100.00 USD/mo, OVER" in summary
    details = " ".join(plan(over, "--details")[1].split())
    assert "Budgets (AWS Budgets, monthly, USD)" in details
    assert "dev-dedicated" in details and "52/12" in details
