"""The most pods one tenant runs at once, and what they request: one answer for the namespace's
ResourceQuota and the connection budget.

Pure config (no Pulumi). The tenant's containers are sized from the constants below (and the
size profile), and `components/odoo_tenant` builds them from the same constants; a test reads
the rendered pods back (tests/components/test_tenant_quota.py).

Which pods overlap (nothing keeps them apart):
- web at the profile's `max_replicas` plus the rolling update's surge pod (`maxSurge: 1`);
- cron at its business-event peak (`event_cron_replicas`); its Deployment is `Recreate`, which
  stops the old pods before it starts new ones, so no surge;
- one pod of each CronJob (`concurrencyPolicy: Forbid`): backup, restore check and DR drill.
  Sub-daily backups cross the restore check's and the drill's hours, and a drill may run for 6
  hours. The drill pod is counted for every tenant (whether a tenant is drilled is the platform's
  decision; one small pod of headroom);
- one init/upgrade Job pod: `pulumi up` starts it at any time. The resume Job runs after it (it
  waits for the Deployments, which wait for the init Job) and is smaller.
"""

from __future__ import annotations

from dataclasses import dataclass

from odoo_platform.config.catalog import (
    INIT_JOB_CPU_LIMIT_M,
    INIT_JOB_MEMORY_LIMIT_MIB,
    SizeProfile,
)

# The web Deployment's rolling update adds one pod (maxSurge) even at the autoscaler's maximum.
ROLLOUT_SURGE_PODS = 1


@dataclass(frozen=True)
class PodResources:
    """Requests and limits of a container or pod (millicores, MiB)."""

    cpu_request_m: int
    """CPU request, in millicores."""
    cpu_limit_m: int
    """CPU limit, in millicores."""
    memory_request_mib: int
    """Memory request, in MiB."""
    memory_limit_mib: int
    """Memory limit, in MiB."""

    def __add__(self, other: PodResources) -> PodResources:
        return PodResources(
            self.cpu_request_m + other.cpu_request_m,
            self.cpu_limit_m + other.cpu_limit_m,
            self.memory_request_mib + other.memory_request_mib,
            self.memory_limit_mib + other.memory_limit_mib,
        )

    def __mul__(self, pods: int) -> PodResources:
        return PodResources(
            self.cpu_request_m * pods,
            self.cpu_limit_m * pods,
            self.memory_request_mib * pods,
            self.memory_limit_mib * pods,
        )

    def at_least(self, other: PodResources) -> PodResources:
        """Each amount the larger of the two (an init step runs before the containers)."""
        return PodResources(
            max(self.cpu_request_m, other.cpu_request_m),
            max(self.cpu_limit_m, other.cpu_limit_m),
            max(self.memory_request_mib, other.memory_request_mib),
            max(self.memory_limit_mib, other.memory_limit_mib),
        )


# Containers besides the profile-sized Odoo ones.
SCRIPT_STEP = PodResources(100, 1000, 256, 1024)
"""A step of the backup contract (dump, upload, fetch, check, restore, record, db-state)."""
SCALE_STEP = PodResources(50, 200, 64, 128)
"""scale-workloads.sh (the upgrade's stop step, the resume Job)."""
RENDER_CONF_STEP = PodResources(50, 100, 32, 64)
"""The init step that renders `odoo.conf` in memory."""
INIT_JOB_ODOO = PodResources(500, INIT_JOB_CPU_LIMIT_M, 1024, INIT_JOB_MEMORY_LIMIT_MIB)
"""The init/upgrade Job's Odoo, the same for every size (a resize must not re-run it)."""


def odoo_container(profile: SizeProfile) -> PodResources:
    """A web or cron pod's Odoo container."""
    return PodResources(
        profile.cpu_request_m,
        profile.cpu_limit_m,
        profile.memory_request_mib,
        profile.memory_limit_mib,
    )


@dataclass(frozen=True)
class PeakPods:
    """How many pods of each kind one tenant may run at once."""

    web: int
    """Web pods at the maximum plus the rollout surge."""
    cron: int
    """Cron pods at the business-event peak."""
    init_job: int = 1
    """The init/upgrade Job's pod (or, after it, the resume Job's)."""
    backup: int = 1
    """The backup CronJob's pod."""
    restore_check: int = 1
    """The restore check's pod."""
    drill: int = 1
    """The DR drill's pod."""

    @property
    def total(self) -> int:
        return self.web + self.cron + self.init_job + self.backup + self.restore_check + self.drill


def peak_pods(profile: SizeProfile) -> PeakPods:
    return PeakPods(web=profile.max_replicas + ROLLOUT_SURGE_PODS, cron=profile.event_cron_replicas)


def pod_sizes(profile: SizeProfile) -> dict[str, PodResources]:
    """Each pod's effective requests and limits, as Kubernetes counts them against a quota: the
    containers plus the sidecars (the backup's upload step), or the largest init step if more."""
    odoo = odoo_container(profile).at_least(RENDER_CONF_STEP)
    return {
        "web": odoo,
        "cron": odoo,
        # the upload sidecar runs beside the dump, then beside Odoo's init (and its conf step)
        "init_job": (SCRIPT_STEP + INIT_JOB_ODOO).at_least(SCRIPT_STEP * 2),
        "backup": SCRIPT_STEP * 2,  # dump + upload sidecar
        "restore_check": SCRIPT_STEP,  # fetch, check, record: one after the other
        "drill": SCRIPT_STEP,
    }


def peak_resources(profile: SizeProfile) -> PodResources:
    """The requests and limits of every pod of `peak_pods` at once: the tenant's quota."""
    pods, sizes = peak_pods(profile), pod_sizes(profile)
    total = PodResources(0, 0, 0, 0)
    for kind, size in sizes.items():
        total += size * getattr(pods, kind)
    return total
