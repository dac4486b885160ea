"""A caller's `ResourceOptions(protect=True)` on a component reaches every stateful child.

Each component is declared with the dev defaults (its args ask for no protection) and protected
by the caller, as a user of the library would; the engine must see `protect` on every database,
bucket, key, file system, vault, secret, cache and log group the component declares.
"""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pulumi_aws as aws
import pytest

from odoo_platform.components.aws_backup import BackupPlan
from odoo_platform.components.backup_bucket import BackupBucket
from odoo_platform.components.file_system import FileSystem, FileSystemArgs
from odoo_platform.components.landing_zone import LandingZone
from odoo_platform.components.postgres import CrossRegionBackups, PostgresServer
from odoo_platform.components.redis_cache import RedisCache
from odoo_platform.config import PlatformConfig, connection_budgets
from odoo_platform.platform.assembly.aws_backup import backup_plan_args
from odoo_platform.platform.assembly.backup_bucket import backup_bucket_args
from odoo_platform.platform.assembly.landing_zone import landing_zone_args
from odoo_platform.platform.assembly.postgres import postgres_server_args
from odoo_platform.platform.assembly.redis_cache import redis_cache_args
from odoo_platform.testing import ProgramResult, run_program
from tests.components import tenant_programs
from tests.components.tenant_programs import OdooTenant

KMS = "arn:aws:kms:eu-west-1:123456789012:key/data"
NETWORK = {"vpc_id": "vpc-0123", "nodes_security_group_id": "sg-0nodes"}
SUBNETS = ["subnet-a", "subnet-b"]
STATEFUL_TYPES = {
    "aws:rds/instance:Instance",
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:efs/fileSystem:FileSystem",
    "aws:efs/accessPoint:AccessPoint",
    "aws:backup/vault:Vault",
    "aws:secretsmanager/secret:Secret",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:cloudwatch/logGroup:LogGroup",
    "kubernetes:core/v1:PersistentVolumeClaim",
}
PROTECTED = pulumi.ResourceOptions(protect=True)


def landing_zone(config: PlatformConfig) -> None:
    LandingZone("lz", landing_zone_args(config), opts=PROTECTED)


def file_system(_: PlatformConfig) -> None:
    FileSystem(
        "efs",
        FileSystemArgs(subnet_ids=SUBNETS, kms_key_arn=KMS, **NETWORK),
        opts=PROTECTED,
    )


def postgres(config: PlatformConfig) -> None:
    dr = aws.Provider("dr", region="eu-central-1")
    args = postgres_server_args(
        config,
        connection_budgets(config)[0],
        subnet_ids=SUBNETS,
        kms_key_arn=KMS,
        cross_region_backups=CrossRegionBackups(dr, KMS),
        **NETWORK,
    )
    PostgresServer("pg", args, opts=PROTECTED)


def backups(config: PlatformConfig) -> None:
    dr = aws.Provider("dr", region="eu-central-1")
    bucket = BackupBucket("backups", backup_bucket_args(config, dr_provider=dr), opts=PROTECTED)
    BackupPlan(
        "aws-backup",
        backup_plan_args(
            config, kms_key_arn=bucket.kms_key_arn, dr_provider=dr, dr_kms_key_arn=KMS
        ),
        opts=PROTECTED,
    )


def redis(config: PlatformConfig) -> None:
    args = redis_cache_args(config, subnet_ids=SUBNETS, kms_key_arn=KMS, **NETWORK)
    RedisCache("redis", args, opts=PROTECTED)


def odoo_tenant(config: PlatformConfig) -> None:
    first = config.tenants[0]
    args = tenant_programs.odoo_args(
        config, first, namespace=first.slug, **tenant_programs.infra(first.slug)
    )
    OdooTenant(f"odoo-{first.slug}", args, opts=PROTECTED)


PROGRAMS: dict[str, Callable[[PlatformConfig], None]] = {
    "LandingZone": landing_zone,
    "FileSystem": file_system,
    "PostgresServer": postgres,
    "BackupBucket+BackupPlan": backups,
    "RedisCache": redis,
    "OdooTenant": odoo_tenant,
}


@pytest.fixture(scope="module")
def declared(dev_config: PlatformConfig) -> dict[str, ProgramResult]:
    assert dev_config.environment != "prod"
    return {name: run_program(lambda p=p: p(dev_config)) for name, p in PROGRAMS.items()}


@pytest.mark.parametrize("component", PROGRAMS)
def test_callers_protect_reaches_every_stateful_child(
    declared: dict[str, ProgramResult], component: str
) -> None:
    stateful = [r for r in declared[component].resources if r.type in STATEFUL_TYPES]
    assert stateful, f"{component} declared nothing stateful"
    assert [(r.name, r.type) for r in stateful if not r.protect] == []


def test_without_the_callers_protect_dev_children_stay_unprotected(
    dev_config: PlatformConfig,
) -> None:
    """Inheritance, not a blanket: the dev defaults still declare unprotected resources."""

    def program() -> None:
        FileSystem("efs", FileSystemArgs(subnet_ids=SUBNETS, kms_key_arn=KMS, **NETWORK))

    result = run_program(program)
    assert not result.named("efs", "aws:efs/fileSystem:FileSystem").protect
