"""evaluate(), findings and the model's small conveniences."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from policy_samples import PROD, RDS, RDS_TYPE, TAGS, WEB, edit, view

from odoo_platform.policies import (
    ALL_RULES,
    Finding,
    ResourceView,
    Rule,
    Severity,
    StackContext,
    StackFacts,
    TenantFacts,
    evaluate,
    rule_by_id,
)

ROOT = Path(__file__).resolve().parents[2]


def test_finding_names_resource_tenant_and_remediation() -> None:
    rds = view(
        RDS_TYPE,
        edit(RDS, {"publiclyAccessible": True, "tags": {**TAGS, "Tenant": "bank"}}),
        "bank-db",
    )
    [finding] = evaluate([rds], rules=[rule_by_id("rds-not-publicly-accessible")])
    assert finding == Finding(
        rule_id="rds-not-publicly-accessible",
        severity=Severity.MANDATORY,
        message="publiclyAccessible is true: the database gets a public DNS name and address",
        remediation=rule_by_id("rds-not-publicly-accessible").remediation,
        urn="urn:pulumi:prod-eu-west-1::odoo-platform::aws:rds/instance:Instance::bank-db",
        name="bank-db",
        resource_type=RDS_TYPE,
        tenant="bank",
    )


def test_stack_findings_name_the_tenant() -> None:
    facts = StackFacts("eu", (TenantFacts("bank", "shared", regulated=True, residency="eu"),))
    [finding] = evaluate(
        [], StackContext(facts=facts), rules=[rule_by_id("tenant-regulated-dedicated")]
    )
    assert (finding.tenant, finding.urn, finding.severity) == ("bank", None, Severity.MANDATORY)


def test_kubernetes_tenant_comes_from_the_label() -> None:
    assert view("kubernetes:apps/v1:Deployment", WEB).tenant == "acme"
    assert view(RDS_TYPE, RDS).tenant is None


def test_facts_rules_are_skipped_without_facts() -> None:
    frozen = StackContext(facts=StackFacts("eu", freeze_window="close"))
    assert [f.rule_id for f in evaluate([], frozen)] == ["prod-change-freeze"]
    assert evaluate([], replace(frozen, facts=None)) == []


def test_stack_context_defaults_to_the_first_resources() -> None:
    frozen = replace(PROD, facts=StackFacts("eu", freeze_window="close"))
    rds = ResourceView(RDS_TYPE, "urn:pulumi:s::p::aws:rds/instance:Instance::db", RDS, frozen)
    assert [f.rule_id for f in evaluate([rds])] == ["prod-change-freeze"]


def test_given_context_applies_to_every_resource() -> None:
    lax = ResourceView(RDS_TYPE, "db", edit(RDS, {"multiAz": False}))
    assert evaluate([lax], replace(PROD, environment="dev")) == []


def test_defaults_are_strict() -> None:
    # A resource declared without any context is judged as prod.
    lax = edit(RDS, {"multiAz": False})
    assert [f.rule_id for f in evaluate([ResourceView(RDS_TYPE, "db", lax)])] == [
        "rds-multi-az-prod"
    ]


def test_prefix_patterns_match_by_prefix_only() -> None:
    rule = Rule(
        "r", "d", Severity.ADVISORY, ("kubernetes:", "aws:s3/bucket:Bucket"), "fix", lambda v: ()
    )
    assert rule.applies_to("kubernetes:core/v1:Pod")
    assert rule.applies_to("aws:s3/bucket:Bucket")
    assert not rule.applies_to("aws:s3/bucket:BucketPolicy")
    assert not rule.applies_to("pulumi:providers:kubernetes")


def test_view_name_is_the_last_urn_segment() -> None:
    assert view(RDS_TYPE, RDS, "acme-db").name == "acme-db"
    assert ResourceView(RDS_TYPE, "plain", RDS).name == "plain"


def test_rules_document_themselves() -> None:
    for rule in ALL_RULES:
        assert rule.id == rule.id.lower() and " " not in rule.id
        assert rule.description.endswith(".") and rule.remediation.endswith(".")


def test_rules_import_neither_pulumi_nor_the_rest_of_the_package() -> None:
    # Rules are plain Python; only the CrossGuard adapter may import pulumi_policy.
    code = (
        "import sys, odoo_platform.policies, odoo_platform.policies.docs\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi')"
        " or (m.startswith('odoo_platform.') and not m.startswith('odoo_platform.policies'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
