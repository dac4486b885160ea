"""examples/tenant-stack: a tenant added from another stack, on outputs of a real platform run.

The platform program runs once under the harness; its exported outputs answer the example's
StackReference (kubeconfig secret, as the service marks it).
"""

from __future__ import annotations

import json
import runpy
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml

from odoo_platform.config import ConfigError, TenantConfig
from odoo_platform.config.catalog import TAG_ENVIRONMENT, TAG_OWNER
from odoo_platform.platform.external_tenant import ExternalTenantArgs
from odoo_platform.platform.outputs import NESTED_OUTPUT_KEYS, OUTPUT_NAMES
from odoo_platform.platform.reference import PlatformReference
from odoo_platform.platform.regional import build_platform
from odoo_platform.synthesis import harness as synthesis_harness
from odoo_platform.testing import (
    PlatformMocks,
    ProgramResult,
    RecordingMonitor,
    manifest,
    run_program,
    stack_config,
)
from tests.k8s_validation import assert_restricted, pod_spec_of, validate_manifest
from tests.platform.composition import TODAY, tenant, with_tenants

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tenant-stack"
PROJECT = yaml.safe_load((EXAMPLE / "Pulumi.yaml").read_text())["name"]
EXAMPLE_CONFIG, _ = stack_config(EXAMPLE / "Pulumi.example.yaml")
PLATFORM_STACK = EXAMPLE_CONFIG[f"{PROJECT}:platform_stack"]
SLUG = json.loads(EXAMPLE_CONFIG[f"{PROJECT}:tenant"])["slug"]
SELF = f"organization/{PROJECT}/example"  # the example's own stack, as the harness names it
K8S_PROVIDER = "pulumi:providers:kubernetes"
AWS_PROVIDER = "pulumi:providers:aws"
RECORD = "aws:route53/record:Record"


@pytest.fixture(scope="module")
def platform() -> ProgramResult:
    """A prod platform with one shared tenant, run (not previewed) so every output is known."""
    config = with_tenants(tenant("alpha-law"))
    return run_program(
        lambda: build_platform(config, TODAY),
        config={"aws:region": config.region},
        stack="prod-eu-west-1",
    )


def run_example(
    outputs: dict[str, Any],
    secret: list[str] | None = None,
    extra_config: dict[str, str] | None = None,
    previous: dict[str, Any] | None = None,
    **settings: Any,
) -> ProgramResult:
    """The example's __main__.py with its example stack config (overridden by `settings`);
    `previous`: the outputs of this tenant stack's last deployment (None: never deployed)."""
    config = {**EXAMPLE_CONFIG, **(extra_config or {})}
    for key, value in settings.items():
        config[f"{PROJECT}:{key}"] = value if isinstance(value, str) else json.dumps(value)
    platform_stack = config[f"{PROJECT}:platform_stack"]
    mocks = PlatformMocks(
        stack_outputs={platform_stack: outputs, SELF: previous or {}},
        secret_stack_outputs={platform_stack: ["kubeconfig"] if secret is None else secret},
    )
    return run_program(
        lambda: runpy.run_path(str(EXAMPLE / "__main__.py"), run_name="__main__"),
        config=config,
        project=PROJECT,
        stack="example",
        mocks=mocks,
    )


@pytest.fixture(scope="module")
def example(platform: ProgramResult) -> ProgramResult:
    return run_example(platform.outputs)


def example_tenant(**changes: Any) -> dict[str, Any]:
    return {**json.loads(EXAMPLE_CONFIG[f"{PROJECT}:tenant"]), **changes}


def test_platform_exports_what_the_reference_reads(platform: ProgramResult) -> None:
    assert set(platform.outputs) - {"summary"} <= set(OUTPUT_NAMES)
    for name, keys in NESTED_OUTPUT_KEYS.items():
        assert set(platform.outputs[name]) == keys, name
    assert "kubeconfig" in platform.secret_outputs


