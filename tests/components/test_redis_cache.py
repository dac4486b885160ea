"""RedisCache under mocks: encryption, failover in prod, memory policy and per-tenant users."""

from __future__ import annotations

import pulumi
import pytest

from odoo_platform.components.redis_cache import (
    RedisCache,
    RedisCacheArgs,
    elasticache_id,
    parameter_group_family,
)
from odoo_platform.config import PlatformConfig
from odoo_platform.config.models import RedisConfig
from odoo_platform.odoo.redis_acl import (
    admin_access_string,
    disabled_default_access_string,
    tenant_access_string,
)
from odoo_platform.platform.assembly.redis_cache import redis_cache_args
from odoo_platform.testing import ProgramResult, RecordedResource, run_program

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
USER = "aws:elasticache/user:User"
NODES_SG = "sg-0nodes000000000001"
KMS = "arn:aws:kms:eu-west-1:123456789012:key/data"


def args_for(config: PlatformConfig) -> RedisCacheArgs:
    return redis_cache_args(
        config,
        subnet_ids=["subnet-db-a", "subnet-db-b"],
        vpc_id="vpc-0123",
        nodes_security_group_id=NODES_SG,
        kms_key_arn=KMS,
    )


def declare(args: RedisCacheArgs, stack: str = "test") -> ProgramResult:
    def program() -> None:
        cache = RedisCache("redis-shared", args)
        pulumi.export("passwords", cache.tenant_passwords)
        pulumi.export("admin_password", cache.admin_password)
        pulumi.export("user_ids", cache.tenant_user_ids)
        pulumi.export("user_names", cache.tenant_user_names)

    return run_program(program, stack=stack)


@pytest.fixture(scope="module")
def prod(prod_config: PlatformConfig) -> ProgramResult:
    return declare(args_for(prod_config))


@pytest.fixture(scope="module")
def dev(dev_config: PlatformConfig) -> ProgramResult:
    return declare(args_for(dev_config))


def group(result: ProgramResult) -> RecordedResource:
    return result.named("redis-shared-rg", GROUP)


def test_encrypted_in_transit_and_at_rest(prod: ProgramResult, dev: ProgramResult) -> None:
    for result in (prod, dev):
        inputs = group(result).inputs
        assert inputs["atRestEncryptionEnabled"] is True
        assert inputs["kmsKeyId"] == KMS
        assert inputs["transitEncryptionEnabled"] is True
        assert inputs["transitEncryptionMode"] == "required"


def test_prod_fails_over_across_zones(prod: ProgramResult) -> None:
    inputs = group(prod).inputs
    assert inputs["numCacheClusters"] >= 2
    assert inputs["automaticFailoverEnabled"] is True
    assert inputs["multiAzEnabled"] is True
    assert inputs["snapshotRetentionLimit"] == 7
    assert inputs["finalSnapshotIdentifier"].startswith("redis-shared-final-")
    assert inputs["applyImmediately"] is False


def test_dev_is_a_single_node(dev: ProgramResult) -> None:
    inputs = group(dev).inputs
    assert inputs["numCacheClusters"] == 1
    assert inputs["automaticFailoverEnabled"] is False
    assert inputs["multiAzEnabled"] is False
    assert "finalSnapshotIdentifier" not in inputs
    assert inputs["snapshotRetentionLimit"] == 1


def test_engine_and_node_type_from_configuration(
    prod: ProgramResult, prod_config: PlatformConfig
) -> None:
    redis = prod_config.multi_tenant.redis
    inputs = group(prod).inputs
    assert (inputs["engine"], inputs["engineVersion"]) == (redis.engine, redis.engine_version)
    assert inputs["nodeType"] == "cache.m7g.large"
    assert inputs["port"] == 6379


def test_parameter_group_sets_the_memory_policy(
    prod: ProgramResult, prod_config: PlatformConfig
) -> None:
    params = prod.named("redis-shared-params", "aws:elasticache/parameterGroup:ParameterGroup")
    assert params.inputs["family"] == "valkey8"
    assert params.inputs["parameters"] == [
        {"name": "maxmemory-policy", "value": prod_config.multi_tenant.redis.maxmemory_policy}
    ]
    assert group(prod).inputs["parameterGroupName"] == params.outputs["name"]
    subnets = prod.named("redis-shared-subnets", "aws:elasticache/subnetGroup:SubnetGroup")
    assert subnets.inputs["subnetIds"] == ["subnet-db-a", "subnet-db-b"]
    assert group(prod).inputs["subnetGroupName"] == subnets.outputs["name"]


