"""`Observability`: alerts tied to what a professional-services firm loses when Odoo degrades.

- Alert routing: one SNS topic, encrypted with the landing zone's `logs` KMS key, that only this
  account's CloudWatch alarms may publish to (and never without TLS); e-mail subscriptions; topics
  the firm already has (`alerts.sns_topic_arns`) receive the same alarm and OK notifications.
  The key policy must let `cloudwatch.amazonaws.com` (and `events.amazonaws.com`, should
  EventBridge rules publish here later) call `kms:GenerateDataKey*` and `kms:Decrypt`, or alarm
  notifications are silently dropped. With `cost_alert_accounts`, AWS Budgets and Cost Anomaly
  Detection publish too (docs/cost.md): the topic policy and the key policy allow them.
- CloudWatch alarms per RDS server (CPU, free storage, connections against `max_connections`,
  replica lag) and per ElastiCache replication group (memory, evictions, engine CPU); each
  description names the tenants affected and what to do.
- A PrometheusRule per tenant (see `alert_rules`): web and cron availability, 5xx ratio at
  Traefik, restarts and OOM kills, backup age against the RPO, failed restore checks.

Prod pages; other environments are advisory: looser thresholds, longer windows, every Prometheus
alert a warning (see docs/components/observability.md).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from odoo_platform.components._shared.base import (
    AccountId,
    Between,
    Slug,
    TierLabel,
    check_args,
    child_opts,
    component_type,
    require_providers,
)
from odoo_platform.components._shared.iam import policy_json
from odoo_platform.components.alert_rules import (
    RulePolicy,
    TenantAlerting,
    WorkloadNames,
    prometheus_rule_spec,
)
from odoo_platform.components.drill_alarms import DrillAlarm, declare_drill_alarm
from odoo_platform.components.replication_alarms import (
    ReplicationAlarm,
    declare_replication_alarms,
)
from odoo_platform.config.catalog import Environment
from odoo_platform.config.tags import resource_tags

GIB = 1024**3
RUNBOOK_DATABASE = "docs/runbooks/database.md"
RUNBOOK_CACHE = "docs/runbooks/cache.md"
PROMETHEUS_RULE_API = "monitoring.coreos.com/v1"
MAX_DESCRIPTION = 1024  # CloudWatch's limit on alarm descriptions
LISTED_TENANTS = 8


@dataclass(frozen=True)
class AlarmPolicy:
    """Thresholds and windows of the CloudWatch alarms in one kind of environment.

    An alarm fires when `datapoints_to_alarm` of the last `evaluation_periods` periods breach.
    """

    advisory: bool
    """Non-prod: every alarm description starts with `[advisory, <environment>]`."""
    period_seconds: int
    """Length of one evaluation period of every alarm (and of the cache metrics)."""
    evaluation_periods: int
    """How many recent periods an alarm looks at."""
    datapoints_to_alarm: int
    """How many of those periods must breach for the alarm to fire."""
    cpu_percent: float
    """RDS `CPUUtilization` (average) above which the CPU alarm fires."""
    connections_ratio: float
    """Share of the server's `max_connections` in use above which the connections alarm fires."""
    free_storage_ratio: float
    """Share of allocated storage that must stay free (with `min_free_storage_gib`, the larger
    wins)."""
    min_free_storage_gib: float
    """Free storage (GiB) below which the storage alarm fires whatever the ratio."""
    replica_lag_seconds: int
    """`ReplicaLag` of a reporting replica above which its alarm fires."""
    cache_memory_percent: float
    """ElastiCache `DatabaseMemoryUsagePercentage` (maximum over nodes) above which the memory alarm
    fires."""
    cache_cpu_percent: float
    """ElastiCache `EngineCPUUtilization` (highest node) above which the CPU alarm fires."""
    evictions_per_period: int
    """Evicted keys per period (sum over nodes) above which the evictions alarm fires: evicted keys
    are lost sessions."""
    missing_replica_lag: str
    """CloudWatch `treat_missing_data` of the replica-lag alarm: `breaching` in prod (a silent
    replica is not replicating), `notBreaching` elsewhere (servers stop at night). Load metrics
    always treat missing data as not breaching."""


