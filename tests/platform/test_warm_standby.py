"""Warm standby (issue 17): the DR stack replicates the primary and fails over without replacing.

The sample pair: `prod-eu-west-1` (disaster_recovery.mode warm-standby, DR region eu-central-1)
and its standby `dr-eu-central-1`. The standby reads the primary through a StackReference that the
mocks answer with the primary's outputs as planned from its own stack file.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pulumi import RunError

from odoo_platform.config import ConfigError, PlatformConfig, load_stack_file, parse_platform
from odoo_platform.config.catalog import DEFAULT_BACKUP_PLAN
from odoo_platform.config.defaults import STANDBY_SIZE
from odoo_platform.odoo.bootstrap import database_name, role_name
from odoo_platform.platform.regional import build_platform
from odoo_platform.synthesis.mocks import PlatformMocks, replicated_secret_string
from odoo_platform.testing import ProgramResult, RecordedResource, manifest, run_program
from tests.golden_urns import GOLDEN_DAY, ROOT, sample_result
from tests.k8s_validation import assert_restricted, pod_spec_of, validate_manifest
from tests.platform.composition import RDS_REPLACING

PRIMARY_STACK = "northbridge-partners/odoo-platform/prod-eu-west-1"
STANDBY_FILE = ROOT / "stacks" / "Pulumi.dr-eu-central-1.yaml"
INSTANCE = "aws:rds/instance:Instance"
RECORD = "aws:route53/record:Record"
SECRET = "kubernetes:core/v1:Secret"
SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
PAUSED_REPLICAS = "autoscaling.keda.sh/paused-replicas"
PROVIDER = "pulumi:providers:aws"
HALDEN_ROLE = "arn:aws:iam::444455556666:role/odoo-platform-deployer"
SERVERS = {
    "multi-tenant": "odoo-shared-postgres",
    "dedicated:meridian-audit": "odoo-dedicated-meridian-audit-postgres",
    "dedicated:halden-law": "odoo-dedicated-halden-law-postgres",
}


@pytest.fixture(scope="module")
def primary() -> ProgramResult:
    return sample_result("prod-eu-west-1")


@pytest.fixture(scope="module")
def standby() -> ProgramResult:
    return sample_result("dr-eu-central-1")


def standby_data(**site: Any) -> dict[str, Any]:
    data = load_stack_file(STANDBY_FILE).model_dump(mode="json", exclude_none=True)
    data = copy.deepcopy(data)
    data["dr_site"].update(site)
    return data


def standby_config(**site: Any) -> PlatformConfig:
    return parse_platform(standby_data(**site))


def failover_config() -> PlatformConfig:
    """The reviewed failover change: `role: primary`, and the recovery targets removed (the
    promoted site replicates nowhere until it fails back, so it cannot meet them)."""
    data = standby_data(role="primary")
    del data["recovery_defaults"]
    return parse_platform(data)


def run_standby(
    config: PlatformConfig, primary_outputs: dict[str, Any], preview: bool = True
) -> ProgramResult:
    return run_program(
        lambda: build_platform(config, GOLDEN_DAY),
        config={"aws:region": config.region},
        stack="dr-eu-central-1",
        preview=preview,
        mocks=PlatformMocks(region=config.region, stack_outputs={PRIMARY_STACK: primary_outputs}),
    )


def by_name(result: ProgramResult, type_: str) -> dict[str, RecordedResource]:
    return {r.name: r for r in result.resources if r.type == type_}


def one(result: ProgramResult, type_: str, name: str) -> RecordedResource:
    return by_name(result, type_)[name]


def keys_in(result: ProgramResult, region: str) -> set[str]:
    """ARNs of the KMS keys declared in `region` (the mocks' ARNs all name the stack's region:
    the provider a key is declared with tells where it lives)."""
    regions = {r.urn: r.inputs.get("region") for r in result.resources if r.type == PROVIDER}
    return {
        r.outputs["arn"]
        for r in result.resources
        if r.type == "aws:kms/key:Key" and regions.get(r.provider or "") == region
    }


# -- the primary's side -----------------------------------------------------------------------


def test_primary_exports_each_server_by_key_and_each_bucket_replica(primary: ProgramResult):
    sources = primary.outputs["standby_sources"]
    instances = by_name(primary, INSTANCE)
    assert set(sources["servers"]) == set(SERVERS)
    for key, name in SERVERS.items():
        assert sources["servers"][key]["arn"] == instances[f"{name}-db"].outputs["arn"]
    assert sources["servers"]["dedicated:halden-law"]["account_role_arn"] == HALDEN_ROLE
    dr_keys = keys_in(primary, "eu-central-1")
    for key, bucket in sources["backups"].items():
        assert bucket["kms_key_arn"] in dr_keys, key  # the replica bucket's DR-region key
    assert primary.outputs["disaster_recovery"] == {
        "mode": "warm-standby",
        "dr_region": "eu-central-1",
    }


def test_primary_replicates_each_tenant_password_to_the_dr_region(primary: ProgramResult):
    secrets = by_name(primary, "aws:secretsmanager/secret:Secret")
    versions = by_name(primary, "aws:secretsmanager/secretVersion:SecretVersion")
    for slug, entry in primary.outputs["standby_sources"]["tenants"].items():
        tier = "shared" if entry["server"] == "multi-tenant" else "dedicated"
        secret = secrets[f"odoo-{tier}-{slug}-db-password"]
        assert secret.inputs["name"] == entry["password_secret"]
        (replica,) = secret.inputs["replicas"]
        assert replica["region"] == "eu-central-1"
        assert replica["kmsKeyId"] in keys_in(primary, "eu-central-1")
        version = versions[f"odoo-{tier}-{slug}-db-password"]
        assert version.is_secret("secretString")
    halden = secrets["odoo-dedicated-halden-law-db-password"]
    assert halden.provider and halden.provider.endswith("::odoo-dedicated-halden-law-account")


def test_primary_alarms_slow_or_failed_backup_replication_to_its_topic(primary: ProgramResult):
    """Per replicated bucket (RTC: 15 minutes), an alarm on latency and one on failures, to the
    platform's SNS topic; halden-law's bucket is in its own account, where they cannot look."""
    alarms = by_name(primary, "aws:cloudwatch/metricAlarm:MetricAlarm")
    topic = primary.outputs["alerts_topic_arn"]
    buckets = by_name(primary, "aws:s3/bucket:Bucket")
    for key, prefix in (
        ("shared", "odoo-shared-backups"),
        ("dedicated-meridian-audit", "odoo-dedicated-meridian-audit-backups"),
    ):
        latency = alarms[f"odoo-observability-replication-latency-{key}"]
        failed = alarms[f"odoo-observability-replication-failed-{key}"]
        dimensions = {
            "SourceBucket": buckets[f"{prefix}-bucket"].outputs["bucket"],
            "DestinationBucket": buckets[f"{prefix}-dr-bucket"].outputs["bucket"],
            "RuleId": "dr-copy",
        }
        assert latency.inputs["namespace"] == failed.inputs["namespace"] == "AWS/S3"
        assert latency.inputs["dimensions"] == failed.inputs["dimensions"] == dimensions
        assert latency.inputs["metricName"] == "ReplicationLatency"
        assert latency.inputs["threshold"] == 15 * 60  # seconds: the RPO figure counts 15 min
        assert failed.inputs["metricName"] == "OperationsFailedReplication"
        assert failed.inputs["threshold"] == 0
        for alarm in (latency, failed):
            assert alarm.inputs["alarmActions"] == [topic]
    assert not [a for a in alarms if "replication" in a and "halden" in a]


def test_primary_servers_rotate_through_secrets_manager(primary: ProgramResult):
    """RDS-managed master passwords forbid replicas: every replicated server rotates its own."""
    rotations = by_name(primary, "aws:secretsmanager/secretRotation:SecretRotation")
    for name in SERVERS.values():
        instance = one(primary, INSTANCE, f"{name}-db")
        assert not instance.inputs.get("manageMasterUserPassword")
        assert f"{name}-admin-rotation" in rotations


def test_primary_admin_secrets_replicate_to_the_dr_region_and_still_rotate(
    primary: ProgramResult,
):
    """Each server's admin secret has a replica in the DR region under a DR key of its account
    (halden-law's in its own); rotation stays on the primary secret (Secrets Manager copies
    each rotated version to the replica), and the replica's ARN is exported for the standby."""
    secrets = by_name(primary, "aws:secretsmanager/secret:Secret")
    rotations = by_name(primary, "aws:secretsmanager/secretRotation:SecretRotation")
    keys = by_name(primary, "aws:kms/key:Key")
    dr_keys = keys_in(primary, "eu-central-1")
    servers = primary.outputs["standby_sources"]["servers"]
    for key, name in SERVERS.items():
        secret = secrets[f"{name}-admin"]
        (replica,) = secret.inputs["replicas"]
        assert replica["region"] == "eu-central-1" and replica["kmsKeyId"] in dr_keys
        assert rotations[f"{name}-admin-rotation"].inputs["secretId"] == secret.id
        arn = secret.outputs["arn"].split(":")
        assert servers[key]["admin_secret_arn"] == ":".join([*arn[:3], "eu-central-1", *arn[4:]])
    halden = secrets["odoo-dedicated-halden-law-postgres-admin"]
    account_dr = keys["odoo-dedicated-halden-law-key-dr"]
    assert halden.inputs["replicas"][0]["kmsKeyId"] == account_dr.outputs["arn"]
    assert account_dr.provider and account_dr.provider.endswith("halden-law-account-dr")


