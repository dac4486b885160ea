"""Recovery objectives: what each tenant's configuration achieves, and the cheapest change that
meets a target it misses (issue 17).

Scope: the loss of the stack's primary region, recovered in `disaster_recovery.dr_region`. Each
figure comes from `odoo_platform/data/recovery_figures.json` (source, basis and retrieval date per
figure; docs/disaster-recovery.md explains them). Pure: no Pulumi, no clock, no I/O but that file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from odoo_platform.config import defaults
from odoo_platform.config.errors import ConfigIssue, key_path
from odoo_platform.config.models import DEFAULT_POOL, PlatformConfig, TenantConfig

Mode = Literal["backup-restore", "pilot-light", "warm-standby"]
MODES: tuple[Mode, ...] = ("backup-restore", "pilot-light", "warm-standby")  # cheapest first
NO_DR = "none"

FIGURES: dict[str, Any] = json.loads(
    resources.files("odoo_platform").joinpath("data/recovery_figures.json").read_text()
)
SCOPE: str = FIGURES["scope"]


def _figure(name: str) -> int:
    return int(FIGURES["figures"][name]["value"])


# Each constant's source and basis are in the data file (retrieved 2026-12-02).
S3_REPLICATION_MINUTES = _figure("s3_replication_minutes")  # S3 Replication Time Control SLA
BACKUP_REPLICATION_LAG_MINUTES = _figure("backup_replication_lag_minutes")  # AWS Prescr. Guidance
REPLICA_LAG_MINUTES = _figure("replica_lag_minutes")  # assumption: the standby's lag alarm bound
REPLICA_PROMOTION_MINUTES = _figure("replica_promotion_minutes")  # RDS: "several minutes"
NETWORK_MINUTES = _figure("network_minutes")  # assumption
EKS_CONTROL_PLANE_MINUTES = _figure("eks_control_plane_minutes")  # containers-roadmap#1227
NODE_GROUP_MINUTES = _figure("node_group_minutes")  # assumption
PLATFORM_SERVICES_MINUTES = _figure("platform_services_minutes")  # assumption
NODE_START_MINUTES = _figure("node_start_minutes")  # assumption
ODOO_START_MINUTES = _figure("odoo_start_minutes")  # the web startup probe's budget
DNS_SWITCH_MINUTES = _figure("dns_switch_minutes")  # the tenant records' TTL
HEALTH_CHECK_MINUTES = _figure("health_check_minutes")  # Route53: 30 s x 3
DUMP_GIB_PER_HOUR = _figure("dump_gib_per_hour")  # assumption
RESTORE_GIB_PER_HOUR = _figure("restore_gib_per_hour")  # assumption


def _by_size(table: str, gib: int) -> int:
    """Minutes from a size table: the first row whose `up_to_gib` holds `gib`."""
    rows = FIGURES["tables"][table]["rows"]
    return int(next((r for r in rows if gib <= r["up_to_gib"]), rows[-1])["minutes"])


def rds_create_minutes(gib: int) -> int:
    return _by_size("rds_create_minutes", gib)


def rds_pitr_restore_minutes(gib: int) -> int:
    return _by_size("rds_pitr_restore_minutes", gib)


def _hours_of(gib: int, gib_per_hour: int) -> int:
    return math.ceil(gib * 60 / gib_per_hour)


# --- targets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    value: int | None
    source: str  # the key path it was set at, or "" when no level sets it


def _resolve(config: PlatformConfig, index: int, key: str) -> Target:
    """A tenant's key, else its tier's default, else the stack's default."""
    tenant = config.tenants[index]
    stack = config.recovery_defaults
    levels = (
        (getattr(tenant.recovery, key), key_path("tenants", index, "recovery", key)),
        (
            getattr(getattr(stack, tenant.tier), key),
            key_path("recovery_defaults", tenant.tier, key),
        ),
        (getattr(stack, key), key_path("recovery_defaults", key)),
    )
    found = (Target(value, path) for value, path in levels if value is not None)
    return next(found, Target(None, ""))


