"""Facts the configuration checks against: regions, size profiles, instance memory, tag keys.

Plain data, no Pulumi: the config layer, the components and the cost estimate all read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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
    """Prefork HTTP workers of each web pod (odoo.conf `workers`)."""
    cron_workers: int
    """Cron threads of the cron pod (`max_cron_threads`; web pods run 0)."""
    min_replicas: int
    """Web replicas the web ScaledObject (KEDA) keeps outside events and night scale-down (and a
    resumed tenant starts with); 2 or more adds a PodDisruptionBudget."""
    max_replicas: int
    """Web replicas the web ScaledObject (KEDA) may reach: the connection budget counts them all,
    plus the rollout surge."""
    cpu_request_m: int
    """CPU request of each Odoo container, in millicores."""
    cpu_limit_m: int
    """CPU limit of each Odoo container, in millicores."""
    memory_request_mib: int
    """Memory request of each Odoo container (MiB), from resident estimates."""
    memory_limit_mib: int
    """Memory limit of each Odoo container (MiB): must hold every process's resident set and a
    concurrent wkhtmltopdf."""
    limit_memory_soft_mib: int
    """Odoo's `limit_memory_soft`: per-process virtual size after which a worker is recycled; below
    the hard cap."""
    limit_memory_hard_mib: int
    """Odoo's `limit_memory_hard`: per-process `RLIMIT_AS`, inherited by wkhtmltopdf, so at least
    2048 MiB for PDF reports."""
    db_maxconn: int
    """Odoo's `db_maxconn`: connections each process's pool may open."""
    db_maxconn_gevent: int = 16
    """`db_maxconn_gevent` (Odoo 17+): the pool of the gevent (websocket) process; 16.0 uses
    `db_maxconn` there."""
    event_min_replicas: int = field(default=0, kw_only=True)
    """Web replicas KEDA keeps ahead of and during a business event (capacity.events); at most
    `max_replicas`, which the connection budget already counts."""
    event_cron_replicas: int = field(default=1, kw_only=True)
    """Cron pods during an event. Several are safe: each cron worker takes a job with `FOR NO KEY
    UPDATE SKIP LOCKED` (odoo/addons/base/models/ir_cron.py `_acquire_one_job`); the connection
    budget counts them all."""

    def __post_init__(self) -> None:
        if not self.min_replicas <= self.event_min_replicas <= self.max_replicas:
            raise ValueError(
                f"event_min_replicas {self.event_min_replicas}: between min_replicas "
                f"{self.min_replicas} and max_replicas {self.max_replicas}"
            )


# Memory model (docs/capacity.md). Odoo's limit_memory_soft/hard cap each process's *virtual*
# size (VMS checked after each request, RLIMIT_AS set by `set_limit_memory_hard` in
# odoo/service/server.py), and the wkhtmltopdf a worker spawns inherits the hard cap. They are
# not resident memory: the pods are sized from resident estimates instead.
#
# Debian's wkhtmltopdf 0.12.6 crashed (SIGSEGV/SIGABRT) on a 4-page invoice at every RLIMIT_AS up
# to 1376 MiB and printed from 1392 MiB (measured, tests/odoo/test_report_memory.py); the
# official image's patched-Qt 0.12.6.1 is reported to need about 1.5 GiB (odoo/odoo#150336).
# No profile's hard cap may go below REPORT_ADDRESS_SPACE_MIB, which keeps a margin above both.
REPORT_ADDRESS_SPACE_MIB = 2048
# Resident set estimates (MiB). A worker: Odoo's sizing rule of thumb (80 % light requests at
# ~150 MB, 20 % heavy at ~1 GB) rounded up; cron jobs are the heavy ones. A wkhtmltopdf run
# peaked at 70 MiB on the test invoice; 256 leaves room for images and fonts.
MASTER_RSS_MIB = 150
HTTP_WORKER_RSS_MIB = 350
GEVENT_RSS_MIB = 250
CRON_WORKER_RSS_MIB = 1024
REPORT_RSS_MIB = 256


def concurrent_reports(http_workers: int) -> int:
    """PDF reports a web pod is sized to render at once: half its workers."""
    return (http_workers + 1) // 2


def web_resident_mib(profile: SizeProfile) -> int:
    """What one web pod keeps resident at full load (master, workers, gevent, reports)."""
    return (
        MASTER_RSS_MIB
        + profile.http_workers * HTTP_WORKER_RSS_MIB
        + GEVENT_RSS_MIB
        + concurrent_reports(profile.http_workers) * REPORT_RSS_MIB
    )


def cron_resident_mib(profile: SizeProfile) -> int:
    """The cron pod at full load: every cron worker busy, each rendering a report."""
    return MASTER_RSS_MIB + profile.cron_workers * (CRON_WORKER_RSS_MIB + REPORT_RSS_MIB)


# The init/upgrade Job's Odoo container, the same for every size (a resize must not re-run it).
INIT_JOB_CPU_LIMIT_M = 2000
INIT_JOB_MEMORY_LIMIT_MIB = 3072

# Requests: the resident estimate of a web pod (rounded up to 256 MiB); limits: 25 % above it.
# A prefork worker serves one request at a time and rarely holds more than two cursors, so a
# small per-process pool (db_maxconn) is enough; the gevent process multiplexes every websocket
# of the pod over its own pool (db_maxconn_gevent), one connection held by the bus listener.
SIZE_PROFILES: dict[str, SizeProfile] = {
    "s": SizeProfile(2, 1, 1, 2, 250, 1000, 1536, 1792, 1536, 2048, 4, event_min_replicas=2),
    "m": SizeProfile(4, 1, 2, 4, 500, 2000, 2560, 3072, 1536, 2048, 6, event_min_replicas=3),
    "l": SizeProfile(
        8,
        2,
        2,
        6,
        1000,
        4000,
        4352,
        5376,
        2048,
        2560,
        8,
        24,
        event_min_replicas=4,
        event_cron_replicas=2,
    ),
    "xl": SizeProfile(
        16,
        2,
        3,
        10,
        2000,
        8000,
        8192,
        10240,
        2048,
        2560,
        8,
        32,
        event_min_replicas=6,
        event_cron_replicas=2,
    ),
}

# Series whose official image odoo/docker no longer builds (no security fixes): still accepted,
# with a warning. Built: 17.0, 18.0, 19.0 (odoo/docker 20251121).
UNBUILT_VERSIONS: dict[str, str] = {
    "16.0": "odoo/docker stopped building 16.0 on 2025-09-18 (last image odoo:16.0-20250909)",
}

# db_maxconn_gevent exists from 17.0 (odoo/tools/config.py); 16.0's gevent process takes db_maxconn
VERSIONS_WITH_GEVENT_MAXCONN: tuple[str, ...] = ("17.0", "18.0", "19.0")


def web_pod_connections(profile: SizeProfile, version: str) -> int:
    """The pools of one web pod: HTTP workers plus the gevent process (odoo/sql_db.py
    `db_connect`). On 16.0 every process gets the larger pool (see odoo/conf.py)."""
    if version in VERSIONS_WITH_GEVENT_MAXCONN:
        return profile.http_workers * profile.db_maxconn + profile.db_maxconn_gevent
    return (profile.http_workers + 1) * max(profile.db_maxconn, profile.db_maxconn_gevent)


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

# Memory (GiB) of each cache node type as ElastiCache's node-type and pricing tables list it (not
# re-checked offline; the per-pool memory budget compares session estimates with it).
CACHE_NODE_MEMORY_GIB: dict[str, float] = {
    "cache.t4g.micro": 0.5,
    "cache.t4g.small": 1.37,
    "cache.t4g.medium": 3.09,
    "cache.m7g.large": 6.38,
    "cache.m7g.xlarge": 12.93,
    "cache.r7g.large": 13.07,
    "cache.r7g.xlarge": 26.32,
}
# "Each ElastiCache node allows up to 65,000 simultaneous connections across all clients"
# (ElastiCache user guide, TroubleshootingConnections: "Maximum number of connections").
CACHE_MAX_CLIENTS = 65000
# Users every shared cache's user group holds besides its tenants: the disabled `default` user
# ElastiCache requires in each group and the platform administrator (components/redis_cache.py).
CACHE_SERVICE_USERS = 2

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
# Identifies the stack (`<environment>-<region>`): budgets and the anomaly monitor filter on it.
TAG_STACK = "Stack"
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
