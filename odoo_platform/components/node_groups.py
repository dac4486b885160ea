"""The cluster's managed node groups: system, shared and one per dedicated tenant (tainted).

Builders that `KubernetesCluster` calls in EKS mode (as pulumi-eks keeps node groups apart from
the control plane), and the node selector and toleration that pin a dedicated tenant's pods to
its own group. Every resource is a child of the cluster component.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import child_opts
from odoo_platform.config.catalog import LABEL_DEDICATED, LABEL_PREFIX
from odoo_platform.config.services import NodeGroupConfig
from odoo_platform.config.tags import resource_tags

LABEL_NODE_POOL = LABEL_PREFIX + "node-pool"
AMI_TYPE = "AL2023_x86_64_STANDARD"


def dedicated_node_selector(slug: str) -> dict[str, str]:
    """What a dedicated tenant's pods select: the label of its own node group."""
    return {LABEL_DEDICATED: slug}


def dedicated_tolerations(slug: str) -> list[dict[str, str]]:
    """What lets a dedicated tenant's pods (and only them) onto its tainted node group."""
    return [{"key": LABEL_DEDICATED, "operator": "Equal", "value": slug, "effect": "NoSchedule"}]


@dataclass(frozen=True)
class NodePool:
    """One pool of nodes: a managed node group and, with Karpenter, its NodePool."""

    key: str
    """`system`, `shared` or `tenant-<slug>`: the key in `node_group_names`, the name of the
    pool's Karpenter NodePool and EC2NodeClass."""
    suffix: str
    """Suffix of the managed group's logical names (`ng-shared`)."""
    config: NodeGroupConfig
    """Instance types, sizes and disk of the pool."""
    tenant: str | None = None
    """The dedicated tenant whose pool it is (labelled and tainted with its slug); None for
    the platform's pools."""

    @property
    def tier(self) -> str:
        return "dedicated" if self.tenant else "platform"


def node_pools(
    system: NodeGroupConfig, shared: NodeGroupConfig, dedicated: Mapping[str, NodeGroupConfig]
) -> list[NodePool]:
    return [
        NodePool("system", "ng-system", system),
        NodePool("shared", "ng-shared", shared),
        *(
            NodePool(f"tenant-{slug}", f"ng-tenant-{slug}", group, slug)
            for slug, group in dedicated.items()
        ),
    ]


def node_labels(pool: NodePool) -> dict[str, str]:
    """The labels of a pool's nodes (managed or Karpenter's) that tenant pods select."""
    labels = {LABEL_NODE_POOL: "dedicated" if pool.tenant else pool.key}
    if pool.tenant is not None:
        labels.update(dedicated_node_selector(pool.tenant))
    return labels


def node_taints(pool: NodePool) -> list[dict[str, str]]:
    """The taints of a pool's nodes: a dedicated tenant's keep every other pod off."""
    if pool.tenant is None:
        return []
    return [{"key": LABEL_DEDICATED, "value": pool.tenant, "effect": "NoSchedule"}]


EKS_TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE"}


@dataclass(frozen=True)
class NodeSettings:
    """What every node group of one cluster shares."""

    cluster: aws.eks.Cluster
    node_role: aws.iam.Role
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_ids: Sequence[pulumi.Input[str]]
    instance_tags: Mapping[str, str]
    imds_hop_limit: int
    after: Sequence[pulumi.Resource]  # the network add-ons: nodes need a network


def launch_template(
    parent: pulumi.Resource, name: str, pool: NodePool, nodes: NodeSettings
) -> aws.ec2.LaunchTemplate:
    """IMDSv2 only, encrypted gp3 root volume, the cluster and node security groups."""
    tags = {**nodes.instance_tags, **resource_tags(pool.tier, pool.tenant)}
    return aws.ec2.LaunchTemplate(
        f"{name}-lt-{pool.suffix.removeprefix('ng-')}",
        metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
            http_endpoint="enabled",
            http_tokens="required",
            http_put_response_hop_limit=nodes.imds_hop_limit,
        ),
        block_device_mappings=[
            aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name="/dev/xvda",
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    volume_size=pool.config.disk_gib,
                    volume_type="gp3",
                    encrypted="true",
                    delete_on_termination="true",
                ),
            )
        ],
        vpc_security_group_ids=list(nodes.security_group_ids),
        tag_specifications=[
            aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=tags)
            for kind in ("instance", "volume")
        ],
        update_default_version=True,
        tags=resource_tags(pool.tier, pool.tenant),
        opts=child_opts(parent),
    )


def node_group(
    parent: pulumi.Resource, name: str, pool: NodePool, nodes: NodeSettings
) -> aws.eks.NodeGroup:
    """The managed group on its launch template; a dedicated one labelled and tainted."""
    template = launch_template(parent, name, pool, nodes)
    config, tenant = pool.config, pool.tenant
    taints = [
        aws.eks.NodeGroupTaintArgs(
            key=t["key"], value=t["value"], effect=EKS_TAINT_EFFECTS[t["effect"]]
        )
        for t in node_taints(pool)
    ]
    desired = config.desired_size if config.desired_size is not None else config.min_size
    return aws.eks.NodeGroup(
        f"{name}-{pool.suffix}",
        cluster_name=nodes.cluster.name,
        node_role_arn=nodes.node_role.arn,
        subnet_ids=nodes.subnet_ids,
        ami_type=AMI_TYPE,
        capacity_type="ON_DEMAND",
        instance_types=list(config.instance_types),
        scaling_config=aws.eks.NodeGroupScalingConfigArgs(
            min_size=config.min_size, max_size=config.max_size, desired_size=desired
        ),
        update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
        launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
            id=template.id, version=template.latest_version.apply(str)
        ),
        labels=node_labels(pool),
        taints=taints,
        tags=resource_tags(pool.tier, tenant),
        # The group is the pool's always-on baseline: nothing resizes it (Karpenter adds its own
        # nodes above it, docs/architecture.md), so a hand resize during an incident is kept.
        opts=child_opts(
            parent, depends_on=list(nodes.after), ignore_changes=["scalingConfig.desiredSize"]
        ),
    )