def rto_target_minutes(config: PlatformConfig, tenant: TenantConfig) -> int | None:
    """The tenant's resolved RTO target (tenant, tier, then stack default); None: unset."""
    index = next(i for i, t in enumerate(config.tenants) if t.slug == tenant.slug)
    return _resolve(config, index, "rto_minutes").value


def database_gib(config: PlatformConfig, index: int) -> int:
    """The tenant's expected database size; unset: its server's allocated storage."""
    expected = _resolve(config, index, "expected_database_gib").value
    if expected is not None:
        return expected
    return server_gib(config, config.tenants[index])


def server_gib(config: PlatformConfig, tenant: TenantConfig) -> int:
    return defaults.tenant_database(config, tenant).allocated_storage_gib


def recovery_mode(config: PlatformConfig) -> Mode | None:
    """The DR mode that recovers this stack's tenants: its own, or on a DR site still on standby
    the primary's (`dr_site.mode`)."""
    site = config.dr_site
    if site is not None and site.role == "standby":
        return site.mode
    dr = config.disaster_recovery
    return dr.mode if dr is not None else None


# --- derivation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """What the derivation depends on: the DR mode and the logical dumps' interval."""

    mode: Mode | None
    dump_interval_hours: int


Terms = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Achieved:
    """What one tenant's configuration achieves after the loss of the region: the sums of the
    terms (no terms: unbounded, nothing is copied out of the region)."""

    mode: Mode | None
    rpo_terms: Terms = ()
    rto_terms: Terms = ()

    @property
    def rpo_minutes(self) -> int | None:
        return sum(m for _, m in self.rpo_terms) if self.rpo_terms else None

    @property
    def rto_minutes(self) -> int | None:
        return sum(m for _, m in self.rto_terms) if self.rto_terms else None

    @staticmethod
    def explain(terms: Terms) -> str:
        return " + ".join(f"{what} {minutes}" for what, minutes in terms)


def _built_dr_stack(database: tuple[str, int], then: Terms = ()) -> Terms:
    """The DR stack created after the disaster: the network, then the cluster and its platform
    (one after the other) in parallel with the database, `then`, Odoo's start and DNS."""
    platform = EKS_CONTROL_PLANE_MINUTES + NODE_GROUP_MINUTES + PLATFORM_SERVICES_MINUTES
    what, minutes = database
    return (
        ("network", NETWORK_MINUTES),
        (f"cluster and platform or {what} (in parallel)", max(platform, minutes)),
        *then,
        ("Odoo start", ODOO_START_MINUTES),
        ("DNS", DNS_SWITCH_MINUTES),
    )


def _last_dump(setup: Setup, tenant_gib: int, first: str = "dump interval") -> Terms:
    """The age of the newest backup (dump and filestore archive) in the DR bucket: a whole
    interval, the dump's own duration and its S3 replication."""
    return (
        (first, setup.dump_interval_hours * 60),
        ("dump", _hours_of(tenant_gib, DUMP_GIB_PER_HOUR)),
        ("S3 replication", S3_REPLICATION_MINUTES),
    )


def _backup_restore(setup: Setup, tenant_gib: int, server: int) -> Achieved:
    """The last logical dump that reached the DR bucket, restored into a new, empty server."""
    restore = ("logical restore", _hours_of(tenant_gib, RESTORE_GIB_PER_HOUR))
    return Achieved(
        "backup-restore",
        _last_dump(setup, tenant_gib),
        _built_dr_stack(("new database", rds_create_minutes(server)), then=(restore,)),
    )


def _pilot_light(setup: Setup, tenant_gib: int, server: int) -> Achieved:
    """A point-in-time restore of the whole server from its replicated automated backups (the
    database), and the filestore from the last backup's archive (EFS is not replicated): the
    RPO is the worse of the two, which with dumps at most hourly is always the filestore's."""
    database: Terms = (("replicated automated backups' lag", BACKUP_REPLICATION_LAG_MINUTES),)
    filestore = _last_dump(setup, tenant_gib, first="filestore archive: dump interval")
    worse = max(database, filestore, key=lambda terms: sum(m for _, m in terms))
    return Achieved(
        "pilot-light",
        worse,
        _built_dr_stack(("point-in-time restore", rds_pitr_restore_minutes(server))),
    )


