"""Network pieces that several components declare the same way."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from odoo_platform.components.base import child_opts


def nodes_only_security_group(
    parent: pulumi.Resource,
    name: str,
    *,
    service: str,
    port: int,
    vpc_id: pulumi.Input[str],
    nodes_security_group_id: pulumi.Input[str],
    tags: Mapping[str, str],
) -> aws.ec2.SecurityGroup:
    """A data service's group (`<name>-sg`): no egress, `port` only from the cluster nodes.

    `nodes_security_group_id` may be `<account-id>/<sg-id>`: the nodes' group in a peered VPC of
    another account in the same region (a tenant's own account).
    """
    group = aws.ec2.SecurityGroup(
        f"{name}-sg",
        description=f"{service} {name}: {port} from the cluster nodes only",
        vpc_id=vpc_id,
        tags=dict(tags),
        opts=child_opts(parent),
    )
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-from-nodes",
        security_group_id=group.id,
        referenced_security_group_id=nodes_security_group_id,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        description=f"{service} from the cluster nodes",
        tags=dict(tags),
        opts=child_opts(parent),
    )
    return group
