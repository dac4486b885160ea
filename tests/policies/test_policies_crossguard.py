"""The CrossGuard adapter, driven with the SDK's own argument objects (no running PolicyPack)."""

from __future__ import annotations

import datetime as dt
import json
import runpy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi_policy
import pytest
from google.protobuf import struct_pb2
from policy_samples import (
    BUCKET_TYPE,
    CRON,
    DEFAULT_DENY,
    DEPLOYMENT_TYPE,
    NAMESPACE,
    NAMESPACE_TYPE,
    NETPOL_TYPE,
    PAB,
    PAB_TYPE,
    PROD,
    RDS,
    RDS_TYPE,
    SG,
    SG_TYPE,
    TAGS,
    edit,
)
from pulumi.runtime import proto
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError, _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UnknownValueError, unknown_checking_proxy

from odoo_platform.config import load_stack_file
from odoo_platform.offline.check import stack_context
from odoo_platform.policies import ALL_RULES, StackContext, StackRule
from odoo_platform.policies.crossguard import (
    CONFIG_SCHEMA,
    PACK_NAME,
    build_policies,
    context_from_config,
    stack_view,
)
from odoo_platform.policies.pack_config import FACTS_ENV, facts_document

ROOT = Path(__file__).resolve().parents[2]
POLICY_DIR = ROOT / "odoo_platform" / "policy_pack"
TODAY = dt.datetime.now(dt.UTC).date()  # the pack judges freezes on the day of the preview
OPTIONS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
POLICIES = {p.name: p for p in build_policies()}


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:prod-eu-west-1::odoo-platform::{type_}::{name}"


def run_resource(
    rule_id: str,
    type_: str,
    props: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    provider: PolicyProviderResource | None = None,
) -> list[str]:
    # The engine hands policies read-only proxies over the deserialized properties.
    args = ResourceValidationArgs(
        type_, unknown_checking_proxy(dict(props)), urn(type_, "r"), "r", OPTIONS, provider, config
    )
    reported: list[str] = []
    policy = POLICIES[rule_id]
    assert isinstance(policy, ResourceValidationPolicy)
    policy.validate(args, lambda message, _urn=None: reported.append(message))
    return reported


def run_stack(
    rule_id: str,
    resources: list[tuple[str, str, Mapping[str, Any]]],
    config: Mapping[str, Any] | None = None,
) -> list[tuple[str, str | None]]:
    stack = [
        PolicyResource(
            t, unknown_checking_proxy(dict(p)), urn(t, n), n, OPTIONS, None, None, [], {}
        )
        for t, n, p in resources
    ]
    reported: list[tuple[str, str | None]] = []
    policy = POLICIES[rule_id]
    assert isinstance(policy, StackValidationPolicy)
    policy.validate(StackValidationArgs(stack, config), lambda m, u=None: reported.append((m, u)))
    return reported


@pytest.fixture(autouse=True)
def no_stack_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULUMI_STACK", raising=False)


def test_one_policy_per_rule_at_the_rules_severity() -> None:
    policies = build_policies()
    assert [p.name for p in policies] == [r.id for r in ALL_RULES]
    for rule, policy in zip(ALL_RULES, policies, strict=True):
        assert isinstance(
            policy,
            StackValidationPolicy if isinstance(rule, StackRule) else ResourceValidationPolicy,
        )
        assert policy.enforcement_level == EnforcementLevel(rule.severity.value)
        assert (policy.description, policy.remediation_steps) == (
            rule.description,
            rule.remediation,
        )
        assert policy.config_schema is CONFIG_SCHEMA


def test_resource_policy_reports_rule_messages() -> None:
    assert run_resource("rds-storage-encrypted", RDS_TYPE, RDS) == []
    assert run_resource(
        "rds-storage-encrypted", RDS_TYPE, edit(RDS, {"storageEncrypted": False})
    ) == ["storageEncrypted is not true: the database storage and its snapshots are unencrypted"]


def test_resource_policy_ignores_other_types() -> None:
    assert run_resource("rds-storage-encrypted", SG_TYPE, SG) == []


def test_engine_numbers_and_proxies_are_understood() -> None:
    world_ssh = edit(
        SG,
        {
            "ingress.1": {
                "protocol": "tcp",
                "fromPort": 22.0,
                "toPort": 22.0,
                "cidrBlocks": ["0.0.0.0/0"],
            }
        },
    )
    assert run_resource("security-group-no-world-ingress", SG_TYPE, world_ssh) == [
        "ingress[1] allows 0.0.0.0/0 on tcp 22-22; only tcp 443 may face the world"
    ]