def _warm_standby() -> Achieved:
    """The standby stack runs: promote its replica, scale its workloads up, fail DNS over."""
    return Achieved(
        "warm-standby",
        (("cross-region replica lag", REPLICA_LAG_MINUTES),),
        (
            ("health checks", HEALTH_CHECK_MINUTES),
            ("replica promotion", REPLICA_PROMOTION_MINUTES),
            ("node start", NODE_START_MINUTES),
            ("Odoo start", ODOO_START_MINUTES),
            ("DNS", DNS_SWITCH_MINUTES),
        ),
    )


def derive(setup: Setup, tenant_gib: int, server: int) -> Achieved:
    """RPO and RTO of one tenant with `tenant_gib` of data on a server of `server` GiB."""
    if setup.mode == "backup-restore":
        return _backup_restore(setup, tenant_gib, server)
    if setup.mode == "pilot-light":
        return _pilot_light(setup, tenant_gib, server)
    if setup.mode == "warm-standby":
        return _warm_standby()
    return Achieved(None)


def stack_setup(config: PlatformConfig) -> Setup:
    return Setup(recovery_mode(config), config.backup.rpo_hours)


def achieved(config: PlatformConfig, index: int, setup: Setup | None = None) -> Achieved:
    tenant = config.tenants[index]
    return derive(
        setup or stack_setup(config), database_gib(config, index), server_gib(config, tenant)
    )


# --- judgement --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TenantRecovery:
    slug: str
    achieved: Achieved
    rpo_target: Target
    rto_target: Target

    @property
    def rpo_met(self) -> bool | None:
        return _met(self.rpo_target, self.achieved.rpo_minutes)

    @property
    def rto_met(self) -> bool | None:
        return _met(self.rto_target, self.achieved.rto_minutes)

    @property
    def met(self) -> bool | None:
        """True or False when a target is set (False if any is missed), None with no target."""
        verdicts = [v for v in (self.rpo_met, self.rto_met) if v is not None]
        return all(verdicts) if verdicts else None


def _met(target: Target, value: int | None) -> bool | None:
    if target.value is None:
        return None
    return value is not None and value <= target.value


def recovered(tenant: TenantConfig) -> bool:
    """An offboarded tenant serves no one: only its final backup is kept."""
    return tenant.state != "offboarded"


def tenant_recoveries(config: PlatformConfig, setup: Setup | None = None) -> list[TenantRecovery]:
    """Every recovered tenant's objectives and what `setup` (default: the stack's) achieves."""
    return [
        TenantRecovery(
            tenant.slug,
            achieved(config, i, setup),
            _resolve(config, i, "rpo_minutes"),
            _resolve(config, i, "rto_minutes"),
        )
        for i, tenant in enumerate(config.tenants)
        if recovered(tenant)
    ]


# --- refusal ----------------------------------------------------------------------------------

Objective = Literal["rpo", "rto"]
OBJECTIVES: tuple[Objective, ...] = ("rpo", "rto")


def _value(result: Achieved, objective: Objective) -> int | None:
    return result.rpo_minutes if objective == "rpo" else result.rto_minutes


def _label(mode: Mode | None) -> str:
    return mode or "no disaster_recovery"


def _candidates(config: PlatformConfig) -> list[tuple[str, Setup]]:
    """Changes that improve recovery, cheapest first: backup-restore with more frequent dumps,
    then each faster mode."""
    mode, hours = stack_setup(config).mode, config.backup.rpo_hours
    found: list[tuple[str, Setup]] = []
    if mode is None:
        found += [
            (f"disaster_recovery mode backup-restore with backup.rpo_hours {h}", Setup(_BR, h))
            for h in range(hours, 0, -1)
        ]
    elif mode in (_BR, "pilot-light"):  # pilot light: the filestore is the last dump's
        found += [
            (f"lower backup.rpo_hours to {h}", Setup(mode, h)) for h in range(hours - 1, 0, -1)
        ]
    faster = MODES[MODES.index(mode) + 1 :] if mode else MODES[1:]
    return found + [(f"disaster_recovery mode {m}", Setup(m, hours)) for m in faster]


