"""The admin credentials in Secrets Manager and, if asked, their rotation by AWS's function."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.network import HTTPS_PORT
from odoo_platform.components.postgres.args import AdminRotation
from odoo_platform.components.postgres.names import instance_identifier
from odoo_platform.components.postgres.scope import ADMIN_USERNAME, POSTGRES_PORT, Scope

# AWS's single-user rotation function for RDS PostgreSQL, from the Serverless Application
# Repository (pulumi_aws.serverlessrepository.CloudFormationStack documents this use).
ROTATION_APPLICATION = (
    "arn:aws:serverlessrepo:us-east-1:297356227824:applications/"
    "SecretsManagerRDSPostgreSQLRotationSingleUser"
)
ROTATION_CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY")
# Passwords of letters and digits only: libpq, the admin Jobs' pgpass and JSON need no escaping.
ROTATION_EXCLUDED_CHARACTERS = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum())


def replica_arn(secret_arn: str, region: str) -> str:
    """The ARN of a secret's replica in `region`: the same ARN but for the region (Secrets
    Manager, https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html)."""
    parts = secret_arn.split(":")
    return ":".join([*parts[:3], region, *parts[4:]])


def master_secret(
    scope: Scope, instance: aws.rds.Instance, password: pulumi.Output[str]
) -> tuple[aws.secretsmanager.Secret, aws.secretsmanager.SecretVersion]:
    """The admin credentials in Secrets Manager (KMS), in the shape RDS rotation expects."""
    args = scope.args
    secret = aws.secretsmanager.Secret(
        f"{scope.name}-admin",
        description=f"administrator of PostgreSQL server {scope.name}",
        kms_key_id=args.kms_key_arn,
        # A replica follows every rotated version. Adding one updates the secret in place
        # (terraform-provider-aws secretsmanager/secret.go: `replica` is not ForceNew, the
        # update calls ReplicateSecretToRegions).
        replicas=[
            aws.secretsmanager.SecretReplicaArgs(
                region=replica.region, kms_key_id=replica.kms_key_arn
            )
            for replica in [args.admin_secret_replica]
            if replica is not None
        ],
        recovery_window_in_days=30 if args.protect else 7,
        tags=scope.tags,
        opts=scope.opts(protect=args.protect),
    )
    version = aws.secretsmanager.SecretVersion(
        f"{scope.name}-admin",
        secret_id=secret.id,
        secret_string=pulumi.Output.json_dumps(
            {
                "engine": "postgres",
                "host": instance.address,
                "port": instance.port,
                "username": ADMIN_USERNAME,
                "password": password,
                "dbname": "postgres",
            }
        ),
        # The first version only: rotation adds the next ones (a change of host or port
        # would otherwise put the first password back as AWSCURRENT).
        opts=scope.opts(ignore_changes=["secretString"] if args.rotation else []),
    )
    return secret, version


def rotate(
    scope: Scope,
    rotation: AdminRotation,
    secret: aws.secretsmanager.Secret,
    *,
    first_version: aws.secretsmanager.SecretVersion,
    instance: aws.rds.Instance,
    database_group: aws.ec2.SecurityGroup,
) -> None:
    """AWS's rotation function in the VPC: it reaches the database and Secrets Manager only."""
    group = _function_security_group(scope, database_group)
    name = scope.name
    invoke = pulumi.InvokeOutputOptions(parent=scope.owner)
    region = aws.get_region_output(opts=invoke).region
    dns_suffix = aws.get_partition_output(opts=invoke).dns_suffix
    function = instance_identifier(pulumi.get_stack(), f"{name}-rotation")
    stack = aws.serverlessrepository.CloudFormationStack(
        f"{name}-rotation",
        name=function,
        application_id=ROTATION_APPLICATION,
        capabilities=list(ROTATION_CAPABILITIES),
        parameters={
            "functionName": function,
            "endpoint": pulumi.Output.concat("secretsmanager.", region, ".", dns_suffix),
            "vpcSubnetIds": pulumi.Output.all(rotation.subnet_ids).apply(
                lambda ids: ",".join(str(i) for i in ids[0])
            ),
            "vpcSecurityGroupIds": group.id,
            "kmsKeyArn": scope.args.kms_key_arn,
            "excludeCharacters": ROTATION_EXCLUDED_CHARACTERS,
        },
        tags=scope.tags,
        opts=scope.opts(),
    )
    aws.secretsmanager.SecretRotation(
        f"{name}-admin-rotation",
        secret_id=secret.id,
        rotation_lambda_arn=stack.outputs.apply(lambda out: out["RotationLambdaARN"]),
        rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
            automatically_after_days=rotation.days
        ),
        opts=scope.opts(depends_on=[instance, first_version]),
    )


def _function_security_group(
    scope: Scope, database_group: aws.ec2.SecurityGroup
) -> aws.ec2.SecurityGroup:
    """The function's group: PostgreSQL to the database and HTTPS out; the database lets it in."""
    name, tags = scope.name, scope.tags
    group = aws.ec2.SecurityGroup(
        f"{name}-rotation-sg",
        description=f"rotation of {name}: PostgreSQL and HTTPS (Secrets Manager) out only",
        vpc_id=scope.args.vpc_id,
        tags=tags,
        opts=scope.opts(),
    )
    aws.vpc.SecurityGroupEgressRule(
        f"{name}-rotation-to-db",
        security_group_id=group.id,
        referenced_security_group_id=database_group.id,
        ip_protocol="tcp",
        from_port=POSTGRES_PORT,
        to_port=POSTGRES_PORT,
        description="the database it rotates",
        tags=tags,
        opts=scope.opts(),
    )
    aws.vpc.SecurityGroupEgressRule(
        f"{name}-rotation-https",
        security_group_id=group.id,
        cidr_ipv4="0.0.0.0/0",
        ip_protocol="tcp",
        from_port=HTTPS_PORT,
        to_port=HTTPS_PORT,
        description="the Secrets Manager endpoint (interface endpoint or NAT)",
        tags=tags,
        opts=scope.opts(),
    )
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-from-rotation",
        security_group_id=database_group.id,
        referenced_security_group_id=group.id,
        ip_protocol="tcp",
        from_port=POSTGRES_PORT,
        to_port=POSTGRES_PORT,
        description="PostgreSQL from the admin password rotation function",
        tags=tags,
        opts=scope.opts(),
    )
    return group