def test_unknown_values_are_not_read_as_false() -> None:
    # During preview the engine turns this error into "can't run policy ... during preview".
    with pytest.raises(UnknownValueError):
        run_resource(
            "rds-storage-encrypted",
            RDS_TYPE,
            edit(RDS, {"storageEncrypted": UNKNOWN_BOOLEAN_VALUE}),
        )


def test_environment_from_config_then_stack_name_then_prod(monkeypatch: pytest.MonkeyPatch) -> None:
    single_az = edit(RDS, {"multiAz": False})
    assert run_resource("rds-multi-az-prod", RDS_TYPE, single_az) != []
    assert run_resource("rds-multi-az-prod", RDS_TYPE, single_az, {"environment": "dev"}) == []
    monkeypatch.setenv("PULUMI_STACK", "staging-eu-west-1")
    assert run_resource("rds-multi-az-prod", RDS_TYPE, single_az) == []
    assert run_resource("rds-multi-az-prod", RDS_TYPE, single_az, {"environment": "prod"}) != []


def test_required_tags_from_config_and_provider_default_tags() -> None:
    untagged = edit(RDS, {"tags": {}})
    assert run_resource("aws-required-tags", RDS_TYPE, untagged, {"requiredTags": []}) == []
    assert run_resource("aws-required-tags", RDS_TYPE, untagged, {"requiredTags": ["Owner"]}) == [
        "missing required tags: Owner"
    ]
    for encoded in (json.dumps({"tags": TAGS}), {"tags": TAGS}):
        provider = PolicyProviderResource(
            "pulumi:providers:aws", {"defaultTags": encoded}, "p", "p"
        )
        assert run_resource("aws-required-tags", RDS_TYPE, untagged, provider=provider) == []


def test_stack_policy_reports_against_the_resource() -> None:
    namespace = (NAMESPACE_TYPE, "acme", NAMESPACE)
    policy = (NETPOL_TYPE, "deny", DEFAULT_DENY)
    assert run_stack("k8s-tenant-namespace-guardrails", [namespace, policy]) == [
        ("namespace acme lacks a ResourceQuota, a LimitRange", urn(namespace[0], "acme"))
    ]
    replicated = (DEPLOYMENT_TYPE, "cron", edit(CRON, {"spec.replicas": 2.0}))
    assert run_stack("k8s-pdb-for-replicated-workloads", [replicated]) == [
        (
            "2 replicas but no PodDisruptionBudget in acme selects its pods",
            urn(DEPLOYMENT_TYPE, "cron"),
        )
    ]


def window(start: dt.date, end: dt.date) -> dict[str, str]:
    return {"name": "close", "start": start.isoformat(), "end": end.isoformat()}


def test_facts_policies_need_facts() -> None:
    # args.not_applicable() raises this; the engine records the policy as not applicable.
    with pytest.raises(_NotApplicableError):
        run_stack("prod-change-freeze", [])


def test_the_freeze_is_judged_on_the_day_of_the_preview_and_only_advises() -> None:
    day = dt.timedelta(days=1)
    frozen = {"stackFacts": {"residencyZone": "eu", "freezeWindows": [window(TODAY - day, TODAY)]}}
    assert run_stack("prod-change-freeze", [], frozen) == [
        (
            f"change freeze 'close' is active until {TODAY.isoformat()} and no override covers "
            "it: previews pass, `pulumi up` stops",
            None,
        )
    ]
    assert POLICIES["prod-change-freeze"].enforcement_level == EnforcementLevel.ADVISORY
    over = {
        "stackFacts": {
            "residencyZone": "eu",
            "freezeWindows": [window(TODAY - 2 * day, TODAY - day)],
        }
    }
    assert run_stack("prod-change-freeze", [], over) == []
    assert run_stack("prod-change-freeze", [], {**frozen, "environment": "dev"}) == []
    override = {"changeRef": "CHG-1", "reason": "approved by the CAB", "window": "close"}
    valid = {**frozen["stackFacts"], "freezeOverride": {**override, "expires": TODAY.isoformat()}}
    assert run_stack("prod-change-freeze", [], {"stackFacts": valid}) == []
    expired = {**valid, "freezeOverride": {**override, "expires": (TODAY - day).isoformat()}}
    assert len(run_stack("prod-change-freeze", [], {"stackFacts": expired})) == 1


