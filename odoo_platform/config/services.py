"""Settings of one service (node group, database server, cache, backups).

Part of the stack file's model tree (`models.py`) and plain values a component may take in its
args: a component imports these, never the stack's `PlatformConfig`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from odoo_platform.config.catalog import CACHE_NODE_TYPES, RDS_CLASS_MEMORY_GIB
from odoo_platform.config.fields import (
    BACKUP_WINDOW,
    MAINTENANCE_WINDOW,
    RDS_IDENTIFIER_PATTERN,
    Ec2InstanceType,
    Strict,
    window_format,
)


class NodeGroupConfig(Strict):
    """A pool of on-demand nodes: an EKS managed node group, the always-on baseline, and with
    Karpenter (`cluster.node_autoscaler`) a NodePool that adds nodes above it."""

    instance_types: list[Ec2InstanceType] = Field(
        default_factory=lambda: ["m7i.xlarge"],
        min_length=1,
        max_length=20,
        description="EC2 instance types the group may launch",
    )
    min_size: int = Field(2, ge=0, le=100, description="nodes of the managed group, always on")
    max_size: int = Field(
        6,
        ge=1,
        le=100,
        description="the managed group's maximum; Karpenter may add up to max_size nodes of the "
        "largest type above the baseline (its NodePool limits)",
    )
    desired_size: int | None = Field(
        None,
        ge=0,
        le=100,
        description="nodes at creation (default: min_size); later changes are ignored, so a "
        "manual resize is kept",
    )
    disk_gib: int = Field(
        50, ge=20, le=1000, description="GiB of each node's encrypted gp3 root volume"
    )


class DatabaseConfig(Strict):
    instance_class: str = "db.m7g.large"
    engine_version: str = Field("16", pattern=r"^1[4-7](\.[0-9]+)?$")
    allocated_storage_gib: int = Field(100, ge=20, le=65536)
    max_allocated_storage_gib: int = Field(500, ge=20, le=65536)
    max_connections: int | None = Field(
        None, ge=50, le=5000, description="default: derived from the class memory as RDS does"
    )
    reserved_connections: int = Field(
        10,
        ge=3,
        le=100,
        description="kept free for administrators and RDS (tenants' backups: in their budget)",
    )
    multi_az: bool | None = Field(None, description="default: true in prod")
    deletion_protection: bool | None = Field(None, description="default: true in prod")
    backup_window: Annotated[str, window_format(BACKUP_WINDOW, "02:00-03:00")] = Field(
        "02:00-03:00", description="daily, UTC: HH:MM-HH:MM"
    )
    maintenance_window: Annotated[str, window_format(MAINTENANCE_WINDOW, "sun:04:00-sun:05:00")] = (
        Field("sun:04:00-sun:05:00", description="weekly, UTC: ddd:HH:MM-ddd:HH:MM")
    )
    identifier: str | None = Field(
        None,
        pattern=RDS_IDENTIFIER_PATTERN,
        description="the RDS instance identifier; default `<server>-db-<stack>`. Set it to the "
        "identifier of an instance created before identifiers were explicit, so it is kept",
    )
    replica_identifier: str | None = Field(
        None,
        pattern=RDS_IDENTIFIER_PATTERN,
        description="the reporting replica's identifier; default `<server>-replica-<stack>`",
    )

    @field_validator("instance_class")
    @classmethod
    def _known_class(cls, value: str) -> str:
        if value not in RDS_CLASS_MEMORY_GIB:
            raise ValueError(f"must be one of {', '.join(RDS_CLASS_MEMORY_GIB)}")
        return value


class RedisConfig(Strict):
    engine: Literal["redis", "valkey"] = "valkey"
    engine_version: str = Field("8.0", pattern=r"^[0-9]+\.[0-9]+$")
    node_type: str = "cache.t4g.medium"
    replicas: int | None = Field(None, ge=0, le=5, description="default: 1 in prod, else 0")
    maxmemory_policy: Literal["allkeys-lru", "volatile-lru", "noeviction"] = "volatile-lru"

    @field_validator("node_type")
    @classmethod
    def _known_node_type(cls, value: str) -> str:
        if value not in CACHE_NODE_TYPES:
            raise ValueError(f"must be one of {', '.join(CACHE_NODE_TYPES)}")
        return value


class FileSystemConfig(Strict):
    throughput_mode: Literal["elastic", "bursting"] = "elastic"
    performance_mode: Literal["generalPurpose"] = "generalPurpose"


class BackupPolicy(Strict):
    rpo_hours: int = Field(24, ge=1, le=24)
    daily_retention_days: int = Field(14, ge=1, le=35)
    weekly_retention_weeks: int = Field(8, ge=0, le=52)
    monthly_retention_months: int = Field(12, ge=0, le=120)
    immutability: Literal["none", "governance", "compliance"] | None = Field(
        None, description="S3 Object Lock mode; default: compliance in prod, none elsewhere"
    )
    immutability_days: int = Field(14, ge=1, le=3650)
    automated_backup_retention_days: int | None = Field(
        None, description="RDS automated backups (1 to 35); default: 14 in prod, 7 elsewhere"
    )
