"""The `cost` section: budgets and the anomaly monitor, refused with the key path when wrong."""

from __future__ import annotations

from typing import Any

import pytest

from odoo_platform.config.cost_controls import COST_ALLOCATION_TAGS
from odoo_platform.config.tags import base_tags
from tests.config.conftest import Errors, Refusal, assert_refused_at

BUDGET = {"monthly_limit_usd": 1500}

REFUSED: dict[str, Refusal] = {
    "a budget for a shared tenant": (
        lambda d: d.update(cost={"tenant_budgets": {"alpha-law": BUDGET}}),
        "platform.cost.tenant_budgets.alpha-law",
        ("'alpha-law'", "'shared' tenant", "dedicated tenants (beta-audit)"),
    ),
    "a budget for an unknown tenant": (
        lambda d: d.update(cost={"tenant_budgets": {"nobody-here": BUDGET}}),
        "platform.cost.tenant_budgets.nobody-here",
        ("not a tenant of this stack",),
    ),
    "a repeated alert": (
        lambda d: d.update(
            cost={
                "budget": {
                    "monthly_limit_usd": 100,
                    "alerts": [
                        {"percent": 80, "basis": "actual"},
                        {"percent": 80, "basis": "actual"},
                    ],
                }
            }
        ),
        "platform.cost.budget.alerts[0]",
        ("80% actual", "2 times"),
    ),
    "a zero limit": (
        lambda d: d.update(cost={"budget": {"monthly_limit_usd": 0}}),
        "platform.cost.budget.monthly_limit_usd",
        ("greater than 0",),
    ),
    "an unknown alert basis": (
        lambda d: d.update(
            cost={"budget": {"monthly_limit_usd": 9, "alerts": [{"percent": 50, "basis": "daily"}]}}
        ),
        "platform.cost.budget.alerts[0].basis",
        ("'actual'", "'forecasted'"),
    ),
    "an activation date that is not a date": (
        lambda d: d.update(cost={"cost_allocation_tags_active_since": "last week"}),
        "platform.cost.cost_allocation_tags_active_since",
        ("date",),
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_cost_settings_are_refused_at_their_key(
    case: str, base: dict[str, Any], errors: Errors
) -> None:
    assert_refused_at(REFUSED[case], base, errors)


def test_a_dedicated_tenant_budget_with_default_alerts_is_accepted(
    base: dict[str, Any], errors: Errors, valid: Any
) -> None:
    base["cost"] = {"budget": BUDGET, "tenant_budgets": {"beta-audit": {"monthly_limit_usd": 400}}}
    assert errors(base) == []
    cost = valid(base).cost
    alerts = [(a.percent, a.basis) for a in cost.tenant_budgets["beta-audit"].alerts]
    assert alerts == [(80, "forecasted"), (100, "actual")]
    assert cost.declares_budgets and cost.anomaly_detection.enabled


def test_every_resource_carries_the_stack_tag_and_a_stack_may_not_set_it(
    base: dict[str, Any], errors: Errors, valid: Any
) -> None:
    assert base_tags(valid(base))["Stack"] == "prod-eu-west-1"
    assert set(COST_ALLOCATION_TAGS) == {"Stack", "Tenant", "Tier", "Environment", "CostCentre"}
    base["tags"] = {"Stack": "mine"}
    assert any(e.startswith("platform.tags") for e in errors(base))
