"""The offline plan of one stack: what it declares, its findings, depth, cost and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

from odoo_platform.config.database_schedule import schedule_warnings
from odoo_platform.config.mail import mail_warnings
from odoo_platform.config.recovery import missing_targets
from odoo_platform.config.validation import warnings as config_warnings
from odoo_platform.offline.budgets import BudgetCheck, budget_checks, budget_warnings
from odoo_platform.offline.capacity_plan import CapacityPlan, capacity_plan
from odoo_platform.offline.check import StackCheck
from odoo_platform.offline.cost import CostEstimate, PriceList, estimate_cost, price_list
from odoo_platform.offline.placement import (
    DepthReport,
    GroupCount,
    capacity_warnings,
    dependency_depth,
    group_counts,
    tenant_tiers,
    unknown_tenants,
)
from odoo_platform.synthesis.ownership import Placements


@dataclass(frozen=True)
class StackPlan:
    check: StackCheck
    placements: Placements
    groups: list[GroupCount]
    depth: DepthReport
    cost: CostEstimate
    warnings: list[str]
    budgets: list[BudgetCheck] = field(default_factory=list)
    capacity: CapacityPlan | None = None


def plan_stack(check: StackCheck, prices: PriceList | None = None) -> StackPlan:
    """Group, measure, price and warn about everything `check.result` declares."""
    config = check.config
    where = check.result.placements(tenant_tiers(config))
    cost = estimate_cost(check.result, config, where, prices or price_list(config.region))
    warnings = [str(issue) for issue in config_warnings(config)]
    warnings += capacity_warnings(config) + mail_warnings(config) + schedule_warnings(config)
    warnings += missing_targets(config)
    budgets = budget_checks(config, cost)
    warnings += budget_warnings(config, budgets, cost.prices.currency)
    warnings += [f"no price for {item}; left out of the estimate" for item in cost.unpriced]
    warnings += [
        f"resources are tagged with tenant {slug}, which the stack file does not declare"
        for slug in unknown_tenants(where, config)
    ]
    warnings += [f"the program logged an error: {message}" for message in check.result.errors()]
    return StackPlan(
        check,
        where,
        group_counts(check.result, where),
        dependency_depth(check.result, where),
        cost,
        warnings,
        budgets,
        capacity_plan(config),
    )
