"""TraefikIngress under the mocks harness: valid objects, chart values, TLS, IAM scope, DNS."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from odoo_platform.components.traefik import (
    ENTRY_POINT,
    STRONG_CIPHER_SUITES,
    WEBSOCKET_READ_TIMEOUT,
    AcmArgs,
    CertManagerArgs,
    TraefikIngress,
    TraefikIngressArgs,
    traefik_values,
)
from odoo_platform.config import PlatformConfig, parse_platform
from odoo_platform.config.catalog import LABEL_ENVIRONMENT, LABEL_OWNER, LABEL_TIER
from odoo_platform.config.tags import base_tags
from odoo_platform.platform.assembly.traefik import traefik_args
from odoo_platform.policies import ResourceView, StackContext, evaluate
from odoo_platform.testing import ProgramResult, run_program
from tests.k8s_validation import (
    assert_restricted,
    crd_schemas,
    pod_spec_of,
    validate_helm_values,
    validate_manifest,
)

OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123"
OIDC_ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123"
ZONE_ID = "Z0123456789ABC"
CERT_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
RELEASE = "kubernetes:helm.sh/v3:Release"
RECORD = "aws:route53/record:Record"
TLS_OPTION = "kubernetes:traefik.io/v1alpha1:TLSOption"
ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer"


def _tenant(slug: str, host: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "display_name": slug.title(),
        "tier": "shared",
        "image": "odoo:18.0-20251121",
        "hostnames": [host],
        "residency": "eu",
    }


PLATFORM: dict[str, Any] = {
    "organisation": "acme-group",
    "owner": "platform@acme.example",
    "cost_centre": "CC-1",
    "environment": "prod",
    "region": "eu-west-1",
    "residency": "eu",
    "landing_zone": {"vpc_cidr": "10.40.0.0/16"},
    "cluster": {
        "mode": "eks",
        "admin_role_arns": ["arn:aws:iam::111122223333:role/platform-admins"],
    },
    "shared_services": {
        "tls": {
            "mode": "cert-manager",
            "acme_email": "ops@acme.example",
            "route53_zone_id": ZONE_ID,
            "route53_zone_name": "erp.acme.example",
        }
    },
    "disaster_recovery": {"mode": "backup-restore", "dr_region": "eu-central-1"},
    "tenants": [
        _tenant("alpha-law", "alpha.erp.acme.example"),
        _tenant("gamma-tax", "gamma.erp.acme.example"),
    ],
}

PLATFORM_CONFIG = parse_platform(copy.deepcopy(PLATFORM))
Configure = Callable[..., PlatformConfig]


@pytest.fixture
def platform() -> Configure:
    """A valid configuration, changed by keyword: environment, tls, tenants."""

    def build(**changes: Any) -> PlatformConfig:
        data = copy.deepcopy(PLATFORM)
        if changes.get("environment") not in (None, "prod"):
            data.pop("disaster_recovery")
        data.update(changes)
        return parse_platform(data)

    return build


def _acm() -> dict[str, Any]:
    return {"mode": "acm", "certificate_arn": CERT_ARN, "route53_zone_id": ZONE_ID}


def _args(config: PlatformConfig) -> TraefikIngressArgs:
    return traefik_args(config, oidc_provider_arn=OIDC_ARN, oidc_issuer_url=OIDC_ISSUER)


def _run(config: PlatformConfig, name: str = "ingress") -> ProgramResult:
    def program() -> None:
        ingress = TraefikIngress(name, _args(config))
        pulumi.export("namespace", ingress.namespace)
        pulumi.export("service_name", ingress.service_name)
        pulumi.export("load_balancer_hostname", ingress.load_balancer_hostname)
        pulumi.export("entry_point", ingress.entry_point)
        pulumi.export("cluster_issuer_name", ingress.cluster_issuer_name)

    return run_program(program)


@pytest.fixture(scope="module")
def prod() -> ProgramResult:
    return _run(PLATFORM_CONFIG)


def _policy(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


# --- chart values ---


@pytest.mark.parametrize("environment", ["prod", "staging", "dev"])
@pytest.mark.parametrize("mode", ["cert-manager", "acm"])
def test_values_pass_the_chart_values_schema(
    platform: Configure, environment: str, mode: str
) -> None:
    tls = PLATFORM["shared_services"]["tls"] if mode == "cert-manager" else _acm()
    config = platform(environment=environment, shared_services={"tls": tls})
    validate_helm_values(
        "traefik", config.shared_services.traefik.chart_version, traefik_values(_args(config))
    )


def test_values_schema_check_catches_a_misspelt_key(platform: Configure) -> None:
    values = traefik_values(_args(platform()))
    values["providers"]["kubernetesCRD"]["allowCrossNamespaces"] = False
    with pytest.raises(AssertionError, match="allowCrossNamespaces"):
        validate_helm_values("traefik", "41.3.0", values)


def _seconds(duration: str | int) -> int:
    """Traefik durations: an integer of seconds or Go's `<n>s`/`<n>m`/`<n>h`."""
    if isinstance(duration, int):
        return duration
    units = {"s": 1, "m": 60, "h": 3600}
    return int(duration[:-1]) * units[duration[-1]]