_BR: Mode = "backup-restore"


def _suggestion(config: PlatformConfig, index: int, objective: Objective, target: int) -> str:
    tenant, server = database_gib(config, index), server_gib(config, config.tenants[index])
    for change, setup in _candidates(config):
        value = _value(derive(setup, tenant, server), objective)
        if value is not None and value <= target:
            return f"to meet it: {change} ({objective.upper()} ~{value} min)"
    best = {m: _value(derive(Setup(m, 1), tenant, server), objective) or 0 for m in MODES}
    mode = min(best, key=lambda m: best[m])
    return f"no mode meets it (the best: {mode}, ~{best[mode]} min): raise the target"


def _issue(config: PlatformConfig, index: int, objective: Objective) -> ConfigIssue | None:
    key = f"{objective}_minutes"
    target = _resolve(config, index, key)
    result = achieved(config, index)
    value = _value(result, objective)
    if target.value is None or (value is not None and value <= target.value):
        return None
    slug = config.tenants[index].slug
    path = key_path("tenants", index, "recovery", key)
    where = "" if target.source == path else f" (from {target.source})"
    terms = result.rpo_terms if objective == "rpo" else result.rto_terms
    verb = "achieves" if objective == "rpo" else "is estimated at"
    site = config.dr_site
    if value is not None:
        does = f"{_label(result.mode)} {verb} {value} min ({result.explain(terms)})"
        suggestion = _suggestion(config, index, objective, target.value)
    elif site is not None:  # failed over: it may declare no disaster_recovery (dr_site.py)
        does = (
            f"this failed-over DR site copies nothing out of {config.region} (its buckets and "
            "secrets are the primary's replicas), so the loss of the region loses everything"
        )
        suggestion = (
            f"to meet it: fail back to {site.primary_stack} (docs/runbooks/dr-failover.md, "
            "'Fail back'); while this site serves, remove the target in the failover change"
        )
    else:
        does = (
            "without disaster_recovery nothing is copied out of the region, so the loss of "
            "the region loses everything: needs disaster_recovery"
        )
        suggestion = _suggestion(config, index, objective, target.value)
    return ConfigIssue(
        path,
        f"tenant '{slug}': {objective.upper()} target {target.value} min{where}, but {does}; "
        + suggestion,
    )


def _known_server(config: PlatformConfig, tenant: TenantConfig) -> bool:
    """The tenant's database server exists: an unknown `database_pool` is the pool rule's to
    report (with the pools allowed); no estimate is derived for a server that is not there."""
    pool = tenant.database_pool
    return (
        tenant.tier == "dedicated"
        or pool in (None, DEFAULT_POOL)
        or pool in config.multi_tenant.database_pools
    )


def objectives(config: PlatformConfig) -> Iterator[ConfigIssue]:
    """Refuse every target the configuration cannot meet (a `validation.RULES` rule).

    A DR site that failed over (`dr_site.role: primary`) is the primary now and is judged like
    one: it replicates nowhere (dr_site.py refuses its own disaster_recovery), so a target it
    keeps is refused, pointing at failback; the failover change removes the targets it cannot
    meet, a reviewed acceptance that the tenants have no DR until they fail back."""
    for i, tenant in enumerate(config.tenants):
        if recovered(tenant) and _known_server(config, tenant):
            for objective in OBJECTIVES:
                if (issue := _issue(config, i, objective)) is not None:
                    yield issue


def missing_targets(config: PlatformConfig) -> list[str]:
    """One plan warning naming the prod tenants without objectives (every tenant should have
    them; `check` cannot require them without breaking stacks written before issue 17)."""
    if config.environment != "prod":
        return []
    slugs = [
        r.slug
        for r in tenant_recoveries(config)
        if r.rpo_target.value is None or r.rto_target.value is None
    ]
    if not slugs:
        return []
    shown = ", ".join(slugs[:5]) + (f" and {len(slugs) - 5} more" if len(slugs) > 5 else "")
    return [
        f"{len(slugs)} tenant(s) without recovery objectives (rpo_minutes, rto_minutes): {shown}; "
        "set recovery_defaults or their recovery block (docs/disaster-recovery.md)"
    ]
