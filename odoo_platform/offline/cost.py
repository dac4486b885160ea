"""Estimated monthly cost of what a stack declares, from the dated price table in `data/`.

An estimate, not a bill: on-demand list prices times 730 hours (a scheduled RDS server: its
running hours), storage at assumed sizes where
the program cannot know them, usage-based charges left out (see `prices.json` "basis").

Who pays:
- a dedicated tenant pays for everything in its group;
- in the multi-tenant tier, resources tagged with a tenant are that tenant's; the untagged shared
  services (shared database server, cache, file system, shared node group) form a pool split
  across the active shared tenants by weight: their size profile's CPU request x minimum replicas;
- the shared platform (landing zone, cluster, ingress) is reported on its own line, not split.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from odoo_platform.config import PlatformConfig
from odoo_platform.config.database_schedule import WEEKS_PER_MONTH
from odoo_platform.config.defaults import tenant_profile
from odoo_platform.synthesis.harness import ProgramResult, RecordedResource
from odoo_platform.synthesis.ownership import MULTI_TENANT, PLATFORM, Placement, dedicated_tenant

PRICE_TABLE = Path(__file__).parents[1] / "data" / "prices.json"
ASSUMED_EFS_GB = 50
ASSUMED_BUCKET_GB = 100
ASSUMED_RDS_STORAGE_GB = 20  # the RDS minimum for gp3, when the program sets no size
ASSUMED_NODE_DISK_GB = 20  # the EKS managed node group default disk
ASSUMED_ENDPOINT_AZS = 2  # when an interface endpoint's subnets are not known


@dataclass(frozen=True)
class PriceList:
    """One region's prices, published or derived from the base region by a stated factor."""

    region: str
    currency: str
    hours_per_month: int
    source: str
    retrieved: str
    basis: str
    derived: bool
    factor: float
    note: str
    items: Mapping[str, Any]
    flat_items: frozenset[str] = frozenset()

    def hourly_monthly(self, hourly: float) -> float:
        return hourly * self.hours_per_month

    def get(self, *path: str) -> float | None:
        """A price by path (e.g. "ec2_instance_hour", "m7i.large"); regional factor applied."""
        value: Any = self.items
        for key in path:
            if not isinstance(value, Mapping) or key not in value:
                return None
            value = value[key]
        if not isinstance(value, int | float):
            return None
        flat = path[0] in self.flat_items or path[0].endswith("_factor")
        return float(value) if flat else float(value) * self.factor


@cache
def load_price_table() -> dict[str, Any]:
    """The packaged price table (`odoo_platform/data/prices.json`)."""
    table: dict[str, Any] = json.loads(PRICE_TABLE.read_text("utf-8"))
    return table


def price_list(region: str, table: Mapping[str, Any] | None = None) -> PriceList:
    """The prices for `region`; KeyError names the regions the table covers."""
    table = table or load_price_table()
    base = table["base_region"]
    common = {
        "region": region,
        "currency": table["currency"],
        "hours_per_month": int(table["hours_per_month"]),
        "source": table["source"],
        "retrieved": table["retrieved"],
        "basis": table["basis"],
    }
    flat = frozenset(table.get("flat_items", ()))
    if region in table["prices"]:
        return PriceList(
            **common,
            derived=False,
            factor=1.0,
            note="published",
            items=table["prices"][region],
            flat_items=flat,
        )
    factors = table.get("regional_factors", {})
    if region not in factors:
        covered = sorted({*table["prices"], *factors})
        raise KeyError(f"no prices for region {region}; the table covers {', '.join(covered)}")
    derived = factors[region]
    return PriceList(
        **common,
        derived=True,
        factor=float(derived["factor"]),
        note=f"{derived['note']} (x{derived['factor']} of {base})",
        items=table["prices"][base],
        flat_items=flat,
    )


# --- pricing one resource ---------------------------------------------------------------------


@dataclass(frozen=True)
class Priced:
    monthly: float
    what: str


class UnpricedError(Exception):
    """A billable resource whose price is not in the table (named, never silently zero)."""


Lookup = Mapping[str, RecordedResource]  # every declared resource by URN
Pricer = Callable[[RecordedResource, PriceList, Lookup], Priced]


def _require(value: float | None, what: str) -> float:
    if value is None:
        raise UnpricedError(f"no price for {what}")
    return value


