"""`NodeAutoscalerArgs` of the stack: Karpenter's pools from the node group configuration."""

from __future__ import annotations

import pulumi

from odoo_platform.components.cluster import eks_cluster_name
from odoo_platform.components.node_autoscaler import NodeAutoscalerArgs
from odoo_platform.components.node_groups import NodePool, node_pools
from odoo_platform.config import defaults, lifecycle, node_autoscaling
from odoo_platform.config.models import EksClusterConfig, PlatformConfig
from odoo_platform.config.tags import base_tags, labels


def cluster_name(config: PlatformConfig, cluster_component: str) -> str | None:
    """The EKS name Karpenter works for (as `KubernetesCluster` names an EKS cluster); None for
    an existing cluster that did not name it."""
    cluster = config.cluster
    if isinstance(cluster, EksClusterConfig):
        return cluster.name or eks_cluster_name(pulumi.get_stack(), f"{cluster_component}-eks")
    return cluster.name


def node_discovery(config: PlatformConfig, cluster_component: str) -> str | None:
    """The `karpenter.sh/discovery` value the landing zone tags (EKS stacks with Karpenter)."""
    if isinstance(config.cluster, EksClusterConfig) and node_autoscaling.installs_karpenter(config):
        return cluster_name(config, cluster_component)
    return None


def karpenter_pools(config: PlatformConfig) -> list[NodePool]:
    """The shared pool and one per dedicated tenant that runs workloads (not the system pool:
    the controller runs there, on nodes it does not manage)."""
    cluster = config.cluster
    shared = (
        cluster.node_groups.shared
        if isinstance(cluster, EksClusterConfig)
        else cluster.shared_node_pool
    )
    dedicated = {
        t.slug: defaults.dedicated_settings(config, t).node_group
        for t in config.tenants
        if t.tier == "dedicated" and lifecycle.runs_workloads(t)
    }
    # The same pools (keys, labels, taints) as the managed groups, less the system pool.
    return [pool for pool in node_pools(shared, shared, dedicated) if pool.key != "system"]


def node_autoscaler_args(
    config: PlatformConfig,
    *,
    cluster_component: str,
    oidc_provider_arn: pulumi.Input[str],
    oidc_issuer_url: pulumi.Input[str],
    eks_cluster_name: pulumi.Input[str] | None = None,
    cluster_security_group_id: pulumi.Input[str] | None = None,
) -> NodeAutoscalerArgs | None:
    """Karpenter's settings; None when the stack brings its own autoscaler."""
    if not node_autoscaling.installs_karpenter(config):
        return None
    name = cluster_name(config, cluster_component)
    assert name is not None  # validation: node_autoscaling.issues
    karpenter = config.cluster.karpenter
    prod = config.environment == "prod"
    return NodeAutoscalerArgs(
        cluster_name=eks_cluster_name if eks_cluster_name is not None else name,
        region=config.region,
        oidc_provider_arn=oidc_provider_arn,
        oidc_issuer_url=oidc_issuer_url,
        discovery=name,
        pools=karpenter_pools(config),
        cluster_security_group_id=cluster_security_group_id,
        chart_version=karpenter.chart_version,
        ami_alias=karpenter.ami_alias,
        consolidate_after=node_autoscaling.consolidate_after(config),
        disruption_budgets=node_autoscaling.disruption_budgets(config),
        replicas=2 if prod else 1,
        labels=labels(config),
        tags=base_tags(config),
        protect_crds=defaults.protect_stateful(config),
    )
