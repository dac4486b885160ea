"""`NodeAutoscalerArgs`: what Karpenter is built from (the ids and ARNs come from the cluster)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import pulumi

from odoo_platform.components._shared.base import AwsRegion, Between, Matches, check_args
from odoo_platform.components.node_groups import NodePool


def _default_resources() -> dict[str, dict[str, str]]:
    return {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "1Gi"}}


@dataclass(frozen=True)
class NodeAutoscalerArgs:
    """Karpenter for one EKS cluster; the ids and ARNs come from the cluster component."""

    cluster_name: pulumi.Input[str]
    """The EKS cluster's name: scopes every IAM statement and the controller's settings."""
    region: AwsRegion
    """The cluster's region (IAM resource ARNs, `aws:RequestedRegion`)."""
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider (its account and partition are the cluster's)."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer URL, for the IRSA trust's `sub` and `aud` conditions."""
    discovery: str
    """Value of the `karpenter.sh/discovery` tag of the subnets and security groups the nodes
    use (the landing zone tags the private subnets and the node security group)."""
    pools: Sequence[NodePool]
    """One NodePool (and EC2NodeClass) each: name `key`, types, disk and `max_size` from
    `config`, labels and taints as the pool's managed node group."""
    cluster_security_group_id: pulumi.Input[str] | None = None
    """The EKS cluster security group, which the managed nodes carry too; None: tags only."""
    chart_version: Annotated[str, Matches(r"[0-9]+\.[0-9]+\.[0-9]+", "a version like 1.14.1")] = (
        "1.14.1"
    )
    """Version of the Karpenter Helm chart; its CRDs are applied from the same tag."""
    ami_alias: Annotated[
        str, Matches(r"al2023@(latest|v[0-9]{8})", "al2023@latest or @v<date>")
    ] = "al2023@latest"
    """AMI of the nodes (`amiSelectorTerms[].alias`): EKS-optimised Amazon Linux 2023."""
    imds_hop_limit: Annotated[int, Between(1, 2)] = 1
    """IMDSv2 hop limit: 1 keeps pods off the node's role (they use IRSA), as the managed nodes."""
    consolidate_after: Annotated[str, Matches(r"([0-9]+(s|m|h))+", "a duration like 15m")] = "15m"
    """How long a node stays empty or underused before Karpenter removes or replaces it."""
    disruption_budgets: Sequence[Mapping[str, Any]] = ({"nodes": "1"},)
    """NodePool `disruption.budgets`: how many nodes Karpenter may disrupt at once."""
    replicas: Annotated[int, Between(1, 3)] = 2
    """Controller replicas (one per node: the chart's anti-affinity is per host name)."""
    resources: Mapping[str, Mapping[str, str]] = field(default_factory=_default_resources)
    """Controller container requests and limits."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Labels of the Kubernetes objects declared here."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags of the EC2 instances and volumes Karpenter launches (besides tier and tenant)."""
    protect_crds: bool = False
    """Pulumi `protect` on the CRDs (prod): deleting the NodePool CRD deletes every NodePool and
    with it every node Karpenter launched."""

    def __post_init__(self) -> None:
        check_args(self)
