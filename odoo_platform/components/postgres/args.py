"""What a `PostgresServer` is built from: its args and the optional parts' args."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated

import pulumi

from odoo_platform.components._shared.base import Between, Slug, TierLabel, check_args
from odoo_platform.config.capacity import ConnectionBudget
from odoo_platform.config.catalog import DEFAULT_BACKUP_PLAN
from odoo_platform.config.services import DatabaseConfig
from odoo_platform.config.tags import PLATFORM_TIER


@dataclass(frozen=True)
class CrossRegionBackups:
    """Where RDS replicates its automated backups: a DR-region provider and a KMS key there."""

    provider: pulumi.ProviderResource
    """The AWS provider of the disaster-recovery region the backups are copied to."""
    kms_key_arn: pulumi.Input[str]
    """A KMS key in that region that encrypts the copies (RDS cannot use a key of another
    region)."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class AdminSecretReplica:
    """A replica of the admin secret in another region (a warm standby's), under a key there.

    Secrets Manager copies every version, rotated ones too, to the replica; rotation itself
    runs in the primary region (https://docs.aws.amazon.com/secretsmanager/latest/userguide/
    replicate-secrets.html)."""

    region: str
    """The region of the replica (the stack's DR region)."""
    kms_key_arn: pulumi.Input[str]
    """A KMS key of that region, in the server's account, that encrypts the replica."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class PointInTimeSource:
    """A pilot-light DR site's server: restored to its latest restorable time from the primary
    server's automated backups replicated to this region (`InstanceAutomatedBackupsReplication`
    on the primary), not created empty.

    The restored instance keeps the primary's admin role and master password (RDS restores the
    whole instance; RestoreDBInstanceToPointInTime takes no master user or password), so its
    admin secret is the DR-region replica of the primary's (Secrets Manager keeps it current)."""

    automated_backups_arn: pulumi.Input[str]
    """The ARN of the replicated automated backups in this region."""
    admin_secret_arn: pulumi.Input[str]
    """The DR-region replica of the primary server's admin secret."""


@dataclass(frozen=True)
class AdminRotation:
    """Rotate the admin password through Secrets Manager; admin Jobs read the current one.

    The rotation function runs in `subnet_ids` (they must reach the Secrets Manager endpoint:
    NAT or an interface endpoint); the Jobs' service account in the admin namespace reads the
    secret through IRSA (the cluster's OIDC provider in the server's account).
    """

    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Private subnets of the rotation function; they must reach the database and the Secrets
    Manager endpoint."""
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider, which the admin Jobs' service account assumes its role
    through (IRSA)."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer URL (`https://oidc.eks...`), for the role's trust condition."""
    days: Annotated[int, Between(1, 365, " days (Secrets Manager)")] = 30
    """Days between rotations. Secrets Manager allows 1 to 365."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class PostgresServerArgs:
    """One RDS PostgreSQL server; `platform.assembly.postgres.postgres_server_args` builds it from
    a stack's configuration with the environment's defaults."""

    database: DatabaseConfig
    """Engine version, instance class, storage, windows and fixed identifiers of the server."""
    budget: ConnectionBudget
    """The worst-case connections of the tenants on it; the server refuses a budget that does
    not fit its `max_connections`, which the parameter group sets from it."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The database subnets (one per AZ) of its subnet group."""
    vpc_id: pulumi.Input[str]
    """The VPC of its security group."""
    nodes_security_group_id: pulumi.Input[str]
    """The cluster nodes' security group: the only source allowed to reach port 5432."""
    kms_key_arn: pulumi.Input[str]
    """The KMS key of its storage, Performance Insights, admin secret and rotation function."""
    multi_az: bool = False
    """A synchronous standby in another AZ (failover in about a minute)."""
    deletion_protection: bool = False
    """RDS refuses to delete the instance (and the replica) while set."""
    protect: bool = False
    """Pulumi `protect` on the instance and the admin secret: `pulumi destroy` stops at them."""
    apply_immediately: bool = True
    """Apply modifications now rather than in the maintenance window (False in production)."""
    backup_retention_days: Annotated[int, Between(1, 35, " days (RDS)")] = 7
    """Days of automated backups (the point-in-time recovery window). RDS allows 1 to 35."""
    reporting_replica: bool = False
    """A read replica for reporting: derived data, so no backups, final snapshot or protect."""
    cross_region_backups: CrossRegionBackups | None = None
    """Replicate automated backups to another region (None: no replication)."""
    admin_namespace: bool = True
    """Declare the admin namespace, Secret and policies for bootstrap Jobs; needs a
    `kubernetes` provider besides `aws`."""
    backup_plan: str | None = DEFAULT_BACKUP_PLAN
    """The AWS Backup plan that selects the instance by its `BackupPlan` tag (None: untagged)."""
    logs_kms_key_arn: pulumi.Input[str] | None = None
    """The key of the log groups RDS writes (postgresql, upgrade); a key CloudWatch Logs may use.
    None: AWS-owned encryption."""
    log_retention_days: int = 90
    """Days those log groups keep events; a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30,
    60, 90, ...)."""
    rotation: AdminRotation | None = None
    """Rotate the admin password (None: the generated password stays, in the admin Secret)."""
    admin_secret_replica: AdminSecretReplica | None = None
    """Replicate the admin secret to another region (a warm standby's promoted server's admin);
    None: this region only."""
    point_in_time: PointInTimeSource | None = None
    """Restore the server from another region's replicated automated backups (a pilot-light DR
    site) instead of creating it empty: no password, admin secret or rotation of its own."""
    tier: TierLabel = PLATFORM_TIER
    """The `Tier` tag: `platform`, `shared` or `dedicated`."""
    tenant: Slug | None = None
    """The `Tenant` tag of a dedicated tenant's server (None: shared)."""
    k8s_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels of the admin namespace's objects (owner, cost centre, environment, tier, tenant)."""

    def __post_init__(self) -> None:
        check_args(self)
        if self.point_in_time is not None:
            own = [
                name
                for name, value in (
                    ("rotation", self.rotation),
                    ("admin_secret_replica", self.admin_secret_replica),
                    ("cross_region_backups", self.cross_region_backups),
                )
                if value is not None
            ]
            if own:
                raise ValueError(
                    f"point_in_time: a restored server uses the primary's admin secret and "
                    f"copies nothing out of its region; drop {', '.join(own)}"
                )


def check_budget(args: PostgresServerArgs) -> None:
    if not args.budget.fits:
        raise ValueError(
            f"connection budget of '{args.budget.server}' needs {args.budget.total} connections "
            f"but max_connections is {args.budget.max_connections}"
        )