def test_tenant_objects_are_declared_on_the_platforms_cluster(
    platform: ProgramResult, example: ProgramResult
) -> None:
    (cluster,) = example.by_type(K8S_PROVIDER)
    assert cluster.inputs["kubeconfig"] == platform.outputs["kubeconfig"]
    assert cluster.is_secret("kubeconfig")
    objects = [r for r in example.resources if r.custom and r.type.startswith("kubernetes:")]
    assert objects
    assert {r.provider for r in objects} == {cluster.urn}


def test_aws_resources_use_a_provider_in_the_platforms_region(
    platform: ProgramResult, example: ProgramResult
) -> None:
    (aws,) = example.by_type(AWS_PROVIDER)
    assert aws.inputs["region"] == platform.outputs["region"]
    tags = json.loads(aws.inputs["defaultTags"])["tags"]  # providers get nested inputs as JSON
    assert tags[TAG_OWNER] == EXAMPLE_CONFIG[f"{PROJECT}:owner"]
    assert tags[TAG_ENVIRONMENT] == platform.outputs["environment"]
    created = [r for r in example.resources if r.custom and r.type.startswith("aws:")]
    assert {r.type for r in created} >= {"aws:iam/role:Role", "aws:efs/accessPoint:AccessPoint"}
    assert {r.provider for r in created} == {aws.urn}
    access_point = next(r for r in created if r.type == "aws:efs/accessPoint:AccessPoint")
    assert access_point.inputs["fileSystemId"] == platform.outputs["file_system_id"]


def test_namespace_database_and_odoo_carry_the_tenants_names(example: ProgramResult) -> None:
    namespace = example.named(f"{SLUG}-ns-ns", "kubernetes:core/v1:Namespace")
    assert namespace.inputs["metadata"]["name"] == f"odoo-{SLUG}"
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == (
        "restricted"
    )
    database = example.named(f"{SLUG}-db", "odoo-platform:index:TenantDatabase")
    odoo = example.named(f"{SLUG}-odoo", "odoo-platform:index:OdooTenant")
    outer = example.named(SLUG, "odoo-platform:index:ExternalTenant")
    assert database.parent == outer.urn and odoo.parent == outer.urn
    assert example.outputs["namespace"] == f"odoo-{SLUG}"
    assert example.outputs["database"] == SLUG.replace("-", "_")
    web = [
        m
        for m in example.manifests()
        if m["kind"] == "Deployment" and m["metadata"]["namespace"] == f"odoo-{SLUG}"
    ]
    assert web