def _rds(
    resource: RecordedResource, prices: PriceList, _: Lookup, hours: float | None = None
) -> Priced:
    """`hours`: the instance hours a month of a scheduled server (None: always on)."""
    inputs = resource.inputs
    klass = str(inputs.get("instanceClass"))
    deployment = "multi_az" if inputs.get("multiAz") else "single_az"
    hourly = _require(prices.get("rds_postgres_hour", klass, deployment), f"RDS {klass}")
    storage = int(inputs.get("allocatedStorage") or ASSUMED_RDS_STORAGE_GB)
    gb_month = _require(prices.get("rds_gp3_gb_month", deployment), "RDS gp3 storage")
    role = "read replica" if inputs.get("replicateSourceDb") else "PostgreSQL"
    what = f"{role} {klass} {deployment.replace('_', '-')}, {storage} GB gp3"
    if hours is None:
        return Priced(prices.hourly_monthly(hourly) + storage * gb_month, what)
    # Stopped outside working hours: no instance hours, but the storage is billed all month.
    return Priced(
        hourly * hours + storage * gb_month,
        f"{what}, stopped outside working hours ({hours:.0f} of {prices.hours_per_month} h)",
    )


RDS_INSTANCE = "aws:rds/instance:Instance"
SCHEDULE = "aws:scheduler/schedule:Schedule"
START_TARGET = "arn:aws:scheduler:::aws-sdk:rds:startDBInstance"


def scheduled_instances(result: ProgramResult) -> set[str]:
    """The RDS identifiers an EventBridge Scheduler schedule starts (so stops: a server sleeps
    only with both, declared together by `DatabaseSchedule`)."""
    found: set[str] = set()
    for schedule in result.by_type(SCHEDULE):
        target = schedule.inputs.get("target") or {}
        if target.get("arn") == START_TARGET and isinstance(target.get("input"), str):
            found.add(str(json.loads(target["input"]).get("DbInstanceIdentifier")))
    return found


def running_hours(result: ProgramResult, config: PlatformConfig) -> dict[str, float]:
    """Instance hours a month of each scheduled RDS instance: working hours x 52/12."""
    hours = config.capacity.working_hours.hours_per_week * WEEKS_PER_MONTH
    return {identifier: hours for identifier in scheduled_instances(result)}


def _cache_nodes(inputs: Mapping[str, Any]) -> int:
    if inputs.get("numCacheClusters"):
        return int(inputs["numCacheClusters"])
    shards = int(inputs.get("numNodeGroups") or 1)
    return shards * (1 + int(inputs.get("replicasPerNodeGroup") or 0))


def _elasticache(resource: RecordedResource, prices: PriceList, _: Lookup) -> Priced:
    node_type = str(resource.inputs.get("nodeType"))
    hourly = _require(prices.get("elasticache_node_hour", node_type), f"ElastiCache {node_type}")
    engine = str(resource.inputs.get("engine") or "redis")
    if engine == "valkey":
        hourly *= _require(prices.get("elasticache_valkey_factor"), "the Valkey factor")
    nodes = _cache_nodes(resource.inputs)
    return Priced(prices.hourly_monthly(hourly) * nodes, f"{nodes} x {node_type} ({engine})")


def _launch_template(resource: RecordedResource, lookup: Lookup) -> Mapping[str, Any]:
    """The inputs of the launch template a node group uses (disk and instance type live there)."""
    for urn in resource.property_dependencies.get("launchTemplate", ()):
        template = lookup.get(urn)
        if template is not None and template.type == "aws:ec2/launchTemplate:LaunchTemplate":
            return template.inputs
    return {}


def _template_disk(template: Mapping[str, Any]) -> int | None:
    for mapping in template.get("blockDeviceMappings") or []:
        size = (mapping.get("ebs") or {}).get("volumeSize")
        if size:
            return int(size)
    return None


def _node_group(resource: RecordedResource, prices: PriceList, lookup: Lookup) -> Priced:
    inputs = resource.inputs
    template = _launch_template(resource, lookup)
    types = list(inputs.get("instanceTypes") or [])
    if not types and template.get("instanceType"):
        types = [str(template["instanceType"])]
    if not types:
        raise UnpricedError("no instance type on the node group or its launch template")
    scaling = inputs.get("scalingConfig") or {}
    nodes = int(scaling.get("desiredSize") or scaling.get("minSize") or 0)
    hourly = _require(prices.get("ec2_instance_hour", str(types[0])), f"EC2 {types[0]}")
    disk = int(inputs.get("diskSize") or _template_disk(template) or ASSUMED_NODE_DISK_GB)
    gb_month = _require(prices.get("ebs_gp3_gb_month"), "EBS gp3")
    return Priced(
        nodes * (prices.hourly_monthly(hourly) + disk * gb_month),
        f"{nodes} x {types[0]} (desired size), {disk} GB disk each",
    )


def _hourly(item: str, what: str, count: Callable[[RecordedResource], int] = lambda r: 1) -> Pricer:
    def pricer(resource: RecordedResource, prices: PriceList, _: Lookup) -> Priced:
        units = count(resource)
        hourly = _require(prices.get(item), what)
        return Priced(prices.hourly_monthly(hourly) * units, f"{units} x {what}")

    return pricer


