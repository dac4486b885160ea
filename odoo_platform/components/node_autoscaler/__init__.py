"""NodeAutoscaler: Karpenter adds nodes when pods stay Pending and removes empty or underused ones.

Owns the controller's IRSA role (the least-privilege policies of Karpenter's CloudFormation
reference, scoped to one cluster), the role and EKS access entry of the nodes it launches, the
SQS interruption queue and the EventBridge rules that feed it, the CRDs (applied explicitly: Helm
never upgrades CRDs), the Helm release (on the system node group: the controller must not run on
nodes it manages), and one EC2NodeClass + NodePool per pool: the shared tier's and one per
dedicated tenant, with the same labels and taints as that pool's managed node group, so tenant
pods schedule on Karpenter's nodes exactly as on the managed ones. The managed groups stay as
the always-on baseline (`min_size`); Karpenter provides capacity above it.

Reference: aws/karpenter-provider-aws, `website/content/en/v1.14/getting-started/
getting-started-with-karpenter/cloudformation.yaml` (IAM, queue, rules), `charts/karpenter`.

By concern: `args` (what it is built from), `component` (the component: roles, queue, chart,
NodePools), `policies` (the controller's and the nodes' IAM), `interruption` (the queue's events
and policy), `chart` (the Helm chart, its CRDs and values), `pools` (EC2NodeClass and NodePool).
"""

from odoo_platform.components.node_autoscaler.args import NodeAutoscalerArgs
from odoo_platform.components.node_autoscaler.chart import (
    CHART_OWNED_LABELS,
    KARPENTER_CRD_FILES,
    KARPENTER_CRD_URL,
    NAMESPACE,
    RELEASE_NAME,
    SYSTEM_NODE_SELECTOR,
    karpenter_chart,
    karpenter_crd_urls,
    karpenter_values,
)
from odoo_platform.components.node_autoscaler.component import NodeAutoscaler
from odoo_platform.components.node_autoscaler.interruption import (
    INTERRUPTION_EVENTS,
    event_pattern,
    queue_policy,
)
from odoo_platform.components.node_autoscaler.policies import (
    CONTROLLER_POLICIES,
    MANAGED_POLICY,
    NODE_POLICIES,
    controller_policies,
    managed_policy_arn,
)
from odoo_platform.components.node_autoscaler.pools import node_class_spec, node_pool_spec

__all__ = [
    "CHART_OWNED_LABELS",
    "CONTROLLER_POLICIES",
    "INTERRUPTION_EVENTS",
    "KARPENTER_CRD_FILES",
    "KARPENTER_CRD_URL",
    "MANAGED_POLICY",
    "NAMESPACE",
    "NODE_POLICIES",
    "RELEASE_NAME",
    "SYSTEM_NODE_SELECTOR",
    "NodeAutoscaler",
    "NodeAutoscalerArgs",
    "controller_policies",
    "event_pattern",
    "karpenter_chart",
    "karpenter_crd_urls",
    "karpenter_values",
    "managed_policy_arn",
    "node_class_spec",
    "node_pool_spec",
    "queue_policy",
]