def test_websecure_keeps_odoo_websockets_and_uploads_open(platform: Configure) -> None:
    """Traefik 3 closes a connection whose reading takes over 60 s by default: Odoo's
    /websocket (and large uploads) need far longer. The ServersTransport side is OdooTenant's."""
    websecure = traefik_values(_args(platform()))["ports"][ENTRY_POINT]
    timeouts = websecure["transport"]["respondingTimeouts"]
    assert _seconds(timeouts["readTimeout"]) >= 3600
    assert timeouts["readTimeout"] == WEBSOCKET_READ_TIMEOUT


def test_values_entry_points_headers_logs_metrics_and_providers(platform: Configure) -> None:
    values = traefik_values(_args(platform()))
    web, websecure = values["ports"]["web"], values["ports"][ENTRY_POINT]
    assert web["http"]["redirections"]["entryPoint"] == {
        "to": "websecure",
        "scheme": "https",
        "permanent": True,
    }
    assert websecure["http"]["tls"]["enabled"] is True
    for entry_point in (web, websecure):
        assert entry_point["forwardedHeaders"] == {
            "trustedIPs": ["10.40.0.0/16"],
            "insecure": False,
        }
        assert entry_point["proxyProtocol"]["trustedIPs"] == ["10.40.0.0/16"]
    assert values["log"]["format"] == "json"
    assert values["accessLog"]["enabled"] is True
    assert values["accessLog"]["format"] == "json"
    assert values["metrics"]["prometheus"]["entryPoint"] == "metrics"
    assert values["providers"]["kubernetesCRD"]["allowCrossNamespace"] is False
    assert values["providers"]["kubernetesCRD"]["allowExternalNameServices"] is False
    assert values["certificatesResolvers"] == {}  # Traefik's own ACME is not used
    assert values["persistence"] == {"enabled": False}
    assert values["ingressRoute"]["dashboard"]["enabled"] is False


def test_prod_and_dev_differ_in_replicas_disruption_budget_and_zone_spread(
    platform: Configure,
) -> None:
    prod = traefik_values(_args(platform()))
    dev = traefik_values(_args(platform(environment="dev")))
    assert prod["deployment"]["replicas"] == 2
    assert prod["podDisruptionBudget"] == {"enabled": True, "minAvailable": 1}
    assert dev["deployment"]["replicas"] == 1
    assert dev["podDisruptionBudget"] == {"enabled": False}
    zone = {c["topologyKey"]: c["whenUnsatisfiable"] for c in prod["topologySpreadConstraints"]}
    dev_zone = {c["topologyKey"]: c["whenUnsatisfiable"] for c in dev["topologySpreadConstraints"]}
    assert zone["topology.kubernetes.io/zone"] == "DoNotSchedule"
    assert dev_zone["topology.kubernetes.io/zone"] == "ScheduleAnyway"


def test_traefik_pod_from_the_values_is_valid_and_restricted(platform: Configure) -> None:
    """The chart's pod settings, as the Deployment would carry them, pass strict validation."""
    config = platform()
    values = traefik_values(_args(config))
    selector = {"app.kubernetes.io/name": "traefik"}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "traefik", "labels": values["commonLabels"]},
        "spec": {
            "replicas": values["deployment"]["replicas"],
            "selector": {"matchLabels": selector},
            "strategy": values["updateStrategy"],
            "template": {
                "metadata": {"labels": selector},
                "spec": {
                    "securityContext": values["podSecurityContext"],
                    "topologySpreadConstraints": values["topologySpreadConstraints"],
                    "containers": [
                        {
                            "name": "traefik",
                            "image": "docker.io/traefik:v3.7.11",
                            "securityContext": values["securityContext"],
                            "resources": values["resources"],
                        }
                    ],
                },
            },
        },
    }
    validate_manifest(deployment, config.cluster.kubernetes_version)
    pod_spec = pod_spec_of(deployment)
    assert pod_spec is not None
    assert_restricted(pod_spec)


