"""The Karpenter Helm chart: its CRDs (from the chart's tag) and its values."""

from __future__ import annotations

from typing import Any

import pulumi

from odoo_platform.components._shared.helm import HelmChart
from odoo_platform.components.node_autoscaler.args import NodeAutoscalerArgs
from odoo_platform.components.node_groups import LABEL_NODE_POOL
from odoo_platform.config.node_autoscaling import KARPENTER_CHART

KARPENTER_CRD_URL = (
    "https://raw.githubusercontent.com/aws/karpenter-provider-aws/v{version}/pkg/apis/crds/{file}"
)
# Every CRD of the chart's `crds/` directory (links to these files), as `helm install` would.
KARPENTER_CRD_FILES = (
    "karpenter.sh_nodepools.yaml",
    "karpenter.sh_nodeclaims.yaml",
    "karpenter.k8s.aws_ec2nodeclasses.yaml",
    "karpenter.sh_nodeoverlays.yaml",
    "autoscaling.x-k8s.io_capacitybuffers.yaml",
)
RELEASE_NAME = "karpenter"  # also the chart's ServiceAccount name
# The docs install into kube-system (their API priority FlowSchemas name it).
NAMESPACE = "kube-system"
CHART_OWNED_LABELS = frozenset(
    f"app.kubernetes.io/{key}" for key in ("name", "instance", "managed-by", "version")
) | {"helm.sh/chart"}
SYSTEM_NODE_SELECTOR = {"kubernetes.io/os": "linux", LABEL_NODE_POOL: "system"}


def karpenter_crd_urls(chart_version: str) -> list[str]:
    return [KARPENTER_CRD_URL.format(version=chart_version, file=f) for f in KARPENTER_CRD_FILES]


def karpenter_chart(args: NodeAutoscalerArgs) -> HelmChart:
    """The OCI chart at `chart_version`, its CRDs applied from the same tag (Helm never upgrades
    the chart's `crds/`)."""
    return HelmChart(
        release_name=RELEASE_NAME,
        chart=KARPENTER_CHART,
        version=args.chart_version,
        crd_files=karpenter_crd_urls(args.chart_version),
        protect_crds=args.protect_crds,
    )


def karpenter_values(
    args: NodeAutoscalerArgs,
    *,
    cluster_name: pulumi.Input[str],
    queue_name: pulumi.Input[str],
    role_arn: pulumi.Input[str],
) -> dict[str, Any]:
    """Chart values: IRSA, the interruption queue, the controller on the system node group.

    The chart's default affinity (`karpenter.sh/nodepool DoesNotExist`) stays: with the system
    node selector it keeps the controller off every node it launches.
    """
    return {
        "settings": {"clusterName": cluster_name, "interruptionQueue": queue_name},
        "serviceAccount": {
            "name": RELEASE_NAME,
            "annotations": {"eks.amazonaws.com/role-arn": role_arn},
        },
        "replicas": args.replicas,
        "nodeSelector": dict(SYSTEM_NODE_SELECTOR),
        "additionalLabels": {k: v for k, v in args.labels.items() if k not in CHART_OWNED_LABELS},
        "controller": {
            "resources": {kind: dict(amounts) for kind, amounts in args.resources.items()}
        },
        "logLevel": "info",
    }
