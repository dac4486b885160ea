"""`odoo-platform plan` output: rich tables for people, a stable JSON document for tools.

The JSON schema (docs/cli.md) is versioned by `schema_version`; fields are only ever added.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from odoo_platform.config.cache_pools import account_usage, cache_budgets, cache_pool_of
from odoo_platform.config.capacity import ServerKey
from odoo_platform.config.lifecycle import runs_workloads
from odoo_platform.config.models import PlatformConfig
from odoo_platform.offline.budgets import BudgetCheck, budgets_json
from odoo_platform.offline.capacity_plan import capacity_json, print_capacity
from odoo_platform.offline.check_report import SEVERITY_STYLE, finding_json, freeze_json, verdict
from odoo_platform.offline.cost import CostEstimate, assumptions
from odoo_platform.offline.node_autoscaling import node_autoscaling_json, node_autoscaling_line
from odoo_platform.offline.placement import Chain, database_placement, tenant_pools
from odoo_platform.offline.plan import StackPlan
from odoo_platform.offline.recovery import print_recovery, print_recovery_summary, recovery_json
from odoo_platform.policies import Finding, Severity
from odoo_platform.synthesis.harness import RecordedResource
from odoo_platform.synthesis.ownership import dedicated_tenant

SCHEMA_VERSION = 1
TENANT_ROWS = 20  # human output lists this many tenants' depth; JSON lists all


def _group_kind(group: str) -> str:
    return "dedicated" if dedicated_tenant(group) else group


def chain_json(chain: Chain) -> dict[str, Any]:
    return {"depth": chain.depth, "chain": list(chain.urns)}


def resource_json(resource: RecordedResource, plan: StackPlan) -> dict[str, Any]:
    dependencies = set(resource.dependencies)
    for urns in resource.property_dependencies.values():
        dependencies.update(urns)
    placement = plan.placements[resource.urn]
    return {
        "urn": resource.urn,
        "type": resource.type,
        "name": resource.name,
        "custom": resource.custom,
        "parent": resource.parent,
        "protect": resource.protect,
        "dependencies": sorted(dependencies),
        "provider": resource.provider,
        "group": placement.group,
        "tenant": placement.tenant,
    }


def cost_json(cost: CostEstimate) -> dict[str, Any]:
    prices = cost.prices
    return {
        "estimate": True,
        "currency": prices.currency,
        "source": prices.source,
        "retrieved": prices.retrieved,
        "region": prices.region,
        "region_prices_derived": prices.derived,
        "regional_factor": prices.factor,
        "hours_per_month": prices.hours_per_month,
        "total_monthly": round(cost.total, 2),
        "by_tier_monthly": cost.by_tier,
        "by_tenant_monthly": cost.by_tenant,
        "shared_pool_monthly": cost.shared_pool,
        "unallocated_monthly": cost.unallocated,
        "tenant_weights": cost.weights,
        "lines": [
            {
                "urn": line.urn,
                "type": line.type,
                "name": line.name,
                "group": line.group,
                "tenant": line.tenant,
                "what": line.what,
                "monthly": line.monthly,
            }
            for line in cost.lines
        ],
        "unpriced": cost.unpriced,
        "assumptions": assumptions(prices),
    }


def pools_json(plan: StackPlan) -> dict[str, Any]:
    """The shared tier's database pools and which pool hosts each shared tenant."""
    config = plan.check.config
    return {
        "pools": [
            {
                "pool": p.pool,
                "server": p.server,
                "tenants": list(p.tenants),
                "worst_case_connections": p.worst_case,
                "max_connections": p.max_connections,
            }
            for p in database_placement(config)
        ],
        "tenant_pools": tenant_pools(config),
    }


