"""`EventAutoscaler`: KEDA (Helm chart `kedacore/keda`), which runs the tenants' ScaledObjects.

KEDA turns each tenant's ScaledObject (CPU plus the business calendar's cron triggers) into the
HPA of its web Deployment and scales to and from zero itself, which an HPA cannot. It runs in its
own namespace under the restricted Pod Security Standard, on the system nodes. The chart installs
and upgrades its CRDs (`crds.install`); the ScaledObject schema the tests check against is that
chart's copy (tests/reference/README.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import pulumi

from odoo_platform.components._shared.base import (
    Matches,
    check_args,
    component_type,
    require_providers,
)
from odoo_platform.components._shared.helm import HelmChart, install_chart
from odoo_platform.components._shared.k8s import (
    restricted_container_security,
    restricted_namespace,
    restricted_pod_security,
)

KEDA_CHART_REPO = "https://kedacore.github.io/charts"
RELEASE_NAME = "keda"
# The distroless image's user (kedacore/keda Dockerfile: `USER 65532:65532`).
KEDA_UID = 65532
# The chart's three Deployments, each with its own securityContext/podSecurityContext key.
KEDA_PARTS = ("operator", "metricServer", "webhooks")


@dataclass(frozen=True)
class EventAutoscalerArgs:
    chart_version: Annotated[str, Matches(r"[0-9]+\.[0-9]+\.[0-9]+", "a version like 2.20.2")] = (
        "2.20.2"
    )
    """Version of the kedacore/keda Helm chart (KEDA's own version; its CRDs come with it)."""
    namespace: str = "keda"
    """KEDA's namespace, created here."""
    node_selector: Mapping[str, str] = field(default_factory=dict)
    """Where KEDA runs: the system node group; empty on a cluster the platform did not make."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Labels of the namespace and of every object of the chart."""

    def __post_init__(self) -> None:
        check_args(self)


def keda_values(args: EventAutoscalerArgs) -> dict[str, Any]:
    """The chart values: CRDs from the chart, restricted pods on the system nodes."""
    return {
        "crds": {"install": True},
        "additionalLabels": dict(args.labels),
        "nodeSelector": dict(args.node_selector),
        "podSecurityContext": {part: restricted_pod_security(KEDA_UID) for part in KEDA_PARTS},
        "securityContext": {part: restricted_container_security() for part in KEDA_PARTS},
    }


class EventAutoscaler(pulumi.ComponentResource):
    """KEDA's operator, metrics API server and admission webhooks."""

    namespace: pulumi.Output[str]
    release_name: str

    def __init__(
        self, name: str, args: EventAutoscalerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("EventAutoscaler"), name, None, opts)
        require_providers(self, "kubernetes")
        namespace = restricted_namespace(self, f"{name}-namespace", args.namespace, args.labels)
        self.namespace = namespace.metadata.name
        self.release_name = RELEASE_NAME
        # No `crd_files`: the chart templates its CRDs (`crds.install`) and upgrades them itself.
        keda = HelmChart(RELEASE_NAME, "keda", args.chart_version, KEDA_CHART_REPO)
        install_chart(self, name, keda, namespace=self.namespace, values=keda_values(args))
        self.register_outputs({"namespace": self.namespace, "release_name": self.release_name})
