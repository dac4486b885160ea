"""`NodeAutoscaler`: Karpenter's controller role, node role, interruption queue, Helm chart and
one EC2NodeClass + NodePool per pool (the package docstring says why each)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from odoo_platform.components._shared.base import child_opts, component_type, require_providers
from odoo_platform.components._shared.helm import install_chart
from odoo_platform.components._shared.iam import irsa_trust_policy, service_trust_policy
from odoo_platform.components._shared.k8s import manifest
from odoo_platform.components.node_autoscaler.args import NodeAutoscalerArgs
from odoo_platform.components.node_autoscaler.chart import (
    NAMESPACE,
    RELEASE_NAME,
    karpenter_chart,
    karpenter_values,
)
from odoo_platform.components.node_autoscaler.interruption import (
    INTERRUPTION_EVENTS,
    event_pattern,
    queue_policy,
)
from odoo_platform.components.node_autoscaler.policies import (
    CONTROLLER_POLICIES,
    NODE_POLICIES,
    controller_policies,
    managed_policy_arn,
)
from odoo_platform.components.node_autoscaler.pools import node_class_spec, node_pool_spec
from odoo_platform.components.node_groups import NodePool
from odoo_platform.config.tags import resource_tags


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
        release = install_chart(
            self,
            name,
            karpenter_chart(args),
            namespace=NAMESPACE,
            values=karpenter_values(
                args, cluster_name=args.cluster_name, queue_name=queue.name, role_arn=role.arn
            ),
        ).release
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
                policy_arn=identity.apply(functools.partial(managed_policy_arn, policy)),
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