def cache_pools_json(config: PlatformConfig) -> dict[str, Any]:
    """The shared tier's cache pools, their usage against each limit, and each tenant's pool."""
    quotas = config.multi_tenant.cache_quotas
    users, groups = account_usage(config)
    return {
        "pools": [
            {
                "pool": b.pool,
                "node_type": b.node_type,
                "tenants": [t.slug for t in b.tenants],
                "users": b.users,
                "users_per_user_group": b.users_per_user_group,
                "connections": b.connections,
                "max_clients": b.max_clients,
                "session_memory_mib": round(b.memory_mib, 1),
                "node_memory_mib": round(b.node_memory_mib),
            }
            for b in cache_budgets(config)
        ],
        "tenant_pools": {t.slug: cache_pool_of(t) for t in config.tenants if t.tier == "shared"},
        "account": {
            "users": users,
            "users_quota": quotas.users,
            "user_groups": groups,
            "user_groups_quota": quotas.user_groups,
        },
    }


def first_logins(plan: StackPlan) -> dict[str, dict[str, str]]:
    """Each running tenant's first Odoo login and where its generated password is (never the
    password: it exists only once deployed, as a secret)."""
    return {
        t.slug: {
            "login": t.admin_login or "admin",
            "password": PASSWORD_WHERE.format(slug=t.slug),
        }
        for t in plan.check.config.tenants
        if runs_workloads(t)
    }


PASSWORD_WHERE = (
    "stack output tenant_admin_logins (secret: pulumi stack output --show-secrets "
    "tenant_admin_logins) and Secret odoo-admin, key login_password, in namespace odoo-{slug}; "
    "set on first install only"
)


def plan_json(plan: StackPlan) -> dict[str, Any]:
    """`odoo-platform plan --json` (schema in docs/cli.md)."""
    check = plan.check
    resources = check.result.resources
    return {
        "schema_version": SCHEMA_VERSION,
        "stack": check.stack,
        "environment": check.config.environment,
        "region": check.config.region,
        "date": check.today.isoformat(),
        "freeze": freeze_json(check),
        "passed": not check.mandatory_failures,
        "totals": {
            "resources": sum(r.custom for r in resources),
            "components": sum(not r.custom for r in resources),
        },
        "groups": [
            {
                "group": g.group,
                "kind": _group_kind(g.group),
                "tenant": dedicated_tenant(g.group),
                "resources": g.resource_total,
                "components": g.component_total,
                "resources_by_type": g.resources,
                "components_by_type": g.components,
            }
            for g in plan.groups
        ],
        "policy": {
            "passed": not check.mandatory_failures,
            "counts": {s.value: sum(f.severity is s for f in check.findings) for s in Severity},
            "findings": [finding_json(f) for f in check.findings],
        },
        "depth": {
            "overall": chain_json(plan.depth.overall),
            "by_group": {g: chain_json(c) for g, c in plan.depth.by_group.items()},
            "by_tenant": {t: chain_json(c) for t, c in plan.depth.by_tenant.items()},
        },
        "cost": cost_json(plan.cost),
        "database_pools": pools_json(plan),
        "cache_pools": cache_pools_json(plan.check.config),
        "budgets": budgets_json(plan.check.config, plan.budgets),
        "capacity": capacity_json(plan.capacity) if plan.capacity else None,
        "first_logins": first_logins(plan),
        "recovery": recovery_json(check.config, check.stack),
        "node_autoscaling": node_autoscaling_json(check.config, check.result),
        "warnings": plan.warnings,
        # Sorted: registration order varies with the event loop's scheduling between runs.
        "resources": [resource_json(r, plan) for r in sorted(resources, key=lambda r: r.urn)],
    }


# --- human output -----------------------------------------------------------------------------


def short_token(type_token: str) -> str:
    """`aws:ec2/routeTable:RouteTable` -> `aws:ec2:RouteTable`, the short form Pulumi accepts
    when the module member repeats the type; other tokens (`kubernetes:apps/v1:Deployment`)
    stay whole."""
    parts = type_token.split(":")
    if len(parts) != 3 or "/" not in parts[1]:
        return type_token
    module, _, member = parts[1].rpartition("/")
    if member.lower() != parts[2].lower():
        return type_token
    return f"{parts[0]}:{module}:{parts[2]}"


