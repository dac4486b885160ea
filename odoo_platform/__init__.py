"""odoo-platform: Pulumi components for a governed Odoo hosting platform on AWS and Kubernetes.

    from odoo_platform import PostgresServer, PostgresServerArgs, PlatformReference, TenantConfig

Every public name is importable from here (see `__all__` and docs/usage.md). The names are
resolved lazily (PEP 562 `__getattr__`): `import odoo_platform` loads neither Pulumi nor the
providers nor the CLI, so the pytest plugin and `odoo_platform.config` stay fast; the first
access to a component imports its module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, tuple[str, ...]] = {
    "odoo_platform.components.aws_backup": (
        "BackupPlan",
        "BackupPlanArgs",
    ),
    "odoo_platform.components.backup_bucket": (
        "BackupBucket",
        "BackupBucketArgs",
    ),
    "odoo_platform.components.budgets": (
        "CostControls",
        "CostControlsArgs",
    ),
    "odoo_platform.components.cluster": (
        "KubernetesCluster",
        "KubernetesClusterArgs",
    ),
    "odoo_platform.components.database_schedule": (
        "DatabaseSchedule",
        "DatabaseScheduleArgs",
    ),
    "odoo_platform.components.file_system": (
        "FileSystem",
        "FileSystemArgs",
        "FileSystemReplication",
        "ReplicatedFileSystem",
        "ReplicatedFileSystemArgs",
    ),
    "odoo_platform.components.landing_zone": (
        "LandingZone",
        "LandingZoneArgs",
    ),
    "odoo_platform.components.mail": (
        "SesMail",
        "SesMailArgs",
    ),
    "odoo_platform.components.node_autoscaler": (
        "NodeAutoscaler",
        "NodeAutoscalerArgs",
    ),
    "odoo_platform.components.observability": (
        "Observability",
        "ObservabilityArgs",
    ),
    "odoo_platform.components.odoo_tenant": (
        "OdooTenant",
        "OdooTenantArgs",
        "DrDrillArgs",
        "DrReplica",
    ),
    "odoo_platform.components.postgres": (
        "PostgresServer",
        "PostgresServerArgs",
        "CrossRegionBackups",
        "CrossRegionReplica",
        "CrossRegionReplicaArgs",
    ),
    "odoo_platform.components.redis_cache": (
        "RedisCache",
        "RedisCacheArgs",
    ),
    "odoo_platform.components.event_autoscaler": (
        "EventAutoscaler",
        "EventAutoscalerArgs",
    ),
    "odoo_platform.components.tenant_database": (
        "TenantDatabase",
        "TenantDatabaseArgs",
    ),
    "odoo_platform.components.tenant_account_network": (
        "TenantAccountNetwork",
        "TenantAccountNetworkArgs",
    ),
    "odoo_platform.components.tenant_namespace": (
        "TenantNamespace",
        "TenantNamespaceArgs",
    ),
    "odoo_platform.components.traefik": (
        "TraefikIngress",
        "TraefikIngressArgs",
        "CertManagerArgs",
        "AcmArgs",
    ),
    "odoo_platform.platform.tiers": (
        "MultiTenantTier",
        "DedicatedTier",
        "TierArgs",
        "HostedTenant",
        "HostedTenantOutput",
        "TenantServices",
    ),
    "odoo_platform.platform.regional": (
        "RegionalPlatform",
        "RegionalPlatformArgs",
        "build_platform",
    ),
    "odoo_platform.platform.outputs": (
        "PlatformOutputs",
        "OUTPUT_NAMES",
        "IngressOutput",
        "SharedDatabaseOutput",
        "SharedCacheOutput",
        "SharedBackupsOutput",
    ),
    "odoo_platform.platform.reference": (
        "PlatformReference",
        "MissingPlatformOutputError",
    ),
    "odoo_platform.platform.external_tenant": (
        "ExternalTenant",
        "ExternalTenantArgs",
        "parse_tenant",
    ),
    "odoo_platform.config": (
        "CONFIG_KEY",
        "REGION_RESIDENCY",
        "SubnetPlan",
        "active_freeze",
        "plan_subnets",
        "read_stack_config",
        "stack_file",
        "PlatformConfig",
        "TenantConfig",
        "DatabaseConfig",
        "RedisConfig",
        "BackupPolicy",
        "DedicatedTierConfig",
        "EksClusterConfig",
        "ExistingClusterConfig",
        "ConfigError",
        "ConfigIssue",
        "ConnectionBudget",
        "MemoryBudget",
        "ServerKey",
        "SizeProfile",
        "SIZE_PROFILES",
        "connection_budgets",
        "memory_budget",
        "load_stack_file",
        "parse_platform",
        "json_schema",
    ),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "CONFIG_KEY",
    "OUTPUT_NAMES",
    "REGION_RESIDENCY",
    "SIZE_PROFILES",
    "AcmArgs",
    "BackupBucket",
    "BackupBucketArgs",
    "BackupPlan",
    "BackupPlanArgs",
    "BackupPolicy",
    "CertManagerArgs",
    "ConfigError",
    "ConfigIssue",
    "ConnectionBudget",
    "CostControls",
    "CostControlsArgs",
    "CrossRegionBackups",
    "CrossRegionReplica",
    "CrossRegionReplicaArgs",
    "DatabaseConfig",
    "DatabaseSchedule",
    "DatabaseScheduleArgs",
    "DedicatedTier",
    "DedicatedTierConfig",
    "DrDrillArgs",
    "DrReplica",
    "EksClusterConfig",
    "EventAutoscaler",
    "EventAutoscalerArgs",
    "ExistingClusterConfig",
    "ExternalTenant",
    "ExternalTenantArgs",
    "FileSystem",
    "FileSystemArgs",
    "FileSystemReplication",
    "HostedTenant",
    "HostedTenantOutput",
    "IngressOutput",
    "KubernetesCluster",
    "KubernetesClusterArgs",
    "LandingZone",
    "LandingZoneArgs",
    "MemoryBudget",
    "MissingPlatformOutputError",
    "MultiTenantTier",
    "NodeAutoscaler",
    "NodeAutoscalerArgs",
    "Observability",
    "ObservabilityArgs",
    "OdooTenant",
    "OdooTenantArgs",
    "PlatformConfig",
    "PlatformOutputs",
    "PlatformReference",
    "PostgresServer",
    "PostgresServerArgs",
    "RedisCache",
    "RedisCacheArgs",
    "RedisConfig",
    "RegionalPlatform",
    "RegionalPlatformArgs",
    "ReplicatedFileSystem",
    "ReplicatedFileSystemArgs",
    "ServerKey",
    "SesMail",
    "SesMailArgs",
    "SharedBackupsOutput",
    "SharedCacheOutput",
    "SharedDatabaseOutput",
    "SizeProfile",
    "SubnetPlan",
    "TenantAccountNetwork",
    "TenantAccountNetworkArgs",
    "TenantConfig",
    "TenantDatabase",
    "TenantDatabaseArgs",
    "TenantNamespace",
    "TenantNamespaceArgs",
    "TenantServices",
    "TierArgs",
    "TraefikIngress",
    "TraefikIngressArgs",
    "active_freeze",
    "build_platform",
    "connection_budgets",
    "json_schema",
    "load_stack_file",
    "memory_budget",
    "parse_platform",
    "parse_tenant",
    "plan_subnets",
    "read_stack_config",
    "stack_file",
]

if TYPE_CHECKING:
    from odoo_platform.components.aws_backup import (
        BackupPlan,
        BackupPlanArgs,
    )
    from odoo_platform.components.backup_bucket import (
        BackupBucket,
        BackupBucketArgs,
    )
    from odoo_platform.components.budgets import (
        CostControls,
        CostControlsArgs,
    )
    from odoo_platform.components.cluster import (
        KubernetesCluster,
        KubernetesClusterArgs,
    )
    from odoo_platform.components.database_schedule import (
        DatabaseSchedule,
        DatabaseScheduleArgs,
    )
    from odoo_platform.components.event_autoscaler import (
        EventAutoscaler,
        EventAutoscalerArgs,
    )
    from odoo_platform.components.file_system import (
        FileSystem,
        FileSystemArgs,
        FileSystemReplication,
        ReplicatedFileSystem,
        ReplicatedFileSystemArgs,
    )
    from odoo_platform.components.landing_zone import (
        LandingZone,
        LandingZoneArgs,
    )
    from odoo_platform.components.mail import (
        SesMail,
        SesMailArgs,
    )
    from odoo_platform.components.node_autoscaler import (
        NodeAutoscaler,
        NodeAutoscalerArgs,
    )
    from odoo_platform.components.observability import (
        Observability,
        ObservabilityArgs,
    )
    from odoo_platform.components.odoo_tenant import (
        DrDrillArgs,
        DrReplica,
        OdooTenant,
        OdooTenantArgs,
    )
    from odoo_platform.components.postgres import (
        CrossRegionBackups,
        CrossRegionReplica,
        CrossRegionReplicaArgs,
        PostgresServer,
        PostgresServerArgs,
    )
    from odoo_platform.components.redis_cache import (
        RedisCache,
        RedisCacheArgs,
    )
    from odoo_platform.components.tenant_account_network import (
        TenantAccountNetwork,
        TenantAccountNetworkArgs,
    )
    from odoo_platform.components.tenant_database import (
        TenantDatabase,
        TenantDatabaseArgs,
    )
    from odoo_platform.components.tenant_namespace import (
        TenantNamespace,
        TenantNamespaceArgs,
    )
    from odoo_platform.components.traefik import (
        AcmArgs,
        CertManagerArgs,
        TraefikIngress,
        TraefikIngressArgs,
    )
    from odoo_platform.config import (
        CONFIG_KEY,
        REGION_RESIDENCY,
        SIZE_PROFILES,
        BackupPolicy,
        ConfigError,
        ConfigIssue,
        ConnectionBudget,
        DatabaseConfig,
        DedicatedTierConfig,
        EksClusterConfig,
        ExistingClusterConfig,
        MemoryBudget,
        PlatformConfig,
        RedisConfig,
        ServerKey,
        SizeProfile,
        SubnetPlan,
        TenantConfig,
        active_freeze,
        connection_budgets,
        json_schema,
        load_stack_file,
        memory_budget,
        parse_platform,
        plan_subnets,
        read_stack_config,
        stack_file,
    )
    from odoo_platform.platform.external_tenant import (
        ExternalTenant,
        ExternalTenantArgs,
        parse_tenant,
    )
    from odoo_platform.platform.outputs import (
        OUTPUT_NAMES,
        IngressOutput,
        PlatformOutputs,
        SharedBackupsOutput,
        SharedCacheOutput,
        SharedDatabaseOutput,
    )
    from odoo_platform.platform.reference import MissingPlatformOutputError, PlatformReference
    from odoo_platform.platform.regional import (
        RegionalPlatform,
        RegionalPlatformArgs,
        build_platform,
    )
    from odoo_platform.platform.tiers import (
        DedicatedTier,
        HostedTenant,
        HostedTenantOutput,
        MultiTenantTier,
        TenantServices,
        TierArgs,
    )


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'odoo_platform' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
