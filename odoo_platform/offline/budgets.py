"""The plan's budgets section: each budget beside the estimate of what it covers (issue 16).

The stack's budget covers the whole estimate, a dedicated tenant's budget that tenant's line.
Two warnings: an estimate above its budget (it would alert every month), and a budget filtered
by cost-allocation tags before the payer account activated them (it sees no cost at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from odoo_platform.config.catalog import TAG_STACK, TAG_TENANT
from odoo_platform.config.cost_controls import BudgetConfig, tenant_account_id
from odoo_platform.config.models import PlatformConfig
from odoo_platform.config.tags import stack_tag
from odoo_platform.offline.cost import CostEstimate


@dataclass(frozen=True)
class BudgetCheck:
    """One budget: what it covers, how AWS finds that cost, its limit and the estimate."""

    covers: str
    """`stack` or a dedicated tenant's slug."""
    filter: str
    """How the budget selects cost: `tag Stack=<stack>`, `tag Tenant=<slug>`, `account <id>`."""
    limit: float
    estimate: float
    tag_filtered: bool

    @property
    def over(self) -> bool:
        return self.estimate > self.limit


def _check(covers: str, how: str, budget: BudgetConfig, estimate: float, tag: bool) -> BudgetCheck:
    return BudgetCheck(covers, how, budget.monthly_limit_usd, round(estimate, 2), tag)


def budget_checks(config: PlatformConfig, cost: CostEstimate) -> list[BudgetCheck]:
    checks: list[BudgetCheck] = []
    if config.cost.budget is not None:
        how = f"tag {TAG_STACK}={stack_tag(config)}"
        checks.append(_check("stack", how, config.cost.budget, cost.total, tag=True))
    tenants = {t.slug: t for t in config.tenants}
    for slug, budget in sorted(config.cost.tenant_budgets.items()):
        account = tenant_account_id(tenants[slug])
        how = f"account {account}" if account else f"tag {TAG_TENANT}={slug}"
        estimate = cost.by_tenant.get(slug, 0.0)
        checks.append(_check(slug, how, budget, estimate, tag=account is None))
    return checks


def budget_warnings(config: PlatformConfig, checks: list[BudgetCheck], currency: str) -> list[str]:
    warnings = [
        f"budget of {c.covers}: the estimate {c.estimate:,.2f} {currency} exceeds its monthly "
        f"limit {c.limit:,.2f} USD (it would alert every month; raise cost.budget or "
        "cost.tenant_budgets, or shrink what it covers)"
        for c in checks
        if c.over
    ]
    tagged = [c.covers for c in checks if c.tag_filtered]
    if tagged and config.cost.cost_allocation_tags_active_since is None:
        warnings.append(
            f"budgets of {', '.join(tagged)} filter on cost-allocation tags the payer account "
            "has not activated (cost.cost_allocation_tags_active_since is unset): they see no "
            "cost until it does (docs/cost.md, 'Activate the cost-allocation tags')"
        )
    return warnings


def budgets_json(config: PlatformConfig, checks: list[BudgetCheck]) -> dict[str, Any]:
    active = config.cost.cost_allocation_tags_active_since
    return {
        "currency": "USD",
        "cost_allocation_tags_active_since": active.isoformat() if active else None,
        "anomaly_monitor": (
            {
                "tag": f"{TAG_STACK}={stack_tag(config)}",
                "threshold_usd": config.cost.anomaly_detection.threshold_usd,
            }
            if config.cost.budget is not None and config.cost.anomaly_detection.enabled
            else None
        ),
        "budgets": [
            {
                "covers": c.covers,
                "filter": c.filter,
                "monthly_limit": c.limit,
                "estimate_monthly": c.estimate,
                "over": c.over,
                "sees_cost": not c.tag_filtered or active is not None,
            }
            for c in checks
        ],
    }
