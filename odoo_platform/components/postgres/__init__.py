"""`PostgresServer`: one RDS PostgreSQL server with the platform's baseline.

The master password is generated here (a Pulumi secret), stored in Secrets Manager for operators,
and handed to tenant bootstrap Jobs through a Kubernetes Secret in the server's own admin namespace.
Tenant pods run in their own namespaces and cannot mount a Secret of another namespace, so the
administrator credentials never reach them (see docs/components/data-services.md for why this design
and not the RDS-managed secret).

By concern: `args` (what it is built from), `server` (the component), `parameters` (the
PostgreSQL baseline), `instance` (primary, replica, logs, monitoring, backup copies), `rotation`
(the admin secret and its rotation), `admin` (the admin namespace for bootstrap Jobs), `names`.
"""

from odoo_platform.components.postgres.admin import (
    ADMIN_QUOTA,
    ADMIN_SECRET_KEYS,
    admin_pgpass_script,
)
from odoo_platform.components.postgres.args import (
    AdminRotation,
    AdminSecretReplica,
    CrossRegionBackups,
    PointInTimeSource,
    PostgresServerArgs,
)
from odoo_platform.components.postgres.instance import (
    ENHANCED_MONITORING_POLICY_ARN,
    LOG_EXPORTS,
)
from odoo_platform.components.postgres.names import (
    RDS_IDENTIFIER_MAX,
    admin_namespace_name,
    instance_identifier,
    snapshot_identifier,
)
from odoo_platform.components.postgres.parameters import (
    IDLE_IN_TRANSACTION_TIMEOUT_MS,
    SLOW_QUERY_MS,
    baseline_parameters,
    parameter_group_family,
)
from odoo_platform.components.postgres.replica import CrossRegionReplica, CrossRegionReplicaArgs
from odoo_platform.components.postgres.rotation import (
    ROTATION_APPLICATION,
    ROTATION_CAPABILITIES,
    ROTATION_EXCLUDED_CHARACTERS,
)
from odoo_platform.components.postgres.scope import ADMIN_USERNAME, POSTGRES_PORT
from odoo_platform.components.postgres.server import PostgresServer

__all__ = [
    "ADMIN_QUOTA",
    "ADMIN_SECRET_KEYS",
    "ADMIN_USERNAME",
    "ENHANCED_MONITORING_POLICY_ARN",
    "IDLE_IN_TRANSACTION_TIMEOUT_MS",
    "LOG_EXPORTS",
    "POSTGRES_PORT",
    "RDS_IDENTIFIER_MAX",
    "ROTATION_APPLICATION",
    "ROTATION_CAPABILITIES",
    "ROTATION_EXCLUDED_CHARACTERS",
    "SLOW_QUERY_MS",
    "AdminRotation",
    "AdminSecretReplica",
    "CrossRegionBackups",
    "CrossRegionReplica",
    "CrossRegionReplicaArgs",
    "PointInTimeSource",
    "PostgresServer",
    "PostgresServerArgs",
    "admin_namespace_name",
    "admin_pgpass_script",
    "baseline_parameters",
    "instance_identifier",
    "parameter_group_family",
    "snapshot_identifier",
]
