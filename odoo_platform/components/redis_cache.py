"""`RedisCache`: an ElastiCache (Redis or Valkey) replication group with one ACL user per tenant.

The access strings come from `odoo_platform.odoo.redis_acl`, where they are tested against a real
server; this module only declares the users. ElastiCache needs a user named `default` in every
user group, so a disabled one with its own user id takes that place.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, TypedDict, cast

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from odoo_platform.components._shared.base import (
    Between,
    Slug,
    TierLabel,
    check_args,
    child_opts,
    component_type,
)
from odoo_platform.components._shared.network import nodes_only_security_group
from odoo_platform.config.services import RedisConfig
from odoo_platform.config.tags import PLATFORM_TIER, resource_tags
from odoo_platform.odoo.redis_acl import (
    admin_access_string,
    disabled_default_access_string,
    tenant_access_string,
)

REDIS_PORT = 6379
ADMIN_USER_NAME = "platform-admin"
MAX_ID_LENGTH = 40
SNAPSHOT_WINDOW = "03:00-04:00"
MAINTENANCE_WINDOW = "sun:05:00-sun:06:00"


@dataclass(frozen=True)
class RedisCacheArgs:
    redis: RedisConfig
    """Engine (`valkey` or `redis`), version, node type, `maxmemory-policy` (parameter group) from
    the stack file."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets of the cache's subnet group (the database subnets)."""
    vpc_id: pulumi.Input[str]
    """VPC of the cache's security group."""
    nodes_security_group_id: pulumi.Input[str]
    """Security group of the Kubernetes nodes: the only source allowed to reach port 6379."""
    kms_key_arn: pulumi.Input[str]
    """KMS key for encryption at rest (the landing zone's `data` key, or a dedicated tenant's)."""
    tenants: Sequence[Slug] = ()
    """Tenants that get an ACL user of their own, limited to keys `<slug>:*`; `default` and
    `platform-admin` are reserved, slugs unique."""
    replicas: Annotated[int, Between(0, 5, " (ElastiCache replicas per shard)")] = 0
    """Replicas besides the primary; 1 or more enables automatic failover."""
    multi_az: bool = False
    """Spread primary and replicas over AZs (prod); needs `replicas` of 1 or more."""
    snapshot_retention_days: Annotated[int, Between(0, 35, " days")] = 1
    """Days automatic snapshots are kept; 0 turns them off."""
    final_snapshot: bool = False
    """Take a final snapshot when the group is deleted (prod)."""
    apply_immediately: bool = True
    """Apply modifications now rather than in the maintenance window (non-prod)."""
    tier: TierLabel = PLATFORM_TIER
    """The `Tier` tag of every resource: `platform`, `shared` or `dedicated`."""
    tenant: Slug | None = None
    """The `Tenant` tag of every resource (a dedicated tenant's own cache); None for the shared
    one."""

    def __post_init__(self) -> None:
        check_args(self)


def parameter_group_family(redis: RedisConfig) -> str:
    """`valkey` `8.0` -> `valkey8`; `redis` `7.1` -> `redis7`."""
    return f"{redis.engine}{redis.engine_version.split('.', maxsplit=1)[0]}"


def elasticache_id(*parts: str) -> str:
    """A user or group id: letter first, letters/digits/single hyphens, at most 40 characters."""
    text = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", "-".join(parts).lower()))
    text = text.strip("-")
    if not text[:1].isalpha():
        text = "u-" + text
    return text[:MAX_ID_LENGTH].rstrip("-")


def _check(args: RedisCacheArgs) -> None:
    if args.multi_az and args.replicas < 1:
        raise ValueError("Multi-AZ needs at least two nodes: set replicas to 1 or more")
    if ADMIN_USER_NAME in args.tenants or "default" in args.tenants:
        raise ValueError(f"tenant slugs '{ADMIN_USER_NAME}' and 'default' are reserved in Redis")
    if len(set(args.tenants)) != len(args.tenants):
        raise ValueError("tenant slugs must be unique")
    if not 0 <= args.snapshot_retention_days <= 35:
        raise ValueError("snapshot_retention_days: ElastiCache allows 0 to 35")


class CacheOutput(TypedDict):
    """A cache as a platform stack exports it (`shared_cache`); its ACL users stay here."""

    primary_endpoint: str
    port: int


