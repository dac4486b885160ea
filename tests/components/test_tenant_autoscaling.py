"""The tenants' KEDA ScaledObjects (issue 16) and KEDA itself, from the sample stacks.

Every ScaledObject is validated against the CRD the pinned kedacore/keda chart installs
(tests/reference/crds/keda.sh_scaledobjects.yaml); the triggers are checked per environment.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from odoo_platform.components.event_autoscaler import (
    EventAutoscaler,
    EventAutoscalerArgs,
    keda_values,
)
from odoo_platform.config import parse_platform
from odoo_platform.config.catalog import SIZE_PROFILES
from odoo_platform.platform.assembly.event_autoscaler import event_autoscaler_args
from odoo_platform.synthesis.harness import ProgramResult, run_program
from tests.components.tenant_programs import (
    infra,
    odoo_args,
    run_args,
    run_tenants,
    sample_config,
    tenant,
    with_always_on,
)
from tests.k8s_validation import assert_restricted, validate_manifest

Manifest = dict[str, Any]
PROD = sample_config("prod-eu-west-1")
DEV = with_always_on(sample_config("dev-eu-west-1"), "dev-v17")
K8S_VERSION = PROD.cluster.kubernetes_version


@pytest.fixture(scope="module")
def prod() -> ProgramResult:
    slugs = ("nb-consulting", "halden-law", "nb-upgrade-lab")
    return run_tenants(PROD, [tenant(PROD, s) for s in slugs])


@pytest.fixture(scope="module")
def dev() -> ProgramResult:
    return run_tenants(DEV, [tenant(DEV, s) for s in ("dev-main", "dev-v17")])


def objects(result: ProgramResult, slug: str, kind: str) -> dict[str, Manifest]:
    return {
        m["metadata"]["name"]: m
        for m in result.manifests()
        if m["kind"] == kind and m["metadata"].get("namespace") == f"odoo-{slug}"
    }


def triggers(scaler: Manifest) -> dict[str, Manifest]:
    return {t["name"]: t for t in scaler["spec"]["triggers"]}


def test_every_scaled_object_is_valid_for_the_chart_crd(
    prod: ProgramResult, dev: ProgramResult
) -> None:
    scalers = [m for r in (prod, dev) for m in r.manifests() if m["kind"] == "ScaledObject"]
    assert len(scalers) >= 6
    for scaler in scalers:
        validate_manifest(scaler, K8S_VERSION)
    assert [
        m for r in (prod, dev) for m in r.manifests() if m["kind"] == "HorizontalPodAutoscaler"
    ] == []


def test_a_prod_tenant_scales_on_cpu_and_the_close_never_to_zero(prod: ProgramResult) -> None:
    profile = SIZE_PROFILES["m"]
    web = objects(prod, "nb-consulting", "ScaledObject")["odoo-web"]
    spec = web["spec"]
    assert spec["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "odoo-web",
    }
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (
        profile.min_replicas,
        profile.max_replicas,
    )
    # KEDA takes over the old HPA (same name, same behaviour) instead of being refused beside it
    assert web["metadata"]["annotations"] == {
        "pulumi.com/patchForce": "true",
        "scaledobject.keda.sh/transfer-hpa-ownership": "true",
    }
    hpa = spec["advanced"]["horizontalPodAutoscalerConfig"]
    assert hpa == {
        "name": "odoo-web",
        "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
    }
    by_name = triggers(web)
    assert by_name["cpu"] == {
        "type": "cpu",
        "name": "cpu",
        "metricType": "Utilization",
        "metadata": {"value": "70"},
    }
    crons = {n: t["metadata"] for n, t in by_name.items() if t["type"] == "cron"}
    # month-end close: one trigger per month length (31, 30, February); timesheets on Fridays
    assert sorted(crons) == [
        "month-end-close-1",
        "month-end-close-2",
        "month-end-close-3",
        "timesheets-1",
    ]
    assert {m["desiredReplicas"] for m in crons.values()} == {str(profile.event_min_replicas)}
    assert {m["timezone"] for m in crons.values()} == {"Europe/Dublin"}
    assert (
        crons["timesheets-1"]["start"] == "0 18 * * THU"
        and crons["timesheets-1"]["end"] == "0 0 * * SAT"
    )
    assert "working-hours-1" not in crons
    # one cron pod (size m runs no more during events): no cron ScaledObject, replicas fixed
    assert "odoo-cron" not in objects(prod, "nb-consulting", "ScaledObject")
    deployments = objects(prod, "nb-consulting", "Deployment")
    assert "replicas" not in deployments["odoo-web"]["spec"]
    assert deployments["odoo-cron"]["spec"]["replicas"] == 1


def test_a_large_tenant_runs_more_cron_pods_during_the_close(prod: ProgramResult) -> None:
    profile = SIZE_PROFILES["l"]
    assert profile.event_cron_replicas == 2
    cron = objects(prod, "halden-law", "ScaledObject")["odoo-cron"]
    assert (cron["spec"]["minReplicaCount"], cron["spec"]["maxReplicaCount"]) == (1, 2)
    assert {t["type"] for t in cron["spec"]["triggers"]} == {"cron"}
    assert {t["metadata"]["desiredReplicas"] for t in cron["spec"]["triggers"]} == {"2"}
    assert "replicas" not in objects(prod, "halden-law", "Deployment")["odoo-cron"]["spec"]


def test_a_dev_tenant_sleeps_outside_working_hours(dev: ProgramResult) -> None:
    profile = SIZE_PROFILES["s"]
    scalers = objects(dev, "dev-main", "ScaledObject")
    web, cron = scalers["odoo-web"], scalers["odoo-cron"]
    assert web["spec"]["minReplicaCount"] == 0 and cron["spec"]["minReplicaCount"] == 0
    night = triggers(web)["working-hours-1"]["metadata"]
    assert night == {
        "timezone": "Europe/Dublin",
        "start": "0 7 * * MON,TUE,WED,THU,FRI",
        "end": "0 20 * * MON,TUE,WED,THU,FRI",
        "desiredReplicas": str(profile.min_replicas),
    }
    # the cron trigger is what wakes it: CPU alone cannot scale from zero
    assert {t["type"] for t in web["spec"]["triggers"]} == {"cpu", "cron"}
    assert [t["metadata"]["desiredReplicas"] for t in cron["spec"]["triggers"]] == ["1"]
    deployments = objects(dev, "dev-main", "Deployment")
    assert "replicas" not in deployments["odoo-web"]["spec"]
    assert "replicas" not in deployments["odoo-cron"]["spec"]


def test_an_always_on_dev_tenant_keeps_its_minimum(dev: ProgramResult) -> None:
    scalers = objects(dev, "dev-v17", "ScaledObject")
    assert list(scalers) == ["odoo-web"]
    web = scalers["odoo-web"]
    assert web["spec"]["minReplicaCount"] == SIZE_PROFILES["s"].min_replicas
    assert [t["type"] for t in web["spec"]["triggers"]] == ["cpu"]
    assert objects(dev, "dev-v17", "Deployment")["odoo-cron"]["spec"]["replicas"] == 1


def test_a_suspended_tenant_is_paused_at_zero(prod: ProgramResult) -> None:
    web = objects(prod, "nb-upgrade-lab", "ScaledObject")["odoo-web"]
    assert web["metadata"]["annotations"]["autoscaling.keda.sh/paused-replicas"] == "0"
    deployments = objects(prod, "nb-upgrade-lab", "Deployment")
    assert deployments["odoo-web"]["spec"]["replicas"] == 0
    assert deployments["odoo-cron"]["spec"]["replicas"] == 0


@pytest.mark.parametrize("paused", [0, 2])
def test_a_standby_holds_web_at_its_paused_replicas_and_stops_cron(paused: int) -> None:
    t = tenant(PROD, "halden-law")
    args = odoo_args(PROD, t, namespace="odoo-halden-law", **infra(t.slug))
    result = run_args(dataclasses.replace(args, paused_replicas=paused))
    scalers = objects(result, "halden-law", "ScaledObject")
    for name, replicas in (("odoo-web", paused), ("odoo-cron", 0)):
        assert scalers[name]["metadata"]["annotations"][
            "autoscaling.keda.sh/paused-replicas"
        ] == str(replicas)
        validate_manifest(scalers[name], K8S_VERSION)
        assert objects(result, "halden-law", "Deployment")[name]["spec"]["replicas"] == replicas
    (resume,) = [j for n, j in objects(result, "halden-law", "Job").items() if "resume" in n]
    env = {
        e["name"]: e.get("value")
        for e in resume["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["SCALE_TARGETS"] == f"odoo-web={paused} odoo-cron=0"


def test_paused_replicas_are_bounded_and_exclusive_with_suspended() -> None:
    t = tenant(PROD, "nb-consulting")
    args = odoo_args(PROD, t, namespace="odoo-nb-consulting", **infra(t.slug))
    with pytest.raises(
        ValueError, match=r"paused_replicas: 0 to the profile's max_replicas 4, not 5"
    ):
        dataclasses.replace(args, paused_replicas=5)
    with pytest.raises(ValueError, match=r"paused_replicas and suspended: choose one"):
        dataclasses.replace(args, paused_replicas=1, suspended=True)


# -- KEDA itself -----------------------------------------------------------------------------------


def test_keda_runs_restricted_on_the_system_nodes() -> None:
    args = event_autoscaler_args(PROD)
    assert args is not None and args.chart_version == PROD.shared_services.keda.chart_version
    values = keda_values(args)
    assert values["nodeSelector"] == {"odoo-platform.io/node-pool": "system"}
    assert values["crds"] == {"install": True}
    for part in ("operator", "metricServer", "webhooks"):
        pod = {
            "securityContext": values["podSecurityContext"][part],
            "containers": [{"name": part, "securityContext": values["securityContext"][part]}],
        }
        assert_restricted(pod)
    result = run_program(lambda: EventAutoscaler("keda", args) and None)
    assert result.errors() == []
    (namespace,) = [m for m in result.manifests() if m["kind"] == "Namespace"]
    assert namespace["metadata"]["name"] == "keda"
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    (release,) = result.by_type("kubernetes:helm.sh/v3:Release")
    assert release.inputs["chart"] == "keda" and release.inputs["version"] == "2.20.2"
    assert release.inputs["repositoryOpts"]["repo"] == "https://kedacore.github.io/charts"


def test_an_existing_cluster_brings_its_own_keda_or_runs_it_unpinned_to_node_pools() -> None:
    data = PROD.model_dump(mode="json")
    data["cluster"] = {
        "mode": "existing",
        "oidc_provider_arn": "arn:aws:iam::111122223333:oidc-provider/oidc.example",
        "oidc_issuer_url": "https://oidc.example",
        "event_autoscaler": "bring-your-own",
    }

    assert event_autoscaler_args(parse_platform(data)) is None
    data["cluster"]["event_autoscaler"] = "keda"
    args = event_autoscaler_args(parse_platform(data))
    assert args is not None and args.node_selector == {}
    with pytest.raises(ValueError, match="chart_version"):
        EventAutoscalerArgs(chart_version="latest")