def test_primary_records_fail_over_on_the_ingress_health_check(primary: ProgramResult):
    (check,) = by_name(primary, "aws:route53/healthCheck:HealthCheck").values()
    assert check.inputs["type"] == "TCP" and check.inputs["port"] == 443
    balancer = primary.outputs["ingress"]["load_balancer_hostname"]
    assert check.inputs["fqdn"] == balancer
    records = by_name(primary, RECORD)
    tenants = [r for r in records.values() if "-dns-" in r.name]
    assert len(tenants) == 11
    for record in tenants:
        assert record.inputs["failoverRoutingPolicies"] == [{"type": "PRIMARY"}]
        assert record.inputs["setIdentifier"] == "eu-west-1"
        assert record.inputs["healthCheckId"] == check.id


# -- the standby ------------------------------------------------------------------------------


def test_standby_replicates_every_primary_server_with_a_dr_key(
    primary: ProgramResult, standby: ProgramResult
):
    sources = primary.outputs["standby_sources"]["servers"]
    keys = keys_in(standby, "eu-central-1")
    subnet_groups = by_name(standby, "aws:rds/subnetGroup:SubnetGroup")
    for key, name in SERVERS.items():
        replica = one(standby, INSTANCE, f"{name}-db")
        assert replica.inputs["replicateSourceDb"] == sources[key]["arn"]
        assert replica.inputs["kmsKeyId"] in keys
        assert (
            replica.inputs["dbSubnetGroupName"]
            == (subnet_groups[f"{name}-subnets"].outputs["name"])
        )
        # The master user and its password come with the replicated data.
        assert "username" not in replica.inputs and "password" not in replica.inputs
        assert replica.inputs["storageEncrypted"] is True
        assert replica.protect


