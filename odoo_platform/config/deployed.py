"""What the last deployment ran, read back from its `tenants` output.

A platform stack exports one entry per tenant (`tenants.<slug>`: tier, Odoo series, database
server, cache pool, ...); a tenant stack (`ExternalTenant`) exports the same shape for its one
tenant. The next run of either reads its own previous outputs and hands these maps to the checks
that refuse what would break the running tenants (config/lifecycle.py, pools.py, cache_pools.py).
A stack that was never deployed has no `tenants` output: every map is empty.
"""

from __future__ import annotations

from odoo_platform.config.capacity import ServerKey
from odoo_platform.config.models import DEFAULT_POOL


def deployed_versions(tenants: object) -> dict[str, str]:
    """`{slug: odoo_version}` from the previous `tenants` output (empty if never deployed)."""
    if not isinstance(tenants, dict):
        return {}
    return {
        slug: str(entry["odoo_version"])
        for slug, entry in tenants.items()
        if isinstance(entry, dict) and "odoo_version" in entry
    }


def deployed_servers(tenants: object) -> dict[str, str]:
    """`{slug: server key}` from the previous `tenants` output. Deployments from before database
    pools exported no `database_server`: a shared tenant then was on the one shared server."""
    if not isinstance(tenants, dict):
        return {}
    found = {}
    for slug, entry in tenants.items():
        if not isinstance(entry, dict):
            continue
        server = entry.get("database_server")
        if server is None and entry.get("tier") == "shared":
            server = str(ServerKey.shared())
        if server is not None:
            found[slug] = str(server)
    return found


def deployed_cache_pools(tenants: object) -> dict[str, str]:
    """`{slug: cache pool}` of the shared tenants in the previous `tenants` output. Deployments
    from before cache pools exported no `cache_pool`: a shared tenant then was on the one cache."""
    if not isinstance(tenants, dict):
        return {}
    return {
        slug: str(entry.get("cache_pool") or DEFAULT_POOL)
        for slug, entry in tenants.items()
        if isinstance(entry, dict) and entry.get("tier") == "shared"
    }


def deployed_platforms(tenants: object) -> dict[str, str]:
    """`{slug: platform stack}` of a tenant stack's previous `tenants` output (a platform stack's
    entries name none: the platform is the stack itself)."""
    if not isinstance(tenants, dict):
        return {}
    return {
        slug: str(entry["platform_stack"])
        for slug, entry in tenants.items()
        if isinstance(entry, dict) and entry.get("platform_stack")
    }
