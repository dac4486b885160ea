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
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from odoo_platform.components._shared.base import (
    AwsRegion,
    Between,
    Matches,
    check_args,
    child_opts,
    component_type,
    require_providers,
)
from odoo_platform.components._shared.iam import (
    irsa_trust_policy,
    policy_document,
    service_trust_policy,
)
from odoo_platform.components._shared.k8s import manifest
from odoo_platform.components.node_groups import (
    LABEL_NODE_POOL,
    NodePool,
    node_labels,
    node_taints,
)
from odoo_platform.config.node_autoscaling import DISCOVERY_TAG, KARPENTER_CHART, largest
from odoo_platform.config.tags import resource_tags

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
MANAGED_POLICY = "arn:{partition}:iam::aws:policy/"
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly")
CONTROLLER_POLICIES = (
    "node-lifecycle",
    "iam-integration",
    "eks-integration",
    "interruption",
    "resource-discovery",
)
# source and detail-type of what EC2 and AWS Health tell Karpenter before a node goes away.
INTERRUPTION_EVENTS = {
    "health": ("aws.health", "AWS Health Event"),
    "spot-interruption": ("aws.ec2", "EC2 Spot Instance Interruption Warning"),
    "rebalance": ("aws.ec2", "EC2 Instance Rebalance Recommendation"),
    "instance-state-change": ("aws.ec2", "EC2 Instance State-change Notification"),
    "capacity-reservation-interruption": (
        "aws.ec2",
        "EC2 Capacity Reservation Instance Interruption Warning",
    ),
}
CHART_OWNED_LABELS = frozenset(
    f"app.kubernetes.io/{key}" for key in ("name", "instance", "managed-by", "version")
) | {"helm.sh/chart"}
SYSTEM_NODE_SELECTOR = {"kubernetes.io/os": "linux", LABEL_NODE_POOL: "system"}


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


# --- pure builders (no Pulumi resources): tested directly and against the vendored schemas ---


def karpenter_crd_urls(chart_version: str) -> list[str]:
    return [KARPENTER_CRD_URL.format(version=chart_version, file=f) for f in KARPENTER_CRD_FILES]