def test_standby_replica_max_connections_is_the_primary_s(
    primary: ProgramResult, standby: ProgramResult
):
    """A PostgreSQL hot standby refuses to start with a lower max_connections than its source."""
    groups = {
        r.name: r for r in primary.resources if r.type == "aws:rds/parameterGroup:ParameterGroup"
    }
    replicas = by_name(standby, "aws:rds/parameterGroup:ParameterGroup")

    def max_connections(group: RecordedResource) -> str:
        return next(
            p["value"] for p in group.inputs["parameters"] if p["name"] == "max_connections"
        )

    for name in SERVERS.values():
        assert max_connections(replicas[f"{name}-params"]) == max_connections(
            groups[f"{name}-params"]
        )


def test_standby_replicas_have_enhanced_monitoring_through_a_role_in_their_account(
    standby: ProgramResult, failed_over: ProgramResult
):
    roles = by_name(standby, "aws:iam/role:Role")
    attachments = by_name(standby, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    for name in SERVERS.values():
        replica = one(standby, INSTANCE, f"{name}-db")
        role = roles[f"{name}-monitoring"]
        assert replica.inputs["monitoringInterval"] == 60
        assert replica.inputs["monitoringRoleArn"] == role.outputs["arn"]
        trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert [s["Principal"] for s in trust] == [{"Service": "monitoring.rds.amazonaws.com"}]
        assert attachments[f"{name}-monitoring"].inputs["policyArn"] == (
            "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
        )
        assert role.provider == replica.provider  # halden-law's: in its own account
        promoted = one(failed_over, INSTANCE, f"{name}-db")
        assert promoted.inputs["monitoringRoleArn"] == replica.inputs["monitoringRoleArn"]


def test_own_account_replica_is_created_in_the_tenant_account(standby: ProgramResult):
    providers = by_name(standby, PROVIDER)
    account = providers["odoo-dedicated-halden-law-account"]
    assert account.inputs["region"] == "eu-central-1"
    assert json.loads(account.inputs["assumeRoles"])[0]["roleArn"] == HALDEN_ROLE
    replica = one(standby, INSTANCE, "odoo-dedicated-halden-law-postgres-db")
    assert replica.provider == account.urn
    key = one(standby, "aws:kms/key:Key", "odoo-dedicated-halden-law-key")
    assert key.provider == replica.provider
    assert replica.inputs["kmsKeyId"] == key.outputs["arn"]


def test_standby_tenants_are_at_zero_on_the_replicas(standby: ProgramResult):
    deployments = by_name(standby, "kubernetes:apps/v1:Deployment")
    odoo = [d for d in deployments.values() if d.name.endswith(("-web", "-cron"))]
    assert len(odoo) == 20
    assert all(d.inputs["spec"]["replicas"] == 0 for d in odoo)
    types = {r.type for r in standby.resources}
    assert "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" not in types
    jobs = by_name(standby, "kubernetes:batch/v1:Job")
    assert not [j for j in jobs.values() if j.name.endswith(("-init", "-resume", "-bootstrap"))]
    cron_jobs = by_name(standby, "kubernetes:batch/v1:CronJob")
    assert cron_jobs and all(c.inputs["spec"]["suspend"] is True for c in cron_jobs.values())


@pytest.fixture(scope="module")
def deployed(primary: ProgramResult) -> ProgramResult:
    """The standby as `pulumi up` runs it: addresses and the read secrets are known."""
    result = run_standby(standby_config(), primary.outputs, preview=False)
    assert result.errors() == []
    return result


def test_standby_credentials_point_at_the_replica_with_the_replicated_password(
    primary: ProgramResult, deployed: ProgramResult
):
    standby = deployed
    tenants = primary.outputs["standby_sources"]["tenants"]
    secrets = by_name(standby, SECRET)
    for slug, entry in tenants.items():
        tier = "shared" if entry["server"] == "multi-tenant" else "dedicated"
        server = SERVERS[entry["server"]]
        credentials = secrets[f"odoo-{tier}-{slug}-db-credentials"]
        data = credentials.inputs["stringData"]
        assert data["host"] == one(standby, INSTANCE, f"{server}-db").outputs["address"]
        assert data["password"] == replicated_secret_string(entry["password_secret"])
        assert credentials.is_secret("stringData")
        assert data["database"] == database_name(slug) and data["user"] == role_name(slug)


def test_standby_promotes_each_server_with_the_replicated_admin_secret(
    primary: ProgramResult, standby: ProgramResult, failed_over: ProgramResult
):
    servers = primary.outputs["standby_sources"]["servers"]
    expected = {key: servers[key]["admin_secret_arn"] for key in SERVERS}
    assert standby.outputs["database_admin_secrets"] == expected
    assert failed_over.outputs["database_admin_secrets"] == expected
    assert "database_admin_secrets" not in primary.outputs


def test_a_primary_without_replicated_admin_secrets_is_refused(primary: ProgramResult):
    outputs = copy.deepcopy(primary.outputs)
    outputs["standby_sources"]["servers"]["multi-tenant"]["admin_secret_arn"] = None
    with pytest.raises(RunError, match="exports no DR-region admin secret of server"):
        run_standby(standby_config(), outputs)


def test_standby_restores_from_the_primary_s_bucket_replicas(
    primary: ProgramResult, standby: ProgramResult
):
    backups = primary.outputs["standby_sources"]["backups"]
    roles = by_name(standby, "aws:iam/rolePolicy:RolePolicy")
    shared = backups["multi-tenant"]["bucket_arn"]
    policies = " ".join(str(r.inputs.get("policy")) for r in roles.values())
    assert shared in policies
    assert not [r for r in standby.resources if r.type == "aws:s3/bucketV2:BucketV2"]


def test_standby_records_are_secondary_to_its_ingress(standby: ProgramResult):
    records = [r for r in by_name(standby, RECORD).values() if "-dns-" in r.name]
    balancer = standby.outputs["ingress"]["load_balancer_hostname"]
    assert len(records) == 11
    for record in records:
        assert record.inputs["failoverRoutingPolicies"] == [{"type": "SECONDARY"}]
        assert record.inputs["setIdentifier"] == "eu-central-1"
        assert record.inputs["records"] == [balancer]


def test_standby_runs_at_reduced_size(standby: ProgramResult):
    groups = by_name(standby, "aws:eks/nodeGroup:NodeGroup")
    assert groups and all(g.inputs["scalingConfig"]["minSize"] == 1 for g in groups.values())
    releases = by_name(standby, "kubernetes:helm.sh/v3:Release")
    assert releases["odoo-ingress-traefik"].inputs["values"]["deployment"]["replicas"] == 1
    # the tenants' workloads stand by at zero, and KEDA does not scale them until failover
    deployments = by_name(standby, "kubernetes:apps/v1:Deployment")
    assert all(
        d.inputs["spec"]["replicas"] == 0 for n, d in deployments.items() if n.startswith("odoo-")
    )
    scalers = by_name(standby, SCALED_OBJECT)
    assert len(scalers) == 11
    assert all(
        s.inputs["metadata"]["annotations"][PAUSED_REPLICAS] == "0" for s in scalers.values()
    )


CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
# Inputs of the replication group that force a replacement (terraform-provider-aws
# internal/service/elasticache/replication_group.go: ForceNew); node_type, num_cache_clusters,
# automatic_failover_enabled and multi_az_enabled are not among them (ModifyReplicationGroup).
CACHE_REPLACING = (
    "replicationGroupId",
    "atRestEncryptionEnabled",
    "kmsKeyId",
    "port",
    "subnetGroupName",
    "dataTieringEnabled",
    "networkType",
)


def test_standby_caches_run_at_the_standby_size(primary: ProgramResult, standby: ProgramResult):
    """One small node per cache while standing by (the cache holds sessions only)."""
    caches, primaries = by_name(standby, CACHE), by_name(primary, CACHE)
    assert set(caches) == set(primaries) and len(caches) == 3
    for name, cache in caches.items():
        assert cache.inputs["nodeType"] == STANDBY_SIZE.cache_node_type
        assert cache.inputs["numCacheClusters"] == 1
        assert cache.inputs["automaticFailoverEnabled"] is False
        assert cache.inputs["multiAzEnabled"] is False
        assert primaries[name].inputs["numCacheClusters"] == 2  # prod: one replica


# -- failover ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def failed_over(primary: ProgramResult) -> ProgramResult:
    result = run_standby(failover_config(), primary.outputs)
    assert result.errors() == []
    return result


def test_failover_keeping_targets_it_cannot_meet_is_refused_naming_failback():
    with pytest.raises(ConfigError) as error:
        standby_config(role="primary")
    message = str(error.value)
    assert (
        "platform.tenants[0].recovery.rpo_minutes: tenant 'nb-consulting': RPO target 60 min "
        "(from platform.recovery_defaults.rpo_minutes), but this failed-over DR site copies "
        "nothing out of eu-central-1"
    ) in message
    assert f"to meet it: fail back to {PRIMARY_STACK}" in message


def test_failover_promotes_every_replica_without_replacing_it(
    standby: ProgramResult, failed_over: ProgramResult
):
    before, after = by_name(standby, INSTANCE), by_name(failed_over, INSTANCE)
    for name in SERVERS.values():
        replica, promoted = before[f"{name}-db"], after[f"{name}-db"]
        assert promoted.urn == replica.urn
        assert "replicateSourceDb" not in promoted.inputs
        for key in RDS_REPLACING:
            assert promoted.inputs.get(key) == replica.inputs.get(key), (name, key)
        assert promoted.protect == replica.protect and promoted.provider == replica.provider
        assert promoted.inputs["backupRetentionPeriod"] > 0
        assert promoted.inputs["multiAz"] is True
        assert promoted.inputs["tags"]["BackupPlan"] == DEFAULT_BACKUP_PLAN
        assert "BackupPlan" not in replica.inputs["tags"]


def test_failover_scales_the_tenants_up_and_keeps_every_urn(
    standby: ProgramResult, failed_over: ProgramResult
):
    deployments = by_name(failed_over, "kubernetes:apps/v1:Deployment")
    assert all(
        "replicas" not in d.inputs["spec"]
        for n, d in deployments.items()
        if n.endswith("-web") and "upgrade-lab" not in n
    )
    scalers = by_name(failed_over, SCALED_OBJECT)
    crons = {n: d for n, d in deployments.items() if n.endswith("-cron") and "upgrade-lab" not in n}
    # a cron worker scaled on its queue (a ScaledObject) leaves its replicas to KEDA
    assert all(
        d.inputs["spec"]["replicas"] == 1
        if f"{n}-scaler" not in scalers
        else "replicas" not in d.inputs["spec"]
        for n, d in crons.items()
    )
    assert len(scalers) == 11  # KEDA owns the HPAs
    assert all(  # the suspended nb-upgrade-lab stays paused at zero
        PAUSED_REPLICAS not in s.inputs["metadata"].get("annotations", {})
        for n, s in scalers.items()
        if "upgrade-lab" not in n
    )
    assert not by_name(failed_over, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    assert {r.urn for r in standby.resources} <= {r.urn for r in failed_over.resources}


def test_failover_brings_the_caches_to_full_size_in_place(
    primary: ProgramResult, standby: ProgramResult, failed_over: ProgramResult
):
    before, after = by_name(standby, CACHE), by_name(failed_over, CACHE)
    full = by_name(primary, CACHE)
    for name, cache in after.items():
        assert cache.urn == before[name].urn
        for key in CACHE_REPLACING:
            assert cache.inputs.get(key) == before[name].inputs.get(key), (name, key)
        # the primary's size: its node type, replicas and Multi-AZ
        for key in ("nodeType", "numCacheClusters", "automaticFailoverEnabled", "multiAzEnabled"):
            assert cache.inputs[key] == full[name].inputs[key], (name, key)


# -- refused --------------------------------------------------------------------------------


def test_a_standby_whose_tenants_differ_from_the_primary_is_refused(primary: ProgramResult):
    outputs = copy.deepcopy(primary.outputs)
    del outputs["tenants"]["kestrel-design"]
    outputs["tenants"]["newcomer"] = outputs["tenants"]["nb-training"]
    with pytest.raises(RunError) as error:
        run_standby(standby_config(), outputs)
    message = str(error.value)
    assert "platform.tenants" in message
    assert "missing here ['newcomer']" in message
    assert "not on the primary ['kestrel-design']" in message


def test_a_primary_that_names_another_dr_region_is_refused(primary: ProgramResult):
    outputs = copy.deepcopy(primary.outputs)
    outputs["disaster_recovery"] = {"mode": "pilot-light", "dr_region": "eu-west-2"}
    with pytest.raises(RunError) as error:
        run_standby(standby_config(), outputs)
    message = str(error.value)
    assert "platform.dr_site.primary_stack" in message and "'eu-west-2'" in message
    assert "platform.dr_site.mode" in message and "'pilot-light'" in message


def test_a_primary_never_deployed_is_refused():
    with pytest.raises(
        RunError, match=r"platform\.dr_site\.primary_stack: stack .* exports nothing"
    ):
        run_standby(standby_config(), {})


def test_config_refuses_a_site_in_the_primary_s_region_and_dr_copies_on_a_standby():
    data = load_stack_file(STANDBY_FILE).model_dump(mode="json", exclude_none=True)
    data["dr_site"]["primary_region"] = "eu-central-1"
    data["disaster_recovery"] = {"mode": "warm-standby", "dr_region": "eu-west-1"}
    with pytest.raises(ConfigError) as error:
        parse_platform(data)
    message = str(error.value)
    assert "platform.dr_site.primary_region: 'eu-central-1' is this stack's own region" in message
    assert "platform.disaster_recovery: is set on a DR site (role standby)" in message


def test_config_keeps_a_site_in_the_residency_zone_unless_a_transfer_basis_is_recorded():
    data = load_stack_file(STANDBY_FILE).model_dump(mode="json", exclude_none=True)
    data["dr_site"]["primary_region"] = "eu-west-2"  # 'uk'
    with pytest.raises(
        ConfigError, match=r"platform.dr_site.primary_region: 'eu-west-2' is in zone 'uk'"
    ):
        parse_platform(data)
    data["dr_site"]["transfer_basis"] = "UK adequacy decision, DPA 2018 s.17A"
    assert parse_platform(data).dr_site is not None
    data["dr_site"]["primary_region"] = "eu-west-1"
    with pytest.raises(ConfigError, match=r"platform.dr_site.transfer_basis: is set but"):
        parse_platform(data)


def test_every_standby_object_is_valid_and_restricted(deployed: ProgramResult):
    manifests = []
    for resource in deployed.kubernetes_objects():
        if resource.type.rsplit(":", 1)[-1] in ("Deployment", "CronJob", "Secret"):
            item = manifest(resource)
            # auto-named objects get their name from the provider (here: the mocks)
            item["metadata"].setdefault("name", resource.outputs["metadata"]["name"])
            manifests.append(item)
    assert {m["kind"] for m in manifests} == {"Deployment", "CronJob", "Secret"}
    for item in manifests:
        validate_manifest(item, "1.33")
        pod = pod_spec_of(item)
        if pod is not None:
            assert_restricted(pod)


# -- filestores: EFS replication to the standby ------------------------------------------------

REPLICATION = "aws:efs/replicationConfiguration:ReplicationConfiguration"
ACCESS_POINT = "aws:efs/accessPoint:AccessPoint"
FILESTORES = {  # ServerKey of the owning tier -> the primary's file system
    "multi-tenant": "odoo-network-efs",
    "dedicated:meridian-audit": "odoo-dedicated-meridian-audit-efs",
    "dedicated:halden-law": "odoo-dedicated-halden-law-efs",
}


def test_primary_replicates_every_filestore_to_the_dr_region_with_a_dr_key(
    primary: ProgramResult,
):
    replications = by_name(primary, REPLICATION)
    file_systems = by_name(primary, "aws:efs/fileSystem:FileSystem")
    dr_keys = keys_in(primary, "eu-central-1")
    exported = primary.outputs["standby_sources"]["filestores"]
    assert set(exported) == set(FILESTORES)
    for key, name in FILESTORES.items():
        replication = replications[f"{name}-replication"]
        assert replication.inputs["sourceFileSystemId"] == file_systems[name].id
        destination = replication.inputs["destination"]
        assert destination["region"] == "eu-central-1"
        assert destination["kmsKeyId"] in dr_keys, key
        assert replication.provider == file_systems[name].provider  # declared at the source
        assert replication.protect
        assert exported[key] == replication.outputs["destination"]["fileSystemId"]


def test_own_account_filestore_replicates_in_the_tenant_account_with_its_dr_key(
    primary: ProgramResult,
):
    replication = one(primary, REPLICATION, "odoo-dedicated-halden-law-efs-replication")
    providers = {p.urn: p for p in by_name(primary, PROVIDER).values()}
    assert json.loads(providers[replication.provider or ""].inputs["assumeRoles"])[0][
        "roleArn"
    ] == (HALDEN_ROLE)
    key = one(primary, "aws:kms/key:Key", "odoo-dedicated-halden-law-key-dr")
    assert replication.inputs["destination"]["kmsKeyId"] == key.outputs["arn"]


def test_standby_tenants_mount_the_primary_s_filestore_replicas(
    primary: ProgramResult, standby: ProgramResult
):
    replicas = primary.outputs["standby_sources"]["filestores"]
    tenants = primary.outputs["standby_sources"]["tenants"]
    points = {r.tenant: r for r in by_name(standby, ACCESS_POINT).values()}
    assert set(points) == set(tenants)
    for slug, entry in tenants.items():
        key = entry["server"] if entry["server"].startswith("dedicated:") else "multi-tenant"
        assert points[slug].inputs["fileSystemId"] == replicas[key], slug
    targets = by_name(standby, "aws:efs/mountTarget:MountTarget")
    on_replicas = {t.inputs["fileSystemId"] for t in targets.values()} & set(replicas.values())
    assert on_replicas == set(replicas.values())  # each replica is reachable from the nodes
    assert not [r for r in standby.resources if r.type == REPLICATION]


def test_a_primary_without_filestore_replicas_is_refused(primary: ProgramResult):
    outputs = copy.deepcopy(primary.outputs)
    del outputs["standby_sources"]["filestores"]
    missing = r"exports no filestore replica for '(multi-tenant|dedicated:[a-z-]+)'"
    with pytest.raises(RunError, match=missing):  # whichever tier resolves first
        run_standby(standby_config(), outputs)


def test_failover_keeps_the_tenants_on_the_replicas(
    standby: ProgramResult, failed_over: ProgramResult
):
    before = {r.tenant: r.inputs["fileSystemId"] for r in by_name(standby, ACCESS_POINT).values()}
    after = {
        r.tenant: r.inputs["fileSystemId"] for r in by_name(failed_over, ACCESS_POINT).values()
    }
    assert after == before
