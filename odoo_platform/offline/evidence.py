"""Evidence for an auditor: the controls a stack meets and the declared resources that prove each.

Everything is read from what the stack program declares under the mocks harness (the same run
as `odoo-platform plan`), never from the stack file: a control is met only when the resources
that implement it are in the program's output with the settings that make it hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from odoo_platform.config import recovery
from odoo_platform.config.drills import drills_run
from odoo_platform.config.lifecycle import runs_workloads
from odoo_platform.config.models import TenantConfig
from odoo_platform.odoo.scripts import DRILL_METRIC_NAMESPACE
from odoo_platform.offline.plan import StackPlan
from odoo_platform.policies import ALL_RULES
from odoo_platform.synthesis.harness import RecordedResource

Status = Literal["met", "not met", "not applicable"]
STATUSES: tuple[Status, ...] = ("met", "not met", "not applicable")
SCHEMA_VERSION = 1

KMS_KEY = "aws:kms/key:Key"
RDS = "aws:rds/instance:Instance"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_SSE = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
EFS = "aws:efs/fileSystem:FileSystem"
BACKUP_PLAN = "aws:backup/plan:Plan"
BACKUP_SELECTION = "aws:backup/selection:Selection"
CRON_JOB = "kubernetes:batch/v1:CronJob"
NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
TENANT_DATABASE = "odoo-platform:index:TenantDatabase"
REDIS_USER = "aws:elasticache/user:User"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
BUDGET = "aws:budgets/budget:Budget"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
BUCKET_REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
RDS_BACKUP_REPLICATION = (
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
)


@dataclass(frozen=True)
class Control:
    id: str
    description: str
    status: Status
    detail: str  # what holds, or what is missing
    resources: tuple[RecordedResource, ...] = ()  # what proves it (or, not met, what fails it)


def _status(ok: bool) -> Status:
    return "met" if ok else "not met"


class _Stack:
    """The declared resources of one plan, with the lookups the controls need."""

    def __init__(self, plan: StackPlan) -> None:
        self.plan = plan
        self.resources = plan.check.result.resources
        self.by_urn = {r.urn: r for r in self.resources}

    def of_type(self, type_token: str, tenant: str | None = None) -> list[RecordedResource]:
        return [
            r
            for r in self.resources
            if r.type == type_token
            and (tenant is None or self.plan.placements[r.urn].tenant == tenant)
        ]

    def key_of(self, resource: RecordedResource, prop: str) -> RecordedResource | None:
        """The KMS key a property's value came from (the engine records the dependency)."""
        for urn in resource.property_dependencies.get(prop, ()):
            if urn in self.by_urn and self.by_urn[urn].type == KMS_KEY:
                return self.by_urn[urn]
        return None


# --- encryption at rest ---------------------------------------------------------------------


def _encryption(
    stack: _Stack,
    control_id: str,
    what: str,
    type_token: str,
    encrypted: Callable[[RecordedResource], bool],
) -> Control:
    """Every resource of a type is encrypted with a KMS key of this stack."""
    found = stack.of_type(type_token)
    description = f"every {what} is encrypted at rest with a customer-managed KMS key"
    if not found:
        return Control(control_id, description, "not applicable", f"this stack declares no {what}")
    failing = [r for r in found if not encrypted(r) or stack.key_of(r, "kmsKeyId") is None]
    keys = [k for r in found if (k := stack.key_of(r, "kmsKeyId")) is not None]
    if failing:
        names = ", ".join(r.name for r in failing)
        return Control(
            control_id,
            description,
            "not met",
            f"not encrypted with a KMS key: {names}",
            tuple(failing),
        )
    return Control(
        control_id,
        description,
        "met",
        f"{len(found)} {what}(s), each with its key",
        tuple(_unique([*found, *keys])),
    )


def _kms_keys(stack: _Stack) -> Control:
    keys = stack.of_type(KMS_KEY)
    description = "every KMS key of the stack rotates yearly"
    failing = [k for k in keys if k.inputs.get("enableKeyRotation") is not True]
    if not keys or failing:
        detail = (
            "no KMS key declared"
            if not keys
            else "no rotation: " + ", ".join(k.name for k in failing)
        )
        return Control("encryption.kms-keys", description, "not met", detail, tuple(failing))
    return Control(
        "encryption.kms-keys", description, "met", f"{len(keys)} keys, all rotating", tuple(keys)
    )


