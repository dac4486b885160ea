"""OdooTenant under the mocks harness: valid objects, Odoo runtime rules, stable identities."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from odoo_platform.components.cluster import dedicated_node_selector, dedicated_tolerations
from odoo_platform.components.landing_zone import LandingZone, LandingZoneArgs
from odoo_platform.components.odoo_tenant import (
    CONF_HASH_ANNOTATION,
    OdooTenantArgs,
    backup_schedule,
)
from odoo_platform.config.catalog import SIZE_PROFILES
from odoo_platform.config.models import Offboarding, PlatformConfig
from odoo_platform.config.tags import base_tags
from odoo_platform.odoo import conf as odoo_conf
from odoo_platform.odoo import redis_acl
from odoo_platform.odoo.scripts import SCRIPT_ENV
from odoo_platform.policies import ResourceView, StackContext, evaluate
from odoo_platform.policies.kubernetes import restricted_violations
from odoo_platform.testing.harness import ProgramResult, RecordedResource, run_program
from tests.components.infra_fixtures import cluster_on
from tests.components.tenant_programs import (
    BUCKET_ARN,
    KMS_ARN,
    declare,
    infra,
    run_args,
    run_tenants,
    sample_config,
    tenant,
    with_tenant,
)
from tests.k8s_validation import assert_restricted, pod_spec_of, validate_manifest

K8S_VERSION = sample_config().cluster.kubernetes_version
SLUGS = ("nb-consulting", "brightwater-hr", "nb-training", "halden-law", "nb-upgrade-lab")
Manifest = dict[str, Any]


@pytest.fixture(scope="module")
def result() -> ProgramResult:
    config = sample_config()
    return run_tenants(config, [tenant(config, slug) for slug in SLUGS])


def in_ns(result: ProgramResult, slug: str, kind: str) -> list[Manifest]:
    return [
        m
        for m in result.manifests()
        if m["kind"] == kind and m["metadata"].get("namespace") == f"odoo-{slug}"
    ]


def named(result: ProgramResult, slug: str, kind: str, name: str) -> Manifest:
    (found,) = [m for m in in_ns(result, slug, kind) if m["metadata"]["name"] == name]
    return found


def component(result: ProgramResult, slug: str, kind: str, part: str) -> list[Manifest]:
    return [
        m
        for m in in_ns(result, slug, kind)
        if m["metadata"]["labels"].get("app.kubernetes.io/component") == part
    ]


def containers(pod: Manifest) -> Iterator[Manifest]:
    yield from pod.get("initContainers", [])
    yield from pod["containers"]


def conf_text(result: ProgramResult, slug: str, role: str) -> str:
    (conf_map,) = [
        m
        for m in in_ns(result, slug, "ConfigMap")
        if m["metadata"]["name"].startswith("odoo-conf-")
    ]
    return str(conf_map["data"][f"{role}.conf"])


def options(text: str) -> dict[str, str]:
    return dict(line.split(" = ", 1) for line in text.splitlines() if " = " in line)


# -- validity -----------------------------------------------------------------------------------


def test_no_errors_and_every_object_is_valid(result: ProgramResult) -> None:
    assert result.errors() == []
    kinds = {m["kind"] for m in result.manifests()}
    assert {"IngressRoute", "Middleware", "Certificate", "CronJob", "Job"} <= kinds
    for manifest in result.manifests():
        validate_manifest(manifest, K8S_VERSION)


def test_every_pod_template_is_restricted(result: ProgramResult) -> None:
    pods = [p for m in result.manifests() if (p := pod_spec_of(m)) is not None]
    assert len(pods) == len(SLUGS) * 5  # web, cron, init Job, backup, restore-check
    for pod in pods:
        assert_restricted(pod)
        assert restricted_violations(pod) == []
        for container in containers(pod):
            assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_odoo_runs_as_the_official_images_user(result: ProgramResult) -> None:
    for slug, uid in (("brightwater-hr", 101), ("nb-consulting", 100), ("nb-training", 100)):
        web = named(result, slug, "Deployment", "odoo-web")
        assert web["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == uid
    access_point = result.named("odoo-brightwater-hr-filestore-ap")
    assert access_point.inputs["posixUser"] == {"uid": 101, "gid": 101}


# -- Odoo runtime rules -------------------------------------------------------------------------


def test_websocket_path_port_service_and_network_policy_agree(result: ProgramResult) -> None:
    slug = "nb-consulting"
    (route,) = in_ns(result, slug, "IngressRoute")
    (websocket,) = [r for r in route["spec"]["routes"] if "PathPrefix(`/websocket`)" in r["match"]]
    assert [s["port"] for s in websocket["services"]] == [8072]
    middlewares = {m["name"] for m in websocket["middlewares"]}
    assert not {"odoo-request-size", "odoo-rate-limit"} & middlewares
    kinds = {
        m["metadata"]["name"]: next(iter(m["spec"])) for m in in_ns(result, slug, "Middleware")
    }
    assert not {"buffering", "compress"} & {kinds[name] for name in middlewares}

    service = named(result, slug, "Service", "odoo")
    ports = {p["name"]: p for p in service["spec"]["ports"]}
    assert ports["websocket"]["port"] == 8072 and ports["websocket"]["targetPort"] == "websocket"
    web = named(result, slug, "Deployment", "odoo-web")
    (odoo,) = web["spec"]["template"]["spec"]["containers"]
    assert {p["name"]: p["containerPort"] for p in odoo["ports"]} == {
        "http": 8069,
        "websocket": 8072,
    }
    assert (
        service["spec"]["selector"].items() <= web["spec"]["template"]["metadata"]["labels"].items()
    )

    policy = named(result, slug, "NetworkPolicy", "odoo-from-traefik")
    (rule,) = policy["spec"]["ingress"]
    assert sorted(p["port"] for p in rule["ports"]) == [8069, 8072]
    assert rule["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "traefik"}}}
    ]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= (
        web["spec"]["template"]["metadata"]["labels"].items()
    )
    assert options(conf_text(result, slug, "web"))["gevent_port"] == "8072"


def test_web_pods_have_no_cron_threads_and_cron_runs_once(result: ProgramResult) -> None:
    for slug in SLUGS:
        assert options(conf_text(result, slug, "web"))["max_cron_threads"] == "0"
        assert int(options(conf_text(result, slug, "cron"))["max_cron_threads"]) >= 1
        workloads = [
            m
            for kind in ("Deployment", "StatefulSet", "CronJob")
            for m in component(result, slug, kind, "cron")
        ]
        assert len(workloads) == 1
        (cron,) = workloads
        assert cron["spec"]["strategy"] == {"type": "Recreate"}
        (odoo,) = cron["spec"]["template"]["spec"]["containers"]
        assert "--no-http" in odoo["command"]
        assert "exec" in odoo["livenessProbe"] and "httpGet" not in odoo["livenessProbe"]
        render = cron["spec"]["template"]["spec"]["initContainers"][0]
        assert "/etc/odoo-platform/cron.conf" in render["command"][-1]


def test_web_probes_on_web_health(result: ProgramResult) -> None:
    for slug in SLUGS:
        web = named(result, slug, "Deployment", "odoo-web")
        (odoo,) = web["spec"]["template"]["spec"]["containers"]
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert odoo[probe]["httpGet"] == {"path": "/web/health", "port": "http"}
        assert (
            odoo["startupProbe"]["failureThreshold"] * odoo["startupProbe"]["periodSeconds"] >= 300
        )
        render = web["spec"]["template"]["spec"]["initContainers"][0]
        assert "/etc/odoo-platform/web.conf" in render["command"][-1]


def test_web_deployment_spreads_rolls_and_scales(result: ProgramResult) -> None:
    slug = "nb-consulting"  # size m: 2 to 4 replicas
    web = named(result, slug, "Deployment", "odoo-web")
    assert web["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    keys = {c["topologyKey"] for c in web["spec"]["template"]["spec"]["topologySpreadConstraints"]}
    assert "topology.kubernetes.io/zone" in keys
    (hpa,) = in_ns(result, slug, "HorizontalPodAutoscaler")
    profile = SIZE_PROFILES["m"]
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (
        profile.min_replicas,
        profile.max_replicas,
    )
    assert len(in_ns(result, slug, "PodDisruptionBudget")) == 1
    assert in_ns(result, "brightwater-hr", "PodDisruptionBudget") == []  # size s: one replica
    (odoo,) = web["spec"]["template"]["spec"]["containers"]
    assert odoo["resources"]["limits"]["memory"] == f"{profile.memory_limit_mib}Mi"


def test_filestore_is_a_shared_efs_access_point(result: ProgramResult) -> None:
    slug = "nb-consulting"
    access_point = result.named(f"odoo-{slug}-filestore-ap")
    assert access_point.inputs["rootDirectory"]["path"] == f"/tenants/{slug}"
    assert access_point.protect, "prod keeps the filestore protected"
    volume = result.named(f"odoo-{slug}-filestore-pv")
    csi = volume.inputs["spec"]["csi"]
    assert csi["driver"] == "efs.csi.aws.com"
    # `<file system id>::<access point id>` (the mocks name ids after the logical name)
    assert re.fullmatch(
        rf"fs-0123456789abcdef0::odoo-{slug}-filestore-ap-[0-9a-f]+", csi["volumeHandle"]
    )
    assert volume.inputs["spec"]["accessModes"] == ["ReadWriteMany"]
    assert volume.inputs["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    for name in ("odoo-web", "odoo-cron"):
        pod = named(result, slug, "Deployment", name)["spec"]["template"]["spec"]
        (odoo,) = pod["containers"]
        mounts = {m["name"]: m["mountPath"] for m in odoo["volumeMounts"]}
        assert mounts["filestore"] == "/var/lib/odoo"
        claims = [v for v in pod["volumes"] if "persistentVolumeClaim" in v]
        assert claims == [
            {"name": "filestore", "persistentVolumeClaim": {"claimName": "odoo-filestore"}}
        ]


def test_ingress_blocks_the_database_manager_and_strips_db_headers(result: ProgramResult) -> None:
    slug = "nb-consulting"
    (route,) = in_ns(result, slug, "IngressRoute")
    blocked = [r for r in route["spec"]["routes"] if "/web/database" in r["match"]]
    assert [m["name"] for m in blocked[0]["middlewares"]] == ["odoo-deny"]
    deny = named(result, slug, "Middleware", "odoo-deny")
    assert deny["spec"]["ipAllowList"]["sourceRange"] == ["127.0.0.1/32"]
    strip = named(result, slug, "Middleware", "odoo-strip-db-headers")
    assert strip["spec"]["headers"]["customRequestHeaders"]["X-Odoo-Database"] == ""
    headers = named(result, slug, "Middleware", "odoo-security-headers")
    assert headers["spec"]["headers"]["stsSeconds"] >= 31536000
    for r in route["spec"]["routes"]:
        assert "odoo-strip-db-headers" in {m["name"] for m in r["middlewares"]} or r in blocked
    assert route["spec"]["tls"] == {"secretName": "odoo-nb-consulting-tls"}
    (certificate,) = in_ns(result, slug, "Certificate")
    assert certificate["spec"]["dnsNames"] == ["consulting.eu.northbridge-erp.com"]
    assert certificate["spec"]["secretName"] == "odoo-nb-consulting-tls"


def test_acm_mode_has_no_certificate() -> None:
    config = sample_config()
    result = run_tenants(config, [tenant(config, "nb-tax-ie")], cluster_issuer=None)
    assert in_ns(result, "nb-tax-ie", "Certificate") == []
    (route,) = in_ns(result, "nb-tax-ie", "IngressRoute")
    assert "tls" not in route["spec"]


def test_egress_is_limited_to_dns_data_https_and_internal(result: ProgramResult) -> None:
    policy = named(result, "nb-consulting", "NetworkPolicy", "odoo-egress")
    ports = sorted({p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]})
    assert ports == [53, 443, 2049, 5432, 6379, 8069]
    data = next(
        r for r in policy["spec"]["egress"] if {"port": 5432, "protocol": "TCP"} in r["ports"]
    )
    assert [b["ipBlock"]["cidr"] for b in data["to"]] == list(infra("x")["database_cidrs"])


def test_smtp_egress_only_when_configured() -> None:
    config = sample_config()
    smtp = odoo_conf.SmtpSettings("smtp.example.com", 587)
    result = run_tenants(config, [tenant(config, "nb-tax-ie")], smtp=smtp)
    policy = named(result, "nb-tax-ie", "NetworkPolicy", "odoo-egress")
    assert 587 in {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}
    assert options(conf_text(result, "nb-tax-ie", "web"))["smtp_server"] == "smtp.example.com"


def test_dedicated_tenant_pods_land_on_its_nodes(result: ProgramResult) -> None:
    pods = [
        p
        for m in in_ns(result, "halden-law", "Deployment")
        + in_ns(result, "halden-law", "CronJob")
        + in_ns(result, "halden-law", "Job")
        if (p := pod_spec_of(m)) is not None
    ]
    assert len(pods) == 5
    for pod in pods:
        assert pod["nodeSelector"] == dedicated_node_selector("halden-law")
        assert pod["tolerations"] == dedicated_tolerations("halden-law")
    shared = named(result, "nb-consulting", "Deployment", "odoo-web")
    assert "nodeSelector" not in shared["spec"]["template"]["spec"]


def _tolerates(taint: Manifest, tolerations: list[Manifest]) -> bool:
    effects = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute"}
    return any(
        t["key"] == taint["key"]
        and t.get("operator", "Equal") == "Equal"
        and t["value"] == taint["value"]
        and t["effect"] == effects[taint["effect"]]
        for t in tolerations
    )


def test_dedicated_pods_are_schedulable_on_the_clusters_node_group_only() -> None:
    """The cluster's node group (labels, taints) and the tenant's pods from ONE config."""
    config = sample_config()
    slug = "halden-law"

    def program() -> None:
        cluster_on(config, LandingZone("lz", LandingZoneArgs.from_config(config)))
        declare(config, [tenant(config, slug)])

    result = run_program(program)
    assert result.errors() == []
    group = result.named(f"k8s-ng-tenant-{slug}", "aws:eks/nodeGroup:NodeGroup")
    shared = result.named("k8s-ng-shared", "aws:eks/nodeGroup:NodeGroup")
    pods = [p for m in in_ns(result, slug, "Deployment") if (p := pod_spec_of(m)) is not None]
    pods += [p for m in in_ns(result, slug, "CronJob") if (p := pod_spec_of(m)) is not None]
    assert len(pods) == 4
    for pod in pods:
        assert pod["nodeSelector"].items() <= group.inputs["labels"].items()
        assert not pod["nodeSelector"].items() <= shared.inputs["labels"].items()
        assert group.inputs["taints"]
        for taint in group.inputs["taints"]:
            assert _tolerates(taint, pod["tolerations"])


# -- config hash, init Job, suspension ----------------------------------------------------------


def _tenant_args(**changes: Any) -> OdooTenantArgs:
    config = sample_config()
    base = OdooTenantArgs.from_config(
        config,
        tenant(config, "nb-consulting"),
        namespace="odoo-nb-consulting",
        **infra("nb-consulting"),
    )
    return replace(base, **changes)


def _web_hash(result: ProgramResult) -> str:
    web = named(result, "nb-consulting", "Deployment", "odoo-web")
    return str(web["spec"]["template"]["metadata"]["annotations"][CONF_HASH_ANNOTATION])


def _job(result: ProgramResult) -> Manifest:
    (job,) = in_ns(result, "nb-consulting", "Job")
    return job


def test_conf_hash_annotation_follows_the_rendered_conf() -> None:
    base = run_args(_tenant_args())
    again = run_args(_tenant_args())
    bigger = run_args(_tenant_args(profile=SIZE_PROFILES["l"]))
    assert _web_hash(base) == _web_hash(again)
    assert _web_hash(base) != _web_hash(bigger)
    cron = named(base, "nb-consulting", "Deployment", "odoo-cron")
    assert cron["spec"]["template"]["metadata"]["annotations"][CONF_HASH_ANNOTATION] == _web_hash(
        base
    )
    assert conf_text(base, "nb-consulting", "web") != conf_text(bigger, "nb-consulting", "web")


def test_init_job_is_named_by_image_and_modules_only() -> None:
    base = _job(run_args(_tenant_args()))
    resized = _job(run_args(_tenant_args(profile=SIZE_PROFILES["l"], hostnames=("a.example.com",))))
    new_image = _job(run_args(_tenant_args(image="odoo:18.0-20251201")))
    new_modules = _job(run_args(_tenant_args(addons=("project", "hr_timesheet"))))
    assert base["metadata"]["name"].startswith("odoo-init-")
    # anything else leaves the Job untouched, so a finished upgrade does not run again
    assert resized == base
    assert new_image["metadata"]["name"] != base["metadata"]["name"]
    assert new_modules["metadata"]["name"] not in (
        base["metadata"]["name"],
        new_image["metadata"]["name"],
    )


def test_init_job_installs_without_demo_or_upgrades_after_a_backup() -> None:
    result = run_args(_tenant_args(addons=("project",)))
    job = _job(result)
    pod = job["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["initContainers"]] == ["dump", "upload", "render-conf"]
    assert pod["serviceAccountName"] == "odoo-backup"
    (init_map,) = [
        m
        for m in in_ns(result, "nb-consulting", "ConfigMap")
        if m["metadata"]["name"] == "odoo-init"
    ]
    script = init_map["data"]["init.sh"]
    assert "-i base,project" in script and "-u all -i project" in script
    assert "'report.url', 'http://odoo.odoo-nb-consulting.svc:8069'" in script
    assert options(init_map["data"]["job.conf"])["without_demo"] == "all"


def test_deployments_wait_for_the_init_job() -> None:
    result = run_args(_tenant_args())
    job = result.named("odoo-nb-consulting-init")
    for name in ("odoo-nb-consulting-web", "odoo-nb-consulting-cron"):
        assert job.urn in result.named(name).dependencies


def test_suspended_tenant_keeps_every_object_with_zero_replicas() -> None:
    config = sample_config()
    active = run_tenants(config, [tenant(config, "nb-consulting")])
    suspended_config = with_tenant(config, "nb-consulting", state="suspended")
    suspended = run_tenants(suspended_config, [tenant(suspended_config, "nb-consulting")])
    assert active.urns() == suspended.urns()
    for name in ("odoo-web", "odoo-cron"):
        assert named(suspended, "nb-consulting", "Deployment", name)["spec"]["replicas"] == 0
    assert named(active, "nb-consulting", "Deployment", "odoo-cron")["spec"]["replicas"] == 1
    assert "replicas" not in named(active, "nb-consulting", "Deployment", "odoo-web")["spec"]


def test_sessions_in_redis_use_the_prefix_the_redis_acl_grants() -> None:
    config = sample_config()
    result = run_tenants(config, [tenant(config, "meridian-audit")])
    web = named(result, "meridian-audit", "Deployment", "odoo-web")
    env = {e["name"]: e for e in web["spec"]["template"]["spec"]["containers"][0]["env"]}
    prefix = env["ODOO_SESSION_REDIS_PREFIX"]["value"]
    assert prefix == redis_acl.session_redis_prefix("meridian-audit")
    grants = redis_acl.tenant_access_string("meridian-audit").split()
    assert f"~session:{prefix}:*" in grants  # the key layout of session_redis


# -- offboarding --------------------------------------------------------------------------------

REQUESTED_ON = dt.date(2026, 11, 20)
STATEFUL = ("filestore-ap", "filestore-pv", "filestore-pvc", "admin", "backup-role", "backup-sa")
WORKLOAD_KINDS = (
    "Deployment",
    "CronJob",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "Service",
    "IngressRoute",
    "Middleware",
    "ServersTransport",
    "Certificate",
)


def _offboarded(config: PlatformConfig, slug: str, purge_after: dt.date | None = None) -> Any:
    off = Offboarding(requested_on=REQUESTED_ON, purge_after=purge_after)
    return with_tenant(config, slug, state="offboarded", offboarding=off)


def test_offboarded_tenant_keeps_its_data_and_runs_only_a_final_backup() -> None:
    config = sample_config()
    active = run_tenants(config, [tenant(config, "halden-law")])
    gone_config = _offboarded(config, "halden-law")
    gone = run_tenants(gone_config, [tenant(gone_config, "halden-law")])
    assert gone.errors() == []
    for kind in WORKLOAD_KINDS:
        assert in_ns(gone, "halden-law", kind) == [], kind
    for suffix in STATEFUL:
        assert (
            active.named(f"odoo-halden-law-{suffix}").urn
            == gone.named(f"odoo-halden-law-{suffix}").urn
        )

    def policies(result: ProgramResult) -> list[Manifest]:
        return sorted(
            in_ns(result, "halden-law", "NetworkPolicy"), key=lambda m: m["metadata"]["name"]
        )

    assert policies(gone) == policies(active)
    (job,) = in_ns(gone, "halden-law", "Job")
    assert job["metadata"]["name"] == "odoo-final-backup-20261120"
    validate_manifest(job, K8S_VERSION)
    pod = pod_spec_of(job)
    assert pod is not None
    assert_restricted(pod)
    (cron,) = component(active, "halden-law", "CronJob", "backup")
    backup_pod = pod_spec_of(cron)
    assert backup_pod is not None
    assert [(c["name"], c["image"], c["command"]) for c in containers(pod)] == [
        (c["name"], c["image"], c["command"]) for c in containers(backup_pod)
    ]
    dump = pod["initContainers"][0]
    assert {"name": "RETENTION_CLASS", "value": "monthly"} in dump["env"]
    # the tenant's node group leaves with it (KubernetesClusterArgs.from_config): run anywhere
    assert "nodeSelector" not in pod and "tolerations" not in pod


def test_offboarded_tenant_data_stays_protected_until_the_purge_is_due() -> None:
    config = _offboarded(sample_config(), "nb-consulting", purge_after=dt.date(2027, 1, 1))
    t = tenant(config, "nb-consulting")
    for today, protected in ((dt.date(2026, 12, 31), True), (dt.date(2027, 1, 1), False)):
        args = OdooTenantArgs.from_config(
            config, t, today=today, namespace="odoo-nb-consulting", **infra("nb-consulting")
        )
        assert args.offboarded and args.offboarding_requested_on == "2026-11-20"
        result = run_args(args)
        for suffix in ("filestore-ap", "filestore-pv", "filestore-pvc"):
            assert result.named(f"odoo-nb-consulting-{suffix}").protect is protected


def test_other_tenants_do_not_change_a_tenants_urns() -> None:
    config = sample_config()
    alone = run_tenants(config, [tenant(config, "nb-tax-ie")])
    together = run_tenants(config, [tenant(config, "halden-law"), tenant(config, "nb-tax-ie")])
    assert alone.urns() <= together.urns()


# -- IRSA, secrets, backups ---------------------------------------------------------------------


def _policy(result: ProgramResult, slug: str) -> dict[str, Any]:
    return dict(json.loads(result.named(f"odoo-{slug}-backup-policy").inputs["policy"]))


def test_irsa_policy_reaches_only_the_tenants_prefixes_and_key(result: ProgramResult) -> None:
    policy = _policy(result, "nb-consulting")
    statements = {s["Sid"]: s for s in policy["Statement"]}
    prefixes = ["daily/nb-consulting/", "weekly/nb-consulting/", "monthly/nb-consulting/"]
    assert statements["ReadWriteOwnPrefixes"]["Resource"] == [
        f"{BUCKET_ARN}/{p}*" for p in prefixes
    ]
    assert statements["ListOwnPrefixes"]["Condition"]["StringLike"]["s3:prefix"] == [
        f"{p}*" for p in prefixes
    ]
    assert statements["UseBackupKey"]["Resource"] == KMS_ARN
    actions = {
        a
        for s in policy["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not any("Delete" in a or a.endswith("*") for a in actions)

    trust = json.loads(result.named("odoo-nb-consulting-backup-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    condition = statement["Condition"]["StringEquals"]
    subject = next(v for k, v in condition.items() if k.endswith(":sub"))
    assert subject == "system:serviceaccount:odoo-nb-consulting:odoo-backup"
    sa = named(result, "nb-consulting", "ServiceAccount", "odoo-backup")
    assert sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::")


def test_no_secret_value_in_any_config_map(result: ProgramResult) -> None:
    secrets = {
        str(r.outputs["result"])
        for r in result.by_type("random:index/randomPassword:RandomPassword")
    }
    secrets |= {f"redis-{slug}-password" for slug in SLUGS}
    assert secrets
    for manifest in result.manifests():
        if manifest["kind"] == "ConfigMap":
            text = json.dumps(manifest)
            assert not any(secret in text for secret in secrets), manifest["metadata"]["name"]
            assert "admin_passwd =" not in text
    for secret in result.by_type("kubernetes:core/v1:Secret"):
        assert secret.is_secret("stringData"), secret.name


def test_admin_password_and_database_password_reach_pods_as_secret_refs(
    result: ProgramResult,
) -> None:
    web = named(result, "nb-consulting", "Deployment", "odoo-web")["spec"]["template"]["spec"]
    env = {e["name"]: e for c in containers(web) for e in c.get("env", [])}
    assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "nb-consulting-db",
        "key": "password",
    }
    assert env["ODOO_ADMIN_PASSWD"]["valueFrom"]["secretKeyRef"]["name"] == "odoo-admin"
    assert all("value" not in e or "PASSW" not in e["name"] for e in env.values())


def test_backup_and_restore_check_follow_the_contract(result: ProgramResult) -> None:
    slug = "nb-consulting"
    (backup,) = component(result, slug, "CronJob", "backup")
    (restore,) = component(result, slug, "CronJob", "restore-check")
    assert backup["spec"]["schedule"].split()[1] == "*/4"  # prod stack RPO: 4 hours
    assert backup["spec"]["concurrencyPolicy"] == "Forbid"
    steps = {}
    for cron in (backup, restore):
        pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == "odoo-backup"
        for container in containers(pod):
            steps[container["name"]] = container
    assert [
        c["name"] for c in containers(backup["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    ] == ["dump", "upload"]
    for name, script in (
        ("dump", "backup-dump.sh"),
        ("upload", "backup-upload.sh"),
        ("fetch", "restore-fetch.sh"),
        ("check", "restore-check.sh"),
    ):
        env = {e["name"] for e in steps[name]["env"]} - {"HOME"}
        assert env == set(SCRIPT_ENV[script]) - {"AWS_ENDPOINT_URL", "RETENTION_CLASS"}
        assert script in steps[name]["command"][-1]
    check_env = {e["name"]: e.get("value") for e in steps["check"]["env"]}
    assert check_env["RESTORE_DATABASE"] == "nb_consulting_restore_check"
    dump_mounts = {m["mountPath"]: m for m in steps["dump"]["volumeMounts"]}
    assert dump_mounts["/filestore"]["readOnly"] is True
    assert steps["dump"]["image"].startswith("postgres:")
    assert steps["upload"]["image"].startswith("amazon/aws-cli:")


@pytest.mark.parametrize(("rpo", "hours"), [(24, "3"), (4, "*/4"), (1, "*/1"), (5, "*/5")])
def test_backup_schedule_never_exceeds_the_rpo(rpo: int, hours: str) -> None:
    assert backup_schedule(rpo, 17, 3) == f"17 {hours} * * *"


def test_component_outputs(result: ProgramResult) -> None:
    components: list[RecordedResource] = result.by_type("odoo-platform:index:OdooTenant")
    assert sorted(c.name for c in components) == sorted(f"odoo-{s}" for s in SLUGS)
    for c in components:
        assert all(child.name.startswith(c.name) for child in result.children(c))


def test_every_object_carries_the_platform_labels_and_tags(result: ProgramResult) -> None:
    required = {
        "odoo-platform.io/owner",
        "odoo-platform.io/cost-centre",
        "odoo-platform.io/environment",
        "odoo-platform.io/tier",
        "odoo-platform.io/tenant",
    }
    for manifest in result.manifests():
        assert required <= set(manifest["metadata"].get("labels", {})), manifest["metadata"]
    for slug in SLUGS:
        for suffix in ("backup-role", "filestore-ap"):
            tags = result.named(f"odoo-{slug}-{suffix}").inputs["tags"]
            assert tags["Tenant"] == slug
            assert tags["Tier"] in ("shared", "dedicated")


def test_filestore_is_protected_in_prod_only() -> None:
    config = sample_config("dev-eu-west-1")
    first = config.tenants[0]
    result = run_tenants(config, [first])
    assert not result.named(f"odoo-{first.slug}-filestore-ap").protect
    prod = run_args(_tenant_args())
    for suffix in ("filestore-ap", "filestore-pv", "filestore-pvc"):
        assert prod.named(f"odoo-nb-consulting-{suffix}").protect


@pytest.mark.parametrize("stack", ["prod-eu-west-1", "dev-eu-west-1"])
def test_declared_resources_pass_the_platform_policies(stack: str) -> None:
    config = sample_config(stack)
    declared = run_tenants(config, list(config.tenants))
    context = StackContext(
        environment=config.environment, region=config.region, default_tags=base_tags(config)
    )
    views = [ResourceView(r.type, r.urn, r.inputs, context) for r in declared.resources]
    assert [f"{f.rule_id} {f.name}: {f.message}" for f in evaluate(views, context)] == []


def test_args_refuse_what_cannot_be_deployed() -> None:
    with pytest.raises(ValueError, match=r"'nb-consulting': hostnames: at least one host name"):
        _tenant_args(hostnames=())
    with pytest.raises(ValueError, match=r"rpo_hours: 1 to 24, not 0"):
        _tenant_args(rpo_hours=0)
    with pytest.raises(ValueError, match=r"odoo_version: '15.0' is not allowed: one of '16.0'"):
        _tenant_args(odoo_version="15.0")


def test_shell_snippets_are_valid_posix_sh(tmp_path: Path) -> None:
    result = run_args(_tenant_args(addons=("project",)))
    (init_map,) = [
        m
        for m in in_ns(result, "nb-consulting", "ConfigMap")
        if m["metadata"]["name"] == "odoo-init"
    ]
    snippets = {"init.sh": init_map["data"]["init.sh"]}
    for manifest in in_ns(result, "nb-consulting", "Job") + in_ns(
        result, "nb-consulting", "CronJob"
    ):
        pod = pod_spec_of(manifest)
        assert pod is not None
        for container in containers(pod):
            if container["command"][:2] == ["/bin/sh", "-ec"]:
                snippets[container["name"]] = container["command"][2]
    assert {"init.sh", "dump", "upload", "render-conf", "fetch", "check"} <= set(snippets)
    for name, text in snippets.items():
        path = tmp_path / name
        path.write_text(text)
        check = subprocess.run(
            ["/bin/sh", "-n", str(path)], check=False, capture_output=True, text=True
        )
        assert check.returncode == 0, f"{name}: {check.stderr}"
