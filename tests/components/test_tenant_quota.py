"""The tenant's ResourceQuota admits every pod the tenant may run at once, in any calendar state.

A quota that is full refuses the next pod: at month-end, with web at its maximum, the event's
cron pods and a rollout's surge pod running, a backup, restore check, DR drill or the upgrade Job
would wait (its Job controller retries) instead of running. The worst case is read from what the
component declares (the ScaledObjects' bounds and cron triggers, the Deployments' strategies, the
Jobs' and CronJobs' pod specs, with Kubernetes' own rule for a pod's effective requests), never
from the constants the quota is computed from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from odoo_platform.components.odoo_tenant import DrDrillArgs, DrReplica, OdooTenant
from odoo_platform.components.tenant_namespace import TenantNamespace
from odoo_platform.config.catalog import SIZE_PROFILES
from odoo_platform.synthesis.harness import ProgramResult, run_program
from tests.components.tenant_programs import (
    infra,
    ns_args,
    odoo_args,
    sample_config,
    tenant,
    with_tenant,
)

SLUG = "nb-consulting"
NAMESPACE = f"odoo-{SLUG}"
RESOURCES = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
DRILL = DrDrillArgs(
    replica=DrReplica(
        bucket_name="nb-backups-eu-west-1-dr",
        bucket_arn="arn:aws:s3:::nb-backups-eu-west-1-dr",
        kms_key_arn="arn:aws:kms:eu-central-1:123456789012:key/dr-backups",
        region="eu-central-1",
    ),
    stack="prod-eu-west-1",
)
Manifest = dict[str, Any]
Amounts = dict[str, int]


def quantity(text: str) -> int:
    """A Kubernetes quantity in millicores (cpu) or MiB (memory), as the component spells them."""
    for suffix, scale in (("m", 1), ("Mi", 1), ("Gi", 1024)):
        if text.endswith(suffix):
            return int(text.removesuffix(suffix)) * scale
    return int(text) * 1000  # whole cores


def container_amounts(container: Manifest) -> Amounts:
    resources = container.get("resources", {})
    return {
        f"{kind}.{name}": quantity(resources.get(kind, {}).get(name, "0"))
        for kind in ("requests", "limits")
        for name in ("cpu", "memory")
    }


def add(*amounts: Amounts) -> Amounts:
    return {key: sum(a[key] for a in amounts) for key in RESOURCES}


def largest(*amounts: Amounts) -> Amounts:
    return {key: max(a[key] for a in amounts) for key in RESOURCES}


def pod_amounts(pod: Manifest) -> Amounts:
    """What a pod counts against a quota: Kubernetes' PodRequests/PodLimits
    (k8s.io/component-helpers/resource), sidecars (init containers with `restartPolicy: Always`)
    running beside every later step and the main containers."""
    zero = dict.fromkeys(RESOURCES, 0)
    sidecars, init_peak = zero, zero
    for step in pod.get("initContainers", []):
        if step.get("restartPolicy") == "Always":
            sidecars = add(sidecars, container_amounts(step))
            init_peak = largest(init_peak, sidecars)
        else:
            init_peak = largest(init_peak, add(sidecars, container_amounts(step)))
    main = add(zero, *(container_amounts(c) for c in pod["containers"]))
    return largest(add(main, sidecars), init_peak)


@dataclass(frozen=True)
class Declared:
    """What one size's tenant declares, as the cluster would see it."""

    size: str
    result: ProgramResult

    def one(self, kind: str, component: str) -> Manifest:
        (found,) = [
            m
            for m in self.result.manifests()
            if m["kind"] == kind
            and m["metadata"].get("namespace") == NAMESPACE
            and m["metadata"]["labels"].get("app.kubernetes.io/component") == component
        ]
        return found

    def quota(self) -> dict[str, str]:
        (quota,) = [m for m in self.result.manifests() if m["kind"] == "ResourceQuota"]
        return dict(quota["spec"]["hard"])

    def surge(self, component: str) -> int:
        strategy = self.one("Deployment", component)["spec"]["strategy"]
        return int(strategy["rollingUpdate"]["maxSurge"]) if strategy["type"] != "Recreate" else 0

    def cron_pods(self, during_event: bool) -> int:
        """Cron pods outside and inside the business events (the cron ScaledObject's triggers)."""
        scalers = [
            m
            for m in self.result.manifests()
            if m["kind"] == "ScaledObject" and m["spec"]["scaleTargetRef"]["name"] == "odoo-cron"
        ]
        if not scalers:
            return int(self.one("Deployment", "cron")["spec"]["replicas"])
        (spec,) = [s["spec"] for s in scalers]
        peaks = [int(t["metadata"]["desiredReplicas"]) for t in spec["triggers"]]
        return max([spec["minReplicaCount"], *peaks]) if during_event else spec["minReplicaCount"]

    def web_max(self) -> int:
        (web,) = [
            m
            for m in self.result.manifests()
            if m["kind"] == "ScaledObject" and m["spec"]["scaleTargetRef"]["name"] == "odoo-web"
        ]
        return int(web["spec"]["maxReplicaCount"])

    def pod(self, kind: str, component: str) -> Manifest:
        spec = self.one(kind, component)["spec"]
        if kind == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        return dict(spec["template"]["spec"])

    def concurrent(self, during_event: bool) -> list[tuple[str, Amounts]]:
        """Every pod that may run at once. Web at its maximum plus the rolling update's surge;
        cron at the state's count (Recreate: no surge); one pod of each CronJob (Forbid), and
        no schedule keeps them apart (sub-daily backups cross the restore check and the drill;
        a drill may run 6 hours into the restore check's hour); one of the init/upgrade Job
        and the resume Job, which runs after it (it waits for the Deployments, which wait for
        the init Job)."""
        web = self.pod("Deployment", "web")
        cron = self.pod("Deployment", "cron")
        pods = [("web", pod_amounts(web))] * (self.web_max() + self.surge("web"))
        pods += [("cron", pod_amounts(cron))] * (self.cron_pods(during_event) + self.surge("cron"))
        for component in ("backup", "restore-check", "dr-drill"):
            assert self.one("CronJob", component)["spec"]["concurrencyPolicy"] == "Forbid"
            pods.append((component, pod_amounts(self.pod("CronJob", component))))
        jobs = [pod_amounts(self.pod("Job", c)) for c in ("init", "resume")]
        pods.append(("init-or-resume", largest(*jobs)))
        return pods


