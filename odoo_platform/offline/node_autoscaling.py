"""What the plan says about node autoscaling: Karpenter and its NodePools, or none installed."""

from __future__ import annotations

from typing import Any

from odoo_platform.config.models import PlatformConfig
from odoo_platform.config.node_autoscaling import node_autoscaler
from odoo_platform.synthesis.harness import ProgramResult

NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"


def node_autoscaling_json(config: PlatformConfig, result: ProgramResult) -> dict[str, Any]:
    """`plan --json` `node_autoscaling`: the engine, whether it is installed, its NodePools."""
    pools = sorted(str(r.inputs["metadata"]["name"]) for r in result.by_type(NODE_POOL))
    engine = node_autoscaler(config)
    return {
        "engine": engine,
        "installed": engine == "karpenter",
        "chart_version": config.cluster.karpenter.chart_version if engine == "karpenter" else None,
        "node_pools": pools,
    }


def node_autoscaling_line(config: PlatformConfig, result: ProgramResult) -> str:
    """One line of the human plan."""
    summary = node_autoscaling_json(config, result)
    if not summary["installed"]:
        return (
            "Node autoscaling: bring-your-own; nothing is installed, the cluster's own "
            "autoscaler must add nodes for Pending pods"
        )
    return (
        f"Node autoscaling: Karpenter {summary['chart_version']}, NodePools "
        f"{', '.join(summary['node_pools'])} (nodes it adds are not in the cost estimate)"
    )
