"""`PostgresServer`: one RDS PostgreSQL server with the platform's baseline.

The master password is generated here (a Pulumi secret), stored in Secrets Manager for operators,
and handed to tenant bootstrap Jobs through a Kubernetes Secret in the server's own admin namespace.
Tenant pods run in their own namespaces and cannot mount a Secret of another namespace, so the
administrator credentials never reach them (see docs/components/data-services.md for why this design
and not the RDS-managed secret).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Annotated

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random

from odoo_platform.components._shared.base import (
    Between,
    Slug,
    TierLabel,
    check_args,
    child_opts,
    component_type,
    require_providers,
)
from odoo_platform.components._shared.iam import irsa_trust_policy, service_trust_policy
from odoo_platform.components._shared.network import (
    HTTPS_PORT,
    nodes_only_security_group,
    service_log_group,
)
from odoo_platform.config import defaults
from odoo_platform.config.capacity import ConnectionBudget
from odoo_platform.config.catalog import DEFAULT_BACKUP_PLAN, TAG_BACKUP_PLAN
from odoo_platform.config.models import DatabaseConfig, PlatformConfig, TenantConfig
from odoo_platform.config.tags import PLATFORM_TIER, labels, resource_tags

POSTGRES_PORT = 5432
ADMIN_USERNAME = "platform_admin"
ENHANCED_MONITORING_POLICY_ARN = (
    "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
)
LOG_EXPORTS = ("postgresql", "upgrade")
# AWS's single-user rotation function for RDS PostgreSQL, from the Serverless Application
# Repository (pulumi_aws.serverlessrepository.CloudFormationStack documents this use).
ROTATION_APPLICATION = (
    "arn:aws:serverlessrepo:us-east-1:297356227824:applications/"
    "SecretsManagerRDSPostgreSQLRotationSingleUser"
)
ROTATION_CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY")
# Passwords of letters and digits only: libpq, the admin Jobs' pgpass and JSON need no escaping.
ROTATION_EXCLUDED_CHARACTERS = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum())
RDS_IDENTIFIER_MAX = 63
SLOW_QUERY_MS = 1000
IDLE_IN_TRANSACTION_TIMEOUT_MS = 10 * 60 * 1000
# Keys of the admin Secret are libpq's environment variables, so `envFrom` gives psql a session.
ADMIN_SECRET_KEYS = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE")
PSS_RESTRICTED = {
    f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "audit", "warn")
}


@dataclass(frozen=True)
class CrossRegionBackups:
    """Where RDS replicates its automated backups: a DR-region provider and a KMS key there."""

    provider: pulumi.ProviderResource
    kms_key_arn: pulumi.Input[str]

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class AdminRotation:
    """Rotate the admin password through Secrets Manager; admin Jobs read the current one.

    The rotation function runs in `subnet_ids` (they must reach the Secrets Manager endpoint:
    NAT or an interface endpoint); the Jobs' service account in the admin namespace reads the
    secret through IRSA (the cluster's OIDC provider in the server's account).
    """

    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    days: Annotated[int, Between(1, 365, " days (Secrets Manager)")] = 30

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class PostgresServerArgs:
    database: DatabaseConfig
    budget: ConnectionBudget
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    vpc_id: pulumi.Input[str]
    nodes_security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    multi_az: bool = False
    deletion_protection: bool = False
    protect: bool = False
    apply_immediately: bool = True
    backup_retention_days: Annotated[int, Between(1, 35, " days (RDS)")] = 7
    reporting_replica: bool = False
    cross_region_backups: CrossRegionBackups | None = None
    admin_namespace: bool = True
    backup_plan: str | None = DEFAULT_BACKUP_PLAN
    # The log groups RDS writes (LOG_EXPORTS): this key (a logs key CloudWatch Logs may use;
    # None: AWS-owned encryption) and retention.
    logs_kms_key_arn: pulumi.Input[str] | None = None
    log_retention_days: int = 90
    rotation: AdminRotation | None = None
    tier: TierLabel = PLATFORM_TIER
    tenant: Slug | None = None
    k8s_labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_args(self)

    @classmethod
    def from_config(
        cls,
        config: PlatformConfig,
        budget: ConnectionBudget,
        *,
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        vpc_id: pulumi.Input[str],
        nodes_security_group_id: pulumi.Input[str],
        kms_key_arn: pulumi.Input[str],
        logs_kms_key_arn: pulumi.Input[str] | None = None,
        rotation: AdminRotation | None = None,
        tenant: TenantConfig | None = None,
        cross_region_backups: CrossRegionBackups | None = None,
    ) -> PostgresServerArgs:
        """The shared server (no tenant) or a dedicated tenant's server, with the env defaults.

        `cross_region_backups` is used only when the stack's DR mode replicates database backups.
        """
        if tenant is None:
            database, tier, slug, replica = config.multi_tenant.database, "shared", None, False
        else:
            dedicated = defaults.dedicated_settings(config, tenant)
            database, tier, slug = dedicated.database, "dedicated", tenant.slug
            replica = dedicated.reporting_replica
        replicate = defaults.replicates_database_backups(config)
        return cls(
            database=database,
            budget=budget,
            subnet_ids=subnet_ids,
            vpc_id=vpc_id,
            nodes_security_group_id=nodes_security_group_id,
            kms_key_arn=kms_key_arn,
            multi_az=defaults.multi_az(config, database),
            deletion_protection=defaults.deletion_protection(config, database),
            protect=defaults.protect_stateful(config),
            apply_immediately=config.environment != "prod",
            backup_retention_days=defaults.automated_backup_retention_days(config),
            reporting_replica=replica,
            cross_region_backups=cross_region_backups if replicate else None,
            logs_kms_key_arn=logs_kms_key_arn,
            log_retention_days=config.landing_zone.log_retention_days,
            rotation=rotation,
            tier=tier,
            tenant=slug,
            k8s_labels=labels(config, tier, slug),
        )


# Bootstrap Jobs run one at a time per tenant; a burst of onboardings stays well inside this.
ADMIN_QUOTA = {"pods": "10", "requests.cpu": "1", "requests.memory": "1Gi", "limits.memory": "2Gi"}


def admin_namespace_name(component_name: str) -> str:
    """`<component>-admin` as a DNS label: lower case, at most 63 characters."""
    text = re.sub(r"[^a-z0-9-]", "-", f"{component_name}-admin".lower())
    return re.sub(r"-{2,}", "-", text)[:63].strip("-")


def parameter_group_family(engine_version: str) -> str:
    """`16` or `16.4` -> `postgres16`: parameter groups are per major version."""
    return f"postgres{engine_version.split('.', maxsplit=1)[0]}"


def baseline_parameters(max_connections: int) -> list[aws.rds.ParameterGroupParameterArgs]:
    """TLS only, explicit max_connections, pg_stat_statements, slow queries, idle transactions.

    Static parameters (max_connections, shared_preload_libraries) take effect after a reboot.
    """
    static = {
        "max_connections": str(max_connections),
        "shared_preload_libraries": "pg_stat_statements",
    }
    dynamic = {
        "rds.force_ssl": "1",
        "ssl_min_protocol_version": "TLSv1.2",
        "log_min_duration_statement": str(SLOW_QUERY_MS),
        "log_lock_waits": "1",
        "idle_in_transaction_session_timeout": str(IDLE_IN_TRANSACTION_TIMEOUT_MS),
        "pg_stat_statements.track": "top",
    }
    parameter = aws.rds.ParameterGroupParameterArgs
    return [
        *(parameter(name=k, value=v, apply_method="pending-reboot") for k, v in static.items()),
        *(parameter(name=k, value=v, apply_method="immediate") for k, v in dynamic.items()),
    ]


def snapshot_identifier(name: str, suffix: str) -> str:
    """An RDS snapshot id from a logical name: letters, digits, single hyphens, letter first."""
    text = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", f"{name}-{suffix}".lower()))
    if not text[0].isalpha():
        text = "db-" + text
    return text[:255].strip("-")


def admin_pgpass_script() -> str:
    """The admin Jobs' init script: the current admin password from Secrets Manager as a pgpass."""
    return resources.files("odoo_platform.components").joinpath("admin_pgpass.sh").read_text()


