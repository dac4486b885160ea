"""Network pieces that several components declare the same way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Unpack

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import ChildOptions, child_opts
from odoo_platform.components._shared.iam import policy_document, service_trust_policy

HTTPS_PORT = 443


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


def service_log_group(
    parent: pulumi.Resource,
    logical_name: str,
    log_group_name: pulumi.Input[str],
    *,
    retention_days: int,
    kms_key_arn: pulumi.Input[str] | None,
    tags: Mapping[str, str],
    **opts: Unpack[ChildOptions],
) -> aws.cloudwatch.LogGroup:
    """The log group an AWS service writes to, declared before the service so AWS does not
    create it itself with no expiry and no key; the writer must depend on it."""
    return aws.cloudwatch.LogGroup(
        logical_name,
        name=log_group_name,
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        tags=dict(tags),
        opts=child_opts(parent, **opts),
    )


def vpc_with_dns(
    parent: pulumi.Resource,
    name: str,
    cidr: str,
    tags: Mapping[str, str],
    **opts: Unpack[ChildOptions],
) -> aws.ec2.Vpc:
    """The VPC `<name>-vpc`, with DNS resolution and host names: interface endpoints' private
    DNS names need both (AWS VPC user guide, "DNS attributes for your VPC")."""
    return aws.ec2.Vpc(
        f"{name}-vpc",
        cidr_block=cidr,
        enable_dns_support=True,
        enable_dns_hostnames=True,
        tags={**tags, "Name": f"{name}-vpc"},
        opts=child_opts(parent, **opts),
    )


def vpc_flow_logs(
    parent: pulumi.Resource,
    name: str,
    *,
    vpc_id: pulumi.Input[str],
    retention_days: int,
    kms_key_arn: pulumi.Input[str],
    tags: Mapping[str, str],
    **opts: Unpack[ChildOptions],
) -> aws.cloudwatch.LogGroup:
    """Every VPC flow (`ALL`, 1-minute aggregation) into an encrypted group of `name-flow-logs`.

    The role may only write streams of that group; `logs:DescribeLogGroups` is left out, as it
    applies to no log group ARN (parliament: RESOURCE_MISMATCH).
    """
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-flow-logs",
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        tags=dict(tags),
        opts=child_opts(parent, **opts),
    )
    role = aws.iam.Role(
        f"{name}-flow-logs-role",
        assume_role_policy=service_trust_policy("vpc-flow-logs.amazonaws.com"),
        tags=dict(tags),
        opts=child_opts(parent, **opts),
    )
    aws.iam.RolePolicy(
        f"{name}-flow-logs-write",
        role=role.id,
        policy=pulumi.Output.json_dumps(
            policy_document(
                {
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    "Resource": [log_group.arn, pulumi.Output.concat(log_group.arn, ":*")],
                }
            )
        ),
        opts=child_opts(parent, **opts),
    )
    aws.ec2.FlowLog(
        f"{name}-flow-log",
        vpc_id=vpc_id,
        traffic_type="ALL",
        log_destination_type="cloud-watch-logs",
        log_destination=log_group.arn,
        iam_role_arn=role.arn,
        max_aggregation_interval=60,
        tags=dict(tags),
        opts=child_opts(parent, **opts),
    )
    return log_group


def interface_endpoints(
    parent: pulumi.Resource,
    name: str,
    *,
    services: Sequence[str],
    vpc_id: pulumi.Input[str],
    vpc_cidr: str,
    region: str,
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
    tags: Mapping[str, str],
    **opts: Unpack[ChildOptions],
) -> aws.ec2.SecurityGroup:
    """Private-DNS interface endpoints (`<name>-<service>`) for AWS `services` (`sts`,
    `secretsmanager`, ...), behind one group (`<name>-endpoints-sg`) that admits HTTPS from the
    VPC only: AWS APIs without a route to the internet."""
    group = aws.ec2.SecurityGroup(
        f"{name}-endpoints-sg",
        vpc_id=vpc_id,
        description="VPC interface endpoints: HTTPS from the VPC",
        tags={**tags, "Name": f"{name}-endpoints-sg"},
        opts=child_opts(parent, **opts),
    )
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-endpoints-https",
        security_group_id=group.id,
        ip_protocol="tcp",
        from_port=HTTPS_PORT,
        to_port=HTTPS_PORT,
        cidr_ipv4=vpc_cidr,
        description="HTTPS from inside the VPC",
        tags=dict(tags),
        opts=child_opts(parent, **opts),
    )
    for service in services:
        aws.ec2.VpcEndpoint(
            f"{name}-{service.replace('.', '-')}",
            vpc_id=vpc_id,
            service_name=f"com.amazonaws.{region}.{service}",
            vpc_endpoint_type="Interface",
            private_dns_enabled=True,
            subnet_ids=subnet_ids,
            security_group_ids=[group.id],
            tags=dict(tags),
            opts=child_opts(parent, **opts),
        )
    return group