def test_security_group_admits_6379_only_from_the_nodes(prod: ProgramResult) -> None:
    rules = prod.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert len(rules) == 1
    rule = rules[0].inputs
    assert rule["referencedSecurityGroupId"] == NODES_SG
    assert (rule["fromPort"], rule["toPort"], rule["ipProtocol"]) == (6379, 6379, "tcp")
    assert "cidrIpv4" not in rule
    sg = prod.named("redis-shared-sg", "aws:ec2/securityGroup:SecurityGroup")
    assert group(prod).property_dependencies["securityGroupIds"] == (sg.urn,)


def users(result: ProgramResult) -> dict[str, RecordedResource]:
    return {r.inputs["userName"]: r for r in result.by_type(USER)}


def test_default_user_is_disabled_under_its_own_id(prod: ProgramResult) -> None:
    default = users(prod)["default"]
    assert default.inputs["accessString"] == disabled_default_access_string()
    assert default.inputs["userId"] != "default"
    assert default.inputs["engine"] == "valkey"


def test_admin_and_one_user_per_shared_tenant(
    prod: ProgramResult, prod_config: PlatformConfig
) -> None:
    by_name = users(prod)
    assert by_name["platform-admin"].inputs["accessString"] == admin_access_string()
    shared = {t.slug for t in prod_config.tenants if t.tier == "shared"}
    assert set(by_name) == {"default", "platform-admin"} | shared
    for slug in shared:
        user = by_name[slug]
        assert user.inputs["accessString"] == tenant_access_string(slug)
        assert user.tenant == slug
    user_group = prod.named("redis-shared-users", "aws:elasticache/userGroup:UserGroup")
    assert sorted(user_group.inputs["userIds"]) == sorted(
        u.inputs["userId"] for u in by_name.values()
    )
    assert group(prod).inputs["userGroupIds"] == [user_group.inputs["userGroupId"]]
    assert prod.outputs["user_ids"] == {s: by_name[s].inputs["userId"] for s in shared}
    assert prod.outputs["user_names"] == {s: s for s in shared}


def test_passwords_are_generated_secrets(prod: ProgramResult) -> None:
    for user in prod.by_type(USER):
        assert user.is_secret("authenticationMode")
        assert user.inputs["authenticationMode"]["type"] == "password"
    assert {"passwords", "admin_password"} <= prod.secret_outputs
    passwords = prod.outputs["passwords"]
    assert len(set(passwords.values())) == len(passwords)


def test_user_ids_are_valid_unique_per_stack_and_stable(prod_config: PlatformConfig) -> None:
    args = args_for(prod_config)
    first, again, other = declare(args), declare(args), declare(args, stack="staging")

    def ids(result: ProgramResult) -> set[str]:
        return {u.inputs["userId"] for u in result.by_type(USER)}

    assert ids(first) == ids(again)
    assert not ids(first) & ids(other)
    assert all(len(i) <= 40 and i[0].isalpha() and "--" not in i for i in ids(first))


def test_dedicated_tenant_gets_its_own_cache(prod_config: PlatformConfig) -> None:
    tenant = next(t for t in prod_config.tenants if t.slug == "meridian-audit")
    args = redis_cache_args(
        prod_config,
        subnet_ids=["subnet-db-a"],
        vpc_id="vpc-1",
        nodes_security_group_id=NODES_SG,
        kms_key_arn=KMS,
        tenant=tenant,
    )
    assert args.tenants == ("meridian-audit",)
    result = declare(args)
    assert group(result).inputs["nodeType"] == "cache.t4g.small"
    assert group(result).inputs["tags"] == {"Tier": "dedicated", "Tenant": "meridian-audit"}


def test_adding_a_tenant_changes_no_other_urn(prod_config: PlatformConfig) -> None:
    args = args_for(prod_config)
    more = RedisCacheArgs(**{**args.__dict__, "tenants": ("zz-new", *args.tenants)})
    before, after = declare(args).urns(), declare(more).urns()
    assert before < after
    assert {u for u in after - before if "zz-new" not in u} == set()


def test_invalid_settings_are_rejected(prod_config: PlatformConfig) -> None:
    args = args_for(prod_config)
    for changes, message in (
        ({"replicas": 0}, "two nodes"),
        ({"tenants": ("default",)}, "reserved"),
        ({"tenants": ("a-b", "a-b")}, "unique"),
    ):
        bad = RedisCacheArgs(**{**args.__dict__, **changes})
        with pytest.raises(ValueError, match=message):
            declare(bad)


def test_names_and_families() -> None:
    assert parameter_group_family(RedisConfig(engine="redis", engine_version="7.1")) == "redis7"
    assert elasticache_id("tenant", "a--b-", "1234") == "tenant-a-b-1234"
    assert elasticache_id("9lives") == "u-9lives"
    assert len(elasticache_id("x" * 60)) == 40