def test_context_from_config() -> None:
    assert context_from_config({}) == StackContext()
    assert context_from_config({}, "acme/odoo-platform/dev-us-east-1") == StackContext(
        "dev", "us-east-1"
    )
    assert context_from_config({}, "sandbox").environment == "prod"
    provider = {"region": "eu-central-1", "defaultTags": json.dumps({"tags": {"Owner": "x"}})}
    context = context_from_config({"environment": "staging"}, "dev-eu-west-1", provider)
    assert (context.environment, context.region, dict(context.default_tags)) == (
        "staging",
        "eu-central-1",
        {"Owner": "x"},
    )


@pytest.mark.parametrize("day", ["2026-11-18", "2026-11-30", "2026-12-01", "2026-12-24"])
def test_the_facts_document_gives_the_pack_the_offline_context_on_any_day(day: str) -> None:
    config = load_stack_file(ROOT / "stacks" / "Pulumi.prod-eu-west-1.yaml")
    document = json.loads(json.dumps(facts_document(config)))
    on = dt.date.fromisoformat(day)
    offline = stack_context(config, on)
    pack = context_from_config(document, today=on)
    assert (pack.environment, pack.region, pack.required_tags, pack.facts) == (
        offline.environment,
        offline.region,
        offline.required_tags,
        offline.facts,
    )


def test_every_policy_reads_the_facts_written_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = {"stackFacts": {"residencyZone": "eu", "freezeWindows": [window(TODAY, TODAY)]}}
    (tmp_path / "facts.json").write_text(json.dumps(facts))
    monkeypatch.setenv(FACTS_ENV, str(tmp_path / "facts.json"))
    assert len(run_stack("prod-change-freeze", [])) == 1
    # a policy's own configuration wins over the shared document
    assert run_stack("prod-change-freeze", [], {"environment": "dev"}) == []


def test_example_config_names_policies_and_schema_properties() -> None:
    example = json.loads((POLICY_DIR / "config.example.json").read_text())
    allowed = set(CONFIG_SCHEMA.properties) | {"enforcementLevel"}
    for name, settings in example.items():
        assert name in POLICIES
        assert set(settings) <= allowed
        context_from_config(settings)


def test_pack_entry_point_builds_the_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    packs: list[dict[str, Any]] = []
    # PolicyPack serves gRPC forever; record its arguments instead.
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: packs.append(kwargs))
    runpy.run_path(str(POLICY_DIR / "__main__.py"))
    [pack] = packs
    assert pack["name"] == PACK_NAME
    assert [p.name for p in pack["policies"]] == [r.id for r in ALL_RULES]
    assert "runtime: python" in (POLICY_DIR / "PulumiPolicy.yaml").read_text()
    assert "odoo-platform[policy]==0.1.0" in (POLICY_DIR / "requirements.txt").read_text()


def struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(value)
    return result


def test_through_the_sdk_analyzer() -> None:
    # The SDK's analyzer servicer (private, but what the engine talks to over gRPC) runs the
    # real deserialization and configuration path without starting a server.
    analyzer = _PolicyAnalyzerServicer(
        PACK_NAME, "0.1.0", build_policies(), EnforcementLevel.MANDATORY
    )
    dev = proto.PolicyConfig(
        enforcementLevel=proto.MANDATORY, properties=struct({"environment": "dev"})
    )
    analyzer.Configure(
        proto.ConfigureAnalyzerRequest(policyConfig={"rds-multi-az-prod": dev}), None
    )
    lax = edit(RDS, {"multiAz": False, "deletionProtection": False, "backupRetentionPeriod": 3})
    request = proto.AnalyzeRequest(
        type=RDS_TYPE, properties=struct(lax), urn=urn(RDS_TYPE, "db"), name="db"
    )
    diagnostics = analyzer.Analyze(request, None).diagnostics
    assert [(d.policyName, d.message.splitlines()[-1]) for d in diagnostics] == [
        ("rds-deletion-protection-prod", "deletionProtection is not true in prod"),
        ("rds-backup-retention", "backupRetentionPeriod is 3 days; allowed in prod: 7 to 35 days"),
    ]
    assert {d.enforcementLevel for d in diagnostics} == {proto.MANDATORY}

    namespace = proto.AnalyzerResource(
        type=NAMESPACE_TYPE,
        properties=struct(NAMESPACE),
        urn=urn(NAMESPACE_TYPE, "acme"),
        name="acme",
    )
    stack = analyzer.AnalyzeStack(proto.AnalyzeStackRequest(resources=[namespace]), None)
    assert [(d.policyName, d.urn) for d in stack.diagnostics] == [
        ("k8s-tenant-namespace-guardrails", urn(NAMESPACE_TYPE, "acme"))
    ]
    assert {n.policy_name for n in stack.not_applicable} == {
        "tenant-regulated-dedicated",
        "tenant-residency-matches-region",
        "prod-change-freeze",
        "s3-bucket-has-public-access-block",  # no property dependencies were sent
    }