def _arn(partition: str, service: str, region: str, account: str, resource: str) -> str:
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def controller_policies(
    *,
    cluster: str,
    region: str,
    account: str,
    partition: str,
    node_role_arn: str,
    queue_arn: str,
) -> dict[str, dict[str, Any]]:
    """The controller's policies of the CloudFormation reference, named as there (less its
    zonal-shift policy: zonal shift is off). EC2 writes need the cluster's ownership tag and a
    NodePool tag, on the resource or in the request; reads are limited to the region."""
    owned = {f"aws:ResourceTag/kubernetes.io/cluster/{cluster}": "owned"}
    request_owned = {
        f"aws:RequestTag/kubernetes.io/cluster/{cluster}": "owned",
        "aws:RequestTag/eks:eks-cluster-name": cluster,
    }

    def ec2(*resources: str) -> list[str]:
        return [_arn(partition, "ec2", region, "*", r) for r in resources]

    launched = ec2(
        "fleet/*",
        "instance/*",
        "volume/*",
        "network-interface/*",
        "launch-template/*",
        "spot-instances-request/*",
    )
    profiles = f"arn:{partition}:iam::{account}:instance-profile/*"
    profile_owned = {**owned, "aws:ResourceTag/topology.kubernetes.io/region": region}
    profile_request = {**request_owned, "aws:RequestTag/topology.kubernetes.io/region": region}
    node_class_tag = {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*"}
    cluster_arn = _arn(partition, "eks", region, account, f"cluster/{cluster}")
    return {
        "node-lifecycle": policy_document(
            {
                "Sid": "AllowScopedEC2InstanceAccessActions",
                "Effect": "Allow",
                "Resource": [
                    f"arn:{partition}:ec2:{region}::image/*",
                    f"arn:{partition}:ec2:{region}::snapshot/*",
                    *ec2(
                        "security-group/*",
                        "subnet/*",
                        "capacity-reservation/*",
                        "placement-group/*",
                    ),
                ],
                "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
            },
            {
                "Sid": "AllowScopedEC2LaunchTemplateAccessActions",
                "Effect": "Allow",
                "Resource": ec2("launch-template/*"),
                "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
                "Condition": {
                    "StringEquals": owned,
                    "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
                },
            },
            {
                "Sid": "AllowScopedEC2InstanceActionsWithTags",
                "Effect": "Allow",
                "Resource": launched,
                "Action": ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
                "Condition": {
                    "StringEquals": request_owned,
                    "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
                },
            },
            {
                "Sid": "AllowScopedResourceCreationTagging",
                "Effect": "Allow",
                "Resource": launched,
                "Action": "ec2:CreateTags",
                "Condition": {
                    "StringEquals": {
                        **request_owned,
                        "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
                    },
                    "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
                },
            },
            {
                "Sid": "AllowScopedResourceTagging",
                "Effect": "Allow",
                "Resource": ec2("instance/*"),
                "Action": "ec2:CreateTags",
                "Condition": {
                    "StringEquals": owned,
                    "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
                    "StringEqualsIfExists": {"aws:RequestTag/eks:eks-cluster-name": cluster},
                    "ForAllValues:StringEquals": {
                        "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"]
                    },
                },
            },
            {
                "Sid": "AllowScopedDeletion",
                "Effect": "Allow",
                "Resource": ec2("instance/*", "launch-template/*"),
                "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
                "Condition": {
                    "StringEquals": owned,
                    "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
                },
            },
        ),
        "iam-integration": policy_document(
            {
                "Sid": "AllowPassingInstanceRole",
                "Effect": "Allow",
                "Resource": node_role_arn,
                "Action": "iam:PassRole",
                "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
            },
            {
                "Sid": "AllowScopedInstanceProfileCreationActions",
                "Effect": "Allow",
                "Resource": profiles,
                "Action": "iam:CreateInstanceProfile",
                "Condition": {
                    "StringEquals": profile_request,
                    "StringLike": {"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*"},
                },
            },
            {
                "Sid": "AllowScopedInstanceProfileTagActions",
                "Effect": "Allow",
                "Resource": profiles,
                "Action": "iam:TagInstanceProfile",
                "Condition": {
                    "StringEquals": {**profile_owned, **profile_request},
                    "StringLike": {
                        **node_class_tag,
                        "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*",
                    },
                },
            },
            {
                "Sid": "AllowScopedInstanceProfileActions",
                "Effect": "Allow",
                "Resource": profiles,
                "Action": [
                    "iam:AddRoleToInstanceProfile",
                    "iam:RemoveRoleFromInstanceProfile",
                    "iam:DeleteInstanceProfile",
                ],
                "Condition": {"StringEquals": profile_owned, "StringLike": node_class_tag},
            },
        ),
        "eks-integration": policy_document(
            {
                "Sid": "AllowAPIServerEndpointDiscovery",
                "Effect": "Allow",
                "Resource": cluster_arn,
                "Action": "eks:DescribeCluster",
            }
        ),
        "interruption": policy_document(
            {
                "Sid": "AllowInterruptionQueueActions",
                "Effect": "Allow",
                "Resource": queue_arn,
                "Action": ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            }
        ),
        "resource-discovery": policy_document(
            {
                "Sid": "AllowRegionalReadActions",
                "Effect": "Allow",
                "Resource": "*",  # EC2 Describe* calls support no resource-level scope
                "Action": [
                    "ec2:DescribeCapacityReservations",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceStatus",
                    "ec2:DescribeInstanceTypeOfferings",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplates",
                    "ec2:DescribePlacementGroups",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSpotPriceHistory",
                    "ec2:DescribeSubnets",
                ],
                "Condition": {"StringEquals": {"aws:RequestedRegion": region}},
            },
            {
                "Sid": "AllowSSMReadActions",
                "Effect": "Allow",
                "Resource": f"arn:{partition}:ssm:{region}::parameter/aws/service/*",
                "Action": "ssm:GetParameter",
            },
            {
                "Sid": "AllowPricingReadActions",
                "Effect": "Allow",
                "Resource": "*",  # the Price List API has no resources
                "Action": "pricing:GetProducts",
            },
            {
                "Sid": "AllowUnscopedInstanceProfileListAction",
                "Effect": "Allow",
                "Resource": "*",  # iam:ListInstanceProfiles has no resource-level scope
                "Action": "iam:ListInstanceProfiles",
            },
            {
                "Sid": "AllowInstanceProfileReadActions",
                "Effect": "Allow",
                "Resource": profiles,
                "Action": "iam:GetInstanceProfile",
            },
        ),
    }


