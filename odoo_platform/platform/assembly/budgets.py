"""`CostControlsArgs` from the `cost` section: which budgets, filtered how, and the monitor."""

from __future__ import annotations

import pulumi

from odoo_platform.components.budgets import (
    AnomalyMonitorSpec,
    BudgetSpec,
    CostControlsArgs,
    Threshold,
)
from odoo_platform.config.catalog import TAG_STACK, TAG_TENANT
from odoo_platform.config.cost_controls import BudgetConfig, tenant_account_id
from odoo_platform.config.models import PlatformConfig, TenantConfig
from odoo_platform.config.tags import base_tags, stack_tag

NAME_PREFIX = "odoo-platform"


def tag_filter(key: str, value: str) -> dict[str, list[str]]:
    """A Budgets filter on a user-defined cost-allocation tag."""
    return {"TagKeyValue": [f"user:{key}${value}"]}


def _thresholds(budget: BudgetConfig) -> tuple[Threshold, ...]:
    return tuple(Threshold(a.percent, a.basis) for a in budget.alerts)


def _tenant_budget(
    config: PlatformConfig, tenant: TenantConfig, budget: BudgetConfig
) -> BudgetSpec:
    """In the tenant's own account by linked account, else by its `Tenant` tag (values of one
    filter are ORed, so it cannot also require the stack's tag: a slug is unique per account
    as long as two stacks of one account do not host the same tenant)."""
    account = tenant_account_id(tenant)
    return BudgetSpec(
        key=tenant.slug,
        name=f"{NAME_PREFIX}-{stack_tag(config)}-{tenant.slug}",
        limit_usd=budget.monthly_limit_usd,
        thresholds=_thresholds(budget),
        cost_filters=(
            {"LinkedAccount": [account]} if account else tag_filter(TAG_TENANT, tenant.slug)
        ),
        account_role_arn=tenant.dedicated.aws_account_role_arn if tenant.dedicated else None,
        tenant=tenant.slug,
    )


def cost_alert_accounts(config: PlatformConfig) -> tuple[str, ...] | None:
    """The tenant accounts whose budgets notify the platform's topic; None: no cost alerts."""
    if not config.cost.declares_budgets:
        return None
    tenants = {t.slug: t for t in config.tenants}
    accounts = (tenant_account_id(tenants[slug]) for slug in config.cost.tenant_budgets)
    return tuple(sorted({a for a in accounts if a}))


def cost_controls_args(
    config: PlatformConfig, topic_arn: pulumi.Input[str]
) -> CostControlsArgs | None:
    """None when the stack declares no budget."""
    cost = config.cost
    if not cost.declares_budgets:
        return None
    stack = stack_tag(config)
    budgets = []
    if cost.budget is not None:
        budgets.append(
            BudgetSpec(
                key="stack",
                name=f"{NAME_PREFIX}-{stack}",
                limit_usd=cost.budget.monthly_limit_usd,
                thresholds=_thresholds(cost.budget),
                cost_filters=tag_filter(TAG_STACK, stack),
            )
        )
    tenants = {t.slug: t for t in config.tenants}
    budgets += [
        _tenant_budget(config, tenants[slug], budget)
        for slug, budget in sorted(cost.tenant_budgets.items())
    ]
    anomaly = cost.anomaly_detection
    return CostControlsArgs(
        topic_arn=topic_arn,
        budgets=tuple(budgets),
        anomaly_monitor=(
            AnomalyMonitorSpec(f"{NAME_PREFIX}-{stack}", TAG_STACK, stack, anomaly.threshold_usd)
            if anomaly.enabled and cost.budget is not None
            else None
        ),
        default_tags=base_tags(config),
    )