def _gb_month(item: str, what: str, assumed_gb: int) -> Pricer:
    def pricer(_resource: RecordedResource, prices: PriceList, _: Lookup) -> Priced:
        return Priced(_require(prices.get(item), what) * assumed_gb, f"{what}, {assumed_gb} GB")

    return pricer


def _efs_replica(resource: RecordedResource, prices: PriceList, _: Lookup) -> Priced:
    """The file system an EFS replication creates in its destination region (AWS creates it,
    so the program declares no FileSystem for it), at that region's EFS price."""
    destination = resource.inputs.get("destination") or {}
    region = destination.get("region") if isinstance(destination, Mapping) else None
    if region and region != prices.region:
        try:
            prices = price_list(str(region))
        except KeyError as unknown:
            raise UnpricedError(unknown.args[0]) from None
    where = f"EFS Standard replica in {region or prices.region}"
    return _gb_month("efs_standard_gb_month", where, ASSUMED_EFS_GB)(resource, prices, {})


def _vpc_endpoint(resource: RecordedResource, prices: PriceList, _: Lookup) -> Priced:
    if resource.inputs.get("vpcEndpointType") != "Interface":
        return Priced(0.0, "gateway endpoint (no charge)")
    azs = len(resource.inputs.get("subnetIds") or []) or ASSUMED_ENDPOINT_AZS
    return _hourly("interface_endpoint_hour", "interface endpoint AZ", lambda _: azs)(
        resource, prices, {}
    )


def _kms(_resource: RecordedResource, prices: PriceList, _: Lookup) -> Priced:
    return Priced(_require(prices.get("kms_key_month"), "KMS key"), "1 customer managed key")


def _is_load_balancer_service(resource: RecordedResource) -> bool:
    spec = resource.inputs.get("spec") or {}
    return isinstance(spec, Mapping) and spec.get("type") == "LoadBalancer"


def _helm_load_balancer(resource: RecordedResource) -> bool:
    """A chart whose values (or, for Traefik, whose defaults) expose a LoadBalancer Service."""
    values = resource.inputs.get("values") or {}
    service = values.get("service") or {} if isinstance(values, Mapping) else {}
    if not isinstance(service, Mapping) or service.get("enabled") is False:
        return False
    spec = service.get("spec") or {}
    kind = service.get("type") or (spec.get("type") if isinstance(spec, Mapping) else None)
    if kind is not None:
        return bool(kind == "LoadBalancer")
    return "traefik" in str(resource.inputs.get("chart") or resource.inputs.get("name") or "")


def _load_balancer(resource: RecordedResource, prices: PriceList, _: Lookup) -> Priced:
    hourly = _require(prices.get("nlb_hour"), "load balancer hour")
    return Priced(prices.hourly_monthly(hourly), "load balancer (hourly charge, no LCUs)")


def _s3(resource: RecordedResource, prices: PriceList, _: Lookup) -> Priced:
    return _gb_month("s3_standard_gb_month", "S3 Standard", ASSUMED_BUCKET_GB)(resource, prices, {})


PRICERS: dict[str, Pricer] = {
    "aws:rds/instance:Instance": _rds,
    "aws:elasticache/replicationGroup:ReplicationGroup": _elasticache,
    "aws:eks/cluster:Cluster": _hourly("eks_cluster_hour", "EKS control plane"),
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "aws:ec2/natGateway:NatGateway": _hourly("nat_gateway_hour", "NAT gateway"),
    "aws:efs/fileSystem:FileSystem": _gb_month(
        "efs_standard_gb_month", "EFS Standard", ASSUMED_EFS_GB
    ),
    "aws:efs/replicationConfiguration:ReplicationConfiguration": _efs_replica,
    "aws:s3/bucket:Bucket": _s3,
    "aws:s3/bucketV2:BucketV2": _s3,
    "aws:kms/key:Key": _kms,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
}
HELM_RELEASE_TYPES = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")
SERVICE_TYPE = "kubernetes:core/v1:Service"


def pricer_for(resource: RecordedResource) -> Pricer | None:
    if not resource.custom:
        return None
    if resource.type == SERVICE_TYPE and _is_load_balancer_service(resource):
        return _load_balancer
    if resource.type in HELM_RELEASE_TYPES and _helm_load_balancer(resource):
        return _load_balancer
    return PRICERS.get(resource.type)


# --- the estimate -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CostLine:
    urn: str
    type: str
    name: str
    group: str
    tenant: str | None
    what: str
    monthly: float


@dataclass
class CostEstimate:
    """Monthly cost per line, per tenant, for the shared platform and per tier."""

    prices: PriceList
    lines: list[CostLine]
    unpriced: list[str]
    weights: dict[str, float]
    by_tenant: dict[str, float] = field(default_factory=dict)
    by_tier: dict[str, float] = field(default_factory=dict)
    shared_pool: float = 0.0
    unallocated: float = 0.0

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)

    @property
    def platform(self) -> float:
        return self.by_tier.get(PLATFORM, 0.0)


