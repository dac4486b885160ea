"""Prometheus alerting rules for one tenant's Odoo: what is watched, why, and whom it hurts.

Pure functions, no Pulumi: `Observability` wraps the result in a PrometheusRule per tenant. The
metrics come from kube-state-metrics (Deployments, CronJobs, Jobs, pods) and from Traefik's
Prometheus endpoint (requests per service). Every kube-state-metrics series is reduced with
`max by (...)` so that two kube-state-metrics replicas (HA) do not double alerts or break joins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from odoo_platform.components._shared.base import Between, Slug, TierLabel, check_args

Severity = Literal["critical", "warning"]
Manifest = dict[str, Any]

RUNBOOKS = "docs/runbooks"
TENANT_RUNBOOK = "odoo-tenant.md"
BACKUP_RUNBOOK = "backups.md"


@dataclass(frozen=True)
class WorkloadNames:
    """Object names inside a tenant namespace, as `OdooTenant` declares them."""

    web_deployment: str = "odoo-web"
    """The Odoo web Deployment."""
    cron_deployment: str = "odoo-cron"
    """The Odoo cron Deployment."""
    web_service: str = "odoo"
    """The web Service, whose 5xx ratio the error rules watch."""
    backup_cronjob: str = "odoo-backup"
    """The backup CronJob, whose last success the RPO rule watches."""
    restore_check_cronjob: str = "odoo-restore-check"
    """The restore-check CronJob, whose failures the rules report."""


@dataclass(frozen=True)
class ClosePeriod:
    """The month-end close: the last and first days of every month, in UTC."""

    last_days_of_month: Annotated[int, Between(0, 10)] = 0
    """Last days of every month that belong to the close (0: none)."""
    first_days_of_month: Annotated[int, Between(0, 10)] = 0
    """First days of every month that belong to the close (0: none)."""

    def __post_init__(self) -> None:
        check_args(self)

    def promql(self) -> str:
        """A label-less vector that exists only on close days (`and on ()` with it gates a rule)."""
        days = []
        if self.last_days_of_month:
            days.append(f"day_of_month() > days_in_month() - {self.last_days_of_month}")
        if self.first_days_of_month:
            days.append(f"day_of_month() <= {self.first_days_of_month}")
        return " or ".join(days)

    @property
    def active(self) -> bool:
        return bool(self.last_days_of_month or self.first_days_of_month)


@dataclass(frozen=True)
class TenantAlerting:
    """One tenant as the alerts see it: who it is and where its workloads run."""

    slug: Slug
    """The tenant's slug: the rules' `tenant` label and the PrometheusRule's name `odoo-<slug>`."""
    display_name: str
    """The tenant's name as the alert summaries write it."""
    namespace: str
    """The tenant's namespace (`odoo-<slug>`), which every rule selects."""
    tier: TierLabel = "shared"
    """`shared` or `dedicated`, the rules' `tier` label."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Labels of the PrometheusRule object (owner, tier, tenant)."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class RulePolicy:
    """How loud the rules are in this environment.

    `paging` (prod): critical alerts stay critical and warnings that hurt the month-end close get
    a critical twin during the close. Elsewhere every alert is a warning: nobody is woken for a
    sandbox.
    """

    paging: bool
    """Prod: critical alerts stay critical and close-sensitive warnings get a critical twin in the
    close; otherwise every alert is a warning."""
    rpo_hours: Annotated[int, Between(1, 24)]
    """The recovery point objective: a backup older than this plus `backup_margin_hours` alerts."""
    backup_margin_hours: Annotated[int, Between(0, 24)] = 1
    """Slack for a running backup before the stale-backup alert fires."""
    close_period: ClosePeriod | None = None
    """The month-end close that escalates warnings in prod; None: no escalation."""
    runbooks: str = RUNBOOKS
    """Path (or URL) prefix of the `runbook_url` annotations."""
    error_ratio_warning: float = 0.05
    """Share of 5xx responses of the web Service that raises a warning."""
    error_ratio_critical: float = 0.25
    """Share of 5xx responses that raises a critical alert."""
    min_request_rate: float = 0.1
    """Requests per second below which an error ratio is noise (night traffic) and no error rule
    fires."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class AlertRule:
    alert: str
    expr: str
    wait: str  # the rule's `for`
    severity: Severity
    summary: str
    impact: str
    action: str
    runbook: str  # "<file>.md#<anchor>" under the policy's runbook folder
    escalate_in_close: bool = False


