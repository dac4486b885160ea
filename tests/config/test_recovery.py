"""Recovery objectives (issue 17): the derivation per mode, computed by hand from the figures in
odoo_platform/data/recovery_figures.json, and the refusal of targets a configuration misses."""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from odoo_platform.config import ConfigError, parse_platform
from odoo_platform.config import recovery as rec
from odoo_platform.config.loader import load_stack_file

STACKS = sorted((Path(__file__).resolve().parents[2] / "stacks").glob("Pulumi.*.yaml"))
DATA = json.loads(
    resources.files("odoo_platform").joinpath("data/recovery_figures.json").read_text()
)


def messages(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ConfigError) as error:
        parse_platform(data)
    return {issue.path: issue.message for issue in error.value.issues}


# --- the figures ------------------------------------------------------------------------------


def test_every_figure_names_its_source_basis_and_the_retrieval_date() -> None:
    assert DATA["retrieved"] == "2026-12-02"
    assert "loss of the stack's primary region" in DATA["scope"]
    for name, figure in {**DATA["figures"], **DATA["tables"]}.items():
        assert figure["source"] and figure["basis"] and figure["note"], name
    for table in DATA["tables"].values():
        limits = [row["up_to_gib"] for row in table["rows"]]
        assert limits == sorted(limits) and limits[-1] == 65536  # the largest RDS volume


def test_size_tables_pick_the_first_row_that_holds_the_size() -> None:
    assert rec.rds_pitr_restore_minutes(100) == 30
    assert rec.rds_pitr_restore_minutes(101) == 45
    assert rec.rds_pitr_restore_minutes(65536) == 180
    assert rec.rds_create_minutes(20) == 15
    assert rec.rds_create_minutes(1001) == 30


# --- the derivation, by hand ------------------------------------------------------------------


def test_backup_restore_adds_the_dump_interval_the_dump_and_s3_replication() -> None:
    result = rec.derive(rec.Setup("backup-restore", 4), tenant_gib=10, server=200)
    # 4 h of dumps apart + 10 GiB at 30 GiB/h (20 min) + S3 replication (15 min)
    assert result.rpo_minutes == 240 + 20 + 15
    # network 5 + max(EKS 15 + nodes 5 + services 10, new 10 GiB server 15) + restore of
    # 10 GiB at 20 GiB/h (30 min) + Odoo start 10 + DNS 5
    assert result.rto_minutes == 5 + 30 + 30 + 10 + 5
    assert dict(result.rpo_terms) == {"dump interval": 240, "dump": 20, "S3 replication": 15}
    # the filestore is archived by the same job, right after the dump (backup-dump.sh)
    assert result.filestore_rpo_terms == result.rpo_terms


def test_backup_restore_of_a_large_database_is_bound_by_the_restore() -> None:
    result = rec.derive(rec.Setup("backup-restore", 24), tenant_gib=500, server=500)
    assert result.rpo_minutes == 1440 + math.ceil(500 * 60 / 30) + 15
    assert result.rto_minutes == 5 + 30 + 1500 + 10 + 5


def test_pilot_light_restores_the_whole_server_to_a_point_in_time() -> None:
    small = rec.derive(rec.Setup("pilot-light", 24), tenant_gib=5, server=100)
    large = rec.derive(rec.Setup("pilot-light", 24), tenant_gib=5, server=2000)
    assert small.database_rpo_minutes == 30  # replicated backups lag 5-30 min
    # but the filestore comes back from its last archive: 24 h + the 5 GiB dump (10 min) + S3
    assert small.filestore_rpo_minutes == 1440 + 10 + 15
    assert small.rpo_minutes == large.rpo_minutes == 1440 + 10 + 15  # the worse of the two
    assert small.rto_minutes == 5 + max(30, 30) + 10 + 5
    assert large.rto_minutes == 5 + 90 + 10 + 5  # the 2000 GiB restore outlasts the cluster


def test_warm_standby_promotes_scales_up_and_fails_dns_over() -> None:
    result = rec.derive(rec.Setup("warm-standby", 24), tenant_gib=500, server=2000)
    assert result.database_rpo_minutes == 5
    # the filestores are EFS replicas: AWS states an RPO of 15 minutes for most file systems;
    # the tenant's RPO is the worse of its database and its filestore, whatever the dumps do
    assert result.filestore_rpo_minutes == 15
    assert result.rpo_minutes == 15
    # health checks 2 + promotion 10 + node start 3 + Odoo start 10 + DNS 5; sizes do not count
    assert result.rto_minutes == 2 + 10 + 3 + 10 + 5


def test_without_disaster_recovery_the_loss_of_the_region_is_unbounded() -> None:
    result = rec.derive(rec.Setup(None, 1), tenant_gib=5, server=20)
    assert (result.rpo_minutes, result.rto_minutes) == (None, None)