@pytest.fixture(scope="module", params=sorted(SIZE_PROFILES))
def declared(request: pytest.FixtureRequest) -> Declared:
    config = with_tenant(sample_config(), SLUG, size=request.param)
    t = tenant(config, SLUG)

    def program() -> None:
        namespace = TenantNamespace(f"ns-{SLUG}", ns_args(config, t))
        args = odoo_args(config, t, namespace=namespace.name, **infra(SLUG, dr_drill=DRILL))
        OdooTenant(f"odoo-{SLUG}", args)

    result = run_program(program)
    assert result.errors() == []
    return Declared(request.param, result)


@pytest.mark.parametrize("during_event", [False, True], ids=["normal", "business-event"])
def test_every_pod_the_tenant_may_run_at_once_fits_its_quota(
    declared: Declared, during_event: bool
) -> None:
    pods = declared.concurrent(during_event)
    needed = add(*(amounts for _, amounts in pods))
    hard = declared.quota()
    for key in RESOURCES:
        assert needed[key] <= quantity(hard[key]), (key, needed[key], hard[key], pods)
    assert len(pods) <= int(hard["pods"])


def test_the_event_runs_more_cron_pods_on_the_large_sizes(declared: Declared) -> None:
    """The case the quota missed: sizes l and xl run 2 cron pods during a business event."""
    profile = SIZE_PROFILES[declared.size]
    assert declared.web_max() == profile.max_replicas
    assert declared.cron_pods(during_event=True) == profile.event_cron_replicas
    assert declared.cron_pods(during_event=False) == 1