def selector(metric: str, **matchers: str) -> str:
    """`metric{key="value",...}`; a value starting with `~` is a regular-expression match."""
    parts = [
        f'{key}=~"{value[1:]}"' if value.startswith("~") else f'{key}="{value}"'
        for key, value in matchers.items()
    ]
    return f"{metric}{{{','.join(parts)}}}"


def _deployment(metric: str, namespace: str, deployment: str) -> str:
    series = selector(metric, namespace=namespace, deployment=deployment)
    return f"max by (namespace, deployment) ({series})"


def _down(namespace: str, deployment: str) -> str:
    """No pod available while some are wanted (a deliberate scale to zero is not an outage)."""
    available = _deployment("kube_deployment_status_replicas_available", namespace, deployment)
    wanted = _deployment("kube_deployment_spec_replicas", namespace, deployment)
    return f"{available} == 0 and on (namespace, deployment) {wanted} > 0"


def _degraded(namespace: str, deployment: str) -> str:
    available = _deployment("kube_deployment_status_replicas_available", namespace, deployment)
    wanted = _deployment("kube_deployment_spec_replicas", namespace, deployment)
    return f"{available} < on (namespace, deployment) {wanted}"


def traefik_service_regex(namespace: str, service: str) -> str:
    """Traefik names a Kubernetes CRD backend `<namespace>-<service>-<port>@kubernetescrd`.

    The numeric port keeps tenant `acme` from matching tenant `acme-x`'s service.
    """
    return f"{namespace}-{service}-[0-9]+@kubernetescrd"


def _request_rate(namespace: str, service: str, code: str | None = None) -> str:
    matchers = {"service": "~" + traefik_service_regex(namespace, service)}
    if code is not None:
        matchers["code"] = "~" + code
    return f"sum(rate({selector('traefik_service_requests_total', **matchers)}[5m]))"


def _error_ratio_above(namespace: str, service: str, ratio: float, min_rate: float) -> str:
    errors = _request_rate(namespace, service, "5..")
    total = _request_rate(namespace, service)
    return f"{errors} / {total} > {ratio:g} and {total} > {min_rate:g}"


def _cronjob(metric: str, namespace: str, cronjob: str) -> str:
    series = selector(metric, namespace=namespace, cronjob=cronjob)
    return f"max by (namespace, cronjob) ({series})"


def _backup_stale(namespace: str, cronjob: str, max_age_seconds: int) -> str:
    """The last success is too old, or there never was one since the CronJob was created."""
    last_success = _cronjob("kube_cronjob_status_last_successful_time", namespace, cronjob)
    created = _cronjob("kube_cronjob_created", namespace, cronjob)
    return (
        f"time() - {last_success} > {max_age_seconds} "
        f"or (time() - {created} > {max_age_seconds} "
        f"unless on (namespace, cronjob) {last_success})"
    )


def _restore_check_failed(namespace: str, cronjob: str) -> str:
    """A restore-check Job failed after the last successful one.

    Failed Jobs stay until the CronJob's history limit drops them, so `kube_job_status_failed`
    alone would fire for days after a fixed problem; comparing with the last success does not.
    """
    jobs = {"namespace": namespace, "job_name": f"~{cronjob}-[0-9]+"}
    failed = f"{selector('kube_job_status_failed', **jobs)} > 0"
    started = selector("kube_job_status_start_time", **jobs)
    last_failure = f"max by (namespace) ({started} and on (namespace, job_name) ({failed}))"
    last_success = selector(
        "kube_cronjob_status_last_successful_time", namespace=namespace, cronjob=cronjob
    )
    never = f'label_replace(vector(0), "namespace", "{namespace}", "", "")'
    return f"{last_failure} > on (namespace) (max by (namespace) ({last_success}) or {never})"