def _buckets(stack: _Stack) -> Control:
    """Every bucket has default encryption: SSE-KMS with its key, or SSE-S3 where AWS allows
    nothing else (server access log targets)."""
    description = "every S3 bucket encrypts objects by default (SSE-KMS; access-log buckets SSE-S3)"
    buckets = stack.of_type(BUCKET)
    if not buckets:
        return Control("encryption.buckets", description, "not applicable", "no bucket declared")
    configured: dict[str, RecordedResource] = {}
    for config in stack.of_type(BUCKET_SSE):
        for urn in config.property_dependencies.get("bucket", ()):
            configured[urn] = config
    proof: list[RecordedResource] = []
    failing = []
    for bucket in buckets:
        sse = configured.get(bucket.urn)
        algorithm = _sse_algorithm(sse) if sse else None
        key = stack.key_of(sse, "rules") if sse else None
        by_kms = algorithm == "aws:kms" and key is not None
        # S3 server access logs cannot be delivered to an SSE-KMS bucket: SSE-S3 there.
        log_target = "access-logs" in bucket.name and algorithm == "AES256"
        if sse is None or not (by_kms or log_target):
            failing.append(bucket)
            continue
        proof += [bucket, sse, *([key] if key else [])]
    if failing:
        names = ", ".join(b.name for b in failing)
        return Control(
            "encryption.buckets",
            description,
            "not met",
            f"no default encryption: {names}",
            tuple(failing),
        )
    return Control(
        "encryption.buckets", description, "met", f"{len(buckets)} buckets", tuple(_unique(proof))
    )


def _sse_algorithm(sse: RecordedResource) -> str | None:
    rules = sse.inputs.get("rules") or []
    defaults = [r.get("applyServerSideEncryptionByDefault") or {} for r in rules]
    return next((d.get("sseAlgorithm") for d in defaults if d.get("sseAlgorithm")), None)


# --- backups and restore checks ---------------------------------------------------------------


def _aws_backup(stack: _Stack) -> Control:
    description = "an AWS Backup plan selects every RDS database and EFS file system"
    plans = stack.of_type(BACKUP_PLAN)
    selections = stack.of_type(BACKUP_SELECTION)
    selected = [str(a) for s in selections for a in s.inputs.get("resources") or []]
    covers = {
        "RDS": any(a.startswith("arn:aws:rds:") for a in selected),
        "EFS": any(a.startswith("arn:aws:elasticfilesystem:") for a in selected),
    }
    missing = [kind for kind, ok in covers.items() if not ok]
    if not plans or missing:
        detail = "no backup plan" if not plans else "not selected: " + ", ".join(missing)
        return Control(
            "backups.aws-backup", description, "not met", detail, tuple(plans + selections)
        )
    return Control(
        "backups.aws-backup",
        description,
        "met",
        f"{len(plans)} plan(s), selection: {', '.join(selected)}",
        tuple(plans + selections),
    )


def _component(resource: RecordedResource) -> str | None:
    labels = (resource.inputs.get("metadata") or {}).get("labels") or {}
    value = labels.get("app.kubernetes.io/component")
    return str(value) if value else None


def _tenant_backups(stack: _Stack, tenant: TenantConfig) -> Control:
    control_id = f"backups.{tenant.slug}"
    description = (
        f"tenant {tenant.slug}: a scheduled dump of its database and filestore, and a scheduled "
        "restore check of the latest dump into a scratch database"
    )
    if not runs_workloads(tenant):
        return Control(
            control_id,
            description,
            "not applicable",
            f"tenant is {tenant.state}: its final backup is kept, no schedule runs",
        )
    jobs = {_component(j): j for j in stack.of_type(CRON_JOB, tenant.slug)}
    missing = [c for c in ("backup", "restore-check") if c not in jobs]
    proof = tuple(j for c, j in jobs.items() if c in ("backup", "restore-check"))
    if missing:
        return Control(
            control_id, description, "not met", "no CronJob: " + ", ".join(missing), proof
        )
    schedules = ", ".join(
        f"{c} {jobs[c].inputs.get('spec', {}).get('schedule')}" for c in ("backup", "restore-check")
    )
    return Control(control_id, description, "met", schedules, proof)