BLOCK_RULE = "s3-bucket-has-public-access-block"
NO_BLOCK = (
    "bucket {} has no BucketPublicAccessBlock: only account-level settings keep it from being "
    "made public"
)


def policy_resource(
    type_: str, name: str, props: Mapping[str, Any], **depends_on: list[PolicyResource]
) -> PolicyResource:
    # As the SDK builds them: every property has an entry, dependencies are resource objects.
    dependencies = {key: depends_on.get(key, []) for key in props}
    return PolicyResource(
        type_,
        unknown_checking_proxy(dict(props)),
        urn(type_, name),
        name,
        OPTIONS,
        None,
        None,
        [],
        dependencies,
    )


def validate_stack(rule_id: str, resources: list[PolicyResource]) -> list[tuple[str, str | None]]:
    reported: list[tuple[str, str | None]] = []
    policy = POLICIES[rule_id]
    assert isinstance(policy, StackValidationPolicy)
    policy.validate(StackValidationArgs(resources, {}), lambda m, u=None: reported.append((m, u)))
    return reported


def test_stack_view_maps_property_dependencies_to_urns() -> None:
    bucket = policy_resource(BUCKET_TYPE, "acme-backups", {"tags": TAGS})
    block = policy_resource(PAB_TYPE, "acme-backups-pab", PAB, bucket=[bucket])
    view = stack_view(block, PROD)
    assert (view.type, view.urn, view.context) == (PAB_TYPE, block.urn, PROD)
    assert view.props is block.props
    assert view.property_dependencies["bucket"] == (bucket.urn,)
    assert view.property_dependencies["blockPublicAcls"] == ()
    assert set(view.property_dependencies) == set(PAB)


def test_bucket_block_policy_follows_property_dependencies() -> None:
    backups = policy_resource(BUCKET_TYPE, "acme-backups", {"tags": TAGS})
    exports = policy_resource(BUCKET_TYPE, "acme-exports", {"tags": TAGS})
    block = policy_resource(PAB_TYPE, "acme-backups-pab", PAB, bucket=[backups])
    assert validate_stack(BLOCK_RULE, [backups, block]) == []
    assert validate_stack(BLOCK_RULE, [backups, exports, block]) == [
        (NO_BLOCK.format("acme-exports"), exports.urn)
    ]


def test_bucket_block_policy_is_not_applicable_without_property_dependencies() -> None:
    bucket = PolicyResource(
        BUCKET_TYPE, unknown_checking_proxy({}), urn(BUCKET_TYPE, "b"), "b", OPTIONS,
        None, None, [], {},
    )  # fmt: skip
    with pytest.raises(_NotApplicableError):
        validate_stack(BLOCK_RULE, [bucket])


def test_bucket_block_through_the_sdk_analyzer() -> None:
    # The SDK turns the engine's property dependency URNs into resource objects; the adapter
    # must turn them back.
    analyzer = _PolicyAnalyzerServicer(
        PACK_NAME, "0.1.0", build_policies(), EnforcementLevel.MANDATORY
    )
    analyzer.Configure(proto.ConfigureAnalyzerRequest(policyConfig={}), None)

    def resource(type_: str, name: str, props: Mapping[str, Any], **deps: str) -> Any:
        dependencies = {
            key: proto.AnalyzerPropertyDependencies(urns=[deps[key]] if key in deps else [])
            for key in props
        }
        return proto.AnalyzerResource(
            type=type_,
            properties=struct(props),
            urn=urn(type_, name),
            name=name,
            propertyDependencies=dependencies,
        )

    backups = resource(BUCKET_TYPE, "acme-backups", {"tags": TAGS})
    exports = resource(BUCKET_TYPE, "acme-exports", {"tags": TAGS})
    block = resource(PAB_TYPE, "acme-backups-pab", PAB, bucket=backups.urn)
    request = proto.AnalyzeStackRequest(resources=[backups, exports, block])
    diagnostics = analyzer.AnalyzeStack(request, None).diagnostics
    assert [(d.policyName, d.urn) for d in diagnostics if d.policyName == BLOCK_RULE] == [
        (BLOCK_RULE, exports.urn)
    ]
