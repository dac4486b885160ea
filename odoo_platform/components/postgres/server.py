"""`PostgresServer`: the component, composing its parts (see the package's modules)."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from odoo_platform.components._shared.base import component_type, require_providers
from odoo_platform.components._shared.network import nodes_only_security_group
from odoo_platform.components.postgres import admin, instance, rotation
from odoo_platform.components.postgres.args import PostgresServerArgs, check_budget
from odoo_platform.components.postgres.parameters import (
    baseline_parameters,
    parameter_group_family,
)
from odoo_platform.components.postgres.scope import ADMIN_USERNAME, POSTGRES_PORT, Scope
from odoo_platform.config.tags import resource_tags


class PostgresServer(pulumi.ComponentResource):
    """RDS PostgreSQL with subnet group, security group, parameter baseline and admin access."""

    address: pulumi.Output[str]
    port: pulumi.Output[int]
    identifier: pulumi.Output[str]
    arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str]
    master_secret_arn: pulumi.Output[str]
    # The admin secret's replica in the DR region (a warm standby's), None without one.
    admin_secret_replica_arn: pulumi.Output[str] | None
    admin_username: str
    admin_password: pulumi.Output[str]
    admin_namespace: pulumi.Output[str] | None
    admin_secret_name: pulumi.Output[str] | None
    # With rotation: the admin Jobs run as this service account and read this secret's password.
    admin_service_account: pulumi.Output[str] | None
    replica_address: pulumi.Output[str] | None
    replica_identifier: pulumi.Output[str] | None
    max_connections: int
    connection_budget: dict[str, object]

    def __init__(
        self, name: str, args: PostgresServerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("PostgresServer"), name, None, opts)
        check_budget(args)
        if args.admin_namespace:  # its Kubernetes objects go to the cluster the caller named
            require_providers(self, "aws", "kubernetes")
        scope = Scope(self, name, args, resource_tags(args.tier, args.tenant))
        self._budget(args)
        security_group, subnet_group, parameters = self._network_and_parameters(scope)
        role = instance.monitoring_role(scope)
        restored = args.point_in_time
        self.admin_username = ADMIN_USERNAME
        if restored is None:
            password = random.RandomPassword(
                f"{name}-admin-password",
                length=40,
                special=False,  # RDS forbids some punctuation; 40 alphanumerics carry ~238 bits
                opts=scope.opts(),
            )
            self.admin_password = pulumi.Output.secret(password.result)
        else:  # the primary's, restored with the data: read from its DR-region replica
            self.admin_password = _restored_password(self, restored.admin_secret_arn)
        primary = instance.primary(
            scope,
            self.admin_password,
            security_group=security_group,
            subnet_group=subnet_group,
            parameters=parameters,
            role=role,
        )
        self.address, self.port = primary.address, primary.port
        self.identifier, self.arn = primary.identifier, primary.arn
        self.security_group_id = security_group.id
        self.kms_key_arn = pulumi.Output.from_input(args.kms_key_arn)
        self.admin_secret_replica_arn = None
        if restored is not None:
            self.master_secret_arn = pulumi.Output.from_input(restored.admin_secret_arn)
        else:
            secret, first_version = rotation.master_secret(scope, primary, self.admin_password)
            self.master_secret_arn = secret.arn
            dr_secret = args.admin_secret_replica
            if dr_secret is not None:
                self.admin_secret_replica_arn = secret.arn.apply(
                    lambda arn: rotation.replica_arn(arn, dr_secret.region)
                )
            if args.rotation is not None:
                rotation.rotate(
                    scope,
                    args.rotation,
                    secret,
                    first_version=first_version,
                    instance=primary,
                    database_group=security_group,
                )
        self.replica_address = self.replica_identifier = None
        if args.reporting_replica:
            replica = instance.reporting_replica(
                scope, primary, security_group=security_group, parameters=parameters, role=role
            )
            self.replica_address, self.replica_identifier = replica.address, replica.identifier
        self.automated_backups_replica_arn: pulumi.Output[str] | None = None
        if args.cross_region_backups is not None:
            replication = instance.replicate_backups(scope, primary, args.cross_region_backups)
            self.automated_backups_replica_arn = replication.id
        self.admin_namespace = self.admin_secret_name = self.admin_service_account = None
        if args.admin_namespace:
            server = admin.Server(
                self.address, self.port, self.admin_password, self.master_secret_arn
            )
            access = admin.admin_access(scope, server)
            self.admin_namespace, self.admin_secret_name = access.namespace, access.secret_name
            self.admin_service_account = access.service_account
        self.register_outputs(
            {
                "address": self.address,
                "port": self.port,
                "security_group_id": self.security_group_id,
                "master_secret_arn": self.master_secret_arn,
                "admin_secret_replica_arn": self.admin_secret_replica_arn,
                "admin_password": self.admin_password,
                "admin_namespace": self.admin_namespace,
                "admin_secret_name": self.admin_secret_name,
                "admin_service_account": self.admin_service_account,
                "replica_address": self.replica_address,
                "connection_budget": self.connection_budget,
            }
        )

    def _budget(self, args: PostgresServerArgs) -> None:
        budget = args.budget
        self.max_connections = budget.max_connections
        self.connection_budget = {
            "server": budget.server,
            "max_connections": budget.max_connections,
            "reserved": budget.reserved,
            "total": budget.total,
            "headroom": round(budget.headroom, 3),
        }

    @staticmethod
    def _network_and_parameters(
        scope: Scope,
    ) -> tuple[aws.ec2.SecurityGroup, aws.rds.SubnetGroup, aws.rds.ParameterGroup]:
        """Reachable from the cluster's nodes only, in the database subnets, with the baseline."""
        name, args = scope.name, scope.args
        security_group = nodes_only_security_group(
            scope.owner,
            name,
            service="PostgreSQL",
            port=POSTGRES_PORT,
            vpc_id=args.vpc_id,
            nodes_security_group_id=args.nodes_security_group_id,
            tags=scope.tags,
        )
        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            description=f"database subnets of {name}",
            subnet_ids=args.subnet_ids,
            tags=scope.tags,
            opts=scope.opts(),
        )
        parameters = aws.rds.ParameterGroup(
            f"{name}-params",
            description=f"platform baseline for {name}",
            family=parameter_group_family(args.database.engine_version),
            parameters=baseline_parameters(args.budget.max_connections),
            tags=scope.tags,
            opts=scope.opts(),
        )
        return security_group, subnet_group, parameters


def _restored_password(owner: pulumi.Resource, secret_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """The admin password in a secret of the shape `rotation.master_secret` writes, read in this
    region under the server's provider (a tenant account's replica is in that account)."""
    version = aws.secretsmanager.get_secret_version_output(
        secret_id=secret_arn, opts=pulumi.InvokeOutputOptions(parent=owner)
    )
    return pulumi.Output.secret(
        version.secret_string.apply(lambda text: str(json.loads(text)["password"]))
    )