def instance_identifier(stack: str, name: str) -> str:
    """The RDS identifier of logical `name` in `stack`: known before the instance exists (its log
    groups are named after it), unique per account and region, stable across runs."""
    text = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", f"{name}-{stack}".lower())).strip("-")
    if not text[0].isalpha():
        text = "db-" + text
    if len(text) > RDS_IDENTIFIER_MAX:
        digest = hashlib.sha256(text.encode()).hexdigest()[:6]
        text = f"{text[: RDS_IDENTIFIER_MAX - 7].rstrip('-')}-{digest}"
    return text


def _check(args: PostgresServerArgs) -> None:
    if not args.budget.fits:
        raise ValueError(
            f"connection budget of '{args.budget.server}' needs {args.budget.total} connections "
            f"but max_connections is {args.budget.max_connections}"
        )


class PostgresServer(pulumi.ComponentResource):
    """RDS PostgreSQL with subnet group, security group, parameter baseline and admin access."""

    address: pulumi.Output[str]
    port: pulumi.Output[int]
    identifier: pulumi.Output[str]
    arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    master_secret_arn: pulumi.Output[str]
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
        _check(args)
        if args.admin_namespace:  # its Kubernetes objects go to the cluster the caller named
            require_providers(self, "aws", "kubernetes")
        self._name, self._args = name, args
        self._tags = resource_tags(args.tier, args.tenant)
        self.max_connections = args.budget.max_connections
        self.connection_budget = {
            "server": args.budget.server,
            "max_connections": args.budget.max_connections,
            "reserved": args.budget.reserved,
            "total": args.budget.total,
            "headroom": round(args.budget.headroom, 3),
        }
        security_group = self._security_group()
        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            description=f"database subnets of {name}",
            subnet_ids=args.subnet_ids,
            tags=self._tags,
            opts=child_opts(self),
        )
        parameters = aws.rds.ParameterGroup(
            f"{name}-params",
            description=f"platform baseline for {name}",
            family=parameter_group_family(args.database.engine_version),
            parameters=baseline_parameters(self.max_connections),
            tags=self._tags,
            opts=child_opts(self),
        )
        monitoring_role = self._monitoring_role()
        password = random.RandomPassword(
            f"{name}-admin-password",
            length=40,
            special=False,  # RDS forbids some punctuation; 40 alphanumerics carry ~238 bits
            opts=child_opts(self),
        )
        self.admin_username = ADMIN_USERNAME
        self.admin_password = pulumi.Output.secret(password.result)
        instance = self._instance(security_group, subnet_group, parameters, monitoring_role)
        self.address, self.port = instance.address, instance.port
        self.identifier, self.arn = instance.identifier, instance.arn
        self.security_group_id = security_group.id
        secret = self._master_secret(instance)
        self.master_secret_arn = secret.arn
        if args.rotation is not None:
            self._rotation(args.rotation, secret, instance, security_group)
        self.replica_address = self.replica_identifier = None
        if args.reporting_replica:
            replica = self._replica(instance, security_group, parameters, monitoring_role)
            self.replica_address, self.replica_identifier = replica.address, replica.identifier
        if args.cross_region_backups is not None:
            self._replicate_backups(instance, args.cross_region_backups)
        self.admin_namespace = self.admin_secret_name = self.admin_service_account = None
        if args.admin_namespace:
            self._admin_access()
        self.register_outputs(
            {
                "address": self.address,
                "port": self.port,
                "security_group_id": self.security_group_id,
                "master_secret_arn": self.master_secret_arn,
                "admin_password": self.admin_password,
                "admin_namespace": self.admin_namespace,
                "admin_secret_name": self.admin_secret_name,
                "admin_service_account": self.admin_service_account,
                "replica_address": self.replica_address,
                "connection_budget": self.connection_budget,
            }
        )

    def _security_group(self) -> aws.ec2.SecurityGroup:
        return nodes_only_security_group(
            self,
            self._name,
            service="PostgreSQL",
            port=POSTGRES_PORT,
            vpc_id=self._args.vpc_id,
            nodes_security_group_id=self._args.nodes_security_group_id,
            tags=self._tags,
        )

    def _monitoring_role(self) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{self._name}-monitoring",
            description=f"RDS enhanced monitoring of {self._name}",
            assume_role_policy=service_trust_policy("monitoring.rds.amazonaws.com"),
            tags=self._tags,
            opts=child_opts(self),
        )
        aws.iam.RolePolicyAttachment(
            f"{self._name}-monitoring",
            role=role.name,
            policy_arn=ENHANCED_MONITORING_POLICY_ARN,
            opts=child_opts(self),
        )
        return role

    def _instance(
        self,
        security_group: aws.ec2.SecurityGroup,
        subnet_group: aws.rds.SubnetGroup,
        parameters: aws.rds.ParameterGroup,
        monitoring_role: aws.iam.Role,
    ) -> aws.rds.Instance:
        args, db = self._args, self._args.database
        tags = dict(self._tags)
        if args.backup_plan is not None:
            tags[TAG_BACKUP_PLAN] = args.backup_plan
        identifier = db.identifier or instance_identifier(pulumi.get_stack(), f"{self._name}-db")
        return aws.rds.Instance(
            f"{self._name}-db",
            identifier=identifier,
            engine="postgres",
            engine_version=db.engine_version,
            instance_class=db.instance_class,
            allocated_storage=db.allocated_storage_gib,
            max_allocated_storage=db.max_allocated_storage_gib,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            multi_az=args.multi_az,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[security_group.id],
            publicly_accessible=False,
            parameter_group_name=parameters.name,
            username=ADMIN_USERNAME,
            password=self.admin_password,
            backup_retention_period=args.backup_retention_days,
            backup_window=db.backup_window,
            maintenance_window=db.maintenance_window,
            copy_tags_to_snapshot=True,
            delete_automated_backups=False,
            deletion_protection=args.deletion_protection,
            skip_final_snapshot=False,
            final_snapshot_identifier=snapshot_identifier(self._name, "final"),
            apply_immediately=args.apply_immediately,
            auto_minor_version_upgrade=True,
            allow_major_version_upgrade=False,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            performance_insights_enabled=True,
            performance_insights_kms_key_id=args.kms_key_arn,
            performance_insights_retention_period=7,
            monitoring_interval=60,
            monitoring_role_arn=monitoring_role.arn,
            tags=tags,
            # Once rotation owns the password, the generated first one must never be set again.
            opts=child_opts(
                self,
                protect=args.protect,
                depends_on=self._log_groups(f"{self._name}-db", identifier),
                ignore_changes=["password"] if args.rotation else [],
            ),
        )

    def _replica(
        self,
        primary: aws.rds.Instance,
        security_group: aws.ec2.SecurityGroup,
        parameters: aws.rds.ParameterGroup,
        monitoring_role: aws.iam.Role,
    ) -> aws.rds.Instance:
        """A reporting read replica: derived data, so no backups, final snapshot or protect."""
        identifier = self._args.database.replica_identifier or instance_identifier(
            pulumi.get_stack(), f"{self._name}-replica"
        )
        return aws.rds.Instance(
            f"{self._name}-replica",
            identifier=identifier,
            replicate_source_db=primary.identifier,
            instance_class=self._args.database.instance_class,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=self._args.kms_key_arn,
            vpc_security_group_ids=[security_group.id],
            publicly_accessible=False,
            parameter_group_name=parameters.name,
            backup_retention_period=0,
            skip_final_snapshot=True,
            copy_tags_to_snapshot=True,
            deletion_protection=self._args.deletion_protection,
            apply_immediately=self._args.apply_immediately,
            auto_minor_version_upgrade=True,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            performance_insights_enabled=True,
            performance_insights_kms_key_id=self._args.kms_key_arn,
            performance_insights_retention_period=7,
            monitoring_interval=60,
            monitoring_role_arn=monitoring_role.arn,
            tags={**self._tags, "Role": "reporting-replica"},
            opts=child_opts(self, depends_on=self._log_groups(f"{self._name}-replica", identifier)),
        )

    def _log_groups(self, prefix: str, identifier: str) -> list[pulumi.Resource]:
        """`/aws/rds/instance/<id>/<log>` for each export, before RDS creates it unencrypted and
        kept forever (slow statements are logged with their literal values: tenant data)."""
        return [
            service_log_group(
                self,
                f"{prefix}-log-{export}",
                f"/aws/rds/instance/{identifier}/{export}",
                retention_days=self._args.log_retention_days,
                kms_key_arn=self._args.logs_kms_key_arn,
                tags=self._tags,
            )
            for export in LOG_EXPORTS
        ]

    def _replicate_backups(self, primary: aws.rds.Instance, target: CrossRegionBackups) -> None:
        aws.rds.InstanceAutomatedBackupsReplication(
            f"{self._name}-backups-dr",
            source_db_instance_arn=primary.arn,
            kms_key_id=target.kms_key_arn,
            retention_period=self._args.backup_retention_days,
            opts=child_opts(self, provider=target.provider),
        )

    def _master_secret(self, instance: aws.rds.Instance) -> aws.secretsmanager.Secret:
        """The admin credentials in Secrets Manager (KMS), in the shape RDS rotation expects."""
        secret = aws.secretsmanager.Secret(
            f"{self._name}-admin",
            description=f"administrator of PostgreSQL server {self._name}",
            kms_key_id=self._args.kms_key_arn,
            recovery_window_in_days=30 if self._args.protect else 7,
            tags=self._tags,
            opts=child_opts(self, protect=self._args.protect),
        )
        self._secret_version = aws.secretsmanager.SecretVersion(
            f"{self._name}-admin",
            secret_id=secret.id,
            secret_string=pulumi.Output.json_dumps(
                {
                    "engine": "postgres",
                    "host": instance.address,
                    "port": instance.port,
                    "username": ADMIN_USERNAME,
                    "password": self.admin_password,
                    "dbname": "postgres",
                }
            ),
            # The first version only: rotation adds the next ones (a change of host or port
            # would otherwise put the first password back as AWSCURRENT).
            opts=child_opts(self, ignore_changes=["secretString"] if self._args.rotation else []),
        )
        return secret

    def _rotation(
        self,
        rotation: AdminRotation,
        secret: aws.secretsmanager.Secret,
        instance: aws.rds.Instance,
        database_group: aws.ec2.SecurityGroup,
    ) -> None:
        """AWS's rotation function in the VPC: it reaches the database and Secrets Manager only."""
        name = self._name
        group = aws.ec2.SecurityGroup(
            f"{name}-rotation-sg",
            description=f"rotation of {name}: PostgreSQL and HTTPS (Secrets Manager) out only",
            vpc_id=self._args.vpc_id,
            tags=self._tags,
            opts=child_opts(self),
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-rotation-to-db",
            security_group_id=group.id,
            referenced_security_group_id=database_group.id,
            ip_protocol="tcp",
            from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT,
            description="the database it rotates",
            tags=self._tags,
            opts=child_opts(self),
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-rotation-https",
            security_group_id=group.id,
            cidr_ipv4="0.0.0.0/0",
            ip_protocol="tcp",
            from_port=HTTPS_PORT,
            to_port=HTTPS_PORT,
            description="the Secrets Manager endpoint (interface endpoint or NAT)",
            tags=self._tags,
            opts=child_opts(self),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-rotation",
            security_group_id=database_group.id,
            referenced_security_group_id=group.id,
            ip_protocol="tcp",
            from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT,
            description="PostgreSQL from the admin password rotation function",
            tags=self._tags,
            opts=child_opts(self),
        )
        invoke = pulumi.InvokeOutputOptions(parent=self)
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
                "kmsKeyArn": self._args.kms_key_arn,
                "excludeCharacters": ROTATION_EXCLUDED_CHARACTERS,
            },
            tags=self._tags,
            opts=child_opts(self),
        )
        aws.secretsmanager.SecretRotation(
            f"{name}-admin-rotation",
            secret_id=secret.id,
            rotation_lambda_arn=stack.outputs.apply(lambda out: out["RotationLambdaARN"]),
            rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                automatically_after_days=rotation.days
            ),
            opts=child_opts(self, depends_on=[instance, self._secret_version]),
        )

    def _admin_access(self) -> None:
        """A namespace only platform Jobs use, with the admin Secret and a tight egress policy."""
        metadata_labels = dict(self._args.k8s_labels)
        namespace = k8s.core.v1.Namespace(
            f"{self._name}-admin",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=admin_namespace_name(self._name),
                labels={**metadata_labels, **PSS_RESTRICTED},
            ),
            opts=child_opts(self),
        )
        self.admin_namespace = namespace.metadata.name
        self._admin_guardrails(metadata_labels)
        connection: dict[str, pulumi.Input[str]] = {
            "PGHOST": self.address,
            "PGPORT": self.port.apply(str),
            "PGUSER": ADMIN_USERNAME,
            "PGDATABASE": "postgres",
            "PGSSLMODE": "require",
        }
        if self._args.rotation is None:
            connection["PGPASSWORD"] = self.admin_password
        else:  # the Jobs read the current password (admin_pgpass.sh): none is kept here
            self.admin_service_account = self._admin_reader(self._args.rotation, metadata_labels)
        secret = k8s.core.v1.Secret(
            f"{self._name}-admin",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                namespace=self.admin_namespace, labels=metadata_labels
            ),
            type="Opaque",
            string_data=connection,
            opts=child_opts(self),
        )
        self.admin_secret_name = secret.metadata.name
        self._admin_network_policy(metadata_labels)

    def _admin_reader(
        self, rotation: AdminRotation, metadata_labels: dict[str, str]
    ) -> pulumi.Output[str]:
        """The admin Jobs' service account, allowed (IRSA) to read this server's secret only."""
        account_name = f"{admin_namespace_name(self._name)[:50]}-jobs"
        role = aws.iam.Role(
            f"{self._name}-admin-reader",
            description=f"admin Jobs of {self._name}: read the current admin password",
            assume_role_policy=irsa_trust_policy(
                rotation.oidc_provider_arn,
                rotation.oidc_issuer_url,
                self.admin_namespace or "",
                account_name,
            ),
            tags=self._tags,
            opts=child_opts(self),
        )
        aws.iam.RolePolicy(
            f"{self._name}-admin-reader",
            role=role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "secretsmanager:GetSecretValue",
                            "Resource": self.master_secret_arn,
                        },
                        {
                            "Effect": "Allow",
                            "Action": "kms:Decrypt",
                            "Resource": self._args.kms_key_arn,
                            "Condition": {
                                "StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}
                            },
                        },
                    ],
                }
            ),
            opts=child_opts(self),
        )
        account = k8s.core.v1.ServiceAccount(
            f"{self._name}-admin-jobs",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=account_name,
                namespace=self.admin_namespace,
                labels=metadata_labels,
                annotations={"eks.amazonaws.com/role-arn": role.arn},
            ),
            automount_service_account_token=False,
            opts=child_opts(self),
        )
        return account.metadata.name

    def _admin_guardrails(self, metadata_labels: dict[str, str]) -> None:
        """Deny all traffic by default and bound what the bootstrap Jobs may consume."""
        metadata = k8s.meta.v1.ObjectMetaArgs(
            namespace=self.admin_namespace, labels=metadata_labels
        )
        k8s.networking.v1.NetworkPolicy(
            f"{self._name}-admin-deny",
            metadata=metadata,
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(), policy_types=["Ingress", "Egress"]
            ),
            opts=child_opts(self),
        )
        k8s.core.v1.ResourceQuota(
            f"{self._name}-admin",
            metadata=metadata,
            spec=k8s.core.v1.ResourceQuotaSpecArgs(hard=ADMIN_QUOTA),
            opts=child_opts(self),
        )
        k8s.core.v1.LimitRange(
            f"{self._name}-admin",
            metadata=metadata,
            spec=k8s.core.v1.LimitRangeSpecArgs(
                limits=[
                    k8s.core.v1.LimitRangeItemArgs(
                        type="Container",
                        default={"cpu": "500m", "memory": "128Mi"},
                        default_request={"cpu": "50m", "memory": "64Mi"},
                    )
                ]
            ),
            opts=child_opts(self),
        )

    def _admin_network_policy(self, metadata_labels: dict[str, str]) -> None:
        port = k8s.networking.v1.NetworkPolicyPortArgs
        k8s.networking.v1.NetworkPolicy(
            f"{self._name}-admin",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                namespace=self.admin_namespace, labels=metadata_labels
            ),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(),
                policy_types=["Ingress", "Egress"],
                egress=[
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                        ports=[port(protocol="UDP", port=53), port(protocol="TCP", port=53)]
                    ),
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                        ports=[
                            port(protocol="TCP", port=POSTGRES_PORT),
                            # STS and Secrets Manager: the Jobs read the rotated password
                            *(
                                [port(protocol="TCP", port=HTTPS_PORT)]
                                if self._args.rotation
                                else []
                            ),
                        ]
                    ),
                ],
            ),
            opts=child_opts(self),
        )