def _restarts(namespace: str, window: str) -> str:
    series = selector("kube_pod_container_status_restarts_total", namespace=namespace)
    return f"max by (namespace, pod, container) (increase({series}[{window}]))"


def _oom_killed(namespace: str) -> str:
    reason = selector(
        "kube_pod_container_status_last_terminated_reason", namespace=namespace, reason="OOMKilled"
    )
    last_oom = f"max by (namespace, pod, container) ({reason})"
    return f"{last_oom} == 1 and on (namespace, pod, container) {_restarts(namespace, '15m')} > 0"


def _availability_rules(t: TenantAlerting, names: WorkloadNames) -> list[AlertRule]:
    ns, who = t.namespace, t.display_name
    return [
        AlertRule(
            "OdooWebUnavailable",
            _down(ns, names.web_deployment),
            "3m",
            "critical",
            f"Odoo is down for {who}: no web pod is available",
            f"Nobody at {who} can use Odoo: timesheets, expenses, approvals and invoicing stop.",
            "Check the pods' events and logs, the database and the last deploy; roll back if a "
            "deploy caused it.",
            f"{TENANT_RUNBOOK}#web-unavailable",
        ),
        AlertRule(
            "OdooWebDegraded",
            _degraded(ns, names.web_deployment),
            "15m",
            "warning",
            f"{who} runs with fewer web pods than wanted",
            f"{who} users get slow pages and time-outs at busy times (timesheet deadlines, "
            "billing runs).",
            "Look for pending pods (node capacity, quota) or crash loops.",
            f"{TENANT_RUNBOOK}#web-degraded",
            escalate_in_close=True,
        ),
        AlertRule(
            "OdooCronDown",
            _down(ns, names.cron_deployment),
            "15m",
            "warning",
            f"Scheduled actions stopped for {who}: the cron pod is not running",
            f"{who}'s outgoing e-mail queue, recurring invoices, timesheet reminders and bank "
            "synchronisation do not run.",
            "Check the cron pod's events and logs; it can be restarted without affecting users.",
            f"{TENANT_RUNBOOK}#cron-down",
            escalate_in_close=True,
        ),
    ]


def _error_rules(t: TenantAlerting, names: WorkloadNames, policy: RulePolicy) -> list[AlertRule]:
    ns, who, svc = t.namespace, t.display_name, names.web_service
    action = "Read the Odoo logs for tracebacks and the database's health; roll back a deploy."
    runbook = f"{TENANT_RUNBOOK}#http-errors"
    ratio = _error_ratio_above
    return [
        AlertRule(
            "OdooHttpErrorsHigh",
            ratio(ns, svc, policy.error_ratio_warning, policy.min_request_rate),
            "10m",
            "warning",
            f"More than {policy.error_ratio_warning:.0%} of {who}'s requests fail with 5xx",
            f"{who} users see errors saving timesheets, posting entries or printing invoices.",
            action,
            runbook,
            escalate_in_close=True,
        ),
        AlertRule(
            "OdooHttpErrorsHigh",
            ratio(ns, svc, policy.error_ratio_critical, policy.min_request_rate),
            "5m",
            "critical",
            f"More than {policy.error_ratio_critical:.0%} of {who}'s requests fail with 5xx",
            f"Odoo is largely unusable for {who}: most saves and reports fail.",
            action,
            runbook,
        ),
        AlertRule(
            "OdooPodRestarting",
            f"{_restarts(ns, '30m')} > 3",
            "10m",
            "warning",
            f"A container of {who} restarted more than 3 times in 30 minutes",
            f"{who} users lose their requests in flight and may be logged out.",
            "Read the previous container's logs (`kubectl logs --previous`) and the probes.",
            f"{TENANT_RUNBOOK}#pod-restarts",
        ),
        AlertRule(
            "OdooContainerOOMKilled",
            _oom_killed(ns),
            "0m",
            "warning",
            f"An Odoo process of {who} ran out of memory and was killed",
            f"A {who} user's large report, export or billing run failed and must be run again.",
            "Find the request in the logs; raise the tenant's size or limit_memory_hard if it "
            "recurs.",
            f"{TENANT_RUNBOOK}#oom-killed",
        ),
    ]