def test_database_job_runs_in_the_referenced_admin_namespace(
    platform: ProgramResult, example: ProgramResult
) -> None:
    server = platform.outputs["shared_database"]
    (job,) = [m for m in example.manifests() if m["kind"] == "Job" and "bootstrap" in str(m)]
    assert job["metadata"]["namespace"] == server["admin_namespace"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["envFrom"] == [{"secretRef": {"name": server["admin_secret_name"]}}]
    # the admin Secret (with the server's address) and the Job stay in the admin namespace
    in_admin = [m for m in example.manifests() if m["kind"] in ("Secret", "ConfigMap", "Job")]
    assert {m["metadata"]["namespace"] for m in in_admin} >= {server["admin_namespace"]}


def test_backups_go_to_the_shared_bucket_under_the_tenants_prefix(
    platform: ProgramResult, example: ProgramResult
) -> None:
    bucket_arn = platform.outputs["shared_backups"]["bucket_arn"]
    policies = example.by_type("aws:iam/rolePolicy:RolePolicy")  # backup writer, restore check
    assert len(policies) == 2
    for policy in policies:
        resources = json.dumps(json.loads(policy.inputs["policy"]))
        assert f"{bucket_arn}/" in resources and SLUG in resources
        assert f'"{bucket_arn}/*"' not in resources  # never the whole bucket


def test_ingress_route_attaches_to_the_platforms_entry_point_and_issuer(
    platform: ProgramResult, example: ProgramResult
) -> None:
    ingress = platform.outputs["ingress"]
    (route,) = [m for m in example.manifests() if m["kind"] == "IngressRoute"]
    assert route["spec"]["entryPoints"] == [ingress["entry_point"]]
    (certificate,) = [m for m in example.manifests() if m["kind"] == "Certificate"]
    assert certificate["spec"]["issuerRef"]["name"] == ingress["cluster_issuer"]


def test_the_tenants_host_names_get_records_in_the_platforms_zone(
    platform: ProgramResult, example: ProgramResult
) -> None:
    ingress = platform.outputs["ingress"]
    assert ingress["dns_zone_id"]
    (aws,) = example.by_type(AWS_PROVIDER)
    odoo = example.named(f"{SLUG}-odoo", "odoo-platform:index:OdooTenant")
    records = example.by_type(RECORD)
    assert sorted(r.inputs["name"] for r in records) == sorted(example_tenant()["hostnames"])
    for record in records:
        assert record.parent == odoo.urn
        assert record.provider == aws.urn
        assert record.inputs["zoneId"] == ingress["dns_zone_id"]
        assert record.inputs["type"] == "CNAME"
        assert record.inputs["records"] == [ingress["load_balancer_hostname"]]


def test_a_platform_without_a_dns_zone_is_refused_naming_the_setting(
    platform: ProgramResult,
) -> None:
    outputs = {**platform.outputs, "ingress": {**platform.outputs["ingress"], "dns_zone_id": None}}
    with pytest.raises(Exception, match=rf"{PLATFORM_STACK}.*no Route53 zone.*dns_from_platform"):
        run_example(outputs)


def test_kubeconfig_stays_secret_and_is_not_exported(example: ProgramResult) -> None:
    assert set(example.outputs) == {"namespace", "database", "hostnames", "tenants"}
    assert not example.secret_outputs


def test_a_missing_required_output_fails_naming_it_and_the_stack(platform: ProgramResult) -> None:
    outputs = {k: v for k, v in platform.outputs.items() if k != "shared_database"}
    with pytest.raises(Exception, match=rf"{PLATFORM_STACK}.*'shared_database'.*shared"):
        run_example(outputs)


def test_a_platform_in_another_residency_is_refused(platform: ProgramResult) -> None:
    with pytest.raises(Exception, match=r"residency is 'eu'.*requires 'us'"):
        run_example(platform.outputs, tenant=example_tenant(residency="us"))


def test_a_slug_the_platform_already_hosts_is_refused_before_anything_reaches_the_cluster(
    platform: ProgramResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monitors: list[RecordingMonitor] = []

    class Recording(RecordingMonitor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            monitors.append(self)

    monkeypatch.setattr(synthesis_harness, "RecordingMonitor", Recording)
    taken = example_tenant(slug="alpha-law", hostnames=["alpha2.erp.acme.example"])
    with pytest.raises(Exception, match=r"already hosts a tenant 'alpha-law'"):
        run_example(platform.outputs, tenant=taken)
    (monitor,) = monitors
    declared = {r.type for r in monitor.recorded.values()}
    assert not {t for t in declared if t.startswith("kubernetes:")}, declared


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"tier": "dedicated"}, "tier"),
        ({"regulated": True}, "regulated"),
        ({"sessions_in_redis": True}, "sessions_in_redis"),
        ({"state": "offboarded", "offboarding": {"requested_on": "2026-11-01"}}, "state"),
    ],
)
def test_what_another_stack_cannot_place_is_refused_before_anything_is_declared(
    changes: dict[str, Any], key: str
) -> None:
    tenant_config = TenantConfig.model_validate(example_tenant(**changes))
    with pytest.raises(ConfigError, match=rf"tenant\.{SLUG}\.{key}"):
        ExternalTenantArgs(
            platform=None,  # type: ignore[arg-type]  # refused before the platform is read
            tenant=tenant_config,
            owner="o",
            cost_centre="c",
            environment="prod",
        )


def test_an_invalid_tenant_setting_is_named_by_its_key(platform: ProgramResult) -> None:
    with pytest.raises(ConfigError, match=r"tenant\.image"):
        run_example(platform.outputs, tenant=example_tenant(image="odoo:latest"))


