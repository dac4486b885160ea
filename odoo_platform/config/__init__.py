"""Typed stack configuration: models, environment defaults, budgets and loading.

This package imports no Pulumi module, so it is fast to test and safe to use anywhere.
"""

from odoo_platform.config.capacity import (
    ConnectionBudget,
    MemoryBudget,
    ServerKey,
    connection_budgets,
    memory_budget,
)
from odoo_platform.config.catalog import REGION_RESIDENCY, SIZE_PROFILES, SizeProfile
from odoo_platform.config.errors import ConfigError, ConfigIssue
from odoo_platform.config.freeze import active_freeze
from odoo_platform.config.loader import (
    CONFIG_KEY,
    load_stack_file,
    parse_platform,
    read_stack_config,
    stack_file,
)
from odoo_platform.config.models import (
    BackupPolicy,
    DatabaseConfig,
    DedicatedTierConfig,
    EksClusterConfig,
    ExistingClusterConfig,
    PlatformConfig,
    RedisConfig,
    TenantConfig,
)
from odoo_platform.config.network import SubnetPlan, plan_subnets
from odoo_platform.config.schema import json_schema

__all__ = [
    "CONFIG_KEY",
    "REGION_RESIDENCY",
    "SIZE_PROFILES",
    "BackupPolicy",
    "ConfigError",
    "ConfigIssue",
    "ConnectionBudget",
    "DatabaseConfig",
    "DedicatedTierConfig",
    "EksClusterConfig",
    "ExistingClusterConfig",
    "MemoryBudget",
    "PlatformConfig",
    "RedisConfig",
    "ServerKey",
    "SizeProfile",
    "SubnetPlan",
    "TenantConfig",
    "active_freeze",
    "connection_budgets",
    "json_schema",
    "load_stack_file",
    "memory_budget",
    "parse_platform",
    "plan_subnets",
    "read_stack_config",
    "stack_file",
]
