"""The DR restore and the DR drill, run with `sh` against a real PostgreSQL and moto's S3 and
CloudWatch, from real backups made by backup-dump.sh and verified by restore-check.sh.

The primary bucket's objects are copied to a second bucket as S3 replication would (moto does
not replicate): that is the DR-region replica the restore and the drill read.
"""

from __future__ import annotations

import datetime as dt
import json
import pwd
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest
from psycopg import sql

from odoo_platform.odoo import bootstrap, scripts
from odoo_platform.odoo.bootstrap import BootstrapInputs
from tests.odoo import test_backup_scripts as backup_scripts
from tests.odoo.test_backup_scripts import PASSWORD, Backups, MakeTenant, Tenant
from tests.servers import PostgresServer, S3Server, admin_env, script_env

pytestmark = pytest.mark.servers

# the backup tests' fixtures: the aws CLI, and tenants bootstrapped with an Odoo-like schema
aws_cli = backup_scripts.aws_cli
make_tenant = backup_scripts.make_tenant

PRIMARY = "odoo-backups-dr-primary"
REPLICA = "odoo-backups-dr-replica"
STACK = "prod-eu-west-1"


@dataclass(frozen=True)
class Site:
    """The primary's backup bucket, its DR-region replica and the scripts that use them."""

    backups: Backups
    s3: Any
    cloudwatch: Any

    def run(
        self, script: str, tenant: Tenant, slug: str, work: Path, *args: str, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        env = self.backups.env(tenant, slug, work, **{"BACKUP_BUCKET": PRIMARY, **extra})
        return subprocess.run(
            [*self.backups.argv(script), *args],
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=180,
            check=False,
        )

    def ok(
        self, script: str, tenant: Tenant, slug: str, work: Path, *args: str, **extra: str
    ) -> str:
        done = self.run(script, tenant, slug, work, *args, **extra)
        assert done.returncode == 0, f"{script}:\n{done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    def backup(self, tenant: Tenant, slug: str, work: Path, *, verify: bool) -> str:
        """A real backup of `tenant`; with `verify`, restore-check and restore-verified mark it
        as the restore-check CronJob does. Then everything is replicated. Its key prefix."""
        time.sleep(1.1)  # one backup per second: the prefix is stamped to the second
        prefix = self.backups.backup(tenant, slug, work / "b", BACKUP_BUCKET=PRIMARY)
        if verify:
            for script in ("restore-fetch.sh", "restore-check.sh", "restore-verified.sh"):
                self.ok(script, tenant, slug, work / "v")
        self.replicate()
        return prefix

    def replicate(self) -> None:
        # object by object, as S3 replication writes them (moto's copy_object keeps a multipart
        # checksum that no longer matches)
        for obj in self.s3.list_objects_v2(Bucket=PRIMARY).get("Contents", []):
            body = self.s3.get_object(Bucket=PRIMARY, Key=obj["Key"])["Body"].read()
            self.s3.put_object(Bucket=REPLICA, Key=obj["Key"], Body=body)


@pytest.fixture(scope="module")
def site(
    pg: PostgresServer,
    s3: S3Server,
    tool_path: str,
    aws_cli: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Site:
    script_dir = tmp_path_factory.mktemp("scripts")  # what the ConfigMap mount holds
    for name, text in scripts.scripts().items():
        (script_dir / name).write_text(text)
    client: dict[str, str] = {
        "endpoint_url": s3.endpoint_url,
        "region_name": s3.region,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    key_id = boto3.client("kms", **client).create_key()["KeyMetadata"]["KeyId"]
    s3_client = boto3.client("s3", **client)
    for bucket in (PRIMARY, REPLICA):
        s3_client.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": s3.region}
        )
    backups = Backups(pg, s3, key_id, script_dir, tool_path)
    return Site(backups, s3_client, boto3.client("cloudwatch", **client))


def empty_database(pg: PostgresServer, tool_path: str, name: str) -> None:
    """The disaster: the tenant database is gone; the DR site's bootstrap Job creates it again,
    empty, with the tenant role (the same SQL as TenantDatabase's Job)."""
    with psycopg.connect(pg.superuser_dsn(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    script = Path(tempfile.gettempdir()) / f"bootstrap-{name}.sql"
    script.write_text(bootstrap.bootstrap_sql())
    env = script_env(tool_path, **admin_env(pg), **{bootstrap.PASSWORD_ENV: PASSWORD})
    done = subprocess.run(
        bootstrap.render_psql_command(
            BootstrapInputs(role=name, db=name, conn_limit=6), str(script)
        ),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def rows(pg: PostgresServer, database: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(pg.superuser_dsn(database)) as conn:
        return conn.execute(query).fetchall()  # type: ignore[arg-type]


def odoo_uid() -> int:
    """A non-root uid that is not the tests' own: the restore must hand the files to it."""
    return pwd.getpwnam("postgres").pw_uid


@dataclass(frozen=True)
class Recovered:
    tenant: Tenant
    verified: str
    unverified: str


@pytest.fixture(scope="module")
def disaster(
    site: Site, make_tenant: MakeTenant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Recovered]:
    tenant = make_tenant("dr_acme", users=4, files=3)
    work = tmp_path_factory.mktemp("dr-backups")
    verified = site.backup(tenant, "dracme", work / "1", verify=True)
    unverified = site.backup(tenant, "dracme", work / "2", verify=False)
    yield Recovered(tenant, verified, unverified)


def restore_env(tenant: Tenant, filestore: Path) -> dict[str, str]:
    return {
        "BACKUP_BUCKET": REPLICA,
        "REQUIRE_VERIFIED": "1",
        "FILESTORE_DIR": str(filestore),
        "FILESTORE_UID": str(odoo_uid()),
    }


def test_dr_fetch_takes_the_newest_verified_backup_over_a_newer_unverified_one(
    site: Site, disaster: Recovered, tmp_path: Path
) -> None:
    assert disaster.unverified.split("/")[2] > disaster.verified.split("/")[2]
    env = restore_env(disaster.tenant, tmp_path / "fs")
    output = site.ok("restore-fetch.sh", disaster.tenant, "dracme", tmp_path, **env)
    source = (tmp_path / "restore" / "source").read_text().strip()
    assert source == f"s3://{REPLICA}/{disaster.verified}"
    assert f"skipping unverified backup s3://{REPLICA}/{disaster.unverified}" in output
    # without the requirement (restore-check on the primary), the newest complete one
    site.ok("restore-fetch.sh", disaster.tenant, "dracme", tmp_path, BACKUP_BUCKET=REPLICA)
    newest = (tmp_path / "restore" / "source").read_text().strip()
    assert newest == f"s3://{REPLICA}/{disaster.unverified}"


def test_dr_fetch_refuses_a_corrupted_replica(
    site: Site, disaster: Recovered, tmp_path: Path
) -> None:
    key = disaster.verified + "filestore.tar.gz"
    original = site.s3.get_object(Bucket=REPLICA, Key=key)["Body"].read()
    site.s3.put_object(Bucket=REPLICA, Key=key, Body=original[:-7] + b"garbage")
    try:
        env = restore_env(disaster.tenant, tmp_path / "fs")
        done = site.run("restore-fetch.sh", disaster.tenant, "dracme", tmp_path, **env)
    finally:
        site.s3.put_object(Bucket=REPLICA, Key=key, Body=original)
    assert done.returncode != 0
    assert f"checksum mismatch for s3://{REPLICA}/{key}" in done.stderr


def test_dr_fetch_refuses_a_marker_of_another_manifest(
    site: Site, disaster: Recovered, tmp_path: Path
) -> None:
    key = disaster.verified + scripts.VERIFIED_MARKER
    original = site.s3.get_object(Bucket=REPLICA, Key=key)["Body"].read()
    forged = json.loads(original)
    forged["manifest_sha256"] = "0" * 64
    site.s3.put_object(Bucket=REPLICA, Key=key, Body=json.dumps(forged).encode())
    try:
        env = restore_env(disaster.tenant, tmp_path / "fs")
        done = site.run("restore-fetch.sh", disaster.tenant, "dracme", tmp_path, **env)
    finally:
        site.s3.put_object(Bucket=REPLICA, Key=key, Body=original)
    assert done.returncode != 0
    assert "verified.json does not name this manifest.json" in done.stderr


def test_dr_restore_refuses_a_database_that_holds_data(
    site: Site, disaster: Recovered, tmp_path: Path
) -> None:
    """The tenant database still holds the primary's data (not restored by the Job): refused."""
    env = restore_env(disaster.tenant, tmp_path / "fs")
    site.ok("restore-fetch.sh", disaster.tenant, "dracme", tmp_path, **env)
    done = site.run("dr-restore.sh", disaster.tenant, "dracme", tmp_path, **env)
    assert done.returncode != 0
    assert "is not empty" in done.stderr and "refusing to overwrite it" in done.stderr
    assert not (tmp_path / "fs" / "filestore").exists()  # nothing touched


def test_dr_restore_recovers_database_and_filestore_and_is_idempotent(
    site: Site, disaster: Recovered, pg: PostgresServer, tool_path: str, tmp_path: Path
) -> None:
    tenant = disaster.tenant
    before = rows(pg, tenant.database, "SELECT login FROM res_users ORDER BY id")
    originals = {
        p.relative_to(tenant.filestore_dir): p.read_bytes()
        for p in tenant.filestore_dir.rglob("*")
        if p.is_file()
    }
    empty_database(pg, tool_path, tenant.database)
    filestore = tmp_path / "efs"
    env = restore_env(tenant, filestore)
    site.ok("restore-fetch.sh", tenant, "dracme", tmp_path, **env)
    output = site.ok("dr-restore.sh", tenant, "dracme", tmp_path, **env)
    origin = f"s3://{REPLICA}/{disaster.verified}"
    assert f"dr-restore: ok, {tenant.database} holds {origin}: 4 users" in output
    assert rows(pg, tenant.database, "SELECT login FROM res_users ORDER BY id") == before
    comment = rows(
        pg,
        "postgres",
        f"SELECT shobj_description(oid, 'pg_database') FROM pg_database"
        f" WHERE datname = '{tenant.database}'",
    )
    assert comment == [(f"odoo-platform dr-restore {origin}",)]
    restored = {p.relative_to(filestore): p for p in filestore.rglob("*") if p.is_file()}
    assert {k: p.read_bytes() for k, p in restored.items()} == originals
    assert {p.stat().st_uid for p in (filestore / "filestore" / tenant.database).rglob("*")} == {
        odoo_uid()
    }
    result = json.loads((tmp_path / "dr-restore.json").read_text())
    assert result["backup"] == origin and result["users"] == 4 and result["files"] == 3

    # A rerun (the Job retried, or re-applied) checks and keeps what it restored.
    with psycopg.connect(**pg.tcp_dsn(tenant.role, PASSWORD, tenant.database)) as conn:
        conn.execute("INSERT INTO res_users (login) VALUES ('after-failover@example.com')")
    again = site.ok("dr-restore.sh", tenant, "dracme", tmp_path, **env)
    assert "was already restored by this Job" in again
    logins = rows(pg, tenant.database, "SELECT login FROM res_users ORDER BY id")
    assert logins == [*before, ("after-failover@example.com",)]


def test_dr_restore_that_fails_leaves_the_database_empty(
    site: Site, disaster: Recovered, pg: PostgresServer, tool_path: str, tmp_path: Path
) -> None:
    """A dump that fails part-way (here: a type, not data, already holds a table's name) is
    rolled back, the mark with it: the database stays without tables and a rerun can start
    again."""
    tenant = disaster.tenant
    empty_database(pg, tool_path, tenant.database)
    env = restore_env(tenant, tmp_path / "efs")
    site.ok("restore-fetch.sh", tenant, "dracme", tmp_path, **env)
    with psycopg.connect(pg.superuser_dsn(tenant.database), autocommit=True) as conn:
        conn.execute("CREATE TYPE public.ir_module_module AS ENUM ('in-the-way')")
    done = site.run("dr-restore.sh", tenant, "dracme", tmp_path, **env)
    assert done.returncode != 0
    assert "rolled back" in done.stderr
    tables = rows(
        pg,
        tenant.database,
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
    )
    assert tables == [(0,)]
    marked = rows(
        pg,
        "postgres",
        f"SELECT shobj_description(oid, 'pg_database') FROM pg_database"
        f" WHERE datname = '{tenant.database}'",
    )
    assert marked == [(None,)]


def drill(
    site: Site, tenant: Tenant, slug: str, work: Path, pause: float = 0.0, **extra: str
) -> tuple[int, str]:
    """The drill pod's three steps, with the environment each container gets."""
    common = {"STACK": STACK, **extra}
    out = site.ok("dr-drill.sh", tenant, slug, work, "fetch", BACKUP_BUCKET=REPLICA, **common)
    time.sleep(pause)  # a slow restore
    out += site.ok("dr-drill.sh", tenant, slug, work, "restore", **common)
    report = site.run("dr-drill.sh", tenant, slug, work, "report", **common)
    return report.returncode, out + report.stdout + report.stderr


def drill_results(site: Site, slug: str) -> list[dict[str, Any]]:
    prefix = f"{scripts.DRILL_PREFIX}{slug}/"
    listed = site.s3.list_objects_v2(Bucket=PRIMARY, Prefix=prefix).get("Contents", [])
    return [
        json.loads(site.s3.get_object(Bucket=PRIMARY, Key=o["Key"])["Body"].read())
        for o in sorted(listed, key=lambda o: o["Key"])
    ]


def published(site: Site, slug: str, cloudwatch: Any = None) -> list[float]:
    now = dt.datetime.now(dt.UTC)
    stats = (cloudwatch or site.cloudwatch).get_metric_statistics(
        Namespace=scripts.DRILL_METRIC_NAMESPACE,
        MetricName=scripts.DRILL_METRIC,
        Dimensions=[{"Name": "Tenant", "Value": slug}, {"Name": "Stack", "Value": STACK}],
        StartTime=now - dt.timedelta(hours=1),
        EndTime=now + dt.timedelta(minutes=5),
        Period=60,
        Statistics=["Maximum"],
        Unit="Seconds",
    )
    return sorted(p["Maximum"] for p in stats["Datapoints"])


@pytest.fixture(scope="module")
def drilled(
    site: Site, make_tenant: MakeTenant, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Tenant, str]:
    tenant = make_tenant("drill_acme", users=2, files=2)
    work = tmp_path_factory.mktemp("drill-backups")
    verified = site.backup(tenant, "drillacme", work / "1", verify=True)
    site.backup(tenant, "drillacme", work / "2", verify=False)
    return tenant, verified


def test_drill_restores_measures_publishes_and_records(
    site: Site, drilled: tuple[Tenant, str], pg: PostgresServer, tmp_path: Path
) -> None:
    tenant, verified = drilled
    status, output = drill(site, tenant, "drillacme", tmp_path, RTO_TARGET_SECONDS="3600")
    assert status == 0, output
    [result] = drill_results(site, "drillacme")
    assert result["backup"] == f"s3://{REPLICA}/{verified}"  # the verified DR copy
    assert result["tenant"] == "drillacme" and result["stack"] == STACK
    assert result["ok"] is True and result["met"] is True and result["target_seconds"] == 3600
    started = dt.datetime.fromisoformat(result["started_at"])
    finished = dt.datetime.fromisoformat(result["finished_at"])
    assert result["seconds"] == (finished - started).total_seconds() >= 0
    assert published(site, "drillacme") == [float(result["seconds"])]
    # the scratch database is empty again; the tenant database untouched
    assert rows(
        pg, tenant.restore_database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    ) == [(0,)]
    assert rows(pg, tenant.database, "SELECT count(*) FROM res_users") == [(2,)]


def test_drill_slower_than_its_target_is_not_met(
    site: Site, drilled: tuple[Tenant, str], tmp_path: Path
) -> None:
    tenant, _ = drilled
    before = len(drill_results(site, "drillacme"))
    status, output = drill(site, tenant, "drillacme", tmp_path, pause=2.2, RTO_TARGET_SECONDS="1")
    assert status == 0, output  # measured and published: the alarm reports it
    result = drill_results(site, "drillacme")[-1]
    assert len(drill_results(site, "drillacme")) == before + 1
    assert result["seconds"] >= 2 and result["met"] is False
    assert "met: false" in output
    assert float(result["seconds"]) in published(site, "drillacme")


def test_failed_drill_is_recorded_and_fails_without_a_metric(
    site: Site,
    make_tenant: MakeTenant,
    tmp_path: Path,
) -> None:
    """No verified copy in the DR region: the result says so, the Job fails, nothing is
    published (the alarm treats the missing data as breaching)."""
    tenant = make_tenant("drill_none", users=1, files=0)
    status, _ = drill(site, tenant, "drillnone", tmp_path, RTO_TARGET_SECONDS="60")
    assert status != 0
    [result] = drill_results(site, "drillnone")
    assert result["ok"] is False and result["met"] is False
    assert "fetch: restore-fetch: FAILED: no verified backup" in result["error"]
    assert published(site, "drillnone") == []


# The platform account's role an own-account tenant's drill assumes to publish (moto keeps each
# account's metrics apart: an assumed role's keys act in the role's account).
METRIC_ROLE = "arn:aws:iam::111122223333:role/odoo-dr-drill-metric"


def as_role(s3: S3Server, role_arn: str, service: str) -> Any:
    client = {
        "endpoint_url": s3.endpoint_url,
        "region_name": s3.region,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    keys = boto3.client("sts", **client).assume_role(
        RoleArn=role_arn, RoleSessionName="test-reader"
    )["Credentials"]
    return boto3.client(
        service,
        **client
        | {
            "aws_access_key_id": keys["AccessKeyId"],
            "aws_secret_access_key": keys["SecretAccessKey"],
            "aws_session_token": keys["SessionToken"],
        },
    )


def test_own_account_drill_records_in_the_tenants_bucket_and_publishes_in_the_platforms(
    site: Site,
    s3: S3Server,
    make_tenant: MakeTenant,
    tmp_path: Path,
) -> None:
    """A tenant in its own AWS account: the record stays in its bucket (its account, the pod's
    own credentials), the metric goes to the platform account, where the alarm looks, through
    the role the drill assumes for that alone."""
    tenant = make_tenant("drill_own", users=1, files=1)
    site.backup(tenant, "drillown", tmp_path / "b", verify=True)
    status, output = drill(
        site,
        tenant,
        "drillown",
        tmp_path / "d",
        RTO_TARGET_SECONDS="3600",
        METRIC_ROLE_ARN=METRIC_ROLE,
    )
    assert status == 0, output
    [result] = drill_results(site, "drillown")  # the tenant account's bucket
    assert result["ok"] is True and result["met"] is True
    platform = as_role(s3, METRIC_ROLE, "cloudwatch")
    assert published(site, "drillown", platform) == [float(result["seconds"])]
    assert published(site, "drillown") == []  # nothing in the tenant's own account
    assert "Secret" not in output and "SessionToken" not in output


# -- pilot light: the database comes from an RDS point-in-time restore ----------------------


@pytest.fixture(scope="module")
def restored_server(
    site: Site,
    make_tenant: MakeTenant,
    pg: PostgresServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Recovered]:
    """A tenant backed up (verified, replicated), then written to: an invoice attached after the
    backup. The database as it is stands for the server RDS restored to its latest restorable
    time, newer than the filestore archive."""
    tenant = make_tenant("dr_pitr", users=2, files=2)
    work = tmp_path_factory.mktemp("pitr-backups")
    verified = site.backup(tenant, "drpitr", work / "1", verify=True)
    with psycopg.connect(**pg.tcp_dsn(tenant.role, PASSWORD, tenant.database)) as conn:
        conn.execute("INSERT INTO res_users (login) VALUES ('after-backup@example.com')")
        conn.execute(
            "INSERT INTO ir_attachment (store_fname, file_size) VALUES ('ab/ab01-newer', 9)"
        )
    yield Recovered(tenant, verified, "")


def pitr_env(tenant: Tenant, filestore: Path) -> dict[str, str]:
    return {**restore_env(tenant, filestore), "DATABASE_FROM": "point-in-time"}


def test_point_in_time_restores_only_the_filestore_and_keeps_the_newer_database(
    site: Site, restored_server: Recovered, pg: PostgresServer, tmp_path: Path
) -> None:
    tenant = restored_server.tenant
    before = rows(pg, tenant.database, "SELECT login FROM res_users ORDER BY id")
    originals = {
        p.relative_to(tenant.filestore_dir): p.read_bytes()
        for p in tenant.filestore_dir.rglob("*")
        if p.is_file()
    }
    filestore = tmp_path / "efs"
    env = pitr_env(tenant, filestore)
    site.ok("restore-fetch.sh", tenant, "drpitr", tmp_path, **env)
    done = site.run("dr-restore.sh", tenant, "drpitr", tmp_path, **env)
    assert done.returncode == 0, done.stderr
    origin = f"s3://{REPLICA}/{restored_server.verified}"
    assert f"dr-restore: restoring the filestore of {origin}" in done.stdout
    assert "restoring s3://" not in done.stdout.replace("restoring the filestore", "")
    assert "2 of 3 referenced files on the filestore" in done.stdout
    # the attachment written after the archive is reported, by name, not fatal
    assert "WARNING: 1 of the 3 files" in done.stderr and "ab/ab01-newer" in done.stderr
    # the data RDS restored is untouched: the user added after the backup is still there
    assert rows(pg, tenant.database, "SELECT login FROM res_users ORDER BY id") == before
    assert ("after-backup@example.com",) in before
    restored = {
        p.relative_to(filestore): p.read_bytes() for p in filestore.rglob("*") if p.is_file()
    }
    assert restored == originals
    assert {p.stat().st_uid for p in (filestore / "filestore" / tenant.database).rglob("*")} == {
        odoo_uid()
    }
    result = json.loads((tmp_path / "dr-restore.json").read_text())
    assert result["database_from"] == "point-in-time" and result["backup"] == origin
    assert (result["users"], result["files"], result["missing"]) == (3, 3, 1)
    comment = rows(
        pg,
        "postgres",
        f"SELECT shobj_description(oid, 'pg_database') FROM pg_database"
        f" WHERE datname = '{tenant.database}'",
    )
    assert comment == [(f"odoo-platform dr-restore point-in-time {origin}",)]

    # A rerun finds the mark: it checks, and extracts nothing again.
    extra = filestore / "filestore" / tenant.database / "written-by-odoo-since"
    extra.write_text("kept")
    again = site.ok("dr-restore.sh", tenant, "drpitr", tmp_path, **env)
    assert "was already restored by this Job: checking it" in again
    assert extra.read_text() == "kept"


def test_point_in_time_refuses_an_empty_database(
    site: Site, make_tenant: MakeTenant, pg: PostgresServer, tool_path: str, tmp_path: Path
) -> None:
    """The server came back without the tenant's data (an empty database, as a new server's
    bootstrap makes it): nothing is restored and the init Job fails, before Odoo would install
    an empty database over it."""
    tenant = make_tenant("dr_pitr_empty", users=1, files=1)
    prefix = site.backup(tenant, "drpitrempty", tmp_path / "b", verify=True)
    empty_database(pg, tool_path, tenant.database)
    env = pitr_env(tenant, tmp_path / "efs")
    site.ok("restore-fetch.sh", tenant, "drpitrempty", tmp_path, **env)
    done = site.run("dr-restore.sh", tenant, "drpitrempty", tmp_path, **env)
    assert done.returncode != 0
    assert f"database {tenant.database} on" in done.stderr
    assert "is empty: the point-in-time restore of the server did not bring" in done.stderr
    assert not (tmp_path / "efs" / "filestore").exists()
    assert prefix  # the backup was there: the refusal is about the database
    # a missing database is refused too, naming it
    with psycopg.connect(pg.superuser_dsn(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(tenant.database))
        )
    gone = site.run("dr-restore.sh", tenant, "drpitrempty", tmp_path, **env)
    assert gone.returncode != 0
    assert f"cannot read database '{tenant.database}'" in gone.stderr


def test_dr_restore_refuses_an_unknown_database_source(
    site: Site, disaster: Recovered, tmp_path: Path
) -> None:
    env = {**restore_env(disaster.tenant, tmp_path / "fs"), "DATABASE_FROM": "snapshot"}
    done = site.run("dr-restore.sh", disaster.tenant, "dracme", tmp_path, **env)
    assert done.returncode != 0
    assert "DATABASE_FROM='snapshot': backup (the dump) or point-in-time" in done.stderr