def _short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def money(value: float, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def print_plan(plan: StackPlan, console: Console, details: bool = False) -> None:
    """A summary that fits one screen; `details` adds every type, finding, chain and tenant."""
    check = plan.check
    resources = check.result.resources
    console.print(
        f"[bold]Plan of stack {check.stack}[/] ({check.config.environment} in "
        f"{check.config.region}, as of {check.today.isoformat()}): "
        f"{sum(r.custom for r in resources)} resources in "
        f"{sum(not r.custom for r in resources)} components"
    )
    if not details:
        print_summary(plan, console)
        return
    print_groups(plan, console)
    print_policy(plan, console)
    print_depth(plan, console)
    print_cost(plan.cost, console)
    print_recovery(check.config, console, check.stack)
    print_pools(plan, console)
    print_cache_pools(plan.check.config, console)
    print_budgets(plan, console)
    if plan.capacity:
        print_capacity(plan.capacity, console)
    print_first_logins(plan, console)
    print_warnings(plan.warnings, console)


def group_cost(plan: StackPlan, group: str) -> float:
    if (tenant := dedicated_tenant(group)) is not None:
        return plan.cost.by_tenant.get(tenant, 0.0)
    return plan.cost.platform if group == "platform" else plan.cost.by_tier.get(group, 0.0)


def finding_group(plan: StackPlan, finding: Finding) -> str:
    """The group of the resource a finding concerns; stack findings belong to the platform."""
    placement = plan.placements.get(finding.urn) if finding.urn else None
    if placement is not None:
        return placement.group
    tenant = finding.tenant
    if tenant and (key := ServerKey.dedicated(tenant)) in {g.group for g in plan.groups}:
        return key
    return "multi-tenant" if tenant else "platform"


def policy_counts(findings: list[Finding]) -> tuple[str, str]:
    """(mandatory, advisory) finding counts; a mandatory one stands out."""
    mandatory = sum(f.severity is Severity.MANDATORY for f in findings)
    shown = f"[bold red]{mandatory}[/]" if mandatory else "0"
    return shown, str(len(findings) - mandatory)


def print_summary(plan: StackPlan, console: Console) -> None:
    """Per group: counts, cost, policy result and depth; then the one deepest chain."""
    currency = plan.cost.prices.currency
    by_group: dict[str, list[Finding]] = {}
    for finding in plan.check.findings:
        by_group.setdefault(finding_group(plan, finding), []).append(finding)
    table = Table(title_justify="left")
    table.add_column("group", no_wrap=True)
    table.add_column("resources", justify="right")
    table.add_column(f"{currency}/mo", justify="right")
    table.add_column("mand.", justify="right")  # mandatory policy findings
    table.add_column("adv.", justify="right")  # advisory policy findings
    table.add_column("depth", justify="right")
    for group in plan.groups:
        chain = plan.depth.by_group.get(group.group)
        table.add_row(
            group.group,
            str(group.resource_total),
            f"{group_cost(plan, group.group):,.2f}",
            *policy_counts(by_group.get(group.group, [])),
            str(chain.depth) if chain else "0",
        )
    table.add_section()
    table.add_row(
        "[bold]all[/]",
        f"[bold]{sum(g.resource_total for g in plan.groups)}[/]",
        f"[bold]{plan.cost.total:,.2f}[/]",
        *policy_counts(plan.check.findings),
        f"[bold]{plan.depth.overall.depth}[/]",
    )
    console.print(table)
    console.print(f"Policy: {verdict(plan.check.findings)}")
    console.print(node_autoscaling_line(plan.check.config, plan.check.result))
    chain = plan.depth.overall
    console.print(
        f"Deepest chain ({chain.depth} resources created one after another): "
        + " -> ".join(_short(u) for u in chain.urns)
    )
    console.print(
        f"[dim]Costs are an ESTIMATE from the price table dated {plan.cost.prices.retrieved} "
        f"(on-demand list prices, usage-based charges excluded); assumptions: --details.[/]"
    )
    print_recovery_summary(plan.check.config, console, plan.check.stack)
    for check in plan.budgets:
        console.print(budget_line(check))
    print_warnings(plan.warnings, console, limit=5)
    console.print(
        "[dim]Every type, finding, chain and tenant: --details; policy details: "
        "odoo-platform policies; machine-readable: --json.[/]"
    )


def print_groups(plan: StackPlan, console: Console) -> None:
    table = Table(title="What would be declared", title_justify="left")
    # The group heads its own rows instead of taking a column, so type tokens fit a line.
    table.add_column("resource type (short token)", overflow="fold")
    table.add_column("count", justify="right", min_width=5, no_wrap=True)
    for group in plan.groups:
        table.add_row(f"[bold]{group.group}[/]", "")
        for type_token, count in group.resources.items():
            table.add_row(f"  {short_token(type_token)}", str(count))
        table.add_row(f"[bold]{group.group} total[/]", f"[bold]{group.resource_total}[/]")
        table.add_section()
    total = sum(g.resource_total for g in plan.groups)
    table.add_row("[bold]all resources[/]", f"[bold]{total}[/]")
    console.print(table)


def print_policy(plan: StackPlan, console: Console) -> None:
    """Findings by severity and rule: how many, on which resources, and the first message."""
    findings = plan.check.findings
    table = Table(title="Policy findings (details: odoo-platform policies)", title_justify="left")
    table.add_column("severity", no_wrap=True)
    table.add_column("rule", overflow="fold")
    table.add_column("count", justify="right")
    table.add_column("resources and first finding", overflow="fold")
    for severity in Severity:
        by_rule: dict[str, list[Finding]] = {}
        for finding in findings:
            if finding.severity is severity:
                by_rule.setdefault(finding.rule_id, []).append(finding)
        for rule, found in sorted(by_rule.items()):
            names = sorted({f.name or "(stack)" for f in found})
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            table.add_row(
                f"[{SEVERITY_STYLE[severity]}]{severity.value}[/]",
                rule,
                str(len(found)),
                f"{shown}\n[dim]{found[0].message}[/]",
            )
    if findings:
        console.print(table)
    console.print(verdict(findings))


def print_depth(plan: StackPlan, console: Console) -> None:
    depth = plan.depth
    table = Table(
        title=f"Dependency depth: {depth.overall.depth} resources created one after another",
        title_justify="left",
    )
    table.add_column("scope", no_wrap=True)
    table.add_column("depth", justify="right")
    table.add_column("longest chain", overflow="fold")
    rows = [("overall", depth.overall), *depth.by_group.items()]
    tenants = sorted(depth.by_tenant.items(), key=lambda item: (-item[1].depth, item[0]))
    rows += [(f"tenant {slug}", chain) for slug, chain in tenants[:TENANT_ROWS]]
    for scope, chain in rows:
        table.add_row(scope, str(chain.depth), " -> ".join(_short(u) for u in chain.urns))
    if len(tenants) > TENANT_ROWS:
        table.add_row(f"... {len(tenants) - TENANT_ROWS} more tenants (see --json)", "", "")
    console.print(table)


def print_cost(cost: CostEstimate, console: Console) -> None:
    currency = cost.prices.currency
    table = Table(
        title=f"ESTIMATED monthly cost ({currency}, on-demand list prices)", title_justify="left"
    )
    table.add_column("who", no_wrap=True)
    table.add_column("monthly", justify="right")
    table.add_row("shared platform", money(cost.platform, currency))
    table.add_row("multi-tenant tier", money(cost.by_tier.get("multi-tenant", 0.0), currency))
    table.add_row("dedicated tier", money(cost.by_tier.get("dedicated", 0.0), currency))
    table.add_row("[bold]total[/]", f"[bold]{money(cost.total, currency)}[/]")
    table.add_section()
    for slug, monthly in cost.by_tenant.items():
        table.add_row(f"tenant {slug}", money(monthly, currency))
    if cost.unallocated:
        table.add_row("unallocated shared pool", money(cost.unallocated, currency))
    console.print(table)
    console.print(f"[dim]Prices: {cost.prices.source}[/]")
    for line in assumptions(cost.prices):
        console.print(f"[dim]- {line}[/]")


def print_pools(plan: StackPlan, console: Console) -> None:
    """Which shared database pool hosts which tenants, against each server's budget."""
    table = Table(title="Shared database pools (placement)", title_justify="left")
    table.add_column("pool", no_wrap=True)
    table.add_column("server", no_wrap=True)
    table.add_column("tenants", justify="right")
    table.add_column("worst case / max_connections")
    table.add_column("on it", overflow="fold")
    for pool in database_placement(plan.check.config):
        shown = ", ".join(pool.tenants[:TENANT_ROWS])
        if len(pool.tenants) > TENANT_ROWS:
            shown += f" and {len(pool.tenants) - TENANT_ROWS} more (see --json)"
        used = f"{pool.worst_case} / {pool.max_connections} ({pool.free} free)"
        table.add_row(pool.pool, pool.server, str(len(pool.tenants)), used, shown)
    console.print(table)


def print_cache_pools(config: PlatformConfig, console: Console) -> None:
    """Which shared cache holds which tenants' users, against its user group quota, clients and
    memory (the bounds docs/capacity.md#cache-pools derives)."""
    table = Table(title="Shared cache pools (placement)", title_justify="left")
    for column in ("pool", "node type", "users / quota", "connections", "sessions MiB", "on it"):
        table.add_column(column, overflow="fold" if column == "on it" else "ellipsis")
    for budget in cache_budgets(config):
        slugs = [t.slug for t in budget.tenants]
        shown = ", ".join(slugs[:TENANT_ROWS])
        if len(slugs) > TENANT_ROWS:
            shown += f" and {len(slugs) - TENANT_ROWS} more (see --json)"
        table.add_row(
            budget.pool,
            budget.node_type,
            f"{budget.users} / {budget.users_per_user_group}",
            f"{budget.connections} / {budget.max_clients}",
            f"{budget.memory_mib:.0f} / {budget.node_memory_mib:.0f}",
            shown,
        )
    console.print(table)
    users, groups = account_usage(config)
    quotas = config.multi_tenant.cache_quotas
    console.print(
        f"ElastiCache in the platform account: {users} / {quotas.users} users, "
        f"{groups} / {quotas.user_groups} user groups (multi_tenant.cache_quotas)"
    )


def budget_line(check: BudgetCheck) -> str:
    state = "[red]OVER[/]" if check.over else "within"
    return (
        f"Budget of {check.covers} ({check.filter}): estimate {check.estimate:,.2f} of "
        f"{check.limit:,.2f} USD/mo, {state}"
    )


def print_budgets(plan: StackPlan, console: Console) -> None:
    if not plan.budgets:
        return
    table = Table(title="Budgets (AWS Budgets, monthly, USD)", title_justify="left")
    for column in ("covers", "filter", "limit", "estimate", ""):
        table.add_column(column, justify="right" if column in ("limit", "estimate") else "left")
    for check in plan.budgets:
        table.add_row(
            check.covers,
            check.filter,
            f"{check.limit:,.2f}",
            f"{check.estimate:,.2f}",
            "[red]OVER[/]" if check.over else "within",
        )
    console.print(table)


def print_first_logins(plan: StackPlan, console: Console) -> None:
    logins = first_logins(plan)
    if not logins:
        return
    table = Table(title="First Odoo logins (generated passwords)", title_justify="left")
    table.add_column("tenant")
    table.add_column("login")
    for slug, entry in logins.items():
        table.add_row(slug, entry["login"])
    console.print(table)
    console.print("Passwords: " + PASSWORD_WHERE.format(slug="<slug>").replace("; set", ". Set"))


def print_warnings(warnings: list[str], console: Console, limit: int | None = None) -> None:
    if not warnings:
        console.print("No warnings.")
        return
    console.print(f"[yellow]{len(warnings)} warnings[/]")
    shown = warnings if limit is None else warnings[:limit]
    for warning in shown:
        console.print(f"[yellow]- {warning}[/]")
    if len(shown) < len(warnings):
        console.print(f"[yellow]- ... {len(warnings) - len(shown)} more (--details)[/]")
