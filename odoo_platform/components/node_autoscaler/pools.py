"""Karpenter's EC2NodeClass and NodePool for one pool: the same labels, taints, instance types
and disk as the pool's managed node group, so tenant pods schedule on either alike."""

from __future__ import annotations

from typing import Any

import pulumi

from odoo_platform.components.node_autoscaler.args import NodeAutoscalerArgs
from odoo_platform.components.node_groups import NodePool, node_labels, node_taints
from odoo_platform.config.node_autoscaling import DISCOVERY_TAG, largest
from odoo_platform.config.tags import resource_tags


def _tags(args: NodeAutoscalerArgs, pool: NodePool) -> dict[str, str]:
    return {**args.tags, **resource_tags(pool.tier, pool.tenant)}


def node_class_spec(
    args: NodeAutoscalerArgs, pool: NodePool, node_role: pulumi.Input[str]
) -> dict[str, Any]:
    """AL2023, the discovery-tagged subnets and security groups (and the cluster security group,
    as the managed nodes), IMDSv2 only, an encrypted gp3 root volume of the pool's size."""
    groups: list[dict[str, Any]] = [{"tags": {DISCOVERY_TAG: args.discovery}}]
    if args.cluster_security_group_id is not None:
        groups.append({"id": args.cluster_security_group_id})
    return {
        "role": node_role,
        "amiSelectorTerms": [{"alias": args.ami_alias}],
        "subnetSelectorTerms": [{"tags": {DISCOVERY_TAG: args.discovery}}],
        "securityGroupSelectorTerms": groups,
        "metadataOptions": {
            "httpEndpoint": "enabled",
            "httpProtocolIPv6": "disabled",
            "httpPutResponseHopLimit": args.imds_hop_limit,
            "httpTokens": "required",
        },
        "blockDeviceMappings": [
            {
                "deviceName": "/dev/xvda",
                "ebs": {
                    "volumeSize": f"{pool.config.disk_gib}Gi",
                    "volumeType": "gp3",
                    "encrypted": True,
                    "deleteOnTermination": True,
                },
            }
        ],
        "tags": _tags(args, pool),
    }


def node_pool_spec(args: NodeAutoscalerArgs, pool: NodePool) -> dict[str, Any]:
    """The pool's types (on demand, like the managed groups), its labels and taints, limits of
    `max_size` nodes of its largest type, and consolidation within the disruption budgets."""
    config = pool.config
    biggest = largest(config.instance_types)
    return {
        "template": {
            "metadata": {"labels": node_labels(pool)},
            "spec": {
                "nodeClassRef": {
                    "group": "karpenter.k8s.aws",
                    "kind": "EC2NodeClass",
                    "name": pool.key,
                },
                "requirements": [
                    {
                        "key": "node.kubernetes.io/instance-type",
                        "operator": "In",
                        "values": list(config.instance_types),
                    },
                    {
                        "key": "karpenter.sh/capacity-type",
                        "operator": "In",
                        "values": ["on-demand"],
                    },
                    {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
                ],
                "taints": node_taints(pool),
            },
        },
        "limits": {
            "cpu": str(config.max_size * biggest.vcpu),
            "memory": f"{config.max_size * biggest.memory_mib}Mi",
        },
        "disruption": {
            "consolidationPolicy": "WhenEmptyOrUnderutilized",
            "consolidateAfter": args.consolidate_after,
            "budgets": [dict(budget) for budget in args.disruption_budgets],
        },
    }
