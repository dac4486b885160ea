"""KEDA ScaledObjects of the web and cron Deployments (they replace the web HPA of issue 4).

Web: the CPU target the HPA had, between the profile's bounds, plus one cron trigger per
calendar window (events, working hours). KEDA owns the HPA (`odoo-web`, the old one's name: it
takes that HPA over with `transfer-hpa-ownership`, its webhook refuses a ScaledObject beside a
foreign HPA) and scales to and from zero itself, which needs a trigger other than CPU: its
webhook refuses `minReplicaCount: 0` with CPU/memory triggers only (kedacore/keda
apis/keda/v1alpha1/scaledobject_webhook.go). The Deployments leave `replicas` to KEDA.

Cron: a ScaledObject only when a window runs more cron pods than its minimum (working hours,
or an event of a profile with `event_cron_replicas` > 1).
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from odoo_platform.components.odoo_tenant.scope import Manifest, TenantScope, k8s_value
from odoo_platform.config.scaling import ScheduledCapacity, TenantScaling
from odoo_platform.odoo.names import CRON_DEPLOYMENT, WEB_DEPLOYMENT

# pulumi-kubernetes' annotation to take a field back from another manager (workloads.py too).
PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce"
API_VERSION = "keda.sh/v1alpha1"
PAUSED_REPLICAS = "autoscaling.keda.sh/paused-replicas"
TRANSFER_HPA = "scaledobject.keda.sh/transfer-hpa-ownership"
CPU_TARGET_PERCENT = 70
SCALE_DOWN_STABILIZATION_SECONDS = 300


def scaling_of(scope: TenantScope) -> TenantScaling:
    """The args' scaling, or the profile's range on CPU alone (a tenant used without config)."""
    profile = scope.args.profile
    return scope.args.scaling or TenantScaling(
        "UTC", profile.min_replicas, profile.max_replicas, 1, 1
    )


def paused_at(scope: TenantScope, component: str) -> int | None:
    """Replicas the ScaledObject is paused at: 0 while suspended or a warm standby (its database
    is a read-only replica until failover), else `paused_replicas` for web."""
    args = scope.args
    if args.suspended or args.standby:
        return 0
    if args.paused_replicas is None:
        return None
    return args.paused_replicas if component == "web" else 0


def web_scaled_object_spec(scaling: TenantScaling) -> Manifest:
    cpu = {
        "type": "cpu",
        "name": "cpu",
        "metricType": "Utilization",
        "metadata": {"value": str(CPU_TARGET_PERCENT)},
    }
    return {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": WEB_DEPLOYMENT},
        "minReplicaCount": scaling.web_min,
        "maxReplicaCount": scaling.web_max,
        "advanced": {
            "horizontalPodAutoscalerConfig": {
                "name": WEB_DEPLOYMENT,
                "behavior": {
                    "scaleDown": {"stabilizationWindowSeconds": SCALE_DOWN_STABILIZATION_SECONDS}
                },
            }
        },
        "triggers": [cpu, *_cron_triggers(scaling, "web")],
    }


def cron_scaled_object_spec(scaling: TenantScaling) -> Manifest:
    return {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": CRON_DEPLOYMENT},
        "minReplicaCount": scaling.cron_min,
        "maxReplicaCount": scaling.cron_max,
        "triggers": _cron_triggers(scaling, "cron"),
    }


def _cron_triggers(scaling: TenantScaling, component: str) -> list[Manifest]:
    numbered: dict[str, int] = {}
    triggers = []
    for schedule in scaling.schedules:
        replicas = _replicas(schedule, component)
        if replicas < 1:  # KEDA refuses desiredReplicas 0
            continue
        numbered[schedule.name] = numbered.get(schedule.name, 0) + 1
        triggers.append(
            {
                "type": "cron",
                "name": f"{schedule.name}-{numbered[schedule.name]}",
                "metadata": {
                    "timezone": scaling.timezone,
                    "start": schedule.window.start,
                    "end": schedule.window.end,
                    "desiredReplicas": str(replicas),
                },
            }
        )
    return triggers


def _replicas(schedule: ScheduledCapacity, component: str) -> int:
    return schedule.web_replicas if component == "web" else schedule.cron_replicas


def declare_autoscaling(
    scope: TenantScope, web: pulumi.Resource, cron: pulumi.Resource
) -> list[k8s.apiextensions.CustomResource]:
    scaling = scaling_of(scope)
    declared = [
        _scaled_object(
            scope,
            "web",
            WEB_DEPLOYMENT,
            web_scaled_object_spec(scaling),
            web,
            annotations={TRANSFER_HPA: "true"},
        )
    ]
    if scaling.cron_scaled:
        declared.append(
            _scaled_object(scope, "cron", CRON_DEPLOYMENT, cron_scaled_object_spec(scaling), cron)
        )
    return declared


def _scaled_object(
    scope: TenantScope,
    component: str,
    name: str,
    spec: Manifest,
    target: pulumi.Resource,
    *,
    annotations: dict[str, str] | None = None,
) -> k8s.apiextensions.CustomResource:
    # pulumi-kubernetes applies server-side; the upgrade Jobs pause and release the
    # ScaledObject (scale-workloads.sh), so the next update takes the annotation back.
    annotations = {PATCH_FORCE_ANNOTATION: "true", **(annotations or {})}
    paused = paused_at(scope, component)
    if paused is not None:
        annotations[PAUSED_REPLICAS] = str(paused)
    metadata = scope.metadata(name, component)
    metadata["annotations"] = annotations
    return k8s.apiextensions.CustomResource(
        f"{scope.name}-{component}-scaler",
        api_version=API_VERSION,
        kind="ScaledObject",
        metadata=k8s_value(metadata),
        spec=k8s_value(spec),
        opts=scope.opts(depends_on=[target]),
    )
