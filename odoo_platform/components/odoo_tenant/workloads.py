"""Odoo's workloads: the conf ConfigMap, the web Deployment (+ HPA, PDB), cron, the Service.

Web pods run with `max_cron_threads = 0` and scale on CPU between the profile's minimum and
maximum; cron runs once (`--no-http`, `Recreate`) with a liveness check that needs no HTTP. The
ConfigMap's name and the pods' annotation carry the conf hash: a change rolls the pods.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s

from odoo_platform.components.odoo_tenant.pods import (
    odoo_container,
    odoo_pod_spec,
    workload_template,
)
from odoo_platform.components.odoo_tenant.scope import (
    RENDERED_CONF,
    Manifest,
    TenantScope,
    k8s_value,
)
from odoo_platform.odoo import conf as odoo_conf
from odoo_platform.odoo.names import APP, CRON_DEPLOYMENT, WEB_DEPLOYMENT

ODOO_BIN = "/usr/bin/odoo"
# pulumi-kubernetes applies server-side; the upgrade Jobs also set `replicas` (scale subresource),
# so the next update must take the field back instead of failing on the conflict.
PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce"
WEB_GRACE_SECONDS = 60
CRON_GRACE_SECONDS = 120
# Odoo closes its listening socket at once on SIGTERM: the pause lets the Service drop the pod
# from its endpoints (and Traefik its backend) before that happens.
PRESTOP_PAUSE_SECONDS = 15
CRON_WORKERS_ALIVE = "grep -qs '^PPid:[[:space:]]*1$' /proc/[0-9]*/status"


def declare_conf_map(scope: TenantScope, texts: Mapping[str, str]) -> k8s.core.v1.ConfigMap:
    # The name carries the content hash: running pods keep the file they started with.
    return k8s.core.v1.ConfigMap(
        f"{scope.name}-conf",
        metadata=k8s_value(scope.metadata(f"{APP}-conf-{scope.conf_hash[:10]}")),
        data={f"{role}.conf": text for role, text in texts.items()},
        opts=scope.opts(),
    )


def declare_web(
    scope: TenantScope, conf_map: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> k8s.apps.v1.Deployment:
    probe = {"httpGet": {"path": odoo_conf.HEALTH_PATH, "port": "http"}}
    # Answered by the gevent process, not by a prefork worker: long reports occupying every
    # HTTP worker make the pod unready (no new requests), never restarted (killing them).
    alive = {"httpGet": {"path": odoo_conf.HEALTH_PATH, "port": "websocket"}}
    timing = {"periodSeconds": 10, "timeoutSeconds": 5}
    container = odoo_container(
        scope,
        [ODOO_BIN, "-c", RENDERED_CONF],
        ports=[
            {"name": "http", "containerPort": odoo_conf.HTTP_PORT, "protocol": "TCP"},
            {"name": "websocket", "containerPort": odoo_conf.GEVENT_PORT, "protocol": "TCP"},
        ],
        startupProbe={**probe, **timing, "failureThreshold": 60},
        livenessProbe={**alive, **timing, "periodSeconds": 20, "failureThreshold": 3},
        readinessProbe={**probe, **timing, "failureThreshold": 3},
        lifecycle={"preStop": {"exec": {"command": ["sleep", str(PRESTOP_PAUSE_SECONDS)]}}},
    )
    spec = odoo_pod_spec(
        scope,
        "web",
        [container],
        conf_map=conf_map,
        terminationGracePeriodSeconds=WEB_GRACE_SECONDS,
        topologySpreadConstraints=_spread(scope, "web"),
    )
    deployment: Manifest = {
        "selector": {"matchLabels": scope.selector("web")},
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
        },
        "revisionHistoryLimit": 5,
        "template": workload_template(scope, "web", spec),
    }
    # Running, the HPA owns the replica count; suspended, zero (the HPA stays idle at zero);
    # standby, zero and no HPA (its minimum would start pods on a read-only replica).
    if scope.args.suspended or scope.args.standby:
        deployment["replicas"] = 0
    web = k8s.apps.v1.Deployment(
        f"{scope.name}-web",
        metadata=k8s_value(_workload_metadata(scope, WEB_DEPLOYMENT, "web")),
        spec=k8s_value(deployment),
        opts=opts,
    )
    if not scope.args.standby:
        _autoscaling(scope, web)
    return web


def declare_cron(
    scope: TenantScope, conf_map: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> k8s.apps.v1.Deployment:
    # The prefork master re-spawns cron workers; none alive for 3 checks means it is stuck.
    liveness = {
        "exec": {"command": ["/bin/sh", "-c", CRON_WORKERS_ALIVE]},
        "initialDelaySeconds": 60,
        "periodSeconds": 30,
        "timeoutSeconds": 5,
        "failureThreshold": 3,
    }
    container = odoo_container(
        scope, [ODOO_BIN, "-c", RENDERED_CONF, "--no-http"], livenessProbe=liveness
    )
    spec = odoo_pod_spec(
        scope,
        "cron",
        [container],
        conf_map=conf_map,
        terminationGracePeriodSeconds=CRON_GRACE_SECONDS,
    )
    return k8s.apps.v1.Deployment(
        f"{scope.name}-cron",
        metadata=k8s_value(_workload_metadata(scope, CRON_DEPLOYMENT, "cron")),
        spec=k8s_value(
            {
                "replicas": 0 if scope.args.suspended or scope.args.standby else 1,
                "selector": {"matchLabels": scope.selector("cron")},
                "strategy": {"type": "Recreate"},
                "revisionHistoryLimit": 5,
                "template": workload_template(scope, "cron", spec),
            }
        ),
        opts=opts,
    )


def declare_service(scope: TenantScope) -> k8s.core.v1.Service:
    """The web pods' HTTP and gevent (`/websocket`) ports."""
    return k8s.core.v1.Service(
        f"{scope.name}-svc",
        metadata=k8s_value(scope.metadata(APP, "web")),
        spec=k8s_value(
            {
                "type": "ClusterIP",
                "selector": scope.selector("web"),
                "ports": [
                    {"name": "http", "port": odoo_conf.HTTP_PORT, "targetPort": "http"},
                    {"name": "websocket", "port": odoo_conf.GEVENT_PORT, "targetPort": "websocket"},
                ],
            }
        ),
        opts=scope.opts(),
    )