def test_nlb_annotations_per_tls_mode(platform: Configure) -> None:
    cert_manager = traefik_values(_args(platform()))["service"]
    acm = traefik_values(_args(platform(shared_services={"tls": _acm()})))["service"]
    prefix = "service.beta.kubernetes.io/aws-load-balancer-"
    for service in (cert_manager, acm):
        assert service["spec"]["type"] == "LoadBalancer"
        assert service["annotations"][f"{prefix}type"] == "external"
        assert service["annotations"][f"{prefix}nlb-target-type"] == "ip"
        assert service["annotations"][f"{prefix}proxy-protocol"] == "*"
        tags = service["annotations"][f"{prefix}additional-resource-tags"]
        assert {"CostCentre=CC-1", "Environment=prod", "Tier=platform"} <= set(tags.split(","))
    assert f"{prefix}ssl-cert" not in cert_manager["annotations"]
    assert acm["annotations"][f"{prefix}ssl-cert"] == CERT_ARN
    assert acm["annotations"][f"{prefix}ssl-ports"] == ENTRY_POINT
    assert acm["annotations"][f"{prefix}backend-protocol"] == "ssl"


# --- declared resources ---


def test_every_kubernetes_object_is_valid(prod: ProgramResult) -> None:
    manifests = prod.manifests()
    assert {m["kind"] for m in manifests} == {"Namespace", "TLSOption", "ClusterIssuer"}
    for manifest in manifests:
        validate_manifest(manifest, PLATFORM_CONFIG.cluster.kubernetes_version)


def test_acm_mode_objects_are_valid_and_there_is_no_cert_manager(platform: Configure) -> None:
    result = _run(platform(shared_services={"tls": _acm()}))
    for manifest in result.manifests():
        validate_manifest(manifest, PLATFORM_CONFIG.cluster.kubernetes_version)
    assert not result.by_type(ISSUER)
    assert not result.by_type("aws:iam/role:Role")
    assert [r.inputs["chart"] for r in result.by_type(RELEASE)] == ["traefik"]
    assert result.outputs.get("cluster_issuer_name") is None
    [tls_option] = result.by_type(TLS_OPTION)
    assert tls_option.inputs["spec"]["sniStrict"] is False


def test_namespaces_enforce_restricted_pod_security_and_carry_labels(prod: ProgramResult) -> None:
    namespaces = [m for m in prod.manifests() if m["kind"] == "Namespace"]
    assert {n["metadata"]["name"] for n in namespaces} == {"traefik", "cert-manager"}
    for namespace in namespaces:
        labels = namespace["metadata"]["labels"]
        for mode in ("enforce", "audit", "warn"):
            assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"
        assert labels[LABEL_ENVIRONMENT] == "prod"
        assert labels[LABEL_TIER] == "platform"
        assert LABEL_OWNER in labels


def test_traefik_release_is_pinned_and_crds_are_applied_separately(prod: ProgramResult) -> None:
    release = prod.named("ingress-traefik", RELEASE)
    crds = prod.named("ingress-crds", "kubernetes:yaml/v2:ConfigGroup")
    assert release.inputs["version"] == "41.3.0"
    assert release.inputs["chart"] == "traefik"
    assert release.inputs["repositoryOpts"]["repo"] == "https://traefik.github.io/charts"
    assert release.inputs["skipCrds"] is True
    assert release.inputs["namespace"] == "traefik"
    assert crds.urn in release.dependencies
    files = crds.inputs["files"]
    assert all("/traefik-helm-chart/v41.3.0/traefik/crds/" in url for url in files)
    # every Traefik kind whose schema we validate against is among the applied CRDs
    shipped = {
        url.rsplit("/", 1)[1].removeprefix("traefik.io_").removesuffix(".yaml") for url in files
    }
    traefik_kinds = {
        kind.lower() + "s" for group, kind in crd_schemas() if group.startswith("traefik.io/")
    }
    assert traefik_kinds <= shipped
    assert {"ingressroutetcps", "middlewaretcps", "serverstransporttcps"} <= shipped


def test_release_values_are_the_validated_values(prod: ProgramResult) -> None:
    release = prod.named("ingress-traefik", RELEASE)
    validate_helm_values("traefik", "41.3.0", release.inputs["values"])
    assert release.inputs["values"]["deployment"]["replicas"] == 2