def test_targets_and_sizes_resolve_tenant_then_tier_then_stack(base: dict[str, Any]) -> None:
    base["recovery_defaults"] = {
        "rpo_minutes": 2000,
        "rto_minutes": 600,
        "dedicated": {"rto_minutes": 500, "expected_database_gib": 40},
    }
    base["tenants"][0]["recovery"] = {"rpo_minutes": 1900}
    config = parse_platform(base)
    shared, dedicated = rec.tenant_recoveries(config)
    assert (shared.rpo_target.value, shared.rto_target.value) == (1900, 600)
    assert shared.rpo_target.source == "platform.tenants[0].recovery.rpo_minutes"
    assert dedicated.rto_target.source == "platform.recovery_defaults.dedicated.rto_minutes"
    assert rec.database_gib(config, 1) == 40
    assert rec.database_gib(config, 0) == 100  # unset: the shared server's allocated storage


def test_a_standby_dr_site_is_judged_by_the_primary_mode(base: dict[str, Any]) -> None:
    assert rec.recovery_mode(parse_platform(base)) == "backup-restore"  # its own
    # a DR site declares no disaster_recovery of its own (dr_site.py refuses it)
    del base["disaster_recovery"]
    base["dr_site"] = {
        "primary_stack": "acme/odoo-platform/prod-eu-central-1",
        "primary_region": "eu-central-1",
        "mode": "warm-standby",
    }
    assert rec.recovery_mode(parse_platform(base)) == "warm-standby"
    # failed over (role primary) it no longer stands by: nothing copies it out of its region
    base["dr_site"]["role"] = "primary"
    assert rec.recovery_mode(parse_platform(base)) is None


def test_a_failed_over_dr_site_refuses_the_targets_it_cannot_meet(base: dict[str, Any]) -> None:
    """Promoted (`role: primary`), the site is the primary and replicates nowhere: its targets
    are refused like a primary's, naming what would meet them (failing back)."""
    del base["disaster_recovery"]
    base["dr_site"] = {
        "primary_stack": "acme/odoo-platform/prod-eu-central-1",
        "primary_region": "eu-central-1",
        "mode": "warm-standby",
        "role": "primary",
    }
    base["tenants"][0]["recovery"] = {"rpo_minutes": 60}
    found = messages(base)
    message = found["platform.tenants[0].recovery.rpo_minutes"]
    assert "RPO target 60 min" in message
    assert "this failed-over DR site copies nothing out of" in message
    assert "fail back to acme/odoo-platform/prod-eu-central-1" in message
    assert "dr-failover.md" in message
    # standing by, the same target is the primary's warm standby's to meet (RPO 5)
    base["dr_site"]["role"] = "standby"
    assert rec.tenant_recoveries(parse_platform(base))[0].met is True
    # failed over without targets (the reviewed failover change removes them): accepted
    base["dr_site"]["role"] = "primary"
    del base["tenants"][0]["recovery"]
    assert rec.recovery_mode(parse_platform(base)) is None


@pytest.mark.parametrize("path", STACKS, ids=lambda p: p.stem)
def test_every_sample_stack_meets_its_tenants_objectives(path: Path) -> None:
    config = load_stack_file(path)
    recoveries = rec.tenant_recoveries(config)
    if rec.recovery_mode(config) is None:  # dev: nothing leaves the region, so no target
        assert all(r.met is None for r in recoveries)
        return
    assert recoveries and all(r.met for r in recoveries), [r.slug for r in recoveries]


# --- refusal ----------------------------------------------------------------------------------


def test_backup_restore_suggests_the_dump_interval_that_meets_the_rpo(
    base: dict[str, Any],
) -> None:
    base["tenants"][0]["recovery"] = {"rpo_minutes": 400, "expected_database_gib": 10}
    found = messages(base)
    message = found["platform.tenants[0].recovery.rpo_minutes"]
    # 24 h apart: 1440 + 20 + 15; every 6 h: 360 + 20 + 15 = 395 <= 400
    assert "RPO target 400 min, but backup-restore achieves 1475 min" in message
    archives = "dump interval 1440 + dump 20 + S3 replication 15"
    assert f"(database 1475: {archives}; filestore 1475: {archives})" in message
    assert message.endswith("to meet it: lower backup.rpo_hours to 6 (RPO ~395 min)")


def test_backup_restore_suggests_warm_standby_when_no_archive_interval_is_enough(
    base: dict[str, Any],
) -> None:
    """Pilot light would bring the database within 30 min, but not the filestore (its last
    archive): only warm standby's EFS replicas meet an hour."""
    base["tenants"][0]["recovery"] = {"rpo_minutes": 60}
    message = messages(base)["platform.tenants[0].recovery.rpo_minutes"]
    assert message.endswith("to meet it: disaster_recovery mode warm-standby (RPO ~15 min)")


def test_pilot_light_suggests_more_frequent_dumps_for_its_filestore(
    base: dict[str, Any],
) -> None:
    base["disaster_recovery"]["mode"] = "pilot-light"
    base["tenants"][0]["recovery"] = {"rpo_minutes": 180, "expected_database_gib": 10}
    message = messages(base)["platform.tenants[0].recovery.rpo_minutes"]
    assert "but pilot-light achieves" in message
    assert "filestore 1475: dump interval 1440" in message
    # every 2 h: 120 + dump + 15 <= 180
    assert message.endswith("to meet it: lower backup.rpo_hours to 2 (RPO ~155 min)")