class RedisCache(pulumi.ComponentResource):
    """Encrypted, access-controlled Redis/Valkey for Odoo sessions, caches and rate limits."""

    replication_group_id: pulumi.Output[str]
    primary_endpoint: pulumi.Output[str]
    reader_endpoint: pulumi.Output[str]
    port: int
    security_group_id: pulumi.Output[str]
    user_group_id: pulumi.Output[str]
    admin_user_name: str
    admin_password: pulumi.Output[str]
    tenant_user_names: dict[str, str]
    tenant_user_ids: dict[str, pulumi.Output[str]]
    tenant_passwords: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: RedisCacheArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("RedisCache"), name, None, opts)
        _check(args)
        self._name, self._args = name, args
        self._tags = resource_tags(args.tier, args.tenant)
        # User ids are unique per account and region: a suffix of stack and component keeps
        # two stacks apart while staying stable (never derived from list positions).
        scope = f"{pulumi.get_project()}/{pulumi.get_stack()}/{name}"
        self._suffix = hashlib.sha256(scope.encode()).hexdigest()[:8]
        group = self._user_group()
        self.user_group_id = group.user_group_id
        security_group = self._security_group()
        self.security_group_id = security_group.id
        replication_group = self._replication_group(group, security_group)
        self.replication_group_id = replication_group.id
        self.primary_endpoint = replication_group.primary_endpoint_address
        self.reader_endpoint = replication_group.reader_endpoint_address
        self.port = REDIS_PORT
        self.register_outputs(
            {
                "primary_endpoint": self.primary_endpoint,
                "reader_endpoint": self.reader_endpoint,
                "security_group_id": self.security_group_id,
                "user_group_id": self.user_group_id,
                "admin_password": self.admin_password,
                "tenant_user_names": self.tenant_user_names,
                "tenant_user_ids": self.tenant_user_ids,
                "tenant_passwords": self.tenant_passwords,
            }
        )

    def output(self) -> pulumi.Output[CacheOutput]:
        """Where tenants connect (each with its own user, given to it separately)."""
        return pulumi.Output.all(primary_endpoint=self.primary_endpoint, port=self.port).apply(
            lambda values: cast(CacheOutput, values)
        )

    def _user(
        self, role: str, user_name: str, access_string: str, tenant: str | None = None
    ) -> tuple[aws.elasticache.User, pulumi.Output[str]]:
        password = random.RandomPassword(
            f"{self._name}-{role}-password",
            length=40,
            special=False,
            opts=child_opts(self),
        )
        secret: pulumi.Output[str] = pulumi.Output.secret(password.result)
        user = aws.elasticache.User(
            f"{self._name}-{role}",
            user_id=elasticache_id(role, self._suffix),
            user_name=user_name,
            engine=self._args.redis.engine,
            access_string=access_string,
            authentication_mode=aws.elasticache.UserAuthenticationModeArgs(
                type="password", passwords=[secret]
            ),
            tags=resource_tags(self._args.tier, tenant or self._args.tenant),
            opts=child_opts(self),
        )
        return user, secret

    def _user_group(self) -> aws.elasticache.UserGroup:
        default, _ = self._user("default-off", "default", disabled_default_access_string())
        admin, self.admin_password = self._user("admin", ADMIN_USER_NAME, admin_access_string())
        self.admin_user_name = ADMIN_USER_NAME
        self.tenant_user_names, self.tenant_user_ids, self.tenant_passwords = {}, {}, {}
        tenant_users = []
        for slug in self._args.tenants:
            user, password = self._user(f"tenant-{slug}", slug, tenant_access_string(slug), slug)
            self.tenant_user_names[slug] = slug
            self.tenant_user_ids[slug] = user.user_id
            self.tenant_passwords[slug] = password
            tenant_users.append(user)
        return aws.elasticache.UserGroup(
            f"{self._name}-users",
            user_group_id=elasticache_id(self._name, self._suffix),
            engine=self._args.redis.engine,
            user_ids=[u.user_id for u in (default, admin, *tenant_users)],
            tags=self._tags,
            opts=child_opts(self),
        )

    def _security_group(self) -> aws.ec2.SecurityGroup:
        return nodes_only_security_group(
            self,
            self._name,
            service="Redis",
            port=REDIS_PORT,
            vpc_id=self._args.vpc_id,
            nodes_security_group_id=self._args.nodes_security_group_id,
            tags=self._tags,
        )

    def _replication_group(
        self, users: aws.elasticache.UserGroup, security_group: aws.ec2.SecurityGroup
    ) -> aws.elasticache.ReplicationGroup:
        args, redis = self._args, self._args.redis
        subnets = aws.elasticache.SubnetGroup(
            f"{self._name}-subnets",
            description=f"subnets of {self._name}",
            subnet_ids=args.subnet_ids,
            tags=self._tags,
            opts=child_opts(self),
        )
        parameters = aws.elasticache.ParameterGroup(
            f"{self._name}-params",
            description=f"memory policy of {self._name}",
            family=parameter_group_family(redis),
            parameters=[
                aws.elasticache.ParameterGroupParameterArgs(
                    name="maxmemory-policy", value=redis.maxmemory_policy
                )
            ],
            tags=self._tags,
            opts=child_opts(self),
        )
        failover = args.replicas >= 1
        return aws.elasticache.ReplicationGroup(
            f"{self._name}-rg",
            description=f"{redis.engine} for {self._name}",
            engine=redis.engine,
            engine_version=redis.engine_version,
            node_type=redis.node_type,
            port=REDIS_PORT,
            num_cache_clusters=1 + args.replicas,
            automatic_failover_enabled=failover,
            multi_az_enabled=failover and args.multi_az,
            at_rest_encryption_enabled=True,
            kms_key_id=args.kms_key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            user_group_ids=[users.user_group_id],
            subnet_group_name=subnets.name,
            security_group_ids=[security_group.id],
            parameter_group_name=parameters.name,
            snapshot_retention_limit=args.snapshot_retention_days,
            snapshot_window=SNAPSHOT_WINDOW,
            maintenance_window=MAINTENANCE_WINDOW,
            final_snapshot_identifier=(
                elasticache_id(self._name, "final", self._suffix) if args.final_snapshot else None
            ),
            auto_minor_version_upgrade=True,
            apply_immediately=args.apply_immediately,
            tags=self._tags,
            opts=child_opts(self),
        )