def _backup_rules(t: TenantAlerting, names: WorkloadNames, policy: RulePolicy) -> list[AlertRule]:
    ns, who = t.namespace, t.display_name
    max_hours = policy.rpo_hours + policy.backup_margin_hours
    return [
        AlertRule(
            "OdooBackupStale",
            _backup_stale(ns, names.backup_cronjob, max_hours * 3600),
            "10m",
            "critical",
            f"{who}'s last successful backup is older than {max_hours}h",
            f"The {policy.rpo_hours}h recovery point objective is breached: losing {who}'s "
            "database now would lose more work (timesheets, invoices) than agreed.",
            "Check the backup CronJob's last Job and logs, then run a backup by hand.",
            f"{BACKUP_RUNBOOK}#backup-stale",
        ),
        AlertRule(
            "OdooRestoreCheckFailed",
            _restore_check_failed(ns, names.restore_check_cronjob),
            "5m",
            "warning",
            f"The latest restore check of {who}'s backup failed",
            f"Recovery of {who} after an incident is not proven: the newest backup may not "
            "restore.",
            "Read the restore-check Job's logs; compare the dump with the filestore of that run.",
            f"{BACKUP_RUNBOOK}#restore-check-failed",
        ),
    ]


def tenant_alert_rules(
    tenant: TenantAlerting, policy: RulePolicy, names: WorkloadNames = WorkloadNames()
) -> dict[str, list[AlertRule]]:
    """The rules of one tenant by group: availability, errors and backups."""
    return {
        "availability": _availability_rules(tenant, names),
        "errors": _error_rules(tenant, names, policy),
        "backups": _backup_rules(tenant, names, policy),
    }


def _rule_manifests(rule: AlertRule, tenant: TenantAlerting, policy: RulePolicy) -> list[Manifest]:
    severity: Severity = rule.severity if policy.paging else "warning"
    manifests = [_manifest(rule, tenant, policy, expr=rule.expr, severity=severity)]
    close = policy.close_period
    if policy.paging and rule.escalate_in_close and close is not None and close.active:
        expr = f"({rule.expr}) and on () ({close.promql()})"
        escalated = _manifest(
            rule, tenant, policy, expr=expr, severity="critical", close_period=True
        )
        manifests.append(escalated)
    return manifests


def _manifest(
    rule: AlertRule,
    tenant: TenantAlerting,
    policy: RulePolicy,
    *,
    expr: str,
    severity: Severity,
    close_period: bool = False,
) -> Manifest:
    # `namespace` also on aggregated expressions (the 5xx ratio has none), so Alertmanager's
    # usual inhibition (critical over warning, equal alertname and namespace) stays per tenant.
    labels = {
        "severity": severity,
        "tenant": tenant.slug,
        "tier": tenant.tier,
        "namespace": tenant.namespace,
    }
    summary = rule.summary
    if close_period:
        labels["close_period"] = "true"
        summary = f"During the month-end close: {summary}"
    return {
        "alert": rule.alert,
        "expr": expr,
        "for": rule.wait,
        "labels": labels,
        "annotations": {
            "summary": summary,
            "business_impact": rule.impact,
            "description": f"{rule.impact} {rule.action}",
            "runbook_url": f"{policy.runbooks}/{rule.runbook}",
        },
    }


def prometheus_rule_spec(
    tenant: TenantAlerting, policy: RulePolicy, names: WorkloadNames = WorkloadNames()
) -> Manifest:
    """The `spec` of the tenant's PrometheusRule: one group per concern."""
    groups = [
        {
            "name": f"odoo-{tenant.slug}.{group}",
            "rules": [m for rule in rules for m in _rule_manifests(rule, tenant, policy)],
        }
        for group, rules in tenant_alert_rules(tenant, policy, names).items()
    ]
    return {"groups": groups}
