"""`DatabaseScheduleArgs` from a stack's configuration: which servers sleep, and when."""

from __future__ import annotations

from odoo_platform.components.database_schedule import DatabaseScheduleArgs
from odoo_platform.components.postgres import PostgresServer
from odoo_platform.config.database_schedule import (
    dedicated_server_schedule,
    shared_server_schedule,
)
from odoo_platform.config.models import DEFAULT_POOL, PlatformConfig, TenantConfig


def database_schedule_args(
    config: PlatformConfig,
    server: PostgresServer,
    tenant: TenantConfig | None = None,
    pool: str = DEFAULT_POOL,
) -> DatabaseScheduleArgs | None:
    """A shared pool's server schedule (no `tenant`) or a dedicated tenant's; None: always on."""
    schedule = (
        shared_server_schedule(config, pool)
        if tenant is None
        else dedicated_server_schedule(config, tenant)
    )
    if schedule is None:
        return None
    return DatabaseScheduleArgs(
        instance_identifier=server.identifier,
        instance_arn=server.arn,
        start_expression=schedule.start,
        stop_expression=schedule.stop,
        timezone=schedule.timezone,
        tier="shared" if tenant is None else "dedicated",
        tenant=None if tenant is None else tenant.slug,
    )
