"""Budgets and cost anomaly detection: the `cost` section (issue 16, docs/cost.md).

A budget per stack and per dedicated tenant alerts the platform's SNS topic. Tenants in their
own AWS account are filtered by linked account; every other budget by cost-allocation tags,
which only the payer (management) account can activate, and only once the tags appear in billing
data: until `cost_allocation_tags_active_since` records that, those budgets see nothing and the
plan warns.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from odoo_platform.config.catalog import (
    TAG_COST_CENTRE,
    TAG_ENVIRONMENT,
    TAG_STACK,
    TAG_TENANT,
    TAG_TIER,
)
from odoo_platform.config.errors import ConfigIssue, key_path
from odoo_platform.config.fields import SLUG_PATTERN, Strict

if TYPE_CHECKING:  # models.py imports this module
    from odoo_platform.config.models import PlatformConfig, TenantConfig

# The tags the payer account activates for cost allocation (docs/cost.md, "Payer account").
COST_ALLOCATION_TAGS = (TAG_STACK, TAG_TENANT, TAG_TIER, TAG_ENVIRONMENT, TAG_COST_CENTRE)


class BudgetAlert(Strict):
    """Notify when actual or forecasted spend reaches `percent` of the monthly limit."""

    percent: int = Field(ge=1, le=1000, description="percent of the monthly limit")
    basis: Literal["actual", "forecasted"] = Field(
        description="actual: spend so far this month; forecasted: AWS's end-of-month forecast"
    )


def _default_alerts() -> list[BudgetAlert]:
    return [BudgetAlert(percent=80, basis="forecasted"), BudgetAlert(percent=100, basis="actual")]


class BudgetConfig(Strict):
    """A monthly cost budget in USD (AWS Budgets bills and compares in USD)."""

    monthly_limit_usd: float = Field(gt=0, le=10_000_000)
    alerts: list[BudgetAlert] = Field(
        default_factory=_default_alerts,
        min_length=1,
        max_length=5,
        description="default: 80% forecasted and 100% actual (AWS allows 5 per budget)",
    )


class AnomalyDetectionConfig(Strict):
    """A CUSTOM Cost Anomaly Detection monitor on the stack's `Stack` tag."""

    enabled: bool = True
    threshold_usd: float = Field(
        100, gt=0, description="alert when an anomaly's total impact reaches this many USD"
    )


class CostConfig(Strict):
    """Budgets per stack and per dedicated tenant, and the anomaly monitor (docs/cost.md)."""

    budget: BudgetConfig | None = Field(None, description="the whole stack's monthly budget")
    tenant_budgets: dict[Annotated[str, Field(pattern=SLUG_PATTERN)], BudgetConfig] = Field(
        default_factory=dict, description="per dedicated tenant slug: its own monthly budget"
    )
    anomaly_detection: AnomalyDetectionConfig = AnomalyDetectionConfig()
    cost_allocation_tags_active_since: dt.date | None = Field(
        None,
        description="the day the payer account activated the cost-allocation tags "
        f"({', '.join(COST_ALLOCATION_TAGS)}); unset: tag-filtered budgets see no cost yet",
    )

    @property
    def declares_budgets(self) -> bool:
        return self.budget is not None or bool(self.tenant_budgets)


def tenant_account_id(tenant: TenantConfig) -> str | None:
    """The tenant's own AWS account (from its account role), None in the platform account."""
    role = tenant.dedicated.aws_account_role_arn if tenant.dedicated else None
    return role.split(":")[4] if role else None


def issues(config: PlatformConfig) -> Iterator[ConfigIssue]:
    """Tenant budgets name declared dedicated tenants; alerts are not repeated."""
    yield from _tenant_budget_issues(config)
    cost = config.cost
    budgets = [(("cost", "budget"), cost.budget)] + [
        (("cost", "tenant_budgets", slug), b) for slug, b in cost.tenant_budgets.items()
    ]
    for path, budget in budgets:
        if budget is not None:
            yield from _repeated_alerts(path, budget)


def _tenant_budget_issues(config: PlatformConfig) -> Iterator[ConfigIssue]:
    tiers = {t.slug: t.tier for t in config.tenants}
    dedicated = ", ".join(sorted(s for s, tier in tiers.items() if tier == "dedicated"))
    for slug in config.cost.tenant_budgets:
        if tiers.get(slug) == "dedicated":
            continue
        found = f"a '{tiers[slug]}' tenant" if slug in tiers else "not a tenant of this stack"
        yield ConfigIssue(
            key_path("cost", "tenant_budgets", slug),
            f"'{slug}' is {found}; tenant budgets are for dedicated tenants "
            f"({dedicated or 'none declared'}); shared tenants are in the stack's budget",
        )


def _repeated_alerts(path: tuple[str, ...], budget: BudgetConfig) -> Iterator[ConfigIssue]:
    seen = Counter((a.percent, a.basis) for a in budget.alerts)
    for i, alert in enumerate(budget.alerts):
        times = seen[(alert.percent, alert.basis)]
        if times > 1:
            yield ConfigIssue(
                key_path(*path, "alerts", i),
                f"{alert.percent}% {alert.basis} is listed {times} times; each threshold and "
                "basis once",
            )
