"""A tenant's DR restore (DR site) and DR drill (primary) under the mocks harness: ordering,
least privilege, valid and restricted pods, and the drill alarm from a whole platform."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from odoo_platform.components.odoo_tenant import DrDrillArgs, DrReplica, OdooTenantArgs
from odoo_platform.config import ConfigError
from odoo_platform.config.calendar import JobWindow
from odoo_platform.config.recovery import rto_target_minutes
from odoo_platform.odoo import conf as odoo_conf
from odoo_platform.odoo import scripts
from odoo_platform.platform.regional import build_platform
from odoo_platform.policies.kubernetes import restricted_violations
from odoo_platform.synthesis.harness import ProgramResult, run_program
from odoo_platform.synthesis.mocks import PlatformMocks
from tests.components.tenant_programs import (
    BUCKET_ARN,
    KMS_ARN,
    infra,
    odoo_args,
    run_args,
    sample_config,
    tenant,
)
from tests.k8s_validation import assert_restricted, pod_spec_of, validate_manifest
from tests.platform.composition import TODAY, plan
from tests.platform.composition import config as platform_config

SLUG = "nb-consulting"
K8S_VERSION = sample_config().cluster.kubernetes_version
REPLICA = DrReplica(
    bucket_name="nb-backups-eu-west-1-dr",
    bucket_arn="arn:aws:s3:::nb-backups-eu-west-1-dr",
    kms_key_arn="arn:aws:kms:eu-central-1:123456789012:key/dr-backups",
    region="eu-central-1",
)
PREFIXES = [f"{c}/{SLUG}/" for c in scripts.RETENTION_CLASSES]
Manifest = dict[str, Any]


def _args(**changes: Any) -> OdooTenantArgs:
    config = sample_config()
    base = odoo_args(config, tenant(config, SLUG), namespace=f"odoo-{SLUG}", **infra(SLUG))
    return replace(base, **changes)


def _init_pod(result: ProgramResult) -> Manifest:
    job = result.named(f"odoo-{SLUG}-init")
    return dict(job.inputs["spec"]["template"]["spec"])


def _env(container: Manifest) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def _statements(result: ProgramResult, name: str) -> dict[str, Manifest]:
    policy = json.loads(result.named(name).inputs["policy"])
    return {s["Sid"]: s for s in policy["Statement"]}


@pytest.fixture(scope="module")
def dr_site() -> ProgramResult:
    return run_args(_args(dr_restore_from=REPLICA))


@pytest.fixture(scope="module")
def drilled() -> ProgramResult:
    drill = DrDrillArgs(replica=REPLICA, stack="prod-eu-west-1", weekday=6, rto_target_minutes=90)
    return run_args(_args(dr_drill=drill))


# -- the DR site's restore ----------------------------------------------------------------------


def test_dr_site_restores_before_anything_else_of_the_init_job(dr_site: ProgramResult) -> None:
    assert dr_site.errors() == []
    pod = _init_pod(dr_site)
    steps = [c["name"] for c in pod["initContainers"]]
    assert steps[:3] == ["fetch", "dr-restore", "db-state"]  # then stop, upload, dump
    fetch, restore = pod["initContainers"][:2]
    assert "restore-fetch.sh" in fetch["command"][-1]
    assert _env(fetch) | {"HOME": None} == {
        "BACKUP_BUCKET": REPLICA.bucket_name,  # the primary's DR-region copy
        "AWS_REGION": REPLICA.region,
        "REQUIRE_VERIFIED": "1",
        "TENANT": SLUG,
        "WORK_DIR": "/work",
        "HOME": None,
    }
    assert "dr-restore.sh" in restore["command"][-1]
    owner = odoo_conf.traits(_args().odoo_version)
    env = _env(restore)
    assert env["FILESTORE_UID"] == str(owner.odoo_uid) and env["FILESTORE_DIR"] == "/filestore"
    assert env["PGPASSWORD"] == {"secretKeyRef": {"name": f"{SLUG}-db", "key": "password"}}
    assert restore["securityContext"]["runAsUser"] == owner.odoo_uid
    mounts = {m["mountPath"]: m for m in restore["volumeMounts"]}
    assert mounts["/filestore"]["name"] == "filestore" and not mounts["/filestore"].get("readOnly")
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["work"]["emptyDir"]["sizeLimit"] == "20Gi"  # the backup is downloaded
    # only the S3 step gets the role's token
    skipped = dr_site.named(f"odoo-{SLUG}-init").inputs["spec"]["template"]["metadata"]
    assert "dr-restore" in skipped["annotations"]["eks.amazonaws.com/skip-containers"].split(",")
    assert "fetch" not in skipped["annotations"]["eks.amazonaws.com/skip-containers"].split(",")


def test_dr_site_init_job_is_valid_and_restricted(dr_site: ProgramResult) -> None:
    job = dr_site.named(f"odoo-{SLUG}-init")
    manifest = {"apiVersion": "batch/v1", "kind": "Job", **job.inputs}
    validate_manifest(manifest, K8S_VERSION)
    pod = pod_spec_of(manifest)
    assert pod is not None
    assert_restricted(pod)
    assert restricted_violations(dict(pod)) == []


def test_odoo_starts_only_after_the_restore(dr_site: ProgramResult) -> None:
    job = dr_site.named(f"odoo-{SLUG}-init")
    assert dr_site.named(f"odoo-{SLUG}-dr-restore-policy").urn in job.dependencies
    for workload in ("web", "cron"):
        assert job.urn in dr_site.named(f"odoo-{SLUG}-{workload}").dependencies


def test_dr_restore_reads_only_the_tenants_replica_prefixes(dr_site: ProgramResult) -> None:
    policy = dr_site.named(f"odoo-{SLUG}-dr-restore-policy")
    backup_role = dr_site.named(f"odoo-{SLUG}-backup-role")
    assert policy.inputs["role"] == backup_role.outputs["name"]  # the init Job's account's role
    statements = _statements(dr_site, f"odoo-{SLUG}-dr-restore-policy")
    assert set(statements) == {"ListOwnReplicaPrefixes", "ReadOwnReplicaPrefixes", "DecryptReplica"}
    assert statements["ReadOwnReplicaPrefixes"]["Action"] == "s3:GetObject"
    assert statements["ReadOwnReplicaPrefixes"]["Resource"] == [
        f"{REPLICA.bucket_arn}/{p}*" for p in PREFIXES
    ]
    assert statements["ListOwnReplicaPrefixes"]["Condition"]["StringLike"]["s3:prefix"] == [
        f"{p}*" for p in PREFIXES
    ]
    assert statements["DecryptReplica"]["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    assert statements["DecryptReplica"]["Resource"] == REPLICA.kms_key_arn


def test_a_primary_has_no_restore_step() -> None:
    result = run_args(_args())
    assert "fetch" not in [c["name"] for c in _init_pod(result)["initContainers"]]
    assert not [r for r in result.resources if r.name.endswith("-dr-restore-policy")]
    assert not [r for r in result.resources if "dr-drill" in r.name]


# -- the drill ----------------------------------------------------------------------------------


def _drill_cron(result: ProgramResult) -> Manifest:
    return dict(result.named(f"odoo-{SLUG}-dr-drill").inputs)


def test_drill_cron_job_is_valid_restricted_and_weekly(drilled: ProgramResult) -> None:
    assert drilled.errors() == []
    cron = _drill_cron(drilled)
    manifest = {"apiVersion": "batch/v1", "kind": "CronJob", **cron}
    validate_manifest(manifest, K8S_VERSION)
    pod = pod_spec_of(manifest)
    assert pod is not None
    assert_restricted(pod)
    assert restricted_violations(dict(pod)) == []
    minute, hour, dom, month, weekday = cron["spec"]["schedule"].split()
    assert (dom, month, weekday) == ("*", "*", "6")
    backup = drilled.named(f"odoo-{SLUG}-backup").inputs["spec"]["schedule"].split()
    check = drilled.named(f"odoo-{SLUG}-restore-check").inputs["spec"]["schedule"].split()
    assert minute == backup[0] and hour not in (check[1],)  # never beside the restore check
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert cron["spec"]["jobTemplate"]["spec"]["backoffLimit"] == 0


def _minute_of_day(cron: Manifest) -> int:
    minute, hour = cron["spec"]["schedule"].split()[:2]
    return int(hour) * 60 + int(minute)


@pytest.mark.parametrize("sleeps", [False, True], ids=["prod", "database-sleeps-at-night"])
def test_a_missed_drill_starts_late_at_most_15_minutes_or_is_skipped(
    drilled: ProgramResult, sleeps: bool
) -> None:
    """A drill the CronJob controller missed (controller down, cluster upgrade) by more than its
    `startingDeadlineSeconds` is skipped until next week, never started hours late: a late drill
    would restore into the scratch database while the restore check uses it, or (a database
    that sleeps) after the server has stopped. Kubernetes may never start a CronJob whose
    deadline is under 10 s (its controller's sync period)."""
    result = drilled
    if sleeps:
        window = JobWindow("Europe/Dublin", 9, 16, "MON,TUE,WED,THU,FRI")
        drill = DrDrillArgs(replica=REPLICA, stack="dev-eu-west-1", weekday=6)
        result = run_args(_args(dr_drill=drill, job_window=window))
    cron = _drill_cron(result)
    deadline = cron["spec"]["startingDeadlineSeconds"]
    assert deadline == 900
    latest_start = _minute_of_day(cron) + deadline // 60
    check = dict(result.named(f"odoo-{SLUG}-restore-check").inputs)
    assert cron["spec"]["timeZone"] == check["spec"]["timeZone"]
    assert deadline > 10 and latest_start < _minute_of_day(check)
    if sleeps:  # inside the hours the server runs (the window's end is two hours later)
        assert latest_start < (16 + 2) * 60


def test_drill_steps_get_only_what_their_script_reads(drilled: ProgramResult) -> None:
    template = _drill_cron(drilled)["spec"]["jobTemplate"]["spec"]["template"]
    pod = template["spec"]
    assert pod["serviceAccountName"] == "odoo-dr-drill"
    fetch, restore = pod["initContainers"]
    (report,) = pod["containers"]
    assert [fetch["name"], restore["name"], report["name"]] == ["fetch", "restore", "report"]
    for container, step in ((fetch, "fetch"), (restore, "restore"), (report, "report")):
        assert container["command"][-1].endswith(f"dr-drill.sh {step}")
    assert _env(fetch)["BACKUP_BUCKET"] == REPLICA.bucket_name
    assert _env(fetch)["AWS_REGION"] == REPLICA.region
    assert _env(report)["BACKUP_BUCKET"] == infra(SLUG)["backup_bucket_name"]  # evidence
    assert _env(report)["RTO_TARGET_SECONDS"] == "5400"
    assert _env(report)["STACK"] == "prod-eu-west-1"
    # its own scratch database: a long drill may overlap the restore check, which empties its own
    assert _env(restore)["RESTORE_DATABASE"] == "nb_consulting_dr_drill"
    for aws_step in (fetch, report):  # no database credentials where the AWS token is
        assert not {"PGPASSWORD", "PGUSER"} & set(_env(aws_step))
    skipped = template["metadata"]["annotations"]["eks.amazonaws.com/skip-containers"]
    assert skipped.split(",") == ["restore"]
    declared = set(scripts.SCRIPT_ENV["dr-drill.sh"])
    for container in (fetch, restore, report):
        assert set(_env(container)) - {"HOME", "REQUIRE_VERIFIED"} <= declared
        names = [entry["name"] for entry in container["env"]]  # an override replaces, once
        assert len(names) == len(set(names)), names


def test_drill_role_is_least_privilege(drilled: ProgramResult) -> None:
    statements = _statements(drilled, f"odoo-{SLUG}-dr-drill-policy")
    assert statements["ReadOwnReplicaPrefixes"]["Resource"] == [
        f"{REPLICA.bucket_arn}/{p}*" for p in PREFIXES
    ]
    assert statements["WriteOwnDrillResults"] == {
        "Sid": "WriteOwnDrillResults",
        "Effect": "Allow",
        "Action": "s3:PutObject",
        "Resource": f"{BUCKET_ARN}/drills/{SLUG}/*",
    }
    assert statements["EncryptDrillResults"]["Resource"] == KMS_ARN
    assert "kms:Decrypt" not in statements["EncryptDrillResults"]["Action"]
    metric = statements["PublishDrillMetric"]
    assert metric["Action"] == "cloudwatch:PutMetricData"
    assert metric["Condition"] == {"StringEquals": {"cloudwatch:namespace": "OdooPlatform/DR"}}
    assert set(statements) == {
        "ListOwnReplicaPrefixes",
        "ReadOwnReplicaPrefixes",
        "DecryptReplica",
        "WriteOwnDrillResults",
        "EncryptDrillResults",
        "PublishDrillMetric",
    }
    trust = json.loads(drilled.named(f"odoo-{SLUG}-dr-drill-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    condition = statement["Condition"]["StringEquals"]
    subject = next(v for k, v in condition.items() if k.endswith(":sub"))
    assert subject in (
        f"system:serviceaccount:odoo-{SLUG}:odoo-dr-drill",
        [f"system:serviceaccount:odoo-{SLUG}:odoo-dr-drill"],
    )
    cron = drilled.named(f"odoo-{SLUG}-dr-drill")
    assert drilled.named(f"odoo-{SLUG}-dr-drill-sa").urn in cron.dependencies


def test_restore_check_marks_verified_and_may_write_only_that_marker(
    drilled: ProgramResult,
) -> None:
    cron = drilled.named(f"odoo-{SLUG}-restore-check").inputs
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["initContainers"]] == ["fetch", "check"]
    assert "restore-verified.sh" in pod["containers"][0]["command"][-1]
    statements = _statements(drilled, f"odoo-{SLUG}-restore-check-policy")
    assert statements["MarkVerified"]["Action"] == "s3:PutObject"
    assert statements["MarkVerified"]["Resource"] == [
        f"{BUCKET_ARN}/{p}*/verified.json" for p in PREFIXES
    ]


# -- from the configuration: drills on the primary, alarms, residency -------------------------


@pytest.fixture(scope="module")
def platform() -> ProgramResult:
    return plan(platform_config())


def test_primary_drills_every_tenant_and_alarms_on_slow_or_missing_results(
    platform: ProgramResult,
) -> None:
    assert platform.errors() == []
    drills = [r for r in platform.resources if r.type.endswith("CronJob") and "dr-drill" in r.name]
    assert len(drills) == 3
    alarms = {
        r.inputs["dimensions"]["Tenant"]: r
        for r in platform.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if r.inputs.get("namespace") == "OdooPlatform/DR"
    }
    assert set(alarms) == {"alpha-law", "beta-tax", "gamma-audit"}
    topic = platform.by_type("aws:sns/topic:Topic")[0]
    for alarm in alarms.values():
        inputs = alarm.inputs
        assert inputs["metricName"] == "RestoreSeconds"
        assert inputs["treatMissingData"] == "breaching"
        assert inputs["period"] * inputs["evaluationPeriods"] == 7 * 86400  # one weekly drill
        assert inputs["datapointsToAlarm"] == inputs["evaluationPeriods"]
        assert inputs["comparisonOperator"] == "GreaterThanThreshold"
        assert inputs["dimensions"]["Stack"] == "prod-eu-west-1"
        assert topic.outputs["arn"] in inputs["alarmActions"]
        # no RTO target in the configuration yet: the drill's deadline
        assert inputs["threshold"] == 6 * 3600


def test_drills_can_be_switched_off_and_do_not_move_other_urns(platform: ProgramResult) -> None:
    off = plan(
        platform_config(
            disaster_recovery={
                "mode": "pilot-light",
                "dr_region": "eu-central-1",
                "drills": {"enabled": False},
            }
        )
    )
    assert off.errors() == []
    assert not [r for r in off.resources if "dr-drill" in r.name]
    assert {r.urn for r in off.resources} <= {r.urn for r in platform.resources}


def test_the_drill_alarm_threshold_is_the_tenants_rto_target() -> None:
    config = sample_config()  # recovery_defaults: rto 240, dedicated 120
    shared = next(t for t in config.tenants if t.tier == "shared")
    dedicated = next(t for t in config.tenants if t.tier == "dedicated")
    assert rto_target_minutes(config, shared) == 240
    assert rto_target_minutes(config, dedicated) == 120
    unset = config.model_copy(update={"recovery_defaults": type(config.recovery_defaults)()})
    assert rto_target_minutes(unset, shared) is None  # the alarm guards the drill deadline


PRIMARY_STACK = "acme-group/odoo-platform/prod-eu-west-1"
DR_SITE = {
    "region": "eu-central-1",
    "landing_zone": {"vpc_cidr": "10.30.0.0/16", "availability_zones": 3},
    "disaster_recovery": None,  # a DR site has no DR copies of its own
    "dr_site": {
        "primary_stack": PRIMARY_STACK,
        "primary_region": "eu-west-1",
        "mode": "backup-restore",
    },
}


def _replicas(*slugs: str) -> dict[str, Any]:
    return {
        slug: {
            "bucket_name": f"primary-{slug}-dr",
            "bucket_arn": f"arn:aws:s3:::primary-{slug}-dr",
            "kms_key_arn": "arn:aws:kms:eu-central-1:123456789012:key/dr",
            "region": "eu-central-1",
        }
        for slug in slugs
    }


def _plan_dr_site(replicas: dict[str, Any]) -> ProgramResult:
    site = platform_config(**DR_SITE)
    primary = {
        "region": "eu-west-1",
        "disaster_recovery": {"mode": "backup-restore", "dr_region": "eu-central-1"},
        "tenants": {t.slug: {} for t in site.tenants},
        "dr_backup_replicas": replicas,
    }
    mocks = PlatformMocks(region="eu-central-1", stack_outputs={PRIMARY_STACK: primary})
    return run_program(
        lambda: build_platform(site, TODAY),
        config={"aws:region": "eu-central-1"},
        stack="prod-eu-central-1",
        preview=True,
        mocks=mocks,
    )


def test_primary_exports_each_tenants_dr_copy(platform: ProgramResult) -> None:
    replicas = platform.outputs["dr_backup_replicas"]
    assert set(replicas) == {"alpha-law", "beta-tax", "gamma-audit"}
    for entry in replicas.values():
        assert entry["region"] == "eu-central-1"
        assert entry["bucket_arn"].endswith(entry["bucket_name"])
    # the shared tier's tenants share one replica; the dedicated tenant has its own
    assert replicas["alpha-law"] == replicas["beta-tax"] != replicas["gamma-audit"]


def test_dr_site_restores_every_tenant_from_the_primarys_copy_before_odoo() -> None:
    result = _plan_dr_site(_replicas("alpha-law", "beta-tax", "gamma-audit"))
    assert result.errors() == []
    jobs = [r for r in result.resources if r.type == "kubernetes:batch/v1:Job"]
    inits = [j for j in jobs if j.name.endswith("-init")]
    assert len(inits) == 3
    for job in inits:
        pod = job.inputs["spec"]["template"]["spec"]
        fetch, restore = pod["initContainers"][:2]
        slug = _env(fetch)["TENANT"]
        assert (fetch["name"], restore["name"]) == ("fetch", "dr-restore")
        assert _env(fetch)["BACKUP_BUCKET"] == f"primary-{slug}-dr"
        policy = result.named(f"{job.name.removesuffix('-init')}-dr-restore-policy")
        assert policy.urn in job.dependencies
    # a DR site does not drill itself, nor export copies for another site
    assert not [r for r in result.resources if "dr-drill" in r.name]
    assert "dr_backup_replicas" not in result.outputs


class _ReferenceCounting(PlatformMocks):
    """The mocks, noting every StackReference the program reads (reads are not recorded)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.references: list[tuple[str, str]] = []

    def new_resource(self, args: Any) -> Any:
        if args.typ == "pulumi:pulumi:StackReference":
            self.references.append((args.name, str(args.inputs.get("name"))))
        return super().new_resource(args)


def test_dr_site_reads_its_primary_through_one_reference() -> None:
    """One `PlatformReference` (dr_site.PrimarySite) serves the checks and the restore sources."""
    site = platform_config(**DR_SITE)
    primary = {
        "region": "eu-west-1",
        "disaster_recovery": {"mode": "backup-restore", "dr_region": "eu-central-1"},
        "tenants": {t.slug: {} for t in site.tenants},
        "dr_backup_replicas": _replicas("alpha-law", "beta-tax", "gamma-audit"),
    }
    mocks = _ReferenceCounting(region="eu-central-1", stack_outputs={PRIMARY_STACK: primary})
    result = run_program(
        lambda: build_platform(site, TODAY),
        config={"aws:region": "eu-central-1"},
        stack="prod-eu-central-1",
        preview=True,
        mocks=mocks,
    )
    assert result.errors() == []
    assert mocks.references == [("dr-primary", PRIMARY_STACK)]


def test_dr_site_checks_the_primary_before_restoring_from_it() -> None:
    """The restore sources come only from a primary that names this site as its DR region."""
    site = platform_config(**DR_SITE)
    primary = {
        "region": "eu-west-1",
        "disaster_recovery": {"mode": "backup-restore", "dr_region": "eu-west-2"},
        "tenants": {t.slug: {} for t in site.tenants},
        "dr_backup_replicas": _replicas("alpha-law", "beta-tax", "gamma-audit"),
    }
    mocks = PlatformMocks(region="eu-central-1", stack_outputs={PRIMARY_STACK: primary})
    with pytest.raises(Exception, match=r"platform\.dr_site\.primary_stack: .*'eu-west-2'"):
        run_program(
            lambda: build_platform(site, TODAY),
            config={"aws:region": "eu-central-1"},
            stack="prod-eu-central-1",
            preview=True,
            mocks=mocks,
        )


def test_dr_site_fails_naming_the_primary_when_it_has_no_copy_of_a_tenant() -> None:
    with pytest.raises(Exception, match="exports no DR copy of tenant 'gamma-audit'"):
        _plan_dr_site(_replicas("alpha-law", "beta-tax"))


def test_dr_site_outside_the_tenants_residency_zone_is_refused_with_its_key_path() -> None:
    """A DR site in us-east-1 for EU tenants: refused before anything is declared. (The DR copy
    itself may leave the zone only with disaster_recovery.transfer_basis on the primary.)"""
    data = {
        **DR_SITE,
        "region": "us-east-1",
        "residency": "eu",
        "dr_site": {**DR_SITE["dr_site"], "primary_region": "eu-west-1"},
    }
    with pytest.raises(ConfigError) as refused:
        platform_config(**data)
    message = str(refused.value)
    assert (
        "platform.dr_site.primary_region: 'eu-west-1' is in zone 'eu' but this site's region "
        "us-east-1 is in zone 'us'; DR copies stay in the tenants' zone unless "
        "dr_site.transfer_basis records the legal basis"
    ) in message