def _workload_metadata(scope: TenantScope, name: str, component: str) -> Manifest:
    return scope.metadata(name, component, annotations={PATCH_FORCE_ANNOTATION: "true"})


def _spread(scope: TenantScope, component: str) -> list[Manifest]:
    return [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": scope.selector(component)},
        }
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]


def _autoscaling(scope: TenantScope, web: k8s.apps.v1.Deployment) -> None:
    profile = scope.args.profile
    cpu = {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}
    k8s.autoscaling.v2.HorizontalPodAutoscaler(
        f"{scope.name}-web-hpa",
        metadata=k8s_value(scope.metadata(WEB_DEPLOYMENT, "web")),
        spec=k8s_value(
            {
                "scaleTargetRef": {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": WEB_DEPLOYMENT,
                },
                "minReplicas": profile.min_replicas,
                "maxReplicas": profile.max_replicas,
                "metrics": [{"type": "Resource", "resource": cpu}],
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
            }
        ),
        opts=scope.opts(depends_on=[web]),
    )
    if profile.min_replicas >= 2:
        k8s.policy.v1.PodDisruptionBudget(
            f"{scope.name}-web-pdb",
            metadata=k8s_value(scope.metadata(WEB_DEPLOYMENT, "web")),
            spec=k8s_value(
                {"maxUnavailable": 1, "selector": {"matchLabels": scope.selector("web")}}
            ),
            opts=scope.opts(),
        )
