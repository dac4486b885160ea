"""Facts the configuration checks against: regions, size profiles, instance memory, tag keys.

Plain data, no Pulumi: the config layer, the components and the cost estimate all read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Literal

Environment = Literal["dev", "staging", "prod"]
# The retention periods CloudWatch Logs accepts (PutRetentionPolicy); any other is refused.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip
Tier = Literal["shared", "dedicated"]
SizeName = Literal["s", "m", "l", "xl"]
OdooVersion = Literal["16.0", "17.0", "18.0", "19.0"]
LifecycleState = Literal["active", "suspended", "offboarded"]
DataClassification = Literal["public", "internal", "confidential", "restricted"]

# Region -> data-residency zone. A tenant's residency must equal its stack region's zone.
REGION_RESIDENCY: dict[str, str] = {
    "eu-west-1": "eu",
    "eu-west-3": "eu",
    "eu-central-1": "eu",
    "eu-north-1": "eu",
    "eu-west-2": "uk",
    "us-east-1": "us",
    "us-east-2": "us",
    "us-west-2": "us",
    "ca-central-1": "ca",
    "ap-southeast-2": "au",
}
RESIDENCY_ZONES = tuple(sorted(set(REGION_RESIDENCY.values())))


@dataclass(frozen=True)
class SizeProfile:
    """What a tenant size means for its Odoo processes and pods."""

    http_workers: int
    cron_workers: int
    min_replicas: int
    max_replicas: int
    cpu_request_m: int
    cpu_limit_m: int
    memory_request_mib: int
    memory_limit_mib: int
    limit_memory_soft_mib: int
    limit_memory_hard_mib: int
    db_maxconn: int


# A prefork worker serves one request at a time and rarely holds more than two cursors, so a
# small per-process pool (db_maxconn) is enough and keeps the server's connection budget honest.
# Per-process memory limits are chosen so (HTTP workers + gevent) x hard fits the pod limit
# with at least 20 % headroom for the master process and page cache.
SIZE_PROFILES: dict[str, SizeProfile] = {
    "s": SizeProfile(2, 1, 1, 2, 250, 1000, 1536, 2560, 512, 640, 4),
    "m": SizeProfile(4, 1, 2, 4, 500, 2000, 3072, 5120, 640, 768, 6),
    "l": SizeProfile(8, 2, 2, 6, 1000, 4000, 8192, 12288, 768, 1024, 8),
    "xl": SizeProfile(16, 2, 3, 10, 2000, 8000, 16384, 25600, 896, 1152, 8),
}

# Nominal memory (GiB) of the RDS classes we support; RDS derives max_connections from it.
RDS_CLASS_MEMORY_GIB: dict[str, float] = {
    "db.t4g.micro": 1,
    "db.t4g.small": 2,
    "db.t4g.medium": 4,
    "db.t4g.large": 8,
    "db.m7g.large": 8,
    "db.m7g.xlarge": 16,
    "db.m7g.2xlarge": 32,
    "db.m7g.4xlarge": 64,
    "db.r7g.large": 16,
    "db.r7g.xlarge": 32,
    "db.r7g.2xlarge": 64,
    "db.r7g.4xlarge": 128,
}

CACHE_NODE_TYPES = (
    "cache.t4g.micro",
    "cache.t4g.small",
    "cache.t4g.medium",
    "cache.m7g.large",
    "cache.m7g.xlarge",
    "cache.r7g.large",
    "cache.r7g.xlarge",
)

# Real instance types offered per region (EC2, RDS for PostgreSQL, ElastiCache): a vendored,
# dated list; its source and how to refresh it are recorded in the file itself.
_OFFERED = json.loads(
    resources.files("odoo_platform").joinpath("data/instance_types.json").read_text()
)
INSTANCE_TYPES_SOURCE = f"{_OFFERED['source']}, retrieved {_OFFERED['retrieved']}"
EC2_INSTANCE_TYPES: dict[str, frozenset[str]] = {
    region: frozenset(types) for region, types in _OFFERED["ec2"].items()
}
RDS_INSTANCE_CLASSES: dict[str, frozenset[str]] = {
    region: frozenset(types) for region, types in _OFFERED["rds_postgres"].items()
}
CACHE_INSTANCE_TYPES: dict[str, frozenset[str]] = {
    region: frozenset(types) for region, types in _OFFERED["elasticache"].items()
}
ANY_EC2_INSTANCE_TYPE = frozenset().union(*EC2_INSTANCE_TYPES.values())

# RDS for PostgreSQL default: LEAST({DBInstanceClassMemory/9531392}, 5000).
RDS_MAX_CONNECTIONS_DIVISOR = 9531392
RDS_MAX_CONNECTIONS_CAP = 5000


def rds_default_max_connections(instance_class: str) -> int:
    memory_bytes = RDS_CLASS_MEMORY_GIB[instance_class] * 1024**3
    return min(int(memory_bytes // RDS_MAX_CONNECTIONS_DIVISOR), RDS_MAX_CONNECTIONS_CAP)


# Tag keys (AWS) and label keys (Kubernetes) every resource carries (invariant 6).
TAG_OWNER = "Owner"
TAG_COST_CENTRE = "CostCentre"
TAG_ENVIRONMENT = "Environment"
TAG_TIER = "Tier"
TAG_TENANT = "Tenant"
TAG_MANAGED_BY = "ManagedBy"
BASE_TAG_KEYS = (TAG_OWNER, TAG_COST_CENTRE, TAG_ENVIRONMENT, TAG_MANAGED_BY)

LABEL_PREFIX = "odoo-platform.io/"
LABEL_TENANT = LABEL_PREFIX + "tenant"
LABEL_TIER = LABEL_PREFIX + "tier"
LABEL_ENVIRONMENT = LABEL_PREFIX + "environment"
LABEL_OWNER = LABEL_PREFIX + "owner"
LABEL_COST_CENTRE = LABEL_PREFIX + "cost-centre"
# Node label and taint key of a dedicated tenant's node group (value: the tenant's slug); its pods
# carry the matching node selector and toleration (components/cluster.py builds both).
LABEL_DEDICATED = LABEL_PREFIX + "dedicated"

# Not usable as tenant slugs: Odoo's session keys in a shared Redis start with `session:`
# (odoo/redis_acl.py), so a tenant called `session` would be granted every tenant's sessions.
RESERVED_TENANT_SLUGS = ("session",)

# AWS Backup selects the resources it protects (RDS servers, EFS file systems) by this tag.
TAG_BACKUP_PLAN = "BackupPlan"
DEFAULT_BACKUP_PLAN = "odoo-platform"
