"""Tenant lifecycle: what each state keeps, runs and may delete.

- `active`: everything runs.
- `suspended`: every object and all data kept; web and cron run zero replicas.
- `offboarded`: a final backup is taken, workloads are removed, stateful resources (database,
  bucket prefix or bucket, file system, keys) are kept and protected until
  `offboarding.purge_after` is set and has passed. From that day they are declared unprotected
  (final snapshots still taken), and only then may the tenant's entry leave the configuration.

A tenant that disappears from the configuration while the last deployment still held its stateful
resources is an error: deleting a line must never delete a client's data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from odoo_platform.config.defaults import protect_stateful
from odoo_platform.config.errors import ConfigIssue, key_path
from odoo_platform.config.models import PlatformConfig, TenantConfig


def runs_workloads(tenant: TenantConfig) -> bool:
    """Web and cron Deployments, ingress and scheduled jobs exist (maybe scaled to zero)."""
    return tenant.state in ("active", "suspended")


def purge_due(tenant: TenantConfig, today: dt.date) -> bool:
    """The configuration asked to delete this offboarded tenant's data, and the day has come."""
    off = tenant.offboarding
    return (
        tenant.state == "offboarded"
        and off is not None
        and off.purge_after is not None
        and off.purge_after <= today
    )


def protect_tenant_data(config: PlatformConfig, tenant: TenantConfig, today: dt.date) -> bool:
    """Stateful resources carry `protect` where the environment protects them (prod), unless an
    explicit purge is due."""
    return protect_stateful(config) and not purge_due(tenant, today)


def retained_tenants(config: PlatformConfig, today: dt.date) -> list[str]:
    """Tenants whose stateful resources must survive the next deployment (exported each run)."""
    return [t.slug for t in config.tenants if not purge_due(t, today)]


def removed_tenant_issues(
    config: PlatformConfig, previously_retained: Iterable[str]
) -> list[ConfigIssue]:
    """Tenants the last deployment still held data for that the configuration no longer lists."""
    present = {t.slug for t in config.tenants}
    return [
        ConfigIssue(
            key_path("tenants"),
            f"tenant '{slug}' was removed but its database, backups and filestore still exist. "
            "Offboard it instead: keep its entry with state: offboarded and "
            "offboarding.requested_on (a final backup is taken, workloads stop, data is kept); "
            "to delete its data set offboarding.purge_after, deploy once that day has passed, "
            "and only then remove the entry.",
        )
        for slug in sorted(set(previously_retained) - present)
    ]


def version_change_issues(
    config: PlatformConfig, deployed_versions: Mapping[str, str]
) -> list[ConfigIssue]:
    """Tenants whose Odoo series differs from the last deployment's (its `tenants` output)."""
    found = (
        version_move_issue(tenant, deployed_versions.get(tenant.slug), key_path("tenants", i))
        for i, tenant in enumerate(config.tenants)
    )
    return [issue for issue in found if issue is not None]


def version_move_issue(
    tenant: TenantConfig, deployed: str | None, where: str
) -> ConfigIssue | None:
    """The tenant's Odoo series differs from the one the last deployment ran (`deployed`, None
    if it never ran) without a recorded migration from it; `where` is the tenant's key path (a
    platform stack's `tenants[i]`, a tenant stack's `tenant`).

    In place, a new series would run `-u all` with new code on an unmigrated database (and the
    official image changes its user); only a recorded migration from the deployed series passes.
    """
    if deployed is None or deployed == tenant.odoo_version:
        return None
    migration = tenant.migration
    if _series(tenant.odoo_version) < _series(deployed):
        problem = f"'{tenant.odoo_version}' is a downgrade from {deployed}, which Odoo cannot do"
    elif migration is None:
        problem = (
            f"'{tenant.odoo_version}' but the last deployment ran {deployed}: in place, "
            "Odoo would run `-u all` with new code on an unmigrated database. Migrate the "
            "database first and record it as migration: {from_version: "
            f"'{deployed}', migrated_on, change_ref}} (docs/runbooks/odoo-tenant.md)"
        )
    elif migration.from_version != deployed:
        problem = (
            f"migration.from_version is {migration.from_version} but the last deployment "
            f"ran {deployed}; record the migration from {deployed}"
        )
    else:
        return None
    return ConfigIssue(f"{where}.odoo_version", problem)


def _series(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