def test_pilot_light_suggests_warm_standby_for_a_tight_rto(base: dict[str, Any]) -> None:
    base["disaster_recovery"]["mode"] = "pilot-light"
    base["recovery_defaults"] = {"dedicated": {"rto_minutes": 40}}
    found = messages(base)
    assert list(found) == ["platform.tenants[1].recovery.rto_minutes"]
    message = found["platform.tenants[1].recovery.rto_minutes"]
    assert "tenant 'beta-audit': RTO target 40 min (from " in message
    assert "platform.recovery_defaults.dedicated.rto_minutes), but pilot-light is estimated " in (
        message
    )
    assert "at 50 min" in message
    assert message.endswith("to meet it: disaster_recovery mode warm-standby (RTO ~30 min)")


def test_warm_standby_refuses_what_no_mode_achieves(base: dict[str, Any]) -> None:
    base["disaster_recovery"]["mode"] = "warm-standby"
    base["tenants"][1]["recovery"] = {"rpo_minutes": 2, "rto_minutes": 20}
    found = messages(base)
    assert found["platform.tenants[1].recovery.rpo_minutes"].endswith(
        "no mode meets it (the best: warm-standby, ~15 min): raise the target"
    )
    assert found["platform.tenants[1].recovery.rto_minutes"].endswith(
        "no mode meets it (the best: warm-standby, ~30 min): raise the target"
    )


def test_a_target_without_disaster_recovery_needs_it(base: dict[str, Any]) -> None:
    base["environment"] = "staging"
    del base["disaster_recovery"]
    base["tenants"][0]["recovery"] = {"rpo_minutes": 1500, "expected_database_gib": 10}
    message = messages(base)["platform.tenants[0].recovery.rpo_minutes"]
    assert "needs disaster_recovery" in message
    # the cheapest: backup-restore, dumps every 24 h: 1440 + 20 + 15 = 1475 <= 1500
    assert message.endswith(
        "to meet it: disaster_recovery mode backup-restore with backup.rpo_hours 24 (RPO ~1475 min)"
    )


def test_an_offboarded_tenant_has_no_objectives(base: dict[str, Any]) -> None:
    base["tenants"][0].update(
        state="offboarded",
        offboarding={"requested_on": "2026-11-01"},
        recovery={"rpo_minutes": 1},
    )
    config = parse_platform(base)
    assert [r.slug for r in rec.tenant_recoveries(config)] == ["beta-audit"]


def test_objectives_out_of_range_are_refused_by_the_schema(base: dict[str, Any]) -> None:
    base["tenants"][0]["recovery"] = {"rpo_minutes": 0}
    base["recovery_defaults"] = {"shared": {"rto_minute": 10}}
    found = messages(base)
    assert "platform.tenants[0].recovery.rpo_minutes" in found
    assert any(path.startswith("platform.recovery_defaults.shared") for path in found)


def test_prod_tenants_without_targets_are_warned_about(base: dict[str, Any]) -> None:
    (warning,) = rec.missing_targets(parse_platform(base))
    assert warning.startswith("2 tenant(s) without recovery objectives")
    assert "alpha-law, beta-audit; set recovery_defaults" in warning
    base["tenants"][1]["recovery"] = {"rpo_minutes": 2000, "rto_minutes": 600}
    assert "1 tenant(s) without recovery objectives" in rec.missing_targets(parse_platform(base))[0]
    base["recovery_defaults"] = {"rpo_minutes": 2000, "rto_minutes": 600}
    assert rec.missing_targets(parse_platform(base)) == []


def test_a_pilot_light_target_the_filestore_misses_names_it_and_what_meets_it(
    base: dict[str, Any],
) -> None:
    """The database meets 60 min (replicated backups, 30) but the attachments do not: the
    refusal says so and points at what would meet it (warm standby's EFS replication)."""
    base["disaster_recovery"]["mode"] = "pilot-light"
    base["backup"] = {**base.get("backup", {}), "rpo_hours": 4}
    base["tenants"][0]["recovery"] = {"rpo_minutes": 60, "expected_database_gib": 10}
    message = messages(base)["platform.tenants[0].recovery.rpo_minutes"]
    assert "pilot-light achieves 275 min" in message
    assert "database 30: replicated automated backups' lag 30" in message
    assert "filestore 275: dump interval 240 + dump 20 + S3 replication 15" in message
    assert "to meet it: disaster_recovery mode warm-standby (RPO ~15 min)" in message


def test_pilot_light_suggests_more_frequent_archives_when_they_meet_the_target(
    base: dict[str, Any],
) -> None:
    base["disaster_recovery"]["mode"] = "pilot-light"
    base["backup"] = {**base.get("backup", {}), "rpo_hours": 4}
    base["tenants"][0]["recovery"] = {"rpo_minutes": 160, "expected_database_gib": 10}
    message = messages(base)["platform.tenants[0].recovery.rpo_minutes"]
    assert "to meet it: lower backup.rpo_hours to 2 (RPO ~155 min)" in message
