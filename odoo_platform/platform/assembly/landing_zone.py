"""`LandingZoneArgs` of the stack: its network, the environment defaults (NAT per AZ, protect)."""

from __future__ import annotations

from odoo_platform.components.landing_zone import LandingZoneArgs
from odoo_platform.config import defaults
from odoo_platform.config.models import PlatformConfig
from odoo_platform.config.tags import base_tags
from odoo_platform.platform.assembly.budgets import cost_alert_accounts


def landing_zone_args(
    config: PlatformConfig, *, node_discovery: str | None = None
) -> LandingZoneArgs:
    zone = config.landing_zone
    file_system = config.multi_tenant.file_system
    return LandingZoneArgs(
        region=config.region,
        default_tags=base_tags(config),
        vpc_cidr=str(zone.vpc_cidr),
        availability_zones=zone.availability_zones,
        subnet_prefixes=zone.subnet_prefixes.model_dump(),
        nat_per_az=defaults.nat_per_az(config),
        interface_endpoints=zone.interface_endpoints,
        flow_log_retention_days=zone.flow_log_retention_days,
        protect=defaults.protect_stateful(config),
        efs_throughput_mode=file_system.throughput_mode,
        efs_performance_mode=file_system.performance_mode,
        cost_alert_accounts=cost_alert_accounts(config),
        node_discovery=node_discovery,
    )