def queue_policy(queue_arn: str, rule_arns: Sequence[str], account: str) -> dict[str, Any]:
    """EventBridge may send only from our rules; SQS (as in the reference) only for our
    account; nothing over plain HTTP."""
    return policy_document(
        {
            "Sid": "EventBridgeRules",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": list(rule_arns)}},
        },
        {
            "Sid": "SqsService",
            "Effect": "Allow",
            "Principal": {"Service": "sqs.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        },
        {
            "Sid": "DenyHTTP",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:*",
            "Resource": queue_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )


def event_pattern(event: str) -> str:
    source, detail_type = INTERRUPTION_EVENTS[event]
    return json.dumps({"source": [source], "detail-type": [detail_type]})


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


def _managed_policy_arn(policy: str, identity: tuple[str, str]) -> str:
    return MANAGED_POLICY.format(partition=identity[1]) + policy


def _document(policy: str, documents: Mapping[str, Any]) -> str:
    return json.dumps(documents[policy])


def _account_and_partition(oidc_provider_arn: str) -> tuple[str, str]:
    """`arn:aws:iam::111122223333:oidc-provider/...` -> ("111122223333", "aws")."""
    parts = oidc_provider_arn.split(":")
    return parts[4], parts[1]


class NodeAutoscaler(pulumi.ComponentResource):
    """Karpenter: controller, node role, interruption queue, NodePools per pool."""

    controller_role_arn: pulumi.Output[str]
    node_role_arn: pulumi.Output[str]
    queue_name: pulumi.Output[str]
    queue_arn: pulumi.Output[str]
    node_pool_names: list[str]

    def __init__(
        self, name: str, args: NodeAutoscalerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("NodeAutoscaler"), name, None, opts)
        require_providers(self, "aws", "kubernetes")
        self._name, self._args = name, args
        self._tags = resource_tags()
        identity = pulumi.Output.from_input(args.oidc_provider_arn).apply(_account_and_partition)
        node_role = self._node_role(identity)
        queue = self._interruption_queue(identity)
        role = self._controller_role(identity, node_role.arn, queue.arn)
        crds = k8s.yaml.v2.ConfigGroup(
            f"{name}-crds",
            files=karpenter_crd_urls(args.chart_version),
            opts=child_opts(self, protect=args.protect_crds),
        )
        release = k8s.helm.v3.Release(
            f"{name}-karpenter",
            name=RELEASE_NAME,
            chart=KARPENTER_CHART,
            version=args.chart_version,
            namespace=NAMESPACE,
            values=karpenter_values(
                args, cluster_name=args.cluster_name, queue_name=queue.name, role_arn=role.arn
            ),
            skip_crds=True,
            atomic=True,
            cleanup_on_fail=True,
            max_history=10,
            timeout=600,
            opts=child_opts(self, depends_on=[crds]),
        )
        self.node_pool_names = [self._pool(pool, node_role, release) for pool in args.pools]
        self.controller_role_arn, self.node_role_arn = role.arn, node_role.arn
        self.queue_name, self.queue_arn = queue.name, queue.arn
        self.register_outputs(
            {
                "controller_role_arn": self.controller_role_arn,
                "node_role_arn": self.node_role_arn,
                "queue_name": self.queue_name,
                "node_pool_names": self.node_pool_names,
            }
        )

    def _node_role(self, identity: pulumi.Output[tuple[str, str]]) -> aws.iam.Role:
        """The role of Karpenter's nodes, joined to the cluster by an EC2_LINUX access entry."""
        name = self._name
        role = aws.iam.Role(
            f"{name}-node-role",
            description="nodes that Karpenter launches",
            assume_role_policy=service_trust_policy("ec2.amazonaws.com"),
            tags=self._tags,
            opts=child_opts(self),
        )
        for policy in NODE_POLICIES:
            aws.iam.RolePolicyAttachment(
                f"{name}-node-{policy}",
                role=role.name,
                policy_arn=identity.apply(functools.partial(_managed_policy_arn, policy)),
                opts=child_opts(self),
            )
        aws.eks.AccessEntry(
            f"{name}-node-access",
            cluster_name=self._args.cluster_name,
            principal_arn=role.arn,
            type="EC2_LINUX",
            tags=self._tags,
            opts=child_opts(self),
        )
        return role

    def _interruption_queue(self, identity: pulumi.Output[tuple[str, str]]) -> aws.sqs.Queue:
        """Spot, rebalance, state-change and health events, so nodes drain before they go."""
        name = self._name
        queue = aws.sqs.Queue(
            f"{name}-interruption",
            message_retention_seconds=300,
            sqs_managed_sse_enabled=True,
            tags=self._tags,
            opts=child_opts(self),
        )
        rules = []
        for event in INTERRUPTION_EVENTS:
            rule = aws.cloudwatch.EventRule(
                f"{name}-{event}",
                description=f"Karpenter interruption handling: {INTERRUPTION_EVENTS[event][1]}",
                event_pattern=event_pattern(event),
                tags=self._tags,
                opts=child_opts(self),
            )
            aws.cloudwatch.EventTarget(
                f"{name}-{event}",
                rule=rule.name,
                target_id="KarpenterInterruptionQueueTarget",
                arn=queue.arn,
                opts=child_opts(self),
            )
            rules.append(rule.arn)
        aws.sqs.QueuePolicy(
            f"{name}-interruption",
            queue_url=queue.url,
            policy=pulumi.Output.all(queue.arn, identity, *rules).apply(
                lambda v: json.dumps(queue_policy(v[0], v[2:], v[1][0]))
            ),
            opts=child_opts(self),
        )
        return queue

    def _controller_role(
        self,
        identity: pulumi.Output[tuple[str, str]],
        node_role_arn: pulumi.Output[str],
        queue_arn: pulumi.Output[str],
    ) -> aws.iam.Role:
        args, name = self._args, self._name
        role = aws.iam.Role(
            f"{name}-controller",
            description="the Karpenter controller (IRSA)",
            assume_role_policy=irsa_trust_policy(
                args.oidc_provider_arn, args.oidc_issuer_url, NAMESPACE, RELEASE_NAME
            ),
            tags=self._tags,
            opts=child_opts(self),
        )
        documents = pulumi.Output.all(args.cluster_name, identity, node_role_arn, queue_arn).apply(
            lambda v: controller_policies(
                cluster=v[0],
                region=args.region,
                account=v[1][0],
                partition=v[1][1],
                node_role_arn=v[2],
                queue_arn=v[3],
            )
        )
        for policy in CONTROLLER_POLICIES:
            aws.iam.RolePolicy(
                f"{name}-controller-{policy}",
                role=role.id,
                policy=documents.apply(functools.partial(_document, policy)),
                opts=child_opts(self),
            )
        return role

    def _pool(self, pool: NodePool, node_role: aws.iam.Role, release: pulumi.Resource) -> str:
        """The pool's EC2NodeClass and NodePool, after the release (and so its CRDs)."""
        args, name = self._args, self._name
        metadata = manifest({"name": pool.key, "labels": dict(args.labels)})
        node_class = k8s.apiextensions.CustomResource(
            f"{name}-nodeclass-{pool.key}",
            api_version="karpenter.k8s.aws/v1",
            kind="EC2NodeClass",
            metadata=metadata,
            spec=node_class_spec(args, pool, node_role.name),
            opts=child_opts(self, depends_on=[release]),
        )
        k8s.apiextensions.CustomResource(
            f"{name}-nodepool-{pool.key}",
            api_version="karpenter.sh/v1",
            kind="NodePool",
            metadata=metadata,
            spec=node_pool_spec(args, pool),
            opts=child_opts(self, depends_on=[release, node_class]),
        )
        return pool.key
