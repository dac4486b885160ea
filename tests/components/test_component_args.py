"""Components built directly check their args at construction, as the stack file is checked:
the error names the Args class, the field, the wrong value and what is allowed."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest

from odoo_platform.components._shared.base import ArgsError
from odoo_platform.components.alert_rules import ClosePeriod, RulePolicy, TenantAlerting
from odoo_platform.components.backup_bucket import BackupBucketArgs
from odoo_platform.components.cluster import EksSettings, KubernetesClusterArgs
from odoo_platform.components.file_system import (
    FileSystemArgs,
    FileSystemReplication,
    ReplicatedFileSystemArgs,
)
from odoo_platform.components.observability import (
    PROD_ALARMS,
    CacheAlarms,
    DatabaseAlarms,
    ObservabilityArgs,
)
from odoo_platform.components.postgres import (
    CrossRegionBackups,
    PostgresServer,
    PostgresServerArgs,
)
from odoo_platform.components.tenant_account_network import TenantAccountNetworkArgs
from odoo_platform.components.tenant_database import TenantDatabase, TenantDatabaseArgs
from odoo_platform.components.traefik import AcmArgs
from odoo_platform.config import PlatformConfig, connection_budgets
from odoo_platform.config.models import BackupPolicy
from odoo_platform.platform.assembly.aws_backup import backup_plan_args
from odoo_platform.platform.assembly.backup_bucket import backup_bucket_args
from odoo_platform.platform.assembly.landing_zone import landing_zone_args
from odoo_platform.platform.assembly.postgres import postgres_server_args
from odoo_platform.platform.assembly.redis_cache import redis_cache_args
from odoo_platform.platform.assembly.traefik import traefik_args
from odoo_platform.testing import run_program
from tests.components.conftest import sample_config
from tests.components.tenant_programs import ns_args
from tests.components.test_odoo_tenant import _tenant_args

CONFIG = sample_config("prod-eu-west-1")
NETWORK = {"subnet_ids": ["subnet-1"], "vpc_id": "vpc-1", "nodes_security_group_id": "sg-1"}


def postgres_args(config: PlatformConfig = CONFIG, **changes: Any) -> PostgresServerArgs:
    args = postgres_server_args(
        config, connection_budgets(config)[0], kms_key_arn="arn:kms", **NETWORK
    )
    return dataclasses.replace(args, **changes)


def tenant_database_args(**changes: Any) -> TenantDatabaseArgs:
    args = TenantDatabaseArgs("nb-consulting", 40, "pg.internal", 5432, "pg-admin", "s", "t")
    return dataclasses.replace(args, **changes)


# One valid instance of every component's Args (TenantAccountNetworkArgs needs a provider, so
# it is built inside a program: see the test below).
VALID: dict[str, Callable[[], Any]] = {
    "LandingZoneArgs": lambda: landing_zone_args(CONFIG),
    "EksSettings": lambda: EksSettings("eu-west-1", ["subnet-1"], "sg-1", "arn:kms"),
    "KubernetesClusterArgs": lambda: KubernetesClusterArgs(kubeconfig="apiVersion: v1"),
    "PostgresServerArgs": postgres_args,
    "TenantDatabaseArgs": tenant_database_args,
    "RedisCacheArgs": lambda: redis_cache_args(CONFIG, kms_key_arn="k", **NETWORK),
    "BackupBucketArgs": lambda: backup_bucket_args(CONFIG),
    "BackupPlanArgs": lambda: backup_plan_args(CONFIG, kms_key_arn="k"),
    "FileSystemArgs": lambda: FileSystemArgs("vpc-1", ["subnet-1"], "sg-1", "arn:kms"),
    "FileSystemReplication": lambda: FileSystemReplication("eu-central-1", "arn:kms"),
    "ReplicatedFileSystemArgs": lambda: ReplicatedFileSystemArgs(
        "fs-1", "vpc-1", ["subnet-1"], "sg-1"
    ),
    "TenantNamespaceArgs": lambda: ns_args(CONFIG, CONFIG.tenants[0]),
    "TraefikIngressArgs": lambda: traefik_args(
        CONFIG, oidc_provider_arn="arn:oidc", oidc_issuer_url="https://oidc"
    ),
    "CertManagerArgs": lambda: (
        traefik_args(CONFIG, oidc_provider_arn="arn:oidc", oidc_issuer_url="https://oidc").tls
    ),
    "AcmArgs": lambda: AcmArgs("arn:aws:acm:eu-west-1:123456789012:certificate/abc-1"),
    "ObservabilityArgs": lambda: ObservabilityArgs(
        "arn:kms", "monitoring", PROD_ALARMS, RulePolicy(paging=True, rpo_hours=24), "prod"
    ),
    "OdooTenantArgs": _tenant_args,
    # the nested settings those args carry
    "RulePolicy": lambda: RulePolicy(paging=True, rpo_hours=24),
    "ClosePeriod": lambda: ClosePeriod(last_days_of_month=3),
    "TenantAlerting": lambda: TenantAlerting("alpha-law", "Alpha Law", "odoo-alpha-law"),
    "DatabaseAlarms": lambda: DatabaseAlarms("db-1", 400, 100, ["alpha-law"]),
    "CacheAlarms": lambda: CacheAlarms("cache-1", 2, ["alpha-law"]),
}


class Wrong:
    """A value no field accepts."""

    def __repr__(self) -> str:
        return "<wrong>"


def cases() -> list[tuple[str, str]]:
    return [(name, f.name) for name, make in VALID.items() for f in dataclasses.fields(make())]


@pytest.mark.parametrize(("args", "field"), cases())
def test_every_field_of_every_args_is_checked(args: str, field: str) -> None:
    valid = VALID[args]()
    assert type(valid).__name__ == args
    with pytest.raises(ArgsError, match=rf"^{args}: {field}: <wrong> is not allowed"):
        dataclasses.replace(valid, **{field: Wrong()})


def test_args_holding_a_provider_are_checked() -> None:
    def program() -> None:
        platform = aws.Provider("platform", region="eu-west-1")
        valid = TenantAccountNetworkArgs(
            "10.140.0.0/20",
            "111122223333",
            platform,
            "vpc-1",
            "10.40.0.0/16",
            ["rtb-1"],
            "eu-west-1",
        )
        for field in dataclasses.fields(valid):
            with pytest.raises(ArgsError, match=rf"{field.name}: <wrong> is not allowed"):
                dataclasses.replace(valid, **{field.name: Wrong()})
        with pytest.raises(ArgsError, match="'1111' is not allowed: must be a 12-digit"):
            dataclasses.replace(valid, tenant_account_id="1111")
        backups = CrossRegionBackups(platform, "arn:aws:kms:eu-central-1:111122223333:key/k")
        for field in dataclasses.fields(backups):
            with pytest.raises(ArgsError, match=rf"CrossRegionBackups: {field.name}: <wrong>"):
                dataclasses.replace(backups, **{field.name: Wrong()})

    run_program(program)


WRONG_VALUES: dict[str, tuple[Callable[[], Any], str]] = {
    "an Object Lock mode AWS rejects": (
        lambda: BackupBucketArgs(BackupPolicy(), immutability="complience"),  # type: ignore[arg-type]
        "BackupBucketArgs: immutability: 'complience' is not allowed: "
        "one of 'none', 'governance', 'compliance'",
    ),
    "retention RDS refuses": (
        lambda: postgres_args(backup_retention_days=40),
        "PostgresServerArgs: backup_retention_days: 40 is not allowed: 1 to 35 days",
    ),
    "true as a number of replicas": (
        lambda: dataclasses.replace(VALID["RedisCacheArgs"](), replicas=True),
        "RedisCacheArgs: replicas: True is not allowed: must be int",
    ),
    "a log retention CloudWatch refuses": (
        lambda: dataclasses.replace(VALID["LandingZoneArgs"](), flow_log_retention_days=100),
        "LandingZoneArgs: flow_log_retention_days: 100 is not allowed: one of 1, 3, 5",
    ),
    "a slug no namespace can carry": (
        lambda: tenant_database_args(slug="Alpha Law"),
        "TenantDatabaseArgs: slug: 'Alpha Law' is not allowed: must be a tenant slug",
    ),
    "a database without its server's admin namespace": (
        lambda: tenant_database_args(admin_namespace=None),
        "TenantDatabaseArgs: admin_namespace: None is not allowed: must be str, or an Output",
    ),
    "an unknown tier label": (
        lambda: postgres_args(tier="gold"),
        "PostgresServerArgs: tier: 'gold' is not allowed: must be one of 'platform'",
    ),
    "an hour that does not exist": (
        lambda: dataclasses.replace(VALID["BackupPlanArgs"](), schedule_hour_utc=24),
        "BackupPlanArgs: schedule_hour_utc: 24 is not allowed: 0 to 23",
    ),
}


@pytest.mark.parametrize("case", WRONG_VALUES, ids=str)
def test_wrong_values_name_class_field_value_and_what_is_allowed(case: str) -> None:
    build, message = WRONG_VALUES[case]
    with pytest.raises(ArgsError) as raised:
        build()
    assert str(raised.value).startswith(message), str(raised.value)


def test_a_database_on_a_server_without_admin_namespace_is_refused() -> None:
    def program() -> None:
        server = PostgresServer("pg", postgres_args(admin_namespace=False))
        TenantDatabase(
            "db",
            tenant_database_args(
                admin_namespace=server.admin_namespace,  # None: the server has none
                admin_secret_name=server.admin_secret_name,
            ),
        )

    with pytest.raises(ArgsError, match="admin_namespace: None is not allowed"):
        run_program(program)


def test_a_server_given_only_an_aws_provider_is_refused() -> None:
    """Its admin namespace and Secret would go to whatever cluster the ambient kubeconfig names."""

    def program() -> None:
        aws_only = aws.Provider("platform-aws", region="eu-west-1")
        PostgresServer("pg", postgres_args(), pulumi.ResourceOptions(providers=[aws_only]))

    with pytest.raises(ArgsError, match=r"PostgresServer 'pg': opts: .* none for kubernetes"):
        run_program(program)


def test_a_server_given_both_providers_uses_them() -> None:
    def program() -> None:
        on_aws = aws.Provider("platform-aws", region="eu-west-1")
        on_cluster = k8s.Provider("platform-k8s", kubeconfig="{}")
        opts = pulumi.ResourceOptions(providers=[on_aws, on_cluster])
        PostgresServer("pg", postgres_args(), opts)

    result = run_program(program)
    namespace = result.named("pg-admin", "kubernetes:core/v1:Namespace")
    assert namespace.provider == result.named("platform-k8s").urn
    assert result.named("pg-db", "aws:rds/instance:Instance").provider == (
        result.named("platform-aws").urn
    )


def test_a_server_without_admin_namespace_needs_no_cluster() -> None:
    def program() -> None:
        aws_only = aws.Provider("platform-aws", region="eu-west-1")
        args = postgres_args(admin_namespace=False)
        PostgresServer("pg", args, pulumi.ResourceOptions(providers=[aws_only]))

    assert run_program(program).by_type("kubernetes:core/v1:Namespace") == []
