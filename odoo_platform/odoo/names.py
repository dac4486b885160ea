"""Names of a tenant's Kubernetes objects that operators type: one place for code and runbooks.

The runbooks (`docs/runbooks/`) use exactly these names, with `<slug>` and `<tier>` for the
tenant; `tests/test_runbook_names.py` renders the sample stack and checks that every object a
runbook names exists, and that these constants are what the components declare.
"""

from __future__ import annotations

APP = "odoo"
WEB_DEPLOYMENT = f"{APP}-web"
CRON_DEPLOYMENT = f"{APP}-cron"
ADMIN_SECRET = f"{APP}-admin"  # admin_passwd, Odoo's master password
BACKUP_CRONJOB = f"{APP}-backup"
RESTORE_CHECK_CRONJOB = f"{APP}-restore-check"


def tenant_namespace(slug: str) -> str:
    return f"{APP}-{slug}"


def db_credentials_secret(tier: str, slug: str) -> str:
    """The Secret with the tenant's database login, in its namespace (`tier`: shared or
    dedicated)."""
    return f"{APP}-{tier}-{slug}-db-credentials"
