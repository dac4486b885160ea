"""`OdooTenant`: one tenant's Odoo, as a package of builders, one module per concern.

`args` (the settings and their checks), `scope` (names, labels, the rendered `odoo.conf`),
`network_policies`, `identity` (service accounts, IRSA roles), `credentials` (Secrets),
`filestore`, `pods` (pod and container specs), `init_job` (init/upgrade and resume Jobs),
`workloads` (web, cron, PDB, Service), `autoscaling` (the web and cron KEDA ScaledObjects),
`ingress` (IngressRoute, middlewares), `backups`
(backup and restore-check CronJobs), `recovery` (the DR site's restore, the DR drill), `dns`
(the host names' records) and `component` (the `OdooTenant` that calls them in order). No
builder reads the stack configuration.
"""

from odoo_platform.components.odoo_tenant.args import (
    DnsFailover,
    DrDrillArgs,
    DrReplica,
    OdooTenantArgs,
    TenantDns,
)
from odoo_platform.components.odoo_tenant.backups import backup_schedule
from odoo_platform.components.odoo_tenant.component import OdooTenant
from odoo_platform.components.odoo_tenant.identity import backup_policy, restore_check_policy
from odoo_platform.components.odoo_tenant.init_job import init_env
from odoo_platform.components.odoo_tenant.scope import (
    CONF_DIR,
    CONF_HASH_ANNOTATION,
    RUN_DIR,
    init_job_hash,
)

__all__ = [
    "CONF_DIR",
    "CONF_HASH_ANNOTATION",
    "RUN_DIR",
    "DnsFailover",
    "DrDrillArgs",
    "DrReplica",
    "OdooTenant",
    "OdooTenantArgs",
    "TenantDns",
    "backup_policy",
    "backup_schedule",
    "init_env",
    "init_job_hash",
    "restore_check_policy",
]