def assumptions(prices: PriceList) -> list[str]:
    """What the estimate assumes, printed with every estimate."""
    region = f"{prices.region}: {prices.note}" if prices.derived else f"{prices.region}: published"
    return [
        f"ESTIMATE from the price table dated {prices.retrieved} ({prices.currency}); {region}",
        f"{prices.hours_per_month} hours per month; {prices.basis}",
        f"storage where the program cannot know it: EFS {ASSUMED_EFS_GB} GB per file system, "
        f"S3 Standard {ASSUMED_BUCKET_GB} GB per bucket, RDS {ASSUMED_RDS_STORAGE_GB} GB when no "
        f"size is set, node disks {ASSUMED_NODE_DISK_GB} GB when no size is set",
        "node groups at their desired size (else minimum), RDS Multi-AZ as two instances, "
        "Valkey nodes at the published Valkey discount to Redis OSS",
        "nodes the node autoscaler (Karpenter) adds above the managed groups depend on load and "
        "are not included: at most each NodePool's limits (max_size x its largest type)",
        "multi-tenant shared services split across active shared tenants by weight = size "
        "profile CPU request x minimum replicas; the shared platform is not split",
        "RDS servers with a stop/start schedule (non-production nights and weekends): instance "
        "hours = capacity.working_hours hours per week x 52/12 instead of "
        f"{prices.hours_per_month}; their storage is charged for the full month",
    ]


def tenant_weights(config: PlatformConfig) -> dict[str, float]:
    """Each active shared tenant's share weight: CPU request (millicores) x minimum replicas."""
    weights: dict[str, float] = {}
    for tenant in config.tenants:
        if tenant.tier == "shared" and tenant.state == "active":
            profile = tenant_profile(tenant)
            weights[tenant.slug] = float(profile.cpu_request_m * profile.min_replicas)
    return weights


def cost_lines(
    result: ProgramResult,
    where: Mapping[str, Placement],
    prices: PriceList,
    running: Mapping[str, float] | None = None,
) -> tuple[list[CostLine], list[str]]:
    """A line per billable resource, and the billable resources the table cannot price.

    `running`: RDS identifier -> instance hours a month, for servers that sleep at night."""
    lines: list[CostLine] = []
    unpriced: list[str] = []
    lookup = {r.urn: r for r in result.resources}
    running = running or {}
    for resource in result.resources:
        pricer = pricer_for(resource)
        if pricer is None:
            continue
        placement = where[resource.urn]
        hours = running.get(str(resource.inputs.get("identifier")))
        try:
            if resource.type == RDS_INSTANCE and hours is not None:
                priced = _rds(resource, prices, lookup, hours)
            else:
                priced = pricer(resource, prices, lookup)
        except UnpricedError as missing:
            unpriced.append(f"{resource.name} ({resource.type}): {missing}")
            continue
        lines.append(
            CostLine(
                resource.urn,
                resource.type,
                resource.name,
                placement.group,
                placement.tenant,
                priced.what,
                round(priced.monthly, 2),
            )
        )
    return lines, unpriced


def estimate_cost(
    result: ProgramResult,
    config: PlatformConfig,
    where: Mapping[str, Placement],
    prices: PriceList | None = None,
) -> CostEstimate:
    """The monthly estimate of everything `result` declares, allocated to tenants and tiers."""
    prices = prices or price_list(config.region)
    lines, unpriced = cost_lines(result, where, prices, running_hours(result, config))
    estimate = CostEstimate(prices, lines, unpriced, tenant_weights(config))
    by_tenant = {t.slug: 0.0 for t in config.tenants}
    tiers = {PLATFORM: 0.0, MULTI_TENANT: 0.0, "dedicated": 0.0}
    for line in lines:
        tier = "dedicated" if dedicated_tenant(line.group) else line.group
        tiers[tier] += line.monthly
        if line.tenant is not None:
            by_tenant[line.tenant] = by_tenant.get(line.tenant, 0.0) + line.monthly
        elif line.group == MULTI_TENANT:
            estimate.shared_pool += line.monthly
    total_weight = sum(estimate.weights.values())
    for slug, weight in estimate.weights.items():
        by_tenant[slug] += estimate.shared_pool * weight / total_weight
    if total_weight == 0:
        estimate.unallocated = estimate.shared_pool
    estimate.by_tenant = {slug: round(v, 2) for slug, v in sorted(by_tenant.items())}
    estimate.by_tier = {tier: round(v, 2) for tier, v in tiers.items()}
    estimate.shared_pool = round(estimate.shared_pool, 2)
    estimate.unallocated = round(estimate.unallocated, 2)
    return estimate
