"""Observability under mocks: alert routing, CloudWatch alarms and PrometheusRules.

PromQL is parsed with `promql-parser` (the Rust parser of Prometheus' grammar, from PyPI), and
every selector is checked to stay inside its tenant's namespace.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import promql_parser
import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest

from odoo_platform.components.alert_rules import ClosePeriod, RulePolicy, traefik_service_regex
from odoo_platform.components.observability import (
    GIB,
    PROD_ALARMS,
    CacheAlarms,
    DatabaseAlarms,
    Observability,
    ObservabilityArgs,
    name_part,
)
from odoo_platform.config import PlatformConfig, load_stack_file
from odoo_platform.config.capacity import budgets_by_server, connection_budgets, max_connections
from odoo_platform.config.models import AlertsConfig
from odoo_platform.config.tags import labels, resource_tags
from odoo_platform.offline.check import resource_views, stack_context
from odoo_platform.platform.assembly.observability import observability_args
from odoo_platform.policies import Severity, evaluate
from odoo_platform.synthesis.mocks import ACCOUNT_ID
from odoo_platform.testing import ProgramResult, run_program
from tests.k8s_validation import crd_schemas

REPO = Path(__file__).resolve().parents[2]
STACKS = REPO / "stacks"
KMS_KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/logs-key"
EXTRA_TOPIC = f"arn:aws:sns:eu-west-1:{ACCOUNT_ID}:firm-oncall"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
PROMETHEUS_RULE = ("monitoring.coreos.com/v1", "PrometheusRule")
KSM_AND_TRAEFIK_METRICS = {
    "kube_deployment_status_replicas_available",
    "kube_deployment_spec_replicas",
    "kube_cronjob_status_last_successful_time",
    "kube_cronjob_created",
    "kube_job_status_failed",
    "kube_job_status_start_time",
    "kube_pod_container_status_restarts_total",
    "kube_pod_container_status_last_terminated_reason",
    "traefik_service_requests_total",
}


# -- fixtures ----------------------------------------------------------------------------------


def sample(stack: str) -> PlatformConfig:
    return load_stack_file(STACKS / f"Pulumi.{stack}.yaml")


def identifiers(config: PlatformConfig, prefix: str) -> dict[str, str]:
    return {b.server: f"{prefix}-{name_part(b.server)}" for b in connection_budgets(config)}


def observability_program(config: PlatformConfig) -> Callable[[], None]:
    replicas = {
        key: f"{value}-replica"
        for key, value in identifiers(config, "db").items()
        if key == "dedicated:halden-law"
    }

    def program() -> None:
        aws_provider = aws.Provider("aws-platform", region=config.region)
        k8s_provider = k8s.Provider("k8s-platform", kubeconfig="{}")
        args = observability_args(
            config,
            budgets_by_server(config),
            kms_key_arn=KMS_KEY,
            database_identifiers=identifiers(config, "db"),
            replica_identifiers=replicas,
            cache_group_ids=identifiers(config, "cache"),
        )
        obs = Observability(
            "obs", args, pulumi.ResourceOptions(providers=[aws_provider, k8s_provider])
        )
        pulumi.export("topic_arn", obs.topic_arn)
        pulumi.export("alarm_names", obs.alarm_names)
        pulumi.export("rule_names", obs.rule_names)

    return program


def with_alerts(config: PlatformConfig, alerts: AlertsConfig) -> PlatformConfig:
    services = config.shared_services.model_copy(update={"alerts": alerts})
    return config.model_copy(update={"shared_services": services})


@pytest.fixture(scope="module")
def prod() -> PlatformConfig:
    config = sample("prod-eu-west-1")
    emails = ["oncall@northbridge-erp.com", "finance-systems@northbridge-erp.com"]
    return with_alerts(config, AlertsConfig(emails=emails, sns_topic_arns=[EXTRA_TOPIC]))


@pytest.fixture(scope="module")
def dev() -> PlatformConfig:
    return sample("dev-eu-west-1")


@pytest.fixture(scope="module")
def prod_result(prod: PlatformConfig) -> ProgramResult:
    return run_program(observability_program(prod))


@pytest.fixture(scope="module")
def dev_result(dev: PlatformConfig) -> ProgramResult:
    return run_program(observability_program(dev))


def alarm(result: ProgramResult, logical: str) -> dict[str, Any]:
    return result.named(f"obs-{logical}", ALARM).inputs


def prometheus_rules(result: ProgramResult) -> list[dict[str, Any]]:
    return [
        m for m in result.manifests() if (m.get("apiVersion"), m.get("kind")) == PROMETHEUS_RULE
    ]


def alert_rules(result: ProgramResult) -> Iterator[tuple[str, dict[str, Any]]]:
    """(namespace the rules are for, rule) of every alerting rule declared."""
    for manifest in prometheus_rules(result):
        tenant = manifest["metadata"]["labels"]["odoo-platform.io/tenant"]
        for group in manifest["spec"]["groups"]:
            for rule in group["rules"]:
                yield f"odoo-{tenant}", rule


# -- CRD schema (tests/k8s_validation.py finds the shared reference data) ----------------------


def prometheus_rule_schema() -> dict[str, Any]:
    return crd_schemas()[("monitoring.coreos.com/v1", "PrometheusRule")]


# -- alert routing -----------------------------------------------------------------------------


def test_topic_is_encrypted_with_the_given_key_and_tagged(prod_result: ProgramResult) -> None:
    topic = prod_result.named("obs-alerts", TOPIC)
    assert topic.inputs["kmsMasterKeyId"] == KMS_KEY
    assert topic.inputs["tags"] == resource_tags()
    assert prod_result.outputs["topic_arn"] == topic.outputs["arn"]


def test_topic_policy_lets_only_this_accounts_alarms_publish_over_tls(
    prod_result: ProgramResult,
) -> None:
    topic_arn = prod_result.named("obs-alerts", TOPIC).outputs["arn"]
    policy_resource = prod_result.named("obs-alerts-policy", "aws:sns/topicPolicy:TopicPolicy")
    assert policy_resource.inputs["arn"] == topic_arn
    statements = json.loads(policy_resource.inputs["policy"])["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    # The prod sample has budgets: AWS Budgets and anomaly alerts publish too (test_cost_controls).
    cost_alerts = {"BudgetsOfTheseAccounts", "CostAnomalyAlertsOfThisAccount"}
    assert {s["Sid"] for s in allows} - {"CloudWatchAlarmsOfThisAccount"} == cost_alerts
    assert [s for s in allows if s["Sid"] not in cost_alerts] == [
        {
            "Sid": "CloudWatchAlarmsOfThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
                "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:eu-west-1:{ACCOUNT_ID}:alarm:*"},
            },
        }
    ]
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Principal"] == "*" and deny["Action"] == "sns:Publish"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_email_subscriptions_from_config(prod: PlatformConfig, prod_result: ProgramResult) -> None:
    topic_arn = prod_result.named("obs-alerts", TOPIC).outputs["arn"]
    subscriptions = prod_result.by_type("aws:sns/topicSubscription:TopicSubscription")
    assert sorted(s.inputs["endpoint"] for s in subscriptions) == sorted(
        prod.shared_services.alerts.emails
    )
    assert {(s.inputs["protocol"], s.inputs["topic"]) for s in subscriptions} == {
        ("email", topic_arn)
    }
    assert prod_result.named("obs-alerts-oncall-at-northbridge-erp-com").inputs["protocol"]


def test_no_emails_means_no_subscriptions(dev_result: ProgramResult) -> None:
    assert not dev_result.by_type("aws:sns/topicSubscription:TopicSubscription")


def test_alarm_and_ok_actions_go_to_the_topic_and_existing_topics(
    prod_result: ProgramResult,
) -> None:
    topic_arn = prod_result.named("obs-alerts", TOPIC).outputs["arn"]
    alarms = prod_result.by_type(ALARM)
    assert alarms
    for resource in alarms:
        assert resource.inputs["alarmActions"] == [topic_arn, EXTRA_TOPIC], resource.name
        assert resource.inputs["okActions"] == [topic_arn, EXTRA_TOPIC], resource.name
        assert "insufficientDataActions" not in resource.inputs


# -- CloudWatch alarms -------------------------------------------------------------------------


def test_alarms_exist_for_every_server_and_cache(
    prod: PlatformConfig, prod_result: ProgramResult
) -> None:
    servers = [b.server for b in connection_budgets(prod)]
    assert "dedicated:halden-law" in servers and "multi-tenant" in servers
    expected = {
        f"obs-db-{name_part(s)}-{kind}"
        for s in servers
        for kind in ("cpu", "free-storage", "connections")
    }
    expected |= {
        f"obs-cache-{name_part(s)}-{k}" for s in servers for k in ("memory", "evictions", "cpu")
    }
    expected.add("obs-db-dedicated-halden-law-replica-lag")  # the only reporting replica
    assert {r.name for r in prod_result.by_type(ALARM)} == expected
    assert sorted(prod_result.outputs["alarm_names"]) == sorted(
        r.outputs["name"] for r in prod_result.by_type(ALARM)
    )


def test_connection_alarm_is_80_percent_of_max_connections(
    prod: PlatformConfig, prod_result: ProgramResult
) -> None:
    shared = max_connections(prod.multi_tenant.database)
    connections = alarm(prod_result, "db-multi-tenant-connections")
    assert connections["metricName"] == "DatabaseConnections"
    assert connections["namespace"] == "AWS/RDS"
    assert connections["dimensions"] == {"DBInstanceIdentifier": "db-multi-tenant"}
    assert connections["comparisonOperator"] == "GreaterThanThreshold"
    assert connections["threshold"] == int(shared * 0.8)
    assert f"{int(shared * 0.8)} of {shared} connections" in connections["alarmDescription"]
    dedicated = alarm(prod_result, "db-dedicated-halden-law-connections")
    halden = max_connections(prod.dedicated_defaults.database)
    assert dedicated["threshold"] == int(halden * 0.8) != connections["threshold"]


def test_an_explicit_max_connections_sets_the_threshold() -> None:
    args = ObservabilityArgs(
        kms_key_arn=KMS_KEY,
        monitoring_namespace="monitoring",
        alarm_policy=PROD_ALARMS,
        rule_policy=RulePolicy(paging=True, rpo_hours=24),
        environment="prod",
        databases={"reporting": DatabaseAlarms("db-reporting", 500, 100, ("acme",))},
        caches={"sessions": CacheAlarms("cache-sessions", 3, ("acme",))},
    )
    result = run_program(lambda: _register(Observability("obs", args)))
    assert alarm(result, "db-reporting-connections")["threshold"] == 400
    assert alarm(result, "db-reporting-free-storage")["threshold"] == 10 * GIB
    nodes = [q for q in alarm(result, "cache-sessions-memory")["metricQueries"] if "metric" in q]
    assert [q["metric"]["dimensions"]["CacheClusterId"] for q in nodes] == [
        "cache-sessions-001",
        "cache-sessions-002",
        "cache-sessions-003",
    ]
    assert result.outputs["rule_names"] == []


def _register(obs: Observability) -> None:
    pulumi.export("rule_names", obs.rule_names)


def test_database_alarms_describe_the_business_impact(prod_result: ProgramResult) -> None:
    for logical in ("cpu", "free-storage", "connections"):
        description = alarm(prod_result, f"db-multi-tenant-{logical}")["alarmDescription"]
        assert "nb-consulting" in description, description
        assert "timesheet" in description and "docs/runbooks/database.md#" in description
        assert not description.startswith("[advisory")
    lag = alarm(prod_result, "db-dedicated-halden-law-replica-lag")
    assert lag["dimensions"] == {"DBInstanceIdentifier": "db-dedicated-halden-law-replica"}
    assert lag["treatMissingData"] == "breaching"  # a silent replica is not replicating
    assert "halden-law" in lag["alarmDescription"]


def test_free_storage_threshold_is_a_share_of_allocated_storage(
    prod: PlatformConfig, prod_result: ProgramResult
) -> None:
    storage = alarm(prod_result, "db-multi-tenant-free-storage")
    assert storage["comparisonOperator"] == "LessThanThreshold"
    assert storage["statistic"] == "Minimum"
    assert storage["threshold"] == prod.multi_tenant.database.allocated_storage_gib * 0.1 * GIB


def test_cache_alarms_combine_every_node(prod: PlatformConfig, prod_result: ProgramResult) -> None:
    memory = alarm(prod_result, "cache-multi-tenant-memory")
    assert "metricName" not in memory
    queries = {q["id"]: q for q in memory["metricQueries"]}
    assert queries["combined"] == {
        "id": "combined",
        "expression": "MAX([n1, n2])",  # prod: primary + one replica
        "label": "DatabaseMemoryUsagePercentage (max over nodes)",
        "returnData": True,
    }
    node = queries["n2"]["metric"]
    assert node["dimensions"] == {"CacheClusterId": "cache-multi-tenant-002"}
    assert (node["namespace"], node["metricName"], node["stat"]) == (
        "AWS/ElastiCache",
        "DatabaseMemoryUsagePercentage",
        "Maximum",
    )
    assert memory["threshold"] == 80
    evictions = alarm(prod_result, "cache-multi-tenant-evictions")
    assert {q["id"]: q for q in evictions["metricQueries"]}["combined"]["expression"] == (
        "SUM([n1, n2])"
    )
    assert "log in again" in evictions["alarmDescription"]


def test_alarm_tags_name_tier_and_tenant(prod_result: ProgramResult) -> None:
    assert alarm(prod_result, "db-multi-tenant-cpu")["tags"] == resource_tags("shared")
    dedicated = alarm(prod_result, "cache-dedicated-halden-law-cpu")
    assert dedicated["tags"] == resource_tags("dedicated", "halden-law")


def test_every_resource_is_parented_to_the_component(prod_result: ProgramResult) -> None:
    component = prod_result.named("obs")
    declared = {r.urn for r in prod_result.resources if not r.type.startswith("pulumi:providers:")}
    assert {r.urn for r in prod_result.descendants(component)} == declared - {component.urn}
    providers = {"aws": prod_result.named("aws-platform").urn}
    providers["kubernetes"] = prod_result.named("k8s-platform").urn
    for child in prod_result.descendants(component):
        assert child.provider == providers[child.type.split(":")[0]], child.name


def test_prod_and_dev_alarm_policies(prod_result: ProgramResult, dev_result: ProgramResult) -> None:
    prod_cpu = alarm(prod_result, "db-multi-tenant-cpu")
    dev_cpu = alarm(dev_result, "db-multi-tenant-cpu")
    assert (prod_cpu["period"], prod_cpu["evaluationPeriods"], prod_cpu["datapointsToAlarm"]) == (
        60,
        5,
        3,
    )
    assert (dev_cpu["period"], dev_cpu["evaluationPeriods"], dev_cpu["datapointsToAlarm"]) == (
        300,
        3,
        3,
    )
    assert prod_cpu["threshold"] == 80 and dev_cpu["threshold"] == 90
    assert dev_cpu["alarmDescription"].startswith("[advisory, dev]")
    # dev servers stop at night: silence is never an alarm there
    assert {r.inputs["treatMissingData"] for r in dev_result.by_type(ALARM)} == {"notBreaching"}
    dev_memory = alarm(dev_result, "cache-multi-tenant-memory")
    assert {q["id"]: q for q in dev_memory["metricQueries"]}["combined"][
        "expression"
    ] == "MAX([n1])"


def test_a_missing_server_identifier_is_an_error(prod: PlatformConfig) -> None:
    ids = identifiers(prod, "db")
    replicas = {"dedicated:halden-law": "db-halden-replica"}

    def args(config: PlatformConfig, **given: Any) -> ObservabilityArgs:
        return observability_args(config, budgets_by_server(config), **given)

    args(
        prod,
        kms_key_arn=KMS_KEY,
        database_identifiers=ids,
        cache_group_ids=ids,
        replica_identifiers=replicas,
    )
    with pytest.raises(ValueError, match="reporting replica identifiers of dedicated:halden-law"):
        args(prod, kms_key_arn=KMS_KEY, database_identifiers=ids, cache_group_ids=ids)
    del ids["dedicated:meridian-audit"]
    with pytest.raises(ValueError, match="database identifiers of dedicated:meridian-audit"):
        args(
            prod,
            kms_key_arn=KMS_KEY,
            database_identifiers=ids,
            cache_group_ids=ids,
            replica_identifiers=replicas,
        )


# -- PrometheusRules ---------------------------------------------------------------------------


def test_one_rule_per_active_tenant(prod: PlatformConfig, prod_result: ProgramResult) -> None:
    active = [t.slug for t in prod.tenants if t.state == "active"]
    assert "nb-upgrade-lab" not in active  # suspended: its pods are scaled down on purpose
    manifests = prometheus_rules(prod_result)
    assert sorted(m["metadata"]["name"] for m in manifests) == sorted(f"odoo-{s}" for s in active)
    assert sorted(prod_result.outputs["rule_names"]) == sorted(f"odoo-{s}" for s in active)
    assert {m["metadata"]["namespace"] for m in manifests} == {"monitoring"}


def test_prometheus_rules_are_valid_against_the_crd(
    prod_result: ProgramResult, dev_result: ProgramResult
) -> None:
    validator = jsonschema.Draft7Validator(prometheus_rule_schema())
    manifests = prometheus_rules(prod_result) + prometheus_rules(dev_result)
    assert manifests
    for manifest in manifests:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]
        assert not errors, (manifest["metadata"]["name"], errors)


def test_the_crd_check_catches_a_misspelt_field(prod_result: ProgramResult) -> None:
    manifest = prometheus_rules(prod_result)[0]
    rule = manifest["spec"]["groups"][0]["rules"][0]
    broken = {**manifest, "spec": {"groups": [{"name": "g", "rules": [{**rule, "for": "3 min"}]}]}}
    assert list(jsonschema.Draft7Validator(prometheus_rule_schema()).iter_errors(broken))
    typo = {**manifest, "spec": {"groups": [{"name": "g", "rulez": []}]}}
    assert list(jsonschema.Draft7Validator(prometheus_rule_schema()).iter_errors(typo))


def selectors(expr: str) -> list[promql_parser.VectorSelector]:
    found: list[promql_parser.VectorSelector] = []

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def test_promql_parses_and_stays_in_the_tenants_namespace(prod_result: ProgramResult) -> None:
    rules = list(alert_rules(prod_result))
    assert rules
    for namespace, rule in rules:
        found = selectors(rule["expr"])  # raises ValueError on a syntax error
        assert found, rule["alert"]
        for selector in found:
            assert selector.name in KSM_AND_TRAEFIK_METRICS, selector.name
            matchers = {m.name: m.value for m in selector.matchers.matchers}
            if selector.name == "traefik_service_requests_total":
                assert matchers["service"] == traefik_service_regex(namespace, "odoo")
            else:
                assert matchers["namespace"] == namespace, (rule["alert"], str(selector))


def test_the_promql_check_rejects_broken_expressions() -> None:
    with pytest.raises(ValueError):
        selectors("sum(rate(kube_pod_container_status_restarts_total[5m])")


def test_rules_cover_the_workloads_and_backups(
    prod: PlatformConfig, prod_result: ProgramResult
) -> None:
    rules = [r for ns, r in alert_rules(prod_result) if ns == "odoo-nb-consulting"]
    assert {r["alert"] for r in rules} == {
        "OdooWebUnavailable",
        "OdooWebDegraded",
        "OdooCronDown",
        "OdooHttpErrorsHigh",
        "OdooPodRestarting",
        "OdooContainerOOMKilled",
        "OdooBackupStale",
        "OdooRestoreCheckFailed",
    }
    by_alert = {r["alert"]: r for r in rules if "close_period" not in r["labels"]}
    max_age = (prod.backup.rpo_hours + 1) * 3600
    assert f"> {max_age}" in by_alert["OdooBackupStale"]["expr"]
    assert 'cronjob="odoo-backup"' in by_alert["OdooBackupStale"]["expr"]
    assert 'job_name=~"odoo-restore-check-[0-9]+"' in by_alert["OdooRestoreCheckFailed"]["expr"]
    assert 'deployment="odoo-cron"' in by_alert["OdooCronDown"]["expr"]
    assert 'code=~"5.."' in by_alert["OdooHttpErrorsHigh"]["expr"]
    assert 'reason="OOMKilled"' in by_alert["OdooContainerOOMKilled"]["expr"]


def test_alert_labels_and_annotations(prod_result: ProgramResult) -> None:
    for namespace, rule in alert_rules(prod_result):
        slug = namespace.removeprefix("odoo-")
        assert rule["labels"]["severity"] in {"critical", "warning"}
        assert rule["labels"]["tenant"] == slug
        assert rule["labels"]["namespace"] == namespace  # keeps inhibition per tenant
        annotations = rule["annotations"]
        assert annotations["summary"] and annotations["business_impact"]
        assert annotations["runbook_url"].startswith("docs/runbooks/")
        assert ".md#" in annotations["runbook_url"]


def test_rule_objects_carry_the_tenant_labels(
    prod: PlatformConfig, prod_result: ProgramResult
) -> None:
    halden = next(
        m for m in prometheus_rules(prod_result) if m["metadata"]["name"] == "odoo-halden-law"
    )
    assert halden["metadata"]["labels"] == labels(prod, "dedicated", "halden-law")
    assert {r.tenant for r in prod_result.by_tenant("halden-law")} == {"halden-law"}


def test_prod_pages_and_escalates_during_the_close(prod_result: ProgramResult) -> None:
    rules = [r for ns, r in alert_rules(prod_result) if ns == "odoo-nb-consulting"]
    critical = {r["alert"] for r in rules if r["labels"]["severity"] == "critical"}
    assert {"OdooWebUnavailable", "OdooBackupStale", "OdooHttpErrorsHigh"} <= critical
    close = [r for r in rules if r["labels"].get("close_period") == "true"]
    assert {r["alert"] for r in close} == {"OdooWebDegraded", "OdooCronDown", "OdooHttpErrorsHigh"}
    expected_days = ClosePeriod(last_days_of_month=2, first_days_of_month=3).promql()
    for rule in close:
        assert rule["labels"]["severity"] == "critical"
        assert rule["expr"].endswith(f"and on () ({expected_days})")
        assert rule["annotations"]["summary"].startswith("During the month-end close")


def test_dev_alerts_are_warnings_only(dev_result: ProgramResult) -> None:
    rules = [r for _, r in alert_rules(dev_result)]
    assert rules
    assert {r["labels"]["severity"] for r in rules} == {"warning"}
    assert not [r for r in rules if "close_period" in r["labels"]]


# -- URN stability -----------------------------------------------------------------------------


def test_removing_a_tenant_changes_no_other_urn(prod: PlatformConfig) -> None:
    fewer = prod.model_copy(update={"tenants": [t for t in prod.tenants if t.slug != "nb-tax-ie"]})
    before = run_program(observability_program(prod)).urns()
    after = run_program(observability_program(fewer)).urns()
    assert after < before
    assert {u.rsplit("::", 1)[1] for u in before - after} == {"obs-rules-nb-tax-ie"}


# -- governance ----------------------------------------------------------------------------------


def test_the_governance_rules_pass(prod: PlatformConfig, prod_result: ProgramResult) -> None:
    context = stack_context(prod, dt.date(2026, 11, 16))  # outside every freeze window
    findings = evaluate(resource_views(prod_result, context), context)
    assert not [f for f in findings if f.severity is Severity.MANDATORY], findings
