"""Pilot light (issue 17): the DR site restores every database server to a point in time.

The sample pair: `prod-eu-central-1` (disaster_recovery.mode pilot-light, DR region eu-west-1)
and its DR site `dr-eu-west-1`. The site reads the primary through a StackReference that the
mocks answer with the primary's outputs as planned from its own stack file.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pulumi import RunError

from odoo_platform.config import PlatformConfig, load_stack_file, parse_platform
from odoo_platform.platform.regional import build_platform
from odoo_platform.synthesis.mocks import PlatformMocks
from odoo_platform.testing import ProgramResult, RecordedResource, manifest, run_program
from tests.golden_urns import GOLDEN_DAY, ROOT, sample_result
from tests.platform.composition import RDS_REPLACING

PRIMARY_STACK = "northbridge-partners/odoo-platform/prod-eu-central-1"
SITE_FILE = ROOT / "stacks" / "Pulumi.dr-eu-west-1.yaml"
INSTANCE = "aws:rds/instance:Instance"
SERVERS = {
    "multi-tenant": "odoo-shared-postgres-db",
    "dedicated:vogel-recht": "odoo-dedicated-vogel-recht-postgres-db",
    "dedicated:meridian-audit-de": "odoo-dedicated-meridian-audit-de-postgres-db",
}


@pytest.fixture(scope="module")
def primary() -> ProgramResult:
    return sample_result("prod-eu-central-1")


@pytest.fixture(scope="module")
def site() -> ProgramResult:
    return sample_result("dr-eu-west-1")


def instances(result: ProgramResult) -> dict[str, RecordedResource]:
    return {r.name: r for r in result.resources if r.type == INSTANCE}


def site_config(**changes: Any) -> PlatformConfig:
    data = load_stack_file(SITE_FILE).model_dump(mode="json", exclude_none=True)
    data = copy.deepcopy(data)
    data["dr_site"].update(changes)
    return parse_platform(data)


def run_site(config: PlatformConfig, outputs: dict[str, Any]) -> ProgramResult:
    return run_program(
        lambda: build_platform(config, GOLDEN_DAY),
        config={"aws:region": config.region},
        stack="dr-eu-west-1",
        preview=True,
        mocks=PlatformMocks(region=config.region, stack_outputs={PRIMARY_STACK: outputs}),
    )


def test_primary_exports_each_servers_replicated_backups_and_admin_secret_replica(
    primary: ProgramResult,
):
    servers = primary.outputs["standby_sources"]["servers"]
    assert set(servers) == set(SERVERS)
    backups = {r.name: r for r in primary.resources if "AutomatedBackupsReplication" in r.type}
    for key, server in servers.items():
        assert server["automated_backups_arn"] in {r.id for r in backups.values()}, key
        assert ":eu-west-1:" in server["admin_secret_arn"]  # the DR-region replica
    # pilot light replicates no tenant password: the DR site's bootstrap sets its own
    assert primary.outputs["standby_sources"]["tenants"] == {}
    # the admin secrets get their DR-region replica (restored servers keep that password)
    admins = [r for r in primary.resources if r.type == "aws:secretsmanager/secret:Secret"]
    replicated = [r for r in admins if r.name.endswith("-admin") and r.inputs.get("replicas")]
    assert len(replicated) == len(SERVERS)


def test_every_server_is_restored_to_the_latest_point_in_time_with_a_dr_region_key(
    primary: ProgramResult, site: ProgramResult
):
    servers = primary.outputs["standby_sources"]["servers"]
    found = instances(site)
    keys = {r.outputs["arn"] for r in site.resources if r.type == "aws:kms/key:Key"}
    for key, name in SERVERS.items():
        db = found[name]
        restore = db.inputs["restoreToPointInTime"]
        assert restore == {
            "sourceDbInstanceAutomatedBackupsArn": servers[key]["automated_backups_arn"],
            "useLatestRestorableTime": True,
        }
        # RDS restores the primary's master user and password: neither is set
        assert "username" not in db.inputs and "password" not in db.inputs
        assert "replicateSourceDb" not in db.inputs
        assert db.inputs["storageEncrypted"] is True and db.inputs["kmsKeyId"] in keys
        assert db.ignore_changes == ("restoreToPointInTime",)
        assert db.protect


def test_restored_servers_have_no_admin_password_rotation_or_copies_of_their_own(
    site: ProgramResult,
):
    """The admin Jobs use the primary's password, read from its admin secret's replica."""
    assert not [r for r in site.resources if r.name.endswith("-postgres-admin-password")]
    assert not [r for r in site.resources if "rotation" in r.type.lower()]
    assert not [r for r in site.resources if "AutomatedBackupsReplication" in r.type]


def test_changing_the_restore_source_later_keeps_urns_and_replacing_inputs(
    primary: ProgramResult, site: ProgramResult
):
    """A redeployed primary (a new replicated backups ARN) keeps every restored server: the
    same URNs and replacement-forcing inputs (restore_to_point_in_time itself is
    ignored after creation)."""
    outputs = copy.deepcopy(primary.outputs)
    for server in outputs["standby_sources"]["servers"].values():
        server["automated_backups_arn"] += "-redeployed"
    changed = run_site(site_config(), outputs)
    before, after = instances(site), instances(changed)
    assert set(before) == set(after)
    for name in SERVERS.values():
        db = before[name]
        assert after[name].urn == db.urn
        assert {k: after[name].inputs.get(k) for k in RDS_REPLACING} == {
            k: db.inputs.get(k) for k in RDS_REPLACING
        }, name
        assert "restoreToPointInTime" in after[name].ignore_changes


def test_restore_job_restores_only_the_filestore_after_checking_the_database(
    site: ProgramResult,
):
    jobs = [
        r
        for r in site.resources
        if r.type == "kubernetes:batch/v1:Job" and "init" in r.name and "nb-tax-de" in r.name
    ]
    assert jobs, "the tenant's init Job"
    spec = manifest(jobs[0])["spec"]["template"]["spec"]
    restore = next(c for c in spec["initContainers"] if c["name"] == "dr-restore")
    env = {e["name"]: e.get("value") for e in restore["env"]}
    assert env["DATABASE_FROM"] == "point-in-time"


def test_primary_without_the_backups_arn_stops_the_update_naming_it(primary: ProgramResult):
    outputs = json.loads(json.dumps(primary.outputs))
    del outputs["standby_sources"]["servers"]["multi-tenant"]["automated_backups_arn"]
    with pytest.raises(RunError, match="exports no replicated automated backups of server"):
        run_site(site_config(), outputs)
