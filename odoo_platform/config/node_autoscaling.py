"""Node autoscaling (issue 16): Karpenter adds nodes above the managed groups' baseline.

EKS stacks install Karpenter by default; an existing cluster declares whether it brings its own
autoscaler (`bring-your-own`: nothing is installed) or lets the platform install Karpenter on it,
which then needs the cluster's EKS name. NodePool `limits` come from each pool's `max_size` times
its largest instance type, whose vCPUs and memory `instance_specs.json` records.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from odoo_platform.config.calendar import WEEKDAYS, WorkingHours
from odoo_platform.config.errors import ConfigIssue, key_path
from odoo_platform.config.fields import Strict

if TYPE_CHECKING:  # models.py imports this module
    from odoo_platform.config.models import PlatformConfig
    from odoo_platform.config.services import NodeGroupConfig

NodeAutoscaler = Literal["karpenter", "bring-your-own"]
KARPENTER_CHART = "oci://public.ecr.aws/karpenter/karpenter"
# Karpenter's nodes use the subnets and security groups tagged `karpenter.sh/discovery: <cluster>`.
DISCOVERY_TAG = "karpenter.sh/discovery"
_SPECS = json.loads(
    resources.files("odoo_platform").joinpath("data/instance_specs.json").read_text()
)
INSTANCE_SPECS_SOURCE = f"{_SPECS['source']}, retrieved {_SPECS['retrieved']}"


@dataclass(frozen=True)
class InstanceSpec:
    vcpu: int
    memory_mib: int


INSTANCE_SPECS: dict[str, InstanceSpec] = {
    name: InstanceSpec(**spec) for name, spec in _SPECS["ec2"].items()
}


class KarpenterConfig(Strict):
    """The Karpenter installation (docs/architecture.md, node autoscaling)."""

    chart_version: str = Field(
        "1.14.1",
        pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$",
        description=f"pinned Karpenter Helm chart ({KARPENTER_CHART}); its CRDs are applied "
        "from the same version",
    )
    ami_alias: str = Field(
        "al2023@latest",
        pattern=r"^al2023@(latest|v[0-9]{8})$",
        description="EKS-optimised Amazon Linux 2023 AMI of Karpenter's nodes; pin a release "
        "(al2023@v20251120) to roll nodes only when you change it",
    )
    consolidate_after: str | None = Field(
        None,
        pattern=r"^([0-9]+(s|m|h))+$",
        description="how long a node stays empty or underused before Karpenter removes it; "
        "default: 15m in prod, 2m otherwise",
    )


def largest(instance_types: Sequence[str]) -> InstanceSpec:
    """The most vCPUs and the most memory among the types (each may come from another type)."""
    specs = [INSTANCE_SPECS[name] for name in instance_types]
    return InstanceSpec(max(s.vcpu for s in specs), max(s.memory_mib for s in specs))


def node_autoscaler(config: PlatformConfig) -> NodeAutoscaler:
    return config.cluster.node_autoscaler


def installs_karpenter(config: PlatformConfig) -> bool:
    return node_autoscaler(config) == "karpenter"


def consolidate_after(config: PlatformConfig) -> str:
    chosen = config.cluster.karpenter.consolidate_after
    return chosen or ("15m" if config.environment == "prod" else "2m")


def _pools(config: PlatformConfig) -> Iterator[tuple[tuple[str | int, ...], NodeGroupConfig]]:
    cluster = config.cluster
    if cluster.mode == "eks":
        yield ("cluster", "node_groups", "shared"), cluster.node_groups.shared
    else:
        yield ("cluster", "shared_node_pool"), cluster.shared_node_pool
    yield ("dedicated_defaults", "node_group"), config.dedicated_defaults.node_group
    for i, tenant in enumerate(config.tenants):
        if tenant.dedicated and tenant.dedicated.node_group:
            yield ("tenants", i, "dedicated", "node_group"), tenant.dedicated.node_group


def issues(config: PlatformConfig) -> Iterator[ConfigIssue]:
    """Karpenter needs the EKS name of an existing cluster and the size of every pool's types."""
    if not installs_karpenter(config):
        return
    cluster = config.cluster
    if cluster.mode == "existing" and cluster.name is None:
        yield ConfigIssue(
            key_path("cluster", "name"),
            "is not set; node_autoscaler 'karpenter' on an existing cluster needs its EKS "
            "cluster name (or set node_autoscaler: bring-your-own)",
        )
    for path, group in _pools(config):
        for j, name in enumerate(group.instance_types):
            if name not in INSTANCE_SPECS:
                yield ConfigIssue(
                    key_path(*path, "instance_types", j),
                    f"'{name}' has no vCPU/memory record ({INSTANCE_SPECS_SOURCE}), which "
                    "Karpenter's NodePool limits need; choose a type listed in "
                    "odoo_platform/data/instance_specs.json",
                )


@dataclass(frozen=True)
class UtcWindow:
    """A weekly window in UTC, as Karpenter's budget `schedule` (cron, UTC only) and `duration`."""

    schedule: str
    duration: str


def _utc_offsets_minutes(timezone: str) -> list[int]:
    """The zone's UTC offsets over a year (winter and summer time), in minutes."""
    zone = zoneinfo.ZoneInfo(timezone)
    days = [dt.datetime(2026, month, 15, 12, tzinfo=zone) for month in (1, 4, 7, 10)]
    return sorted({int((d.utcoffset() or dt.timedelta()).total_seconds()) // 60 for d in days})


def business_hours_utc(hours: WorkingHours) -> UtcWindow:
    """The working hours as one UTC window that covers them under every offset of the zone:
    from the earliest UTC start to the latest UTC end (an hour wider across daylight saving
    time), the days moved when UTC is on the previous or the next day."""
    offsets = _utc_offsets_minutes(hours.timezone)
    start = _minutes_of(hours.start) - offsets[-1]
    end = _minutes_of(hours.end) - offsets[0]
    shift, start = divmod(start, 24 * 60)
    days = ",".join(
        WEEKDAYS[(WEEKDAYS.index(d) + shift) % 7].upper() for d in WEEKDAYS if d in hours.days
    )
    length = end - (start + shift * 24 * 60)
    return UtcWindow(
        schedule=f"{start % 60} {start // 60} * * {days}",
        duration=f"{length // 60}h{length % 60}m" if length % 60 else f"{length // 60}h",
    )


def _minutes_of(hhmm: str) -> int:
    hour, minute = hhmm.split(":")
    return int(hour) * 60 + int(minute)


def disruption_budgets(config: PlatformConfig) -> list[dict[str, Any]]:
    """Prod: one node at a time, and no consolidation of underused nodes during the working
    hours (`capacity.working_hours`, whose times prod keeps though it never sleeps): moving pods
    restarts users' requests and websockets; empty nodes still go. Elsewhere 20% at a time."""
    if config.environment != "prod":
        return [{"nodes": "20%"}]
    window = business_hours_utc(config.capacity.working_hours)
    return [
        {"nodes": "1"},
        {
            "nodes": "0",
            "reasons": ["Underutilized"],
            "schedule": window.schedule,
            "duration": window.duration,
        },
    ]