def test_tls_option_is_the_global_default_with_tls12_and_strong_ciphers(
    prod: ProgramResult,
) -> None:
    [option] = prod.by_type(TLS_OPTION)
    assert option.inputs["metadata"]["name"] == "default"
    assert option.inputs["metadata"]["namespace"] == "traefik"
    spec = option.inputs["spec"]
    assert spec["minVersion"] == "VersionTLS12"
    assert spec["sniStrict"] is True
    assert spec["cipherSuites"] == list(STRONG_CIPHER_SUITES)
    for suite in spec["cipherSuites"]:
        assert suite.startswith("TLS_ECDHE_")
        assert "GCM" in suite or "CHACHA20_POLY1305" in suite
        assert "CBC" not in suite and "RC4" not in suite and "3DES" not in suite


def test_cert_manager_role_trusts_only_its_service_account(prod: ProgramResult) -> None:
    [role] = prod.by_type("aws:iam/role:Role")
    [statement] = _policy(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Federated": OIDC_ARN}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    issuer = OIDC_ISSUER.removeprefix("https://")
    assert statement["Condition"]["StringEquals"] == {
        f"{issuer}:sub": "system:serviceaccount:cert-manager:cert-manager",
        f"{issuer}:aud": "sts.amazonaws.com",
    }
    assert role.inputs["tags"] == {"Tier": "platform"}


def test_cert_manager_policy_is_limited_to_the_zone(prod: ProgramResult) -> None:
    [policy] = prod.by_type("aws:iam/rolePolicy:RolePolicy")
    statements = _policy(policy.inputs["policy"])["Statement"]
    by_action = {s["Action"]: s for s in statements}
    assert set(by_action) == {
        "route53:GetChange",
        "route53:ListResourceRecordSets",
        "route53:ChangeResourceRecordSets",
    }
    zone_arn = f"arn:aws:route53:::hostedzone/{ZONE_ID}"
    assert by_action["route53:ListResourceRecordSets"]["Resource"] == zone_arn
    change = by_action["route53:ChangeResourceRecordSets"]
    assert change["Resource"] == zone_arn
    assert change["Condition"]["ForAllValues:StringEquals"] == {
        "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]
    }
    assert by_action["route53:GetChange"]["Resource"] == "arn:aws:route53:::change/*"
    assert all(s["Effect"] == "Allow" and s["Resource"] != "*" for s in statements)


def test_cert_manager_release_and_cluster_issuer(prod: ProgramResult) -> None:
    release = prod.named("ingress-cert-manager", RELEASE)
    assert release.inputs["version"] == "v1.19.1"
    assert release.inputs["repositoryOpts"]["repo"] == "https://charts.jetstack.io"
    values = release.inputs["values"]
    assert values["crds"] == {"enabled": True, "keep": True}
    assert values["replicaCount"] == 2
    assert values["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"].startswith(
        "arn:aws:iam::"
    )
    issuer = prod.named("ingress-cluster-issuer", ISSUER)
    assert release.urn in issuer.dependencies
    acme = issuer.inputs["spec"]["acme"]
    assert acme["email"] == "ops@acme.example"
    assert acme["server"] == "https://acme-v02.api.letsencrypt.org/directory"
    [solver] = acme["solvers"]
    assert solver["dns01"]["route53"] == {"hostedZoneID": ZONE_ID}
    assert solver["selector"] == {"dnsZones": ["erp.acme.example"]}
    assert prod.outputs["cluster_issuer_name"] == issuer.inputs["metadata"]["name"]


def test_outputs(prod: ProgramResult) -> None:
    assert prod.outputs["namespace"] == "traefik"
    assert prod.outputs["service_name"] == "traefik"
    assert prod.outputs["entry_point"] == "websecure"
    assert prod.outputs["load_balancer_hostname"].endswith(".elb.eu-west-1.amazonaws.com")


def test_the_ingress_knows_no_tenants(platform: Configure, prod: ProgramResult) -> None:
    """Tenants declare their own DNS records (OdooTenant): the ingress takes no tenant, so
    adding, suspending or offboarding one changes nothing here."""
    assert not {"hostnames", "dns_zone_id"} & {
        f.name for f in dataclasses.fields(TraefikIngressArgs)
    }
    assert prod.by_type(RECORD) == []
    alpha, gamma = PLATFORM["tenants"]
    tenants = [
        _tenant("beta-audit", "beta.erp.acme.example"),
        {**alpha, "state": "offboarded", "offboarding": {"requested_on": "2026-01-01"}},
        {**gamma, "state": "suspended"},
    ]
    assert _run(platform(tenants=tenants)).urns() == prod.urns()


def test_crds_are_protected_in_prod_only(platform: Configure, prod: ProgramResult) -> None:
    assert prod.named("ingress-crds").protect is True
    dev = _run(platform(environment="dev"))
    assert dev.named("ingress-crds").protect is False


def test_chart_labels_leave_the_chart_own_labels_alone(prod: ProgramResult) -> None:
    """A label the chart also sets would be a duplicate key in its rendered manifests."""
    values = prod.named("ingress-traefik", RELEASE).inputs["values"]
    assert values["commonLabels"][LABEL_ENVIRONMENT] == "prod"
    assert not any(key.startswith("app.kubernetes.io/") for key in values["commonLabels"])


@pytest.mark.parametrize("environment", ["prod", "dev"])
@pytest.mark.parametrize("mode", ["cert-manager", "acm"])
def test_declared_resources_pass_the_platform_policies(
    platform: Configure, environment: str, mode: str
) -> None:
    tls = PLATFORM["shared_services"]["tls"] if mode == "cert-manager" else _acm()
    config = platform(environment=environment, shared_services={"tls": tls})
    context = StackContext(
        environment=config.environment, region=config.region, default_tags=base_tags(config)
    )
    views = [ResourceView(r.type, r.urn, r.inputs, context) for r in _run(config).resources]
    assert [f"{f.rule_id} {f.name}: {f.message}" for f in evaluate(views, context)] == []


def test_oidc_settings_may_be_outputs_of_another_component(platform: Configure) -> None:
    """The cluster component hands over Outputs; the trust policy resolves them."""
    config = platform()

    def program() -> None:
        provider = aws.iam.OpenIdConnectProvider(
            "cluster-oidc", url=OIDC_ISSUER, client_id_lists=["sts.amazonaws.com"]
        )
        args = traefik_args(config, oidc_provider_arn=provider.arn, oidc_issuer_url=provider.url)
        TraefikIngress("ingress", args)

    result = run_program(program)
    [role] = result.by_type("aws:iam/role:Role")
    provider = result.named("cluster-oidc")
    [statement] = _policy(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"]["Federated"] == provider.outputs["arn"]
    assert provider.urn in role.dependencies


def test_two_instances_do_not_collide(platform: Configure) -> None:
    config = platform()

    def program() -> None:
        TraefikIngress("blue", _args(config))
        TraefikIngress("green", _args(config))

    result = run_program(program)
    assert len(result.urns()) == len(result.resources)


def test_every_child_is_parented_under_the_component(prod: ProgramResult) -> None:
    [component] = prod.by_type("odoo-platform:index:TraefikIngress")
    descendants = {r.urn for r in prod.descendants(component)}
    assert descendants == {r.urn for r in prod.resources} - {component.urn}
    assert all(r.name.startswith("ingress-") for r in prod.descendants(component))


def test_cert_manager_mode_needs_the_oidc_provider(platform: Configure) -> None:
    with pytest.raises(ValueError, match="OIDC"):
        traefik_args(platform())


def test_args_are_plain_and_usable_without_config() -> None:
    args = TraefikIngressArgs(vpc_cidr="10.0.0.0/16", tls=AcmArgs(certificate_arn=CERT_ARN))
    assert traefik_values(args)["deployment"]["replicas"] == 1
    assert isinstance(
        CertManagerArgs("a@b.example", ZONE_ID, "b.example", OIDC_ARN, OIDC_ISSUER).namespace, str
    )
    with pytest.raises(ValueError, match="replicas"):
        TraefikIngressArgs(vpc_cidr="10.0.0.0/16", tls=AcmArgs(CERT_ARN), replicas=0)
    with pytest.raises(ValueError, match="may not contain"):
        TraefikIngressArgs(
            vpc_cidr="10.0.0.0/16", tls=AcmArgs(CERT_ARN), load_balancer_tags={"a": "b,c"}
        )


# --- the shared validation helpers can fail ---


def test_validators_reject_invalid_objects() -> None:
    tls_option = {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "TLSOption",
        "metadata": {"name": "default"},
        "spec": {"minVersoin": "VersionTLS12"},
    }
    with pytest.raises(AssertionError, match="minVersoin"):
        validate_manifest(tls_option, "1.33")
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "Bad_Name"}}
    with pytest.raises(AssertionError, match="DNS subdomain"):
        validate_manifest(namespace, "1.33")
    with pytest.raises(AssertionError, match="unexpected"):
        validate_manifest({**namespace, "metadata": {"name": "ok"}, "specs": {}}, "1.33")
    with pytest.raises(AssertionError, match="no CRD schema"):
        validate_manifest(
            {"apiVersion": "x.example/v1", "kind": "X", "metadata": {"name": "x"}}, "1.33"
        )
    with pytest.raises(AssertionError, match="runAsNonRoot"):
        assert_restricted({"containers": [{"name": "c", "image": "busybox:1"}]})
