"""OdooTenant under the mocks harness: valid objects, Odoo runtime rules, stable identities."""

from __future__ import annotations

import ast
import configparser
import dataclasses
import datetime as dt
import hashlib
import inspect
import json
import re
import subprocess
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from croniter import croniter

from odoo_platform.components.cluster import dedicated_node_selector, dedicated_tolerations
from odoo_platform.components.landing_zone import LandingZone
from odoo_platform.components.odoo_tenant import (
    CONF_DIR,
    CONF_HASH_ANNOTATION,
    RUN_DIR,
    OdooTenant,
    OdooTenantArgs,
    TenantDns,
    backup_schedule,
)
from odoo_platform.components.odoo_tenant.backups import backup_times
from odoo_platform.components.tenant_database import TenantDatabaseArgs
from odoo_platform.components.tenant_namespace import TenantNamespaceArgs
from odoo_platform.config.calendar import JobWindow
from odoo_platform.config.catalog import SIZE_PROFILES
from odoo_platform.config.database_schedule import job_window
from odoo_platform.config.models import Migration, Offboarding, PlatformConfig
from odoo_platform.config.tags import base_tags
from odoo_platform.odoo import mail
from odoo_platform.odoo.mail import SmtpSettings
from odoo_platform.odoo.scripts import SCRIPT_ENV
from odoo_platform.platform.assembly.landing_zone import landing_zone_args
from odoo_platform.policies import ResourceView, StackContext, evaluate
from odoo_platform.policies.kubernetes import restricted_violations
from odoo_platform.synthesis.harness import ProgramResult, RecordedResource, run_program
from tests.components.infra_fixtures import cluster_on
from tests.components.tenant_programs import (
    BUCKET_ARN,
    KMS_ARN,
    declare,
    infra,
    odoo_args,
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
    assert len(pods) == len(SLUGS) * 6  # web, cron, init and resume Jobs, backup, restore-check
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
        for probe in ("startupProbe", "readinessProbe"):
            assert odoo[probe]["httpGet"] == {"path": "/web/health", "port": "http"}
        # liveness is answered by the gevent process: busy prefork workers never restart a pod
        assert odoo["livenessProbe"]["httpGet"] == {"path": "/web/health", "port": "websocket"}
        pause = odoo["lifecycle"]["preStop"]["exec"]["command"]
        assert pause[0] == "sleep" and int(pause[1]) >= 10
        grace = web["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert grace > int(pause[1]) + 30
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
    assert in_ns(result, slug, "HorizontalPodAutoscaler") == []  # KEDA owns the HPA
    (scaler,) = in_ns(result, slug, "ScaledObject")
    profile = SIZE_PROFILES["m"]
    assert (scaler["spec"]["minReplicaCount"], scaler["spec"]["maxReplicaCount"]) == (
        profile.min_replicas,
        profile.max_replicas,
    )
    assert "replicas" not in web["spec"]  # never fought over: KEDA's HPA sets it
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


SMTP = SmtpSettings(
    "email-smtp.eu-west-1.amazonaws.com",
    587,
    True,
    None,
    "notifications@tax-ie.eu.northbridge-erp.com",
    "tax-ie.eu.northbridge-erp.com",
)
SMTP_PASSWORD = "BH+jbMzper5Wwl/war9E1y=%s$x"


def _with_relay(**changes: Any) -> ProgramResult:
    config = sample_config()
    relay: dict[str, Any] = {
        "smtp": SMTP,
        "smtp_user": "AKIAEXAMPLE",
        "smtp_password": SMTP_PASSWORD,
        "smtp_egress_cidrs": ("10.40.0.0/16",),
        **changes,
    }
    return run_tenants(config, [tenant(config, "nb-tax-ie")], **relay)


def _egress_ports(result: ProgramResult) -> dict[int, list[Manifest]]:
    policy = named(result, "nb-tax-ie", "NetworkPolicy", "odoo-egress")
    return {p["port"]: rule["to"] for rule in policy["spec"]["egress"] for p in rule["ports"]}


def test_smtp_egress_opens_only_the_relays_port_to_the_relay() -> None:
    with_relay = _egress_ports(_with_relay())
    assert with_relay[587] == [{"ipBlock": {"cidr": "10.40.0.0/16"}}]
    assert 587 not in _egress_ports(_with_relay(smtp=None, smtp_user=None, smtp_password=None))
    options_ = options(conf_text(_with_relay(), "nb-tax-ie", "web"))
    assert (options_["smtp_server"], options_["smtp_port"]) == (SMTP.host, "587")


def test_smtp_password_reaches_odoo_conf_only_through_a_secret(tmp_path: Path) -> None:
    result = _with_relay()
    for manifest in result.manifests():
        if manifest["kind"] == "ConfigMap":
            assert SMTP_PASSWORD not in json.dumps(manifest), manifest["metadata"]["name"]
    (secret,) = [s for s in result.by_type("kubernetes:core/v1:Secret") if "smtp" in s.name]
    assert secret.is_secret("stringData")
    assert named(result, "nb-tax-ie", "Secret", "odoo-smtp")["stringData"] == {
        "user": "AKIAEXAMPLE",
        "password": SMTP_PASSWORD,
    }
    web = named(result, "nb-tax-ie", "Deployment", "odoo-web")["spec"]["template"]["spec"]
    (render_conf,) = [c for c in web["initContainers"] if c["name"] == "render-conf"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in render_conf["env"]}
    assert refs[mail.SMTP_PASSWORD_ENV] == {"name": "odoo-smtp", "key": "password"}
    assert refs[mail.SMTP_USER_ENV] == {"name": "odoo-smtp", "key": "user"}
    # run the init container's script for real, with the Secrets' values in its environment
    conf_dir, run_dir = tmp_path / "conf", tmp_path / "run"
    conf_dir.mkdir()
    run_dir.mkdir()
    (conf_dir / "web.conf").write_text(conf_text(result, "nb-tax-ie", "web"))
    script = render_conf["command"][2].replace(CONF_DIR, str(conf_dir))
    script = script.replace(RUN_DIR, str(run_dir))
    env = {
        "ODOO_ADMIN_PASSWD": "admin-secret",
        mail.SMTP_USER_ENV: "AKIAEXAMPLE",
        mail.SMTP_PASSWORD_ENV: SMTP_PASSWORD,
    }
    subprocess.run(["/bin/sh", "-ec", script], env=env, check=True)
    parser = configparser.RawConfigParser()  # as odoo/tools/config.py reads the file
    parser.read(run_dir / "odoo.conf")
    assert parser.get("options", "smtp_password") == SMTP_PASSWORD
    assert parser.get("options", "smtp_user") == "AKIAEXAMPLE"
    assert parser.get("options", "admin_passwd") == "admin-secret"


def test_smtp_login_needs_a_relay_and_both_halves() -> None:
    with pytest.raises(ValueError, match=r"smtp_password: only with smtp"):
        _tenant_args(smtp_user="u", smtp_password="x")
    with pytest.raises(ValueError, match=r"smtp_user and smtp_password: both"):
        _tenant_args(smtp=SMTP, smtp_password="x")


def test_dedicated_tenant_pods_land_on_its_nodes(result: ProgramResult) -> None:
    pods = [
        p
        for m in in_ns(result, "halden-law", "Deployment")
        + in_ns(result, "halden-law", "CronJob")
        + in_ns(result, "halden-law", "Job")
        if (p := pod_spec_of(m)) is not None
    ]
    assert len(pods) == 6
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
        cluster_on(config, LandingZone("lz", landing_zone_args(config)))
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
    base = odoo_args(
        config,
        tenant(config, "nb-consulting"),
        namespace="odoo-nb-consulting",
        **infra("nb-consulting"),
    )
    return replace(base, **changes)


def _web_hash(result: ProgramResult) -> str:
    web = named(result, "nb-consulting", "Deployment", "odoo-web")
    return str(web["spec"]["template"]["metadata"]["annotations"][CONF_HASH_ANNOTATION])


def _job(result: ProgramResult, component: str = "init") -> Manifest:
    (job,) = [
        m
        for m in in_ns(result, "nb-consulting", "Job")
        if m["metadata"]["labels"]["app.kubernetes.io/component"] == component
    ]
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
    new_image = _job(run_args(_tenant_args(image="odoo:18.0-20251208")))
    new_modules = _job(run_args(_tenant_args(addons=("project", "hr_timesheet"))))
    assert base["metadata"]["name"].startswith("odoo-init-")
    # anything else leaves the Job untouched, so a finished upgrade does not run again
    assert resized == base
    assert new_image["metadata"]["name"] != base["metadata"]["name"]
    assert new_modules["metadata"]["name"] not in (
        base["metadata"]["name"],
        new_image["metadata"]["name"],
    )


def _init_map(result: ProgramResult) -> Manifest:
    (init_map,) = [
        m
        for m in in_ns(result, "nb-consulting", "ConfigMap")
        if m["metadata"]["name"] == "odoo-init"
    ]
    return init_map


def by_name_restart(pod: Manifest) -> dict[str, str | None]:
    return {c["name"]: c.get("restartPolicy") for c in pod["initContainers"]}


def test_init_job_decides_once_stops_backs_up_then_installs_or_upgrades() -> None:
    result = run_args(_tenant_args(addons=("project",), admin_login="it@nb.example.com"))
    pod = _job(result)["spec"]["template"]["spec"]
    steps = [c["name"] for c in pod["initContainers"]]
    assert steps == ["db-state", "stop", "upload", "dump", "render-conf"]
    assert by_name_restart(pod)["upload"] == "Always"  # the upload sidecar streams the dump
    assert pod["serviceAccountName"] == "odoo-upgrade"
    # only the upload step gets the backup writer's web identity token: never Odoo
    skipped = _job(result)["spec"]["template"]["metadata"]["annotations"][
        "eks.amazonaws.com/skip-containers"
    ]
    assert set(skipped.split(",")) == {"db-state", "stop", "dump", "render-conf", "odoo"}
    by_name = {c["name"]: c for c in containers(pod)}
    assert "db-state.sh" in by_name["db-state"]["command"][-1]
    # every later step acts on the one decision db-state.sh wrote
    assert 'cat "$WORK_DIR/db-state"' in by_name["dump"]["command"][-1]
    stop_env = {e["name"]: e.get("value") for e in by_name["stop"]["env"]}
    assert stop_env["WHEN_STATE"] == "upgrade"
    assert stop_env["SCALE_TARGETS"] == "odoo-web=0 odoo-cron=0"
    assert stop_env["KEDA_PAUSE"] == "hold"  # else KEDA scales web back up during the upgrade
    assert int(stop_env["DRAIN_SECONDS"]) >= 120  # the cron pods' grace period
    assert "odoo-init.sh" in by_name["odoo"]["command"][-1]
    env = {e["name"]: e for e in by_name["odoo"]["env"]}
    assert env["ODOO_ADMIN_LOGIN_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "odoo-admin",
        "key": "login_password",
    }
    init_map = _init_map(result)
    settings = init_map["data"]["init.env"]
    assert "ADDONS=project\n" in settings and "ADMIN_LOGIN=it@nb.example.com\n" in settings
    assert "REPORT_URL=http://odoo.odoo-nb-consulting.svc:8069\n" in settings
    assert options(init_map["data"]["job.conf"])["without_demo"] == "all"
    # only the scale step sees a token, and only its own short-lived one
    assert pod["automountServiceAccountToken"] is False
    mounting = [c["name"] for c in containers(pod) if any(
        m["name"] == "kube-api" for m in c["volumeMounts"]
    )]  # fmt: skip
    assert mounting == ["stop"]


def test_resume_job_starts_web_and_cron_after_the_deployments_rolled() -> None:
    result = run_args(_tenant_args())
    job = _job(result, "resume")
    assert job["metadata"]["name"] == _job(result)["metadata"]["name"].replace("init", "resume")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["SCALE_TARGETS"] == "odoo-web=2 odoo-cron=1"  # size m: the profile's minimum
    assert env["KEDA_PAUSE"] == "release"  # KEDA scales again from there
    assert "WHEN_STATE" not in env
    resume = result.named("odoo-nb-consulting-resume")
    for part in ("web", "cron"):
        assert result.named(f"odoo-nb-consulting-{part}").urn in resume.dependencies
        deployment = named(result, "nb-consulting", "Deployment", f"odoo-{part}")
        # the next update takes `replicas` back from the scale steps instead of conflicting
        assert deployment["metadata"]["annotations"]["pulumi.com/patchForce"] == "true"
    suspended = _job(run_args(_tenant_args(suspended=True)), "resume")
    (container,) = suspended["spec"]["template"]["spec"]["containers"]
    assert {e["name"]: e.get("value") for e in container["env"]}["SCALE_TARGETS"] == (
        "odoo-web=0 odoo-cron=0"
    )


def test_upgrade_role_scales_only_this_tenants_deployments() -> None:
    result = run_args(_tenant_args())
    (role,) = in_ns(result, "nb-consulting", "Role")
    assert role["rules"] == [
        {
            "apiGroups": ["apps"],
            "resources": ["deployments/scale"],
            "resourceNames": ["odoo-web", "odoo-cron"],
            "verbs": ["get", "patch"],
        },
        {  # the upgrade pauses KEDA (which would scale the stopped web back up)
            "apiGroups": ["keda.sh"],
            "resources": ["scaledobjects"],
            "resourceNames": ["odoo-web", "odoo-cron"],
            "verbs": ["patch"],
        },
    ]
    (binding,) = in_ns(result, "nb-consulting", "RoleBinding")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role["metadata"]["name"],
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "odoo-upgrade", "namespace": "odoo-nb-consulting"}
    ]
    for manifest in (role, binding):
        validate_manifest(manifest, K8S_VERSION)


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