PROD_ALARMS = AlarmPolicy(
    advisory=False,
    period_seconds=60,
    evaluation_periods=5,
    datapoints_to_alarm=3,
    cpu_percent=80,
    connections_ratio=0.8,
    free_storage_ratio=0.10,
    min_free_storage_gib=5,
    replica_lag_seconds=300,
    cache_memory_percent=80,
    cache_cpu_percent=75,
    evictions_per_period=0,
    missing_replica_lag="breaching",
)
ADVISORY_ALARMS = AlarmPolicy(
    advisory=True,
    period_seconds=300,
    evaluation_periods=3,
    datapoints_to_alarm=3,
    cpu_percent=90,
    connections_ratio=0.8,
    free_storage_ratio=0.05,
    min_free_storage_gib=2,
    replica_lag_seconds=900,
    cache_memory_percent=90,
    cache_cpu_percent=90,
    evictions_per_period=100,
    missing_replica_lag="notBreaching",
)


@dataclass(frozen=True)
class DatabaseAlarms:
    """One RDS server to watch: its identifier, capacity and the tenants it hosts."""

    instance_identifier: pulumi.Input[str]
    """RDS instance identifier of the primary (CPU, storage and connections alarms)."""
    max_connections: Annotated[int, Between(1, 100_000)]
    """The server's `max_connections`: the connections alarm fires at `connections_ratio` of it."""
    allocated_storage_gib: Annotated[int, Between(1, 65536)]
    """Allocated storage: the free-storage threshold is `free_storage_ratio` of it."""
    tenants: Sequence[Slug]
    """Tenants on the server, named in every alarm description."""
    replica_identifier: pulumi.Input[str] | None = None
    """RDS identifier of the reporting replica, which gets a replica-lag alarm; None: no replica."""
    tier: TierLabel = "shared"
    """The `Tier` tag of its alarms: `platform`, `shared` or `dedicated`."""
    tenant: Slug | None = None
    """The `Tenant` tag of its alarms (a dedicated tenant's own); None for shared ones."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class CacheAlarms:
    """One ElastiCache replication group (cluster mode disabled) and the tenants using it."""

    replication_group_id: pulumi.Input[str]
    """ElastiCache replication group id; its nodes are `<id>-001`, `<id>-002`, ..."""
    node_count: Annotated[int, Between(1, 6)]
    """Number of nodes (primary and replicas): each is watched, as a failover moves the primary."""
    tenants: Sequence[Slug]
    """Tenants using the cache, named in every alarm description."""
    tier: TierLabel = "shared"
    """The `Tier` tag of its alarms: `platform`, `shared` or `dedicated`."""
    tenant: Slug | None = None
    """The `Tenant` tag of its alarms (a dedicated tenant's own); None for shared ones."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class RdsMetric:
    identifier: pulumi.Input[str]
    metric: str
    statistic: str


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm: an RDS metric or metric-math queries, a threshold and what it means."""

    description: str
    tags: dict[str, str]
    comparison: str
    threshold: float
    rds: RdsMetric | None = None
    queries: Sequence[aws.cloudwatch.MetricAlarmMetricQueryArgs] = ()
    treat_missing_data: str = "notBreaching"


@dataclass(frozen=True)
class ObservabilityArgs:
    kms_key_arn: pulumi.Input[str]
    """KMS key of the alert SNS topic (the landing zone's `logs` key, whose policy lets CloudWatch
    alarms publish)."""
    monitoring_namespace: str
    """Namespace of the PrometheusRule objects (where the Prometheus Operator looks for rules)."""
    alarm_policy: AlarmPolicy
    """Thresholds and windows of the CloudWatch alarms (`PROD_ALARMS` or `ADVISORY_ALARMS`)."""
    rule_policy: RulePolicy
    """How loud the tenants' PrometheusRules are, their RPO and month-end close."""
    environment: Environment
    """`dev`, `staging` or `prod`: named in the topic and in advisory alarm descriptions."""
    alert_emails: Sequence[str] = ()
    """E-mail addresses subscribed to the alert topic (each must confirm the subscription)."""
    extra_topic_arns: Sequence[pulumi.Input[str]] = ()
    """Further SNS topics every alarm notifies (on alarm and on OK), e.g. a paging service's."""
    databases: Mapping[str, DatabaseAlarms] = field(default_factory=dict)
    """Server key (`multi-tenant`, `dedicated:<slug>`) -> the RDS server to watch."""
    caches: Mapping[str, CacheAlarms] = field(default_factory=dict)
    """Cache key (`multi-tenant`, `dedicated:<slug>`) -> the replication group to watch."""
    tenants: Sequence[TenantAlerting] = ()
    """Tenants that get a PrometheusRule (workloads, errors, backups); needs a Kubernetes
    provider."""
    workload_names: WorkloadNames = field(default_factory=WorkloadNames)
    """Object names inside each tenant namespace that the rules query."""
    rule_selector_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels added to every PrometheusRule so the Prometheus `ruleSelector` picks them up."""
    cost_alert_accounts: Sequence[AccountId] | None = None
    """AWS Budgets and Cost Anomaly Detection may publish to the topic for its own account and
    these others (tenant accounts whose budgets live there); None: neither may publish."""
    dr_drills: Sequence[DrillAlarm] = ()
    """Tenants whose weekly DR drill is alarmed (too slow, or no result for a week)."""
    replications: Sequence[ReplicationAlarm] = ()
    """Backup buckets replicated to the DR region: slow or failed replication is alarmed."""

    def __post_init__(self) -> None:
        check_args(self)


def name_part(key: str) -> str:
    """A server key as part of a logical name: `dedicated:halden-law` -> `dedicated-halden-law`."""
    return re.sub(r"[^a-z0-9-]+", "-", key.lower()).strip("-")


def tenant_list(tenants: Sequence[str]) -> str:
    if not tenants:
        return "no tenant yet"
    shown = ", ".join(tenants[:LISTED_TENANTS])
    more = len(tenants) - LISTED_TENANTS
    return f"{shown} and {more} more" if more > 0 else shown


def cost_alert_statements(topic_arn: str, accounts: Sequence[str] | None) -> list[dict[str, Any]]:
    """Budgets (of the topic's account and `accounts`) and anomaly alerts may publish."""
    if accounts is None:
        return []
    _, partition, _, _, account, _ = topic_arn.split(":", 5)
    sources = sorted({account, *accounts})
    return [
        {
            "Sid": "BudgetsOfTheseAccounts",
            "Effect": "Allow",
            "Principal": {"Service": "budgets.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": sources},
                "ArnLike": {"aws:SourceArn": [f"arn:{partition}:budgets::{a}:*" for a in sources]},
            },
        },
        {
            "Sid": "CostAnomalyAlertsOfThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": "costalerts.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        },
    ]


def topic_policy(topic_arn: str, cost_alert_accounts: Sequence[str] | None = None) -> str:
    """Only CloudWatch alarms of the topic's own account publish (and, with cost alerts, AWS
    Budgets and Cost Anomaly Detection), and only over TLS."""
    _, partition, _, region, account, _ = topic_arn.split(":", 5)
    alarms = f"arn:{partition}:cloudwatch:{region}:{account}:alarm:*"
    return policy_json(
        *cost_alert_statements(topic_arn, cost_alert_accounts),
        {
            "Sid": "CloudWatchAlarmsOfThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": alarms},
            },
        },
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )


class Observability(pulumi.ComponentResource):
    """Alert routing, CloudWatch alarms for the data services, PrometheusRules per tenant."""

    topic_arn: pulumi.Output[str]
    alarm_names: pulumi.Output[list[str]]
    rule_names: list[str]

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("Observability"), name, None, opts)
        require_providers(self, "aws", *(["kubernetes"] if args.tenants else []))
        self._name, self._args = name, args
        topic = self._topic()
        self.topic_arn = topic.arn
        self._actions: list[pulumi.Input[str]] = [topic.arn, *args.extra_topic_arns]
        alarms = (
            [
                alarm
                for key in sorted(args.databases)
                for alarm in self._database_alarms(key, args.databases[key])
            ]
            + [
                alarm
                for key in sorted(args.caches)
                for alarm in self._cache_alarms(key, args.caches[key])
            ]
            + [declare_drill_alarm(self, name, drill, self._actions) for drill in args.dr_drills]
            + [
                alarm
                for replication in args.replications
                for alarm in declare_replication_alarms(self, name, replication, self._actions)
            ]
        )
        self.alarm_names = pulumi.Output.all(*[a.name for a in alarms]).apply(list)
        self.rule_names = [self._prometheus_rule(t) for t in args.tenants]
        self.register_outputs(
            {
                "topic_arn": self.topic_arn,
                "alarm_names": self.alarm_names,
                "rule_names": self.rule_names,
            }
        )

    # -- routing ------------------------------------------------------------------------------

    def _topic(self) -> aws.sns.Topic:
        name, args = self._name, self._args
        topic = aws.sns.Topic(
            f"{name}-alerts",
            display_name=f"Odoo platform alerts ({args.environment})",
            kms_master_key_id=args.kms_key_arn,
            tags=resource_tags(),
            opts=child_opts(self),
        )
        aws.sns.TopicPolicy(
            f"{name}-alerts-policy",
            arn=topic.arn,
            policy=topic.arn.apply(lambda arn: topic_policy(arn, args.cost_alert_accounts)),
            opts=child_opts(self),
        )
        for email in args.alert_emails:
            aws.sns.TopicSubscription(
                f"{name}-alerts-{name_part(email.replace('@', '-at-').replace('.', '-'))}",
                topic=topic.arn,
                protocol="email",
                endpoint=email,
                opts=child_opts(self),
            )
        return topic

    # -- CloudWatch -----------------------------------------------------------------------------

    def _alarm(self, logical: str, spec: AlarmSpec) -> aws.cloudwatch.MetricAlarm:
        policy, rds = self._args.alarm_policy, spec.rds
        description = spec.description
        if policy.advisory:
            description = f"[advisory, {self._args.environment}] {description}"
        return aws.cloudwatch.MetricAlarm(
            f"{self._name}-{logical}",
            alarm_description=description[:MAX_DESCRIPTION],
            comparison_operator=spec.comparison,
            threshold=spec.threshold,
            evaluation_periods=policy.evaluation_periods,
            datapoints_to_alarm=policy.datapoints_to_alarm,
            treat_missing_data=spec.treat_missing_data,
            namespace=None if rds is None else "AWS/RDS",
            metric_name=None if rds is None else rds.metric,
            statistic=None if rds is None else rds.statistic,
            period=None if rds is None else policy.period_seconds,
            dimensions=None if rds is None else {"DBInstanceIdentifier": rds.identifier},
            metric_queries=spec.queries or None,
            alarm_actions=self._actions,
            ok_actions=self._actions,
            tags=spec.tags,
            opts=child_opts(self),
        )

    def _database_alarms(self, key: str, db: DatabaseAlarms) -> list[aws.cloudwatch.MetricAlarm]:
        policy, part = self._args.alarm_policy, f"db-{name_part(key)}"
        tags = resource_tags(db.tier, db.tenant)
        who = f"PostgreSQL server '{key}' (tenants: {tenant_list(db.tenants)})"
        connections = int(db.max_connections * policy.connections_ratio)
        free_gib = max(
            policy.min_free_storage_gib, db.allocated_storage_gib * policy.free_storage_ratio
        )
        primary = db.instance_identifier
        alarms = [
            self._alarm(
                f"{part}-cpu",
                AlarmSpec(
                    f"{who}: CPU above {policy.cpu_percent:g}%. Odoo pages, timesheet entry and "
                    "invoice posting slow down for these tenants. Find the top query in "
                    "Performance Insights (often a large report or a stuck scheduled action). "
                    f"Runbook: {RUNBOOK_DATABASE}#cpu",
                    tags,
                    "GreaterThanThreshold",
                    policy.cpu_percent,
                    rds=RdsMetric(primary, "CPUUtilization", "Average"),
                ),
            ),
            self._alarm(
                f"{part}-free-storage",
                AlarmSpec(
                    f"{who}: less than {free_gib:g} GiB free. When the disk fills, these "
                    "tenants cannot post timesheets, invoices or journal entries. Check that "
                    "storage autoscaling has room (max allocated storage). "
                    f"Runbook: {RUNBOOK_DATABASE}#storage",
                    tags,
                    "LessThanThreshold",
                    free_gib * GIB,
                    rds=RdsMetric(primary, "FreeStorageSpace", "Minimum"),
                ),
            ),
            self._alarm(
                f"{part}-connections",
                AlarmSpec(
                    f"{who}: more than {connections} of {db.max_connections} connections in use "
                    f"({policy.connections_ratio:.0%}). Past the limit new Odoo workers fail to "
                    "connect and users see errors saving timesheets and invoices. Look for a "
                    "tenant above its budget or idle sessions. "
                    f"Runbook: {RUNBOOK_DATABASE}#connections",
                    tags,
                    "GreaterThanThreshold",
                    connections,
                    rds=RdsMetric(primary, "DatabaseConnections", "Maximum"),
                ),
            ),
        ]
        if db.replica_identifier is not None:
            alarms.append(self._replica_lag_alarm(part, who, tags, db.replica_identifier))
        return alarms

    def _replica_lag_alarm(
        self, part: str, who: str, tags: dict[str, str], replica: pulumi.Input[str]
    ) -> aws.cloudwatch.MetricAlarm:
        policy = self._args.alarm_policy
        return self._alarm(
            f"{part}-replica-lag",
            AlarmSpec(
                f"Reporting replica of {who}: more than {policy.replica_lag_seconds}s behind. "
                "Reports and dashboards read from it show stale WIP, utilisation and billing "
                "figures; the primary and its data are not affected. "
                f"Runbook: {RUNBOOK_DATABASE}#replica-lag",
                tags,
                "GreaterThanThreshold",
                policy.replica_lag_seconds,
                rds=RdsMetric(replica, "ReplicaLag", "Maximum"),
                treat_missing_data=policy.missing_replica_lag,
            ),
        )

    def _cache_queries(
        self, cache: CacheAlarms, metric: str, stat: str, combine: str
    ) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
        """Per-node metrics (`<group>-001`, `-002`, ...) combined into one series by `combine`.

        ElastiCache publishes per node only; after a failover the primary is another node, so
        the alarm watches all of them.
        """
        period = self._args.alarm_policy.period_seconds
        ids = [f"n{i}" for i in range(1, cache.node_count + 1)]
        nodes = [
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=node_id,
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace="AWS/ElastiCache",
                    metric_name=metric,
                    stat=stat,
                    period=period,
                    dimensions={
                        "CacheClusterId": pulumi.Output.format(
                            "{0}-{1:03d}", cache.replication_group_id, int(node_id[1:])
                        )
                    },
                ),
            )
            for node_id in ids
        ]
        combined = aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="combined",
            expression=f"{combine}([{', '.join(ids)}])",
            label=f"{metric} ({combine.lower()} over nodes)",
            return_data=True,
        )
        return [*nodes, combined]

    def _cache_alarms(self, key: str, cache: CacheAlarms) -> list[aws.cloudwatch.MetricAlarm]:
        policy, part = self._args.alarm_policy, f"cache-{name_part(key)}"
        tags = resource_tags(cache.tier, cache.tenant)
        who = f"Redis '{key}' (tenants: {tenant_list(cache.tenants)})"
        queries = functools.partial(self._cache_queries, cache)
        return [
            self._alarm(
                f"{part}-memory",
                AlarmSpec(
                    f"{who}: memory above {policy.cache_memory_percent:g}%. Redis will evict "
                    "sessions and users will be logged out mid-entry (timesheets, expense "
                    "claims). Scale the node type or find the growing key prefix. "
                    f"Runbook: {RUNBOOK_CACHE}#memory",
                    tags,
                    "GreaterThanThreshold",
                    policy.cache_memory_percent,
                    queries=queries("DatabaseMemoryUsagePercentage", "Maximum", "MAX"),
                ),
            ),
            self._alarm(
                f"{part}-evictions",
                AlarmSpec(
                    f"{who}: keys are being evicted (more than {policy.evictions_per_period} "
                    "per period). Users of these tenants lose their sessions and must log in "
                    f"again; unsaved work is lost. Runbook: {RUNBOOK_CACHE}#evictions",
                    tags,
                    "GreaterThanThreshold",
                    policy.evictions_per_period,
                    queries=queries("Evictions", "Sum", "SUM"),
                ),
            ),
            self._alarm(
                f"{part}-cpu",
                AlarmSpec(
                    f"{who}: engine CPU above {policy.cache_cpu_percent:g}%. Every Odoo request "
                    "that reads a session waits on Redis, so pages slow down. "
                    f"Runbook: {RUNBOOK_CACHE}#cpu",
                    tags,
                    "GreaterThanThreshold",
                    policy.cache_cpu_percent,
                    queries=queries("EngineCPUUtilization", "Average", "MAX"),
                ),
            ),
        ]

    # -- Prometheus -----------------------------------------------------------------------------

    def _prometheus_rule(self, tenant: TenantAlerting) -> str:
        args = self._args
        rule_name = f"odoo-{tenant.slug}"
        k8s.apiextensions.CustomResource(
            f"{self._name}-rules-{tenant.slug}",
            api_version=PROMETHEUS_RULE_API,
            kind="PrometheusRule",
            metadata={
                "name": rule_name,
                "namespace": args.monitoring_namespace,
                "labels": {**tenant.labels, **args.rule_selector_labels},
            },
            spec=prometheus_rule_spec(tenant, args.rule_policy, args.workload_names),
            opts=child_opts(self),
        )
        return rule_name