def test_unknown_output_names_are_refused_at_once() -> None:
    def program() -> None:
        PlatformReference("platform", PLATFORM_STACK).output("database_password")

    with pytest.raises(KeyError, match="not a platform output"):
        run_program(program, mocks=PlatformMocks(stack_outputs={PLATFORM_STACK: {}}))


def test_the_kubeconfig_is_secret_wherever_it_is_an_input(
    platform: ProgramResult, example: ProgramResult
) -> None:
    kubeconfig = platform.outputs["kubeconfig"]
    holders = [
        (r, key) for r in example.resources for key, v in r.inputs.items() if v == kubeconfig
    ]
    assert holders
    assert all(r.is_secret(key) for r, key in holders)


def test_every_object_is_valid_for_the_platforms_kubernetes_version(
    platform: ProgramResult, example: ProgramResult
) -> None:
    version = platform.outputs["kubernetes_version"]
    objects = [r for r in example.resources if r.custom and r.type.startswith("kubernetes:")]
    for resource in objects:
        obj = manifest(resource)
        # objects without a name are auto-named by the provider, as the mocks' outputs show
        obj["metadata"].setdefault("name", resource.outputs["metadata"]["name"])
        validate_manifest(obj, version)
        pod_spec = pod_spec_of(obj)
        if pod_spec is not None:
            assert_restricted(pod_spec)


def test_egress_reaches_the_platforms_database_subnets_and_file_system(
    platform: ProgramResult, example: ProgramResult
) -> None:
    (egress,) = [
        m
        for m in example.manifests()
        if m["kind"] == "NetworkPolicy"
        and "Egress" in m["spec"]["policyTypes"]
        and m["spec"].get("egress")
    ]
    blocks = {
        (peer["ipBlock"]["cidr"], port["port"])
        for rule in egress["spec"]["egress"]
        for peer in rule.get("to", [])
        if "ipBlock" in peer
        for port in rule["ports"]
    }
    for cidr in platform.outputs["database_cidrs"]:
        assert (cidr, 5432) in blocks
    assert (platform.outputs["vpc_cidr"], 2049) in blocks


def test_a_tenant_of_another_stack_sends_through_its_own_relay(platform: ProgramResult) -> None:
    relay = {
        "mode": "smtp",
        "host": "smtp.relay.example",
        "user": "erp@acme.example",
        "password_secret_key": "exampleSmtpPassword",
        "from_filter": "acme.example",
        "egress_cidrs": ["198.51.100.0/24"],
    }
    result = run_example(
        platform.outputs,
        extra_config={"odoo-platform:exampleSmtpPassword": "relay-secret"},
        tenant=example_tenant(mail=relay),
    )
    assert result.errors() == []
    named = {(m["kind"], m["metadata"].get("name")): m for m in result.manifests()}
    secret = named[("Secret", "odoo-smtp")]
    assert secret["stringData"] == {"user": "erp@acme.example", "password": "relay-secret"}
    policy = named[("NetworkPolicy", "odoo-egress")]
    smtp = [r for r in policy["spec"]["egress"] if {"protocol": "TCP", "port": 587} in r["ports"]]
    assert smtp == [{"to": [{"ipBlock": {"cidr": "198.51.100.0/24"}}], "ports": smtp[0]["ports"]}]


def test_the_examples_requirements_are_pinned_to_the_tested_versions() -> None:
    root = Path(__file__).resolve().parents[1]
    tested = {
        name.lower().replace("_", "-"): version
        for name, _, version in (
            line.partition("==") for line in (root / "constraints.txt").read_text().splitlines()
        )
        if version
    }
    lines = (root / "examples" / "tenant-stack" / "requirements.txt").read_text().splitlines()
    pins = [line for line in lines if line.strip() and not line.startswith("#")]
    assert pins
    for pin in pins:
        name, _, version = pin.partition("==")
        assert version, f"{pin}: not pinned"
        if name == "odoo-platform":
            assert version == metadata.version("odoo-platform")
        else:
            assert tested[name.lower()] == version, pin