def test_sessions_in_redis_are_refused_never_configured_silently() -> None:
    with pytest.raises(ValueError, match=r"sessions_in_redis: true is not supported: the official"):
        _tenant_args(sessions_in_redis=True)
    web = named(run_args(_tenant_args()), "nb-consulting", "Deployment", "odoo-web")
    env = {e["name"] for c in containers(web["spec"]["template"]["spec"]) for e in c["env"]}
    assert not {n for n in env if "SESSION" in n}


# -- offboarding --------------------------------------------------------------------------------

REQUESTED_ON = dt.date(2026, 11, 20)
STATEFUL = ("filestore-ap", "filestore-pv", "filestore-pvc", "admin", "backup-role", "backup-sa")
WORKLOAD_KINDS = (
    "Deployment",
    "CronJob",
    "HorizontalPodAutoscaler",
    "ScaledObject",
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
    (dump,) = pod["containers"]
    assert {"name": "RETENTION_CLASS", "value": "monthly"} in dump["env"]
    # the tenant's node group leaves with it (KubernetesClusterArgs.from_config): run anywhere
    assert "nodeSelector" not in pod and "tolerations" not in pod


def test_offboarded_tenant_data_stays_protected_until_the_purge_is_due() -> None:
    config = _offboarded(sample_config(), "nb-consulting", purge_after=dt.date(2027, 1, 1))
    t = tenant(config, "nb-consulting")
    for today, protected in ((dt.date(2026, 12, 31), True), (dt.date(2027, 1, 1), False)):
        args = odoo_args(
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


def _actions(policy: dict[str, Any]) -> set[str]:
    return {
        a
        for s in policy["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }


def test_irsa_policies_reach_only_the_tenants_prefixes_and_key(result: ProgramResult) -> None:
    prefixes = ["daily/nb-consulting/", "weekly/nb-consulting/", "monthly/nb-consulting/"]
    writer = _policy(result, "nb-consulting")
    statements = {s["Sid"]: s for s in writer["Statement"]}
    assert statements["WriteOwnPrefixes"]["Resource"] == [f"{BUCKET_ARN}/{p}*" for p in prefixes]
    assert _actions(writer) == {
        "s3:PutObject", "s3:AbortMultipartUpload",
        "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey",
    }  # fmt: skip
    reader = json.loads(result.named("odoo-nb-consulting-restore-check-policy").inputs["policy"])
    statements = {s["Sid"]: s for s in reader["Statement"]}
    assert statements["ReadOwnPrefixes"]["Resource"] == [f"{BUCKET_ARN}/{p}*" for p in prefixes]
    assert statements["ListOwnPrefixes"]["Condition"]["StringLike"]["s3:prefix"] == [
        f"{p}*" for p in prefixes
    ]
    # reads, and writes only the verified marker beside a backup it checked
    assert _actions(reader) == {
        "s3:ListBucket", "s3:GetObject", "s3:PutObject",
        "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey",
    }  # fmt: skip
    assert statements["MarkVerified"]["Resource"] == [
        f"{BUCKET_ARN}/{p}*/verified.json" for p in prefixes
    ]
    for policy in (writer, reader):
        assert {s["Sid"]: s for s in policy["Statement"]}["UseBackupKey"]["Resource"] == KMS_ARN

    for role, account in (("backup", "odoo-backup"), ("restore-check", "odoo-restore-check")):
        trust = json.loads(
            result.named(f"odoo-nb-consulting-{role}-role").inputs["assumeRolePolicy"]
        )
        (statement,) = trust["Statement"]
        condition = statement["Condition"]["StringEquals"]
        subject = next(v for k, v in condition.items() if k.endswith(":sub"))
        # the backup writer's role also serves the upgrade Jobs' pre-upgrade backup
        expected = [account, "odoo-upgrade"] if role == "backup" else [account]
        subjects = subject if isinstance(subject, list) else [subject]
        assert subjects == [f"system:serviceaccount:odoo-nb-consulting:{a}" for a in expected]
        sa = named(result, "nb-consulting", "ServiceAccount", account)
        assert sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam")
    odoo_sa = named(result, "nb-consulting", "ServiceAccount", "odoo")
    assert "eks.amazonaws.com/role-arn" not in odoo_sa["metadata"].get("annotations", {})


def test_odoo_processes_run_without_any_backup_identity(result: ProgramResult) -> None:
    for name in ("odoo-web", "odoo-cron"):
        pod = named(result, "nb-consulting", "Deployment", name)["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == "odoo"
    for part, account, aws_steps in (
        ("backup", "odoo-backup", {"upload"}),
        ("restore-check", "odoo-restore-check", {"fetch", "record"}),
    ):
        (cron,) = component(result, "nb-consulting", "CronJob", part)
        template = cron["spec"]["jobTemplate"]["spec"]["template"]
        assert template["spec"]["serviceAccountName"] == account
        names = {c["name"] for c in containers(template["spec"])}
        skipped = template["metadata"]["annotations"]["eks.amazonaws.com/skip-containers"]
        assert names - set(skipped.split(",")) == aws_steps


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
    assert backup["spec"]["concurrencyPolicy"] == "Forbid"
    steps = {}
    for cron in (backup, restore):
        pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        for container in containers(pod):
            steps[container["name"]] = container
    assert [
        c["name"] for c in containers(backup["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    ] == ["upload", "dump"]
    for name, script in (
        ("dump", "backup-dump.sh"),
        ("upload", "backup-upload.sh"),
        ("fetch", "restore-fetch.sh"),
        ("check", "restore-check.sh"),
        ("record", "restore-verified.sh"),
    ):
        env = {e["name"] for e in steps[name]["env"]} - {"HOME"}
        optional = {"AWS_ENDPOINT_URL", "RETENTION_CLASS", "REQUIRE_VERIFIED"}
        assert env == set(SCRIPT_ENV[script]) - optional
        assert script in steps[name]["command"][-1]
    check_env = {e["name"]: e.get("value") for e in steps["check"]["env"]}
    assert check_env["RESTORE_DATABASE"] == "nb_consulting_restore_check"
    assert check_env["TENANT"] == slug
    dump_mounts = {m["mountPath"]: m for m in steps["dump"]["volumeMounts"]}
    assert dump_mounts["/filestore"]["readOnly"] is True
    assert steps["dump"]["image"].startswith("postgres:")
    assert steps["upload"]["image"].startswith("amazon/aws-cli:")


@pytest.mark.sample_data
def test_the_prod_sample_backs_up_within_its_4_hour_rpo(result: ProgramResult) -> None:
    jobs = _cron_jobs(result, "nb-consulting")
    assert jobs["backup"]["spec"]["schedule"].split()[1] == "*/4"
    pod = jobs["restore-check"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    check = next(c for c in pod["initContainers"] if c["name"] == "check")
    assert {"name": "RPO_HOURS", "value": "4"} in check["env"]


@pytest.mark.parametrize(("rpo", "hours"), [(24, "3"), (4, "*/4"), (1, "*/1"), (5, "*/5")])
def test_backup_schedule_never_exceeds_the_rpo(rpo: int, hours: str) -> None:
    assert backup_schedule(rpo, 17, 3) == f"17 {hours} * * *"


def _cron_jobs(result: ProgramResult, slug: str) -> dict[str, Manifest]:
    return {
        part: component(result, slug, "CronJob", part)[0] for part in ("backup", "restore-check")
    }


def test_backups_are_staggered_by_a_digest_of_the_slug(result: ProgramResult) -> None:
    """Minute = SHA-256(slug) mod 60, night hour 1 to 4 UTC from the next digits; the restore
    check 12 hours later. The sample's tenants all dump at a different minute."""
    minutes = set()
    for slug in SLUGS:
        jobs = _cron_jobs(result, slug)
        digest = int(hashlib.sha256(slug.encode()).hexdigest(), 16)
        minute, hour = digest % 60, 1 + digest // 60 % 4
        assert jobs["backup"]["spec"]["schedule"] == f"{minute} */4 * * *"  # RPO 4 hours
        assert jobs["restore-check"]["spec"]["schedule"] == f"{minute} {hour + 12} * * *"
        minutes.add(minute)
    assert len(minutes) == len(SLUGS)
    daily = _cron_jobs(run_args(_tenant_args(rpo_hours=24)), "nb-consulting")["backup"]
    digest = int(hashlib.sha256(b"nb-consulting").hexdigest(), 16)
    assert daily["spec"]["schedule"] == f"{digest % 60} {1 + digest // 60 % 4} * * *"


def _gap_seconds(schedule: str) -> int:
    hours = schedule.split()[1]
    return 3600 * (int(hours.removeprefix("*/")) if hours.startswith("*/") else 24)


@pytest.mark.parametrize("rpo", [1, 4, 24])
def test_a_missed_backup_starts_late_at_most_15_minutes_never_into_the_next_run(rpo: int) -> None:
    """Kubernetes may never schedule a CronJob whose deadline is under 10 s (its controller's
    sync period); a deadline past the next run would start a late dump over it."""
    result = run_args(_tenant_args(rpo_hours=rpo))
    for cron in _cron_jobs(result, "nb-consulting").values():
        deadline = cron["spec"]["startingDeadlineSeconds"]
        assert deadline == 900
        assert 10 < deadline < _gap_seconds(cron["spec"]["schedule"])


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
    snippets = {}
    for manifest in in_ns(result, "nb-consulting", "Job") + in_ns(
        result, "nb-consulting", "CronJob"
    ):
        pod = pod_spec_of(manifest)
        assert pod is not None
        for container in containers(pod):
            if container["command"][:2] == ["/bin/sh", "-ec"]:
                snippets[container["name"]] = container["command"][2]
    assert {"db-state", "stop", "dump", "upload", "render-conf", "fetch", "check"} <= set(snippets)
    for name, text in snippets.items():
        path = tmp_path / name
        path.write_text(text)
        check = subprocess.run(
            ["/bin/sh", "-n", str(path)], check=False, capture_output=True, text=True
        )
        assert check.returncode == 0, f"{name}: {check.stderr}"


def test_first_login_gets_its_own_generated_password_as_a_secret() -> None:
    args = _tenant_args(admin_login="partner@nb.example.com")

    def program() -> None:
        odoo = OdooTenant("odoo-nb-consulting", args)
        pulumi.export("login", odoo.admin_login)
        pulumi.export("login_password", odoo.admin_login_password)
        pulumi.export("master_password", odoo.admin_password)

    result = run_program(program)
    assert result.outputs["login"] == "partner@nb.example.com"
    assert {"login_password", "master_password"} <= result.secret_outputs
    password = result.outputs["login_password"]
    assert len(password) == 24 and password not in ("admin", result.outputs["master_password"])
    secret = named(result, "nb-consulting", "Secret", "odoo-admin")
    assert set(secret["stringData"]) == {"admin_passwd", "login", "login_password"}
    assert result.named("odoo-nb-consulting-admin-login-passwd").type == (
        "random:index/randomPassword:RandomPassword"
    )
    # from the stack file; unset, Odoo's login stays `admin` (still with the generated password)
    config = with_tenant(sample_config(), "nb-consulting", admin_login="it@nb.example.com")
    given = odoo_args(
        config,
        tenant(config, "nb-consulting"),
        namespace="odoo-nb-consulting",
        **infra("nb-consulting"),
    )
    assert given.admin_login == "it@nb.example.com"
    unset = replace(args, admin_login=None)
    assert (
        named(run_args(unset), "nb-consulting", "Secret", "odoo-admin")["stringData"]["login"]
        == "admin"
    )


def test_a_recorded_migration_keeps_the_filestore_and_its_owner() -> None:
    config = sample_config()
    on_17 = with_tenant(config, "halden-law", odoo_version="17.0", image="odoo:17.0-20251121")
    migration = Migration(
        from_version="17.0", migrated_on=dt.date(2026, 11, 28), change_ref="CHG-1"
    )
    on_18 = with_tenant(
        config, "halden-law", odoo_version="18.0", image="odoo:18.0-20251121", migration=migration
    )
    before = run_tenants(on_17, [tenant(on_17, "halden-law")])
    after = run_tenants(on_18, [tenant(on_18, "halden-law")])
    for name in ("filestore-ap", "filestore-pv", "filestore-pvc"):
        full = f"odoo-halden-law-{name}"
        assert after.named(full).inputs == before.named(full).inputs, name
    ap = after.named("odoo-halden-law-filestore-ap").inputs
    assert ap["posixUser"] == {"uid": 101, "gid": 101}  # 17.0's owner, not 18.0's uid 100
    web = named(after, "halden-law", "Deployment", "odoo-web")
    assert web["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 100  # 18.0's image
    # a later migration keeps the first owner
    again = Migration(
        from_version="18.0",
        migrated_on=dt.date(2027, 11, 28),
        change_ref="CHG-2",
        filestore_version="17.0",
    )
    on_19 = with_tenant(
        config, "halden-law", odoo_version="19.0", image="odoo:19.0-20251121", migration=again
    )
    later = run_tenants(on_19, [tenant(on_19, "halden-law")])
    full = "odoo-halden-law-filestore-ap"
    assert later.named(full).inputs == before.named(full).inputs


def _mib(quantity: str) -> int:
    return int(quantity.removesuffix("Mi"))


def test_every_container_fits_the_namespaces_limit_range(result: ProgramResult) -> None:
    """The admission controller rejects a container above the LimitRange's maximum."""
    for slug in SLUGS:
        (limits,) = in_ns(result, slug, "LimitRange")
        (rule,) = limits["spec"]["limits"]
        most = rule["max"]
        for manifest in (
            in_ns(result, slug, "Deployment")
            + in_ns(result, slug, "Job")
            + in_ns(result, slug, "CronJob")
        ):
            pod = pod_spec_of(manifest)
            assert pod is not None
            for container in containers(pod):
                limit = container["resources"]["limits"]
                where = f"{slug} {manifest['metadata']['name']} {container['name']}"
                assert _mib(limit["memory"]) <= _mib(most["memory"]), where
                assert int(limit["cpu"].removesuffix("m")) <= int(most["cpu"].removesuffix("m")), (
                    where
                )


# -- DNS ----------------------------------------------------------------------------------------

RECORD = "aws:route53/record:Record"
ZONE_ID = "Z0123456789ABC"
LOAD_BALANCER = "k8s-traefik-0123456789.elb.eu-west-1.amazonaws.com"
OLD_INGRESS = "urn:pulumi:test::odoo-platform::odoo-platform:index:TraefikIngress::ingress"


def _records(result: ProgramResult) -> dict[str, RecordedResource]:
    return {r.inputs["name"]: r for r in result.by_type(RECORD)}


def test_each_host_name_gets_a_cname_to_the_load_balancer_under_the_tenant() -> None:
    hosts = ("nb.erp.acme.example", "nb-consulting.erp.acme.example")
    dns = TenantDns(zone_id=ZONE_ID, target=LOAD_BALANCER)
    result = run_args(_tenant_args(hostnames=hosts, dns=dns))
    assert result.errors() == []
    odoo = result.named("odoo-nb-consulting", "odoo-platform:index:OdooTenant")
    records = _records(result)
    assert set(records) == set(hosts)
    for record in records.values():
        assert record.parent == odoo.urn
        assert record.inputs["zoneId"] == ZONE_ID
        assert (record.inputs["type"], record.inputs["ttl"]) == ("CNAME", 300)
        assert record.inputs["records"] == [LOAD_BALANCER]
    assert _records(run_args(_tenant_args(hostnames=hosts))) == {}  # no zone: no records


def test_a_suspended_tenant_keeps_its_records_an_offboarded_one_has_none() -> None:
    dns = TenantDns(zone_id=ZONE_ID, target=LOAD_BALANCER)
    suspended = run_args(_tenant_args(dns=dns, suspended=True))
    assert set(_records(suspended)) == set(_tenant_args().hostnames)
    gone = _tenant_args(dns=dns, offboarded=True, offboarding_requested_on="2026-11-20")
    assert _records(run_args(gone)) == {}


def test_a_moved_record_carries_its_alias_and_uses_the_zones_provider() -> None:
    host = _tenant_args().hostnames[0]
    old_name = f"ingress-nb-consulting-{host}"

    def program() -> None:
        zone_account = aws.Provider("platform-aws", region="eu-west-1")
        dns = TenantDns(
            zone_id=ZONE_ID,
            target=LOAD_BALANCER,
            provider=zone_account,
            moved_from={host: [pulumi.Alias(name=old_name, parent=OLD_INGRESS)]},
        )
        OdooTenant("odoo-nb-consulting", _tenant_args(dns=dns))

    result = run_program(program)
    record = _records(result)[host]
    assert record.provider == result.named("platform-aws", "pulumi:providers:aws").urn
    assert record.aliases == (f"name={old_name},parent={OLD_INGRESS}",)


def _documented_fields(cls: type) -> set[str]:
    """Fields with an attribute docstring (a string statement right below them)."""
    (node,) = ast.parse(textwrap.dedent(inspect.getsource(cls))).body
    assert isinstance(node, ast.ClassDef)
    return {
        stmt.target.id
        for stmt, after in zip(node.body, node.body[1:], strict=False)
        if isinstance(stmt, ast.AnnAssign)
        and isinstance(stmt.target, ast.Name)
        and isinstance(after, ast.Expr)
        and isinstance(after.value, ast.Constant)
        and isinstance(after.value.value, str)
        and after.value.value.strip()
    }


@pytest.mark.parametrize(
    "cls", [OdooTenantArgs, TenantDns, TenantNamespaceArgs, TenantDatabaseArgs], ids=str
)
def test_every_tenant_args_field_is_documented(cls: type) -> None:
    assert _documented_fields(cls) == {f.name for f in dataclasses.fields(cls)}


COMPONENTS = Path(__file__).resolve().parents[2] / "odoo_platform" / "components"
TENANT_MODULES = sorted(
    [
        *(COMPONENTS / "odoo_tenant").glob("*.py"),
        COMPONENTS / "tenant_namespace.py",
        COMPONENTS / "tenant_database.py",
    ]
)


@pytest.mark.parametrize("module", TENANT_MODULES, ids=lambda p: p.name)
def test_tenant_components_do_not_read_the_stack_configuration(module: Path) -> None:
    """The platform layer (platform/assembly/tenant.py) turns a TenantConfig into args."""
    imported: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom):
            imported |= {node.module or ""} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
    forbidden = {
        name
        for name in imported
        if name.startswith(("odoo_platform.config.models", "odoo_platform.platform"))
        or name.endswith((".PlatformConfig", ".TenantConfig"))
    }
    assert forbidden == set()
    assert len(module.read_text().splitlines()) <= 600


SLEEPING = JobWindow("Europe/Dublin", 8, 18, "MON,TUE,WED,THU,FRI")


@pytest.mark.parametrize("rpo", [24, 4, 1])
def test_a_sleeping_database_is_backed_up_only_while_it_runs(rpo: int) -> None:
    """Stopped outside 07:00-20:00 on working days (EventBridge Scheduler), the database can be
    dumped and checked only inside those hours: every run of the backup and of the restore check
    over four weeks falls inside them, and a working day is never without a dump."""
    backup, check, zone = backup_times("dev-main", rpo, SLEEPING)
    assert zone == "Europe/Dublin"
    start = dt.datetime(2026, 3, 2)  # a Monday, spanning the change to summer time
    for schedule in (backup, check):
        runs = croniter(schedule, start)
        fired = [runs.get_next(dt.datetime) for _ in range(200)]
        fired = [t for t in fired if t < start + dt.timedelta(weeks=4)]
        assert fired and all(t.weekday() < 5 and 8 <= t.hour <= 19 for t in fired), schedule
        assert {t.date() for t in fired} == {
            (start + dt.timedelta(days=d)).date() for d in range(28) if d % 7 < 5
        }
    assert backup_times("dev-main", rpo, None)[2] == "Etc/UTC"  # unchanged when it never sleeps


def test_the_dev_sample_backs_up_inside_its_working_hours() -> None:
    config = sample_config("dev-eu-west-1")
    window = job_window(config, config.tenants[0])
    assert window is not None and window.timezone == "Europe/Dublin"
    assert (window.first_hour, window.last_hour) == (8, 18)  # working hours 07:00-20:00
    assert job_window(sample_config(), sample_config().tenants[0]) is None  # prod never sleeps
