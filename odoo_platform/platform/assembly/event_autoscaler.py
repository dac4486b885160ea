"""`EventAutoscalerArgs` of the stack: KEDA on the system nodes, or the cluster's own KEDA."""

from __future__ import annotations

from odoo_platform.components.event_autoscaler import EventAutoscalerArgs
from odoo_platform.components.node_groups import LABEL_NODE_POOL
from odoo_platform.config.models import EksClusterConfig, PlatformConfig
from odoo_platform.config.tags import labels


def event_autoscaler_args(config: PlatformConfig) -> EventAutoscalerArgs | None:
    """None with `cluster.event_autoscaler: bring-your-own` (the cluster runs KEDA already)."""
    if config.cluster.event_autoscaler != "keda":
        return None
    # The platform's EKS labels its system group; an existing cluster's nodes are its own.
    on_system = isinstance(config.cluster, EksClusterConfig)
    return EventAutoscalerArgs(
        chart_version=config.shared_services.keda.chart_version,
        node_selector={LABEL_NODE_POOL: "system"} if on_system else {},
        labels=labels(config),
    )