# --- recovery objectives ----------------------------------------------------------------------


def _dump_interval_hours(backup: RecordedResource) -> int | None:
    """The hours between dumps of a backup CronJob (`m */h * * *`, or daily `m h * * *`)."""
    schedule = str((backup.inputs.get("spec") or {}).get("schedule") or "").split()
    # every day, or the working days of a stack whose database sleeps on the others
    if len(schedule) != 5 or schedule[2:4] != ["*", "*"] or not schedule[1]:
        return None
    hours = schedule[1]
    every = re.fullmatch(r"(\*|[0-9]+-[0-9]+)/([0-9]+)", hours)
    if every:
        return int(every.group(2))
    return 24 if hours.isdigit() else None


def _tenant_or_shared(stack: _Stack, type_token: str, slug: str) -> list[RecordedResource]:
    """The tenant's own resources of a type, else the shared ones (no tenant tag)."""
    found = stack.of_type(type_token)
    own = [r for r in found if stack.plan.placements[r.urn].tenant == slug]
    return own or [r for r in found if stack.plan.placements[r.urn].tenant is None]


def _recovery_proof(
    stack: _Stack, slug: str, mode: str | None
) -> tuple[list[RecordedResource], str]:
    """What copies the tenant's data out of the region in its mode, and what is missing."""
    needed = {"S3 replication of its backups": BUCKET_REPLICATION}
    if mode in ("pilot-light", "warm-standby"):
        needed["replication of its server's automated backups"] = RDS_BACKUP_REPLICATION
    proof: list[RecordedResource] = []
    missing = []
    for what, type_token in needed.items():
        found = _tenant_or_shared(stack, type_token, slug)
        proof += found
        if not found:
            missing.append(what)
    return proof, ", ".join(missing)


def _tenant_recovery(stack: _Stack, index: int) -> Control:
    """The tenant's objectives, judged by the derivation fed with what is declared: the backup
    CronJob's interval and the resources that copy its data to the DR region."""
    config = stack.plan.check.config
    tenant = config.tenants[index]
    control_id = f"recovery.{tenant.slug}"
    description = (
        f"tenant {tenant.slug}: its recovery objectives after the loss of the region (RPO, RTO) "
        "are met by what copies its data to the DR region"
    )
    if not recovery.recovered(tenant):
        return Control(control_id, description, "not applicable", f"tenant is {tenant.state}")
    targets = next(r for r in recovery.tenant_recoveries(config) if r.slug == tenant.slug)
    if targets.rpo_target.value is None or targets.rto_target.value is None:
        return Control(control_id, description, "not met", "no recovery objectives set")
    backups = [j for j in stack.of_type(CRON_JOB, tenant.slug) if _component(j) == "backup"]
    hours = next((h for j in backups if (h := _dump_interval_hours(j)) is not None), None)
    mode = recovery.recovery_mode(config)
    proof, missing = _recovery_proof(stack, tenant.slug, mode)
    if hours is None or missing:
        missing = ", ".join(filter(None, [missing, "" if hours else "backup CronJob"]))
        proof = backups + proof
        return Control(control_id, description, "not met", f"not declared: {missing}", tuple(proof))
    result = replace(
        targets, achieved=recovery.achieved(config, index, recovery.Setup(mode, hours))
    )
    done = result.achieved
    detail = (
        f"{mode or recovery.NO_DR}: RPO {done.rpo_minutes} of {targets.rpo_target.value} min, "
        f"RTO {done.rto_minutes} of {targets.rto_target.value} min; dumps every {hours} h"
    )
    return Control(
        control_id, description, _status(bool(result.met)), detail, tuple(backups + proof)
    )


# --- DR drills --------------------------------------------------------------------------------


