"""`TenantNamespace`: a tenant's namespace with its guard rails, declared before anything in it.

The tier creates it first, so `TenantDatabase` (whose credentials Secret lives in the tenant's
namespace) and then `OdooTenant` can be placed in it. It holds only what bounds the namespace:
the restricted Pod Security level (enforced, audited, warned), a ResourceQuota and a LimitRange
sized from the tenant's size profile, and a default-deny NetworkPolicy for ingress and egress;
`OdooTenant` adds the narrow allow rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from odoo_platform.components._shared.base import Slug, check_args, child_opts, component_type
from odoo_platform.components._shared.k8s import manifest, pod_security_labels
from odoo_platform.config.catalog import (
    INIT_JOB_CPU_LIMIT_M,
    INIT_JOB_MEMORY_LIMIT_MIB,
    SizeProfile,
)
from odoo_platform.odoo.names import tenant_namespace

# Pods the quota must admit at once: every web replica KEDA may run, one surge pod of a
# rolling update, the cron pod and one Job pod (init/upgrade, backup or restore-check).
EXTRA_PODS_OVER_MAX_REPLICAS = 3
MAX_PODS_HEADROOM = 10
DEFAULT_CPU = "250m"
DEFAULT_MEMORY = "256Mi"


def namespace_name(slug: str) -> str:
    return tenant_namespace(slug)


@dataclass(frozen=True)
class TenantNamespaceArgs:
    """One tenant's namespace and the guard rails sized from its profile."""

    slug: Slug
    """The tenant's id; the namespace is `odoo-<slug>` unless `namespace` is given."""
    profile: SizeProfile
    """The tenant's size: the quota admits `max_replicas + 3` pods of its web pod's size, the
    LimitRange caps a container at its pod limit (or the init Job's, when larger)."""
    k8s_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels of the namespace and its objects (owner, cost centre, environment, tier, tenant)."""
    namespace: str | None = None
    """The namespace's name; None: `odoo-<slug>`."""

    def __post_init__(self) -> None:
        check_args(self)

    @property
    def namespace_name(self) -> str:
        return self.namespace or namespace_name(self.slug)


def quota_hard(profile: SizeProfile) -> dict[str, str]:
    """Limits and requests of the most pods the tenant runs at once, sized like web pods."""
    pods = profile.max_replicas + EXTRA_PODS_OVER_MAX_REPLICAS
    return {
        "requests.cpu": f"{pods * profile.cpu_request_m}m",
        "requests.memory": f"{pods * profile.memory_request_mib}Mi",
        "limits.cpu": f"{pods * profile.cpu_limit_m}m",
        "limits.memory": f"{pods * profile.memory_limit_mib}Mi",
        # finished Job pods count until they are cleaned up
        "pods": str(pods + MAX_PODS_HEADROOM),
        "persistentvolumeclaims": "2",
        "services.loadbalancers": "0",
        "services.nodeports": "0",
    }


def limit_range_limits(profile: SizeProfile) -> list[dict[str, object]]:
    return [
        {
            "type": "Container",
            "default": {"cpu": DEFAULT_CPU, "memory": DEFAULT_MEMORY},
            "defaultRequest": {"cpu": DEFAULT_CPU, "memory": DEFAULT_MEMORY},
            # the largest container: a web pod's, or the init/upgrade Job's on small sizes
            "max": {
                "cpu": f"{max(profile.cpu_limit_m, INIT_JOB_CPU_LIMIT_M)}m",
                "memory": f"{max(profile.memory_limit_mib, INIT_JOB_MEMORY_LIMIT_MIB)}Mi",
            },
        }
    ]


class TenantNamespace(pulumi.ComponentResource):
    """The namespace `odoo-<slug>` with restricted pod security, quota, limits and default deny."""

    name: pulumi.Output[str]
    labels: dict[str, str]

    def __init__(
        self, name: str, args: TenantNamespaceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("TenantNamespace"), name, None, opts)
        self.labels = dict(args.k8s_labels)
        namespace = k8s.core.v1.Namespace(
            f"{name}-ns",
            metadata=manifest(
                {"name": args.namespace_name, "labels": {**self.labels, **pod_security_labels()}}
            ),
            opts=child_opts(self),
        )
        self.name = namespace.metadata.name
        in_namespace = child_opts(self, depends_on=[namespace])
        k8s.core.v1.ResourceQuota(
            f"{name}-quota",
            metadata=self._metadata("tenant-quota"),
            spec=manifest({"hard": quota_hard(args.profile)}),
            opts=in_namespace,
        )
        k8s.core.v1.LimitRange(
            f"{name}-limits",
            metadata=self._metadata("tenant-limits"),
            spec=manifest({"limits": limit_range_limits(args.profile)}),
            opts=in_namespace,
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-default-deny",
            metadata=self._metadata("default-deny"),
            spec=manifest({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
            opts=in_namespace,
        )
        self.register_outputs({"name": self.name})

    def _metadata(self, object_name: str) -> Any:
        return manifest({"name": object_name, "namespace": self.name, "labels": self.labels})