def _tenant_drills(stack: _Stack, tenant: TenantConfig) -> Control:
    """The weekly drill from the DR-region copy (a tenant in its own account too: its record in
    its bucket, its metric and alarm in the platform account) and the alarm on its result."""
    control_id = f"drills.{tenant.slug}"
    description = (
        f"tenant {tenant.slug}: a weekly DR drill restores its DR-region copy into a scratch "
        "database, and an alarm fires when it is slower than the RTO target or missing"
    )
    if not drills_run(stack.plan.check.config) or not runs_workloads(tenant):
        reason = f"tenant is {tenant.state}" if drills_run(stack.plan.check.config) else ""
        return Control(
            control_id, description, "not applicable", reason or "the stack runs no DR drills"
        )
    jobs = [j for j in stack.of_type(CRON_JOB, tenant.slug) if _component(j) == "dr-drill"]
    alarms = [
        a
        for a in stack.of_type(METRIC_ALARM)
        if a.inputs.get("namespace") == DRILL_METRIC_NAMESPACE
        and (a.inputs.get("dimensions") or {}).get("Tenant") == tenant.slug
    ]
    missing = [
        what for what, found in (("drill CronJob", jobs), ("drill alarm", alarms)) if not found
    ]
    if missing:
        return Control(
            control_id,
            description,
            "not met",
            "not declared: " + ", ".join(missing),
            tuple(jobs + alarms),
        )
    schedule = jobs[0].inputs.get("spec", {}).get("schedule")
    threshold = alarms[0].inputs.get("threshold")
    detail = f"dr-drill {schedule}; alarm above {threshold} s"
    return Control(control_id, description, "met", detail, tuple(jobs + alarms))


# --- isolation --------------------------------------------------------------------------------


def _default_deny(policy: RecordedResource) -> bool:
    spec = policy.inputs.get("spec") or {}
    return (
        spec.get("podSelector") in ({}, None)
        and {"Ingress", "Egress"} <= set(spec.get("policyTypes") or [])
        and not spec.get("ingress")
        and not spec.get("egress")
    )


def _namespace_of(resource: RecordedResource) -> str | None:
    return (resource.inputs.get("metadata") or {}).get("namespace") or (
        resource.inputs.get("metadata") or {}
    ).get("name")


def _own_prefix_policy(policy: RecordedResource, slug: str) -> bool | None:
    """Whether every S3 object the policy grants lies under the tenant's prefix; None when it
    grants no object access."""
    try:
        document = json.loads(str(policy.inputs.get("policy") or "{}"))
    except ValueError:
        return False
    objects: list[str] = []
    for statement in document.get("Statement") or []:
        actions = _listed(statement.get("Action"))
        if statement.get("Effect") == "Allow" and any(
            a in ("s3:GetObject", "s3:PutObject", "s3:*", "*") for a in actions
        ):
            objects += [
                r
                for r in _listed(statement.get("Resource"))
                if r.startswith("arn:aws:s3:::") or r == "*"
            ]
    if not objects:
        return None
    return all(f"/{slug}/" in r for r in objects)


def _listed(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []


def _redis_user_of(user: RecordedResource, slug: str) -> bool:
    access = str(user.inputs.get("accessString") or "").split()
    keys = [a for a in access if a.startswith("~")]
    return user.inputs.get("userName") == slug and bool(keys) and all(slug in k for k in keys)


def _tenant_isolation(stack: _Stack, tenant: TenantConfig) -> Control:
    slug = tenant.slug
    control_id = f"isolation.{slug}"
    description = (
        f"tenant {slug}: own namespace with default-deny network policies, own database role, "
        "own Redis ACL user limited to its key prefix, backup access limited to its own prefix"
    )
    if not runs_workloads(tenant):
        return Control(
            control_id, description, "not applicable", f"tenant is {tenant.state}: no workloads run"
        )
    namespaces = [
        n
        for n in stack.of_type(NAMESPACE, slug)
        if ((n.inputs.get("metadata") or {}).get("labels") or {}).get("odoo-platform.io/tenant")
        == slug
    ]
    names = {_namespace_of(n) for n in namespaces}
    deny = [
        p
        for p in stack.of_type(NETWORK_POLICY, slug)
        if _default_deny(p) and _namespace_of(p) in names
    ]
    database = stack.of_type(TENANT_DATABASE, slug)
    redis = [u for u in stack.of_type(REDIS_USER, slug) if _redis_user_of(u, slug)]
    policies = [(p, _own_prefix_policy(p, slug)) for p in stack.of_type(ROLE_POLICY, slug)]
    prefix = [p for p, own in policies if own]
    leaking = [p for p, own in policies if own is False]
    parts = {
        "tenant namespace": namespaces,
        "default-deny NetworkPolicy": deny,
        "own database role (TenantDatabase)": database,
        "Redis ACL user": redis,
        "bucket prefix policy": prefix,
    }
    missing = [what for what, found in parts.items() if not found]
    proof = tuple(r for found in parts.values() for r in found)
    if missing or leaking:
        detail = "; ".join(
            ["missing: " + ", ".join(missing)] * bool(missing)
            + ["reaches beyond its prefix: " + ", ".join(p.name for p in leaking)] * bool(leaking)
        )
        return Control(control_id, description, "not met", detail, tuple(leaking) + proof)
    return Control(
        control_id,
        description,
        "met",
        f"namespace {', '.join(sorted(str(n) for n in names))}",
        proof,
    )


# --- governance -------------------------------------------------------------------------------


def _freezes(stack: _Stack) -> Control:
    config = stack.plan.check.config
    windows = config.governance.freeze_windows
    description = (
        "changes to prod stop during the declared change-freeze windows (overrides are recorded)"
    )
    state = stack.plan.check.freeze
    today = f"on {stack.plan.check.today.isoformat()}: " + (
        state.notice() if state else "not frozen"
    )
    listed = ", ".join(w.name for w in windows)
    if config.environment != "prod":
        return Control(
            "governance.freezes",
            description,
            "not applicable",
            f"{config.environment} stack; windows: {listed or 'none'}",
        )
    if not windows:
        return Control(
            "governance.freezes", description, "not met", "a prod stack with no freeze window"
        )
    return Control("governance.freezes", description, "met", f"windows: {listed}; {today}")


def _budgets(stack: _Stack) -> Control:
    description = "a cost budget alerts per stack and per dedicated tenant"
    budgets = stack.of_type(BUDGET)
    if not budgets:
        return Control(
            "governance.budgets",
            description,
            "not met",
            "not configured: the stack declares no budget (issue 16)",
        )
    return Control(
        "governance.budgets", description, "met", f"{len(budgets)} budget(s)", tuple(budgets)
    )


def _policies(stack: _Stack) -> Control:
    check = stack.plan.check
    mandatory = check.mandatory_failures
    advisory = len(check.findings) - len(mandatory)
    checked = sum(r.custom for r in stack.resources)
    description = "the stack passes every mandatory governance rule (docs/policies.md)"
    detail = (
        f"{len(ALL_RULES)} rules on {checked} resources: "
        f"{len(mandatory)} mandatory, {advisory} advisory findings"
    )
    failing = tuple(_unique(stack.by_urn[f.urn] for f in mandatory if f.urn in stack.by_urn))
    return Control("governance.policies", description, _status(not mandatory), detail, failing)


def _unique(resources: Iterable[RecordedResource]) -> list[RecordedResource]:
    return list({r.urn: r for r in resources}.values())


def controls(plan: StackPlan) -> list[Control]:
    """Every control, for the stack and each of its tenants, judged on what was declared."""
    stack = _Stack(plan)
    found = [
        _kms_keys(stack),
        _encryption(
            stack,
            "encryption.databases",
            "RDS database",
            RDS,
            lambda r: r.inputs.get("storageEncrypted") is True,
        ),
        _encryption(
            stack,
            "encryption.caches",
            "ElastiCache replication group",
            CACHE,
            lambda r: r.inputs.get("atRestEncryptionEnabled") is True,
        ),
        _buckets(stack),
        _encryption(
            stack,
            "encryption.file-systems",
            "EFS file system",
            EFS,
            lambda r: r.inputs.get("encrypted") is True,
        ),
        _aws_backup(stack),
    ]
    tenants = plan.check.config.tenants
    found += [_tenant_backups(stack, t) for t in tenants]
    found += [_tenant_isolation(stack, t) for t in tenants]
    found += [_tenant_recovery(stack, i) for i in range(len(tenants))]
    found += [_tenant_drills(stack, t) for t in tenants]
    found += [_freezes(stack), _budgets(stack), _policies(stack)]
    return found


# --- documents --------------------------------------------------------------------------------
