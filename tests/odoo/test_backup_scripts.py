"""The backup and restore-check scripts, run with `sh` against a real PostgreSQL and moto's S3.

The tenant role and its databases come from the bootstrap SQL; the scripts get only the contract's
environment variables and the tenant's own credentials (no administrator).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest
from psycopg import sql

from odoo_platform.odoo import bootstrap, scripts
from odoo_platform.odoo.bootstrap import BootstrapInputs
from tests.components.test_odoo_tenant import _job, _tenant_args, component, run_args
from tests.servers import (
    PostgresServer,
    RunAs,
    S3Server,
    admin_env,
    missing,
    require_binary,
    script_env,
)

pytestmark = pytest.mark.servers

Manifest = dict[str, Any]

BUCKET = "odoo-backups-test"
PASSWORD = "tenant-pw-'\"\\$x"
STAMP_PREFIX = re.compile(r"^(daily|weekly|monthly)/([a-z0-9-]+)/(\d{8}T\d{6}Z)/$")


@dataclass(frozen=True)
class Tenant:
    """A bootstrapped tenant with an Odoo-like database and a filestore."""

    role: str
    database: str
    filestore_dir: Path

    @property
    def restore_database(self) -> str:
        return scripts.restore_database_name(self.database)


@dataclass(frozen=True)
class Backups:
    """Runs the shipped scripts for one tenant, as the CronJobs would."""

    pg: PostgresServer
    s3: S3Server
    kms_key_id: str
    script_dir: Path
    tool_path: str

    def env(self, tenant: Tenant, slug: str, work: Path, **extra: str) -> dict[str, str]:
        values = {
            **self.pg.libpq_env(tenant.role, PASSWORD, tenant.database),
            **self.s3.env(),
            "AWS_EC2_METADATA_DISABLED": "true",
            "RESTORE_DATABASE": tenant.restore_database,
            "FILESTORE_DIR": str(tenant.filestore_dir),
            "WORK_DIR": str(work),
            "BACKUP_BUCKET": BUCKET,
            "BACKUP_KMS_KEY_ID": self.kms_key_id,
            "TENANT": slug,
            "RPO_HOURS": "24",
        }
        return script_env(self.tool_path, **{**values, **extra})

    def argv(self, script: str) -> list[str]:
        return ["sh", str(self.script_dir / script)]

    def run(
        self, script: str, tenant: Tenant, slug: str, work: Path, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(script),
            env=self.env(tenant, slug, work, **extra),
            capture_output=True,
            text=True,
            errors="replace",  # pg_restore echoes corrupted bytes
            timeout=180,
            check=False,
        )

    def ok(self, script: str, tenant: Tenant, slug: str, work: Path, **extra: str) -> str:
        result = self.run(script, tenant, slug, work, **extra)
        assert result.returncode == 0, f"{script}:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def run_backup(self, tenant: Tenant, slug: str, work: Path, **extra: str) -> Step:
        """As the backup pod runs them: the upload sidecar first, then the dump beside it; the pod
        ends (and the sidecar with it) when the dump exits."""
        env = self.env(tenant, slug, work, **extra)
        with subprocess.Popen(
            self.argv("backup-upload.sh"), env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        ) as upload:  # fmt: skip
            dump = subprocess.run(
                self.argv("backup-dump.sh"), env=env, capture_output=True, text=True,
                timeout=300, check=False,
            )  # fmt: skip
            try:
                out, err = upload.communicate(timeout=5 if dump.returncode else 60)
            except subprocess.TimeoutExpired:
                upload.kill()
                out, err = upload.communicate()
        return Step(dump.returncode, dump.stdout + dump.stderr, upload.returncode, out + err)

    def backup(self, tenant: Tenant, slug: str, work: Path, **extra: str) -> str:
        """Dump and upload; the key prefix of the new backup."""
        step = self.run_backup(tenant, slug, work, **extra)
        assert step.dump_status == 0 and step.upload_status == 0, step
        return (work / "backup" / "plan").read_text().splitlines()[0]

    def fetch_and_check(
        self, tenant: Tenant, slug: str, work: Path, **extra: str
    ) -> tuple[int, str]:
        """Exit status and output of the first failing step, or of restore-check."""
        fetch = self.run("restore-fetch.sh", tenant, slug, work, **extra)
        if fetch.returncode:
            return fetch.returncode, fetch.stderr
        check = self.run("restore-check.sh", tenant, slug, work, **extra)
        return check.returncode, fetch.stderr + check.stdout + check.stderr


@dataclass(frozen=True)
class Step:
    dump_status: int
    dump_output: str
    upload_status: int | None
    upload_output: str


@pytest.fixture(scope="module")
def aws_cli(tool_path: str) -> str:
    return require_binary("aws", "pip install awscli (or AWS CLI v2)", path=tool_path)


@pytest.fixture(scope="module")
def backups(
    pg: PostgresServer,
    s3: S3Server,
    tool_path: str,
    aws_cli: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Backups:
    script_dir = tmp_path_factory.mktemp("scripts")  # what the ConfigMap mount holds
    for name, text in scripts.scripts().items():
        (script_dir / name).write_text(text)
    client = {"endpoint_url": s3.endpoint_url, "region_name": s3.region}
    creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    key_id = boto3.client("kms", **client, **creds).create_key()["KeyMetadata"]["KeyId"]
    s3_client = boto3.client("s3", **client, **creds)
    s3_client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": s3.region}
    )
    return Backups(pg, s3, key_id, script_dir, tool_path)


@pytest.fixture(scope="module")
def s3_client(s3: S3Server) -> object:
    return boto3.client(
        "s3",
        endpoint_url=s3.endpoint_url,
        region_name=s3.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


MakeTenant = Callable[..., Tenant]


@pytest.fixture(scope="module")
def make_tenant(
    pg: PostgresServer, tool_path: str, tmp_path_factory: pytest.TempPathFactory
) -> MakeTenant:
    sql_file = tmp_path_factory.mktemp("sql") / "tenant_bootstrap.sql"
    sql_file.write_text(bootstrap.bootstrap_sql())

    def make(name: str, users: int = 3, base_state: str = "installed", files: int = 2) -> Tenant:
        inputs = BootstrapInputs(role=name, db=name, conn_limit=6)
        env = script_env(tool_path, **admin_env(pg), **{bootstrap.PASSWORD_ENV: PASSWORD})
        done = subprocess.run(
            bootstrap.render_psql_command(inputs, str(sql_file)),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        with psycopg.connect(**pg.tcp_dsn(name, PASSWORD, name), autocommit=True) as conn:
            odoo_like_schema(conn, users, base_state)
            stored = attachments(files)
            for fname, content in stored.items():
                conn.execute(
                    "INSERT INTO ir_attachment (store_fname, file_size) VALUES (%s, %s)",
                    (fname, len(content)),
                )
        filestore = tmp_path_factory.mktemp(f"data-{name}")
        for fname, content in stored.items():
            target = filestore / "filestore" / name / fname
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        return Tenant(name, name, filestore)

    return make


def attachments(count: int) -> dict[str, bytes]:
    """`store_fname -> content` in Odoo's layout (`<sha1[:2]>/<sha1>`)."""
    stored = {}
    for n in range(count):
        content = f"%PDF-1.4 invoice {n}".encode()
        sha = hashlib.sha1(content).hexdigest()
        stored[f"{sha[:2]}/{sha}"] = content
    return stored


def odoo_like_schema(conn: psycopg.Connection[tuple[object, ...]], users: int, base: str) -> None:
    conn.execute(
        "CREATE TABLE ir_attachment (id serial PRIMARY KEY, name varchar, store_fname varchar,"
        " file_size integer)"
    )
    conn.execute(
        "CREATE TABLE res_users (id serial PRIMARY KEY, login varchar NOT NULL UNIQUE,"
        " active boolean DEFAULT true)"
    )
    conn.execute("CREATE INDEX res_users_login_trgm ON res_users USING gin (login gin_trgm_ops)")
    conn.execute(
        "CREATE TABLE ir_module_module (id serial PRIMARY KEY, name varchar NOT NULL,"
        " state varchar NOT NULL)"
    )
    conn.execute(
        "INSERT INTO ir_module_module (name, state) VALUES ('base', %s), ('web', 'installed')",
        (base,),
    )
    for n in range(users):
        conn.execute("INSERT INTO res_users (login) VALUES (%s)", (f"user{n}@example.com",))


@pytest.fixture(scope="module")
def tenant(make_tenant: MakeTenant) -> Tenant:
    return make_tenant("bk_tenant")


def keys(s3_client: object, prefix: str) -> list[str]:
    listed = s3_client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)  # type: ignore[attr-defined]
    return sorted(o["Key"] for o in listed.get("Contents", []))


def public_tables(pg: PostgresServer, database: str) -> list[str]:
    with psycopg.connect(pg.superuser_dsn(database)) as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
        ).fetchall()
    return [r[0] for r in rows]


def test_backup_then_restore_check_succeeds(
    backups: Backups, tenant: Tenant, s3_client: object, pg: PostgresServer, tmp_path: Path
) -> None:
    prefix = backups.backup(tenant, "acme", tmp_path / "b", RETENTION_CLASS="weekly")
    match = STAMP_PREFIX.match(prefix)
    assert match and match.group(1, 2) == ("weekly", "acme"), prefix
    assert keys(s3_client, prefix) == sorted(prefix + f for f in scripts.BACKUP_FILES)
    for key in keys(s3_client, prefix):
        head = s3_client.head_object(Bucket=BUCKET, Key=key)  # type: ignore[attr-defined]
        assert head["ServerSideEncryption"] == "aws:kms"
        assert head["SSEKMSKeyId"].endswith(backups.kms_key_id)

    body = s3_client.get_object(Bucket=BUCKET, Key=prefix + "manifest.json")  # type: ignore[attr-defined]
    manifest = json.loads(body["Body"].read())
    dump = s3_client.get_object(Bucket=BUCKET, Key=prefix + "db.dump")["Body"].read()  # type: ignore[attr-defined]
    assert manifest["files"]["db.dump"] == {
        "sha256": hashlib.sha256(dump).hexdigest(),
        "bytes": len(dump),
    }
    assert manifest["tenant"] == "acme" and manifest["database"] == tenant.database
    assert manifest["retention_class"] == "weekly"
    assert manifest["odoo_platform_version"] == scripts.package_version()
    created = dt.datetime.strptime(manifest["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert created.strftime(scripts.STAMP_FORMAT) == match.group(3)

    status, output = backups.fetch_and_check(tenant, "acme", tmp_path / "r")
    assert status == 0, output
    assert (
        f"restore-check: ok, s3://{BUCKET}/{prefix}: 3 users, base installed, 2 referenced files"
        " all in the archive (2 filestore files)"
    ) in output
    assert public_tables(pg, tenant.restore_database) == []  # emptied after the check


def test_one_backup_reads_the_clock_once(
    backups: Backups, tenant: Tenant, s3_client: object, tmp_path: Path
) -> None:
    """Folder name, `created_at` and retention class come from one reading of the clock: a
    `date` that moves on at every call (a slow pod, or midnight between two calls) must not
    give a manifest whose time differs from its folder's (restore-check refuses that)."""
    real_date = shutil.which("date")
    assert real_date
    ticks = tmp_path / "ticks"
    fake = tmp_path / "clock" / "date"
    fake.parent.mkdir()
    # each call is one second later than the previous one, from 2025-11-30T23:59:58Z on
    fake.write_text(
        "#!/bin/sh\n"
        f'n=$(cat "{ticks}" 2>/dev/null || echo 0); echo $((n + 1)) > "{ticks}"\n'
        "shift  # -u\n"
        f'exec {real_date} -u -d "@$((1764547198 + n))" "$@"\n'
    )
    fake.chmod(0o755)
    moving = replace(backups, tool_path=f"{fake.parent}:{backups.tool_path}")
    prefix = moving.backup(tenant, "ticking", tmp_path / "b")
    body = s3_client.get_object(Bucket=BUCKET, Key=prefix + "manifest.json")  # type: ignore[attr-defined]
    manifest = json.loads(body["Body"].read())
    created = dt.datetime.strptime(manifest["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert prefix.split("/")[2] == created.strftime(scripts.STAMP_FORMAT), (prefix, manifest)
    assert prefix.split("/")[0] == scripts.retention_class(created.date())


def test_default_retention_class_follows_the_utc_date(
    backups: Backups, tenant: Tenant, tmp_path: Path
) -> None:
    before = scripts.retention_class(dt.datetime.now(dt.UTC).date())
    prefix = backups.backup(tenant, "dated", tmp_path)
    after = scripts.retention_class(dt.datetime.now(dt.UTC).date())
    assert prefix.split("/")[0] in {before, after}


def test_tenant_without_filestore_gets_an_empty_archive(
    backups: Backups, make_tenant: MakeTenant, tmp_path: Path
) -> None:
    fresh = make_tenant("bk_fresh", files=0)
    bare = Tenant(fresh.role, fresh.database, tmp_path / "no-data-yet")
    backups.backup(bare, "fresh", tmp_path / "b", RETENTION_CLASS="daily")
    status, output = backups.fetch_and_check(bare, "fresh", tmp_path / "r")
    assert status == 0, output
    assert "0 referenced files all in the archive (0 filestore files)" in output


def test_newest_complete_backup_wins_across_classes(
    backups: Backups, tenant: Tenant, s3_client: object, tmp_path: Path
) -> None:
    older = backups.backup(tenant, "multi", tmp_path / "1", RETENTION_CLASS="monthly")
    newer = backups.backup(tenant, "multi", tmp_path / "2", RETENTION_CLASS="daily")
    # An interrupted upload, newer than both, has no manifest and must be ignored.
    incomplete = "weekly/multi/29991231T235959Z/"
    for name in ("db.dump", "filestore.tar.gz"):
        s3_client.copy_object(  # type: ignore[attr-defined]
            Bucket=BUCKET, Key=incomplete + name, CopySource={"Bucket": BUCKET, "Key": older + name}
        )
    backups.ok("restore-fetch.sh", tenant, "multi", tmp_path / "r")
    source = (tmp_path / "r" / "restore" / "source").read_text().strip()
    expected = max(older, newer, key=lambda p: p.split("/")[2])
    assert source == f"s3://{BUCKET}/{expected}"


def test_no_backup_found_fails(backups: Backups, tenant: Tenant, tmp_path: Path) -> None:
    status, output = backups.fetch_and_check(tenant, "nobody", tmp_path)
    assert status != 0
    assert "restore-fetch: FAILED: no backup with a manifest.json under" in output


def test_backup_without_manifest_is_not_restored(
    backups: Backups, tenant: Tenant, s3_client: object, tmp_path: Path
) -> None:
    prefix = backups.backup(tenant, "halfway", tmp_path / "b", RETENTION_CLASS="daily")
    s3_client.delete_object(Bucket=BUCKET, Key=prefix + "manifest.json")  # type: ignore[attr-defined]
    status, output = backups.fetch_and_check(tenant, "halfway", tmp_path / "r")
    assert status != 0
    assert "no backup with a manifest.json" in output


def test_checksum_mismatch_fails_the_fetch(
    backups: Backups, tenant: Tenant, s3_client: object, tmp_path: Path
) -> None:
    prefix = backups.backup(tenant, "tampered", tmp_path / "b", RETENTION_CLASS="daily")
    s3_client.put_object(Bucket=BUCKET, Key=prefix + "db.dump", Body=b"PGDMP not really")  # type: ignore[attr-defined]
    status, output = backups.fetch_and_check(tenant, "tampered", tmp_path / "r")
    assert status != 0
    assert f"checksum mismatch for s3://{BUCKET}/{prefix}db.dump" in output


def corrupt_at_source(s3_client: object, prefix: str, damage: Callable[[bytes], bytes]) -> None:
    """Damage the uploaded db.dump and record the damaged file's checksum and size in the
    manifest, as if pg_dump itself had written it so: only the restore can notice."""
    get, put = s3_client.get_object, s3_client.put_object  # type: ignore[attr-defined]
    dump = get(Bucket=BUCKET, Key=prefix + "db.dump")["Body"].read()
    manifest = get(Bucket=BUCKET, Key=prefix + "manifest.json")["Body"].read().decode()
    bad = damage(dump)
    manifest = manifest.replace(hashlib.sha256(dump).hexdigest(), hashlib.sha256(bad).hexdigest())
    manifest = manifest.replace(f'"bytes": {len(dump)}}}', f'"bytes": {len(bad)}}}')
    put(Bucket=BUCKET, Key=prefix + "db.dump", Body=bad)
    put(Bucket=BUCKET, Key=prefix + "manifest.json", Body=manifest.encode())


def flip_middle(data: bytes) -> bytes:
    """Invert 64 bytes among the data, after the table of contents (a streamed custom-format
    dump has it at its start only): the TOC still reads, the data does not."""
    mid = len(data) - 160
    return data[:mid] + bytes(b ^ 0xFF for b in data[mid : mid + 64]) + data[mid + 64 :]


@pytest.mark.parametrize(
    "case",
    [
        ("garbage", lambda data: b"\x00garbage" * 64, "db.dump is not a readable pg_dump archive"),
        ("truncated", lambda data: data[: len(data) // 2], "db.dump is not a readable pg_dump"),
        ("flipped", flip_middle, "pg_restore of s3://"),
    ],
    ids=lambda case: str(case[0]),
)
def test_corrupted_dump_fails_the_check(
    backups: Backups,
    tenant: Tenant,
    s3_client: object,
    tmp_path: Path,
    case: tuple[str, Callable[[bytes], bytes], str],
) -> None:
    slug, damage, message = case
    prefix = backups.backup(tenant, slug, tmp_path / "b", RETENTION_CLASS="daily")
    corrupt_at_source(s3_client, prefix, damage)
    status, output = backups.fetch_and_check(tenant, slug, tmp_path / "r")
    assert status != 0
    assert "restore-check: FAILED: " in output and message in output, output
    assert public_tables(backups.pg, tenant.restore_database) == []


@pytest.mark.parametrize(
    "case",
    [
        (0, "installed", "res_users is empty in the restored database"),
        (2, "uninstalled", "module base is 'uninstalled', not installed"),
    ],
    ids=["no-users", "base-not-installed"],
)
def test_restored_database_that_is_not_a_working_odoo_fails(
    backups: Backups,
    make_tenant: MakeTenant,
    pg: PostgresServer,
    tmp_path: Path,
    case: tuple[int, str, str],
) -> None:
    users, base_state, message = case
    broken = make_tenant(f"bk_broken_{users}", users=users, base_state=base_state)
    slug = f"broken-{users}"
    backups.backup(broken, slug, tmp_path / "b", RETENTION_CLASS="daily")
    status, output = backups.fetch_and_check(broken, slug, tmp_path / "r")
    assert status != 0
    assert f"restore-check: FAILED: {message}" in output
    assert public_tables(pg, broken.restore_database) == []


def test_missing_environment_is_named(backups: Backups, tenant: Tenant, tmp_path: Path) -> None:
    result = backups.run("backup-upload.sh", tenant, "", tmp_path)
    assert result.returncode != 0
    assert "environment variable TENANT is not set" in result.stderr


def test_scratch_database_is_owned_by_the_tenant_and_closed_to_others(
    pg: PostgresServer, tenant: Tenant
) -> None:
    with psycopg.connect(pg.superuser_dsn(), autocommit=True) as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT datdba::regrole::text, has_database_privilege('public', oid, 'CONNECT')"
                " FROM pg_database WHERE datname = {}"
            ).format(sql.Literal(tenant.restore_database))
        ).fetchone()
    assert row == (tenant.role, False)


def copy_backup(s3_client: object, source: str, target: str, **fields: str) -> None:
    """Copy a backup to another prefix (as its writer role could), changing manifest fields.
    (Read and put again: moto's CopyObject keeps a multipart upload's checksum wrongly.)"""
    get, put = s3_client.get_object, s3_client.put_object  # type: ignore[attr-defined]
    for name in ("db.dump", "filestore.tar.gz"):
        put(
            Bucket=BUCKET,
            Key=target + name,
            Body=get(Bucket=BUCKET, Key=source + name)["Body"].read(),
        )
    manifest = get(Bucket=BUCKET, Key=source + "manifest.json")["Body"].read().decode()
    for key, value in fields.items():
        manifest = re.sub(rf'"{key}": "[^"]*"', f'"{key}": "{value}"', manifest)
    put(Bucket=BUCKET, Key=target + "manifest.json", Body=manifest.encode())


def stamped(slug: str, when: dt.datetime) -> tuple[str, str]:
    """A daily prefix of `slug` stamped `when`, and the matching manifest `created_at`."""
    return scripts.backup_prefix("daily", slug, when), when.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("kept", [0, 100], ids=["none-kept", "half-kept"])
def test_archive_missing_referenced_files_fails_the_check(
    backups: Backups, make_tenant: MakeTenant, tmp_path: Path, kept: int
) -> None:
    """200 attachments referenced, `kept` of them in the filestore when the backup ran."""
    tenant = make_tenant(f"bk_lost_{kept}", files=200)
    stored = sorted(p for p in (tenant.filestore_dir / "filestore").rglob("*") if p.is_file())
    for path in stored[kept:]:
        path.unlink()
    slug = f"lost-{kept}"
    backups.backup(tenant, slug, tmp_path / "b", RETENTION_CLASS="daily")
    status, output = backups.fetch_and_check(tenant, slug, tmp_path / "r")
    assert status != 0
    assert f"filestore.tar.gz lacks {200 - kept} of the 200 files the database references" in (
        output
    ), output
    assert public_tables(backups.pg, tenant.restore_database) == []


def test_dump_fails_when_referenced_files_have_no_filestore(
    backups: Backups, make_tenant: MakeTenant, s3_client: object, tmp_path: Path
) -> None:
    tenant = make_tenant("bk_no_dir", files=2)
    moved = Tenant(tenant.role, tenant.database, tmp_path / "volume-not-mounted")
    step = backups.run_backup(moved, "no-dir", tmp_path / "b", RETENTION_CLASS="daily")
    assert step.dump_status != 0
    assert "backup-dump: FAILED: bk_no_dir references 2 stored files but" in step.dump_output
    assert not [k for k in keys(s3_client, "daily/no-dir/") if k.endswith("manifest.json")]


def test_newest_backup_older_than_the_rpo_fails(
    backups: Backups, tenant: Tenant, s3_client: object, tmp_path: Path
) -> None:
    fresh = backups.backup(tenant, "stale-source", tmp_path / "b", RETENTION_CLASS="daily")
    old, created = stamped("stale", dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
    copy_backup(s3_client, fresh, old, created_at=created, tenant="stale")
    status, output = backups.fetch_and_check(tenant, "stale", tmp_path / "r")
    assert status != 0
    assert f"restore-check: FAILED: newest backup s3://{BUCKET}/{old} is 960h" in output, output
    assert "older than the 24h RPO allows" in output
    status, output = backups.fetch_and_check(tenant, "stale", tmp_path / "r", RPO_HOURS="1000")
    assert status == 0, output


def test_future_dated_prefix_is_ignored_and_alerted(
    backups: Backups, tenant: Tenant, s3_client: object, tmp_path: Path
) -> None:
    real = backups.backup(tenant, "future", tmp_path / "b", RETENTION_CLASS="daily")
    planted, created = stamped("future", dt.datetime(2999, 12, 31, 23, 59, 59, tzinfo=dt.UTC))
    copy_backup(s3_client, real, planted, created_at=created)
    status, output = backups.fetch_and_check(tenant, "future", tmp_path / "r")
    assert (tmp_path / "r" / "restore" / "source").read_text().strip() == f"s3://{BUCKET}/{real}"
    assert f"restore-fetch: ALERT: ignoring future-dated backup s3://{BUCKET}/{planted}" in output
    assert f"restore-check: ok, s3://{BUCKET}/{real}" in output  # the real one was checked...
    assert status != 0  # ...and the restore-check alert fires on the planted prefix
    assert "restore-check: FAILED: the newest real backup is fine, but future-dated" in output


def test_restore_check_twice_with_large_objects(
    backups: Backups, make_tenant: MakeTenant, tmp_path: Path
) -> None:
    tenant = make_tenant("bk_blobs")
    with psycopg.connect(**backups.pg.tcp_dsn(tenant.role, PASSWORD, tenant.database)) as conn:
        conn.execute("SELECT lo_from_bytea(0, 'scanned engagement letter')")
        conn.execute("CREATE FUNCTION fee(int) RETURNS int LANGUAGE sql AS 'SELECT $1 * 2'")
        conn.execute("CREATE TYPE engagement_state AS ENUM ('draft', 'signed')")
    backups.backup(tenant, "blobs", tmp_path / "b", RETENTION_CLASS="daily")
    for run in ("first", "second"):
        status, output = backups.fetch_and_check(tenant, "blobs", tmp_path / run)
        assert status == 0, f"{run} run: {output}"
    assert owned_objects(backups.pg, tenant) == []


def owned_objects(pg: PostgresServer, tenant: Tenant) -> list[str]:
    """Everything the tenant role owns in its scratch database (large objects included)."""
    with psycopg.connect(pg.superuser_dsn(tenant.restore_database)) as conn:
        rows = conn.execute(
            "SELECT i.type || ' ' || i.identity FROM pg_shdepend d,"
            " pg_identify_object(d.classid, d.objid, 0) i"
            " WHERE d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND d.deptype = 'o' AND d.refobjid = %s::regrole",
            (tenant.role,),
        ).fetchall()
    return sorted(r[0] for r in rows)


def test_restore_check_twice_when_public_belongs_to_the_superuser(
    backups: Backups, make_tenant: MakeTenant, tmp_path: Path
) -> None:
    """PostgreSQL 14's layout: `public` is the bootstrap superuser's, open to PUBLIC, so the
    tenant cannot drop it and must empty it object by object."""
    tenant = make_tenant("bk_pg14")
    with psycopg.connect(backups.pg.superuser_dsn(tenant.restore_database), autocommit=True) as c:
        c.execute("ALTER SCHEMA public OWNER TO postgres")
        c.execute("GRANT ALL ON SCHEMA public TO PUBLIC")
    backups.backup(tenant, "pg14", tmp_path / "b", RETENTION_CLASS="daily")
    for run in ("first", "second"):
        status, output = backups.fetch_and_check(tenant, "pg14", tmp_path / run)
        assert status == 0, f"{run} run: {output}"
    assert public_tables(backups.pg, tenant.restore_database) == []
    assert owned_objects(backups.pg, tenant) == []


def test_restore_check_refuses_another_tenants_backup(
    backups: Backups, make_tenant: MakeTenant, s3_client: object, tmp_path: Path
) -> None:
    mine, theirs = make_tenant("bk_mine"), make_tenant("bk_theirs")
    source = backups.backup(theirs, "theirs", tmp_path / "b", RETENTION_CLASS="daily")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    planted, created = stamped("mine", now - dt.timedelta(minutes=1))
    copy_backup(s3_client, source, planted, created_at=created)
    status, output = backups.fetch_and_check(mine, "mine", tmp_path / "r1")
    assert status != 0
    assert "manifest.json is tenant 'theirs', not mine" in output, output
    relabelled, created = stamped("mine", now)
    copy_backup(
        s3_client, source, relabelled, created_at=created, tenant="mine", database="bk_mine"
    )
    status, output = backups.fetch_and_check(mine, "mine", tmp_path / "r2")
    assert status != 0
    assert "db.dump is a dump of 'bk_theirs', not bk_mine" in output, output


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """`mount(size)`: a directory on a tmpfs of that size (needs root, as in CI)."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        target = tmp_path / f"disk-{len(mounted)}"
        target.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            missing(f"mounting a {size} tmpfs needs root: {done.stderr.strip()}")
        mounted.append(target)
        return target

    yield mount
    for target in mounted:
        subprocess.run(["umount", str(target)], check=False)


def test_a_backup_larger_than_the_work_dir_streams_to_s3(
    backups: Backups,
    make_tenant: MakeTenant,
    s3_client: object,
    small_disk: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    """A 1 MiB work dir, a 10 MiB dump (S3 multipart) and a 3 MiB filestore archive."""
    tenant = make_tenant("bk_large")
    scan = os.urandom(3 * 1024 * 1024)  # incompressible, like scanned PDFs
    sha = hashlib.sha1(scan).hexdigest()
    target = tenant.filestore_dir / "filestore" / tenant.database / sha[:2] / sha
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(scan)
    with psycopg.connect(**backups.pg.tcp_dsn(tenant.role, PASSWORD, tenant.database)) as conn:
        conn.execute("CREATE TABLE ir_attachment_blob (data bytea)")
        conn.execute("INSERT INTO ir_attachment_blob VALUES (%s)", (os.urandom(10 * 1024 * 1024),))
        conn.execute(
            "INSERT INTO ir_attachment (store_fname, file_size) VALUES (%s, %s)",
            (f"{sha[:2]}/{sha}", len(scan)),
        )
    work = small_disk("1m")
    prefix = backups.backup(tenant, "large", work, RETENTION_CLASS="daily")
    sizes = {}
    for name in ("db.dump", "filestore.tar.gz"):
        head = s3_client.head_object(Bucket=BUCKET, Key=prefix + name)  # type: ignore[attr-defined]
        sizes[name] = head["ContentLength"]
        assert head["ServerSideEncryption"] == "aws:kms"
    assert sizes["db.dump"] > 10 * 1024 * 1024 and sizes["filestore.tar.gz"] > 3 * 1024 * 1024
    body = s3_client.get_object(Bucket=BUCKET, Key=prefix + "manifest.json")  # type: ignore[attr-defined]
    manifest = json.loads(body["Body"].read())
    assert {name: f["bytes"] for name, f in manifest["files"].items()} == sizes
    # the multipart sizing bounds given to `aws s3 cp --expected-size` hold
    plan = dict(line.split() for line in (work / "backup" / "plan").read_text().splitlines()[1:])
    assert all(int(plan[name]) >= size for name, size in sizes.items()), (plan, sizes)
    status, output = backups.fetch_and_check(tenant, "large", tmp_path / "r")
    assert status == 0, output
    assert "3 referenced files all in the archive" in output


def test_full_disk_while_writing_the_manifest_says_failed(
    backups: Backups, tenant: Tenant, small_disk: Callable[[str], Path]
) -> None:
    """Room for the small files before the manifest (5 tmpfs pages), none for the manifest.
    The test reads the pipes itself (as backup-upload would) and writes nothing there."""
    work = small_disk("20k")
    env = backups.env(tenant, "disk-full", work, RETENTION_CLASS="daily")
    with subprocess.Popen(
        backups.argv("backup-dump.sh"), env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    ) as dump:  # fmt: skip
        out = work / "backup"
        deadline = time.monotonic() + 60
        while not (out / "ready").exists():
            assert dump.poll() is None and time.monotonic() < deadline, dump.stderr
            time.sleep(0.05)
        for name in ("db.dump", "filestore.tar.gz"):
            (out / name).read_bytes()
        _, stderr = dump.communicate(timeout=60)
    assert dump.returncode != 0
    assert "backup-dump: FAILED: cannot write manifest.json in" in stderr, stderr
    assert not (out / "manifest.json").exists()


def test_dump_fails_when_the_filestore_is_unreadable(
    backups: Backups, make_tenant: MakeTenant
) -> None:
    """As a non-root user (the pod's uid 70; here the postgres OS user when the tests run as
    root): a filestore it may not read must not become an empty archive."""
    tenant = make_tenant("bk_locked", files=2)
    base = Path(tempfile.mkdtemp(prefix="odoo-platform-locked-"))
    try:
        base.chmod(0o755)
        shutil.copytree(backups.script_dir, base / "scripts")
        shutil.copytree(tenant.filestore_dir / "filestore", base / "data" / "filestore")
        for path in base.rglob("*"):  # pytest's tmp dirs are 0700: open up the copies
            path.chmod(0o755)
        (base / "data" / "filestore" / tenant.database).chmod(0o000)
        (base / "work").mkdir(mode=0o777)
        (base / "work").chmod(0o777)
        locked = Tenant(tenant.role, tenant.database, base / "data")
        run_as = RunAs.for_postgres()
        dump = subprocess.run(
            ["sh", str(base / "scripts" / "backup-dump.sh")],
            env=backups.env(locked, "locked", base / "work", RETENTION_CLASS="daily"),
            capture_output=True, text=True, timeout=60, check=False, cwd=base,
            preexec_fn=run_as.preexec if run_as else None,
        )  # fmt: skip
    finally:
        (base / "data" / "filestore" / tenant.database).chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)
    assert dump.returncode != 0
    assert "backup-dump: FAILED: bk_locked references 2 stored files but" in dump.stderr
    assert "is not readable" in dump.stderr, dump.stderr


def rendered_steps(kind: str) -> tuple[Manifest, Manifest]:
    """The upload sidecar and the dump step exactly as OdooTenant renders them."""
    result = run_args(_tenant_args())
    if kind == "init-job":
        pod = _job(result)["spec"]["template"]["spec"]
    else:
        (cron,) = component(result, "nb-consulting", "CronJob", "backup")
        pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    steps = {c["name"]: c for c in [*pod["initContainers"], *pod["containers"]]}
    return steps["upload"], steps["dump"]


@pytest.mark.parametrize("kind", ["cronjob", "init-job"])
def test_the_rendered_backup_steps_run_as_a_pod_would(
    backups: Backups, tenant: Tenant, tmp_path: Path, kind: str
) -> None:
    """The containers' own commands (scripts path swapped for the test's copy), the sidecar
    started first: the dump succeeds, the sidecar idles until the pod ends it (SIGTERM)."""
    upload, dump = rendered_steps(kind)
    assert upload["restartPolicy"] == "Always"
    env = backups.env(tenant, f"rendered-{kind}", tmp_path / "w", RETENTION_CLASS="daily")
    if kind == "init-job":  # db-state.sh's decision, which the init Job's dump step reads
        (tmp_path / "w").mkdir(exist_ok=True)
        (tmp_path / "w" / scripts.DB_STATE_FILE).write_text("upgrade\n")

    def command(step: Manifest) -> list[str]:
        assert {e["name"] for e in step["env"]} <= set(env) | {"HOME"}
        mount = scripts.SCRIPTS_MOUNT_PATH
        return [part.replace(mount, str(backups.script_dir)) for part in step["command"]]

    with subprocess.Popen(command(upload), env=env, start_new_session=True) as sidecar:
        try:
            done = subprocess.run(
                command(dump), env=env, capture_output=True, text=True, timeout=120, check=False
            )
            assert done.returncode == 0, done.stdout + done.stderr
            time.sleep(1.5)
            assert sidecar.poll() is None  # a sidecar that exited would be restarted
            sidecar.terminate()
            assert sidecar.wait(timeout=10) == 0
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(sidecar.pid, signal.SIGKILL)  # its idle `sleep`
    status, output = backups.fetch_and_check(tenant, f"rendered-{kind}", tmp_path / "r")
    assert status == 0, output


def test_the_init_jobs_upload_sidecar_ends_its_wait_on_a_new_database(
    backups: Backups, tenant: Tenant, tmp_path: Path
) -> None:
    """A first install backs nothing up: the dump step says so, and the sidecar stops waiting
    (a sidecar left polling ignores SIGTERM until the kubelet kills it) and uploads nothing."""
    upload, dump = rendered_steps("init-job")
    env = backups.env(tenant, "rendered-install", tmp_path / "w", RETENTION_CLASS="daily")
    (tmp_path / "w").mkdir(exist_ok=True)
    (tmp_path / "w" / scripts.DB_STATE_FILE).write_text("install\n")

    def command(step: Manifest) -> list[str]:
        mount = scripts.SCRIPTS_MOUNT_PATH
        return [part.replace(mount, str(backups.script_dir)) for part in step["command"]]

    log = tmp_path / "sidecar.log"
    with (
        log.open("w") as sidecar_out,
        subprocess.Popen(
            command(upload), env=env, start_new_session=True, stdout=sidecar_out
        ) as sidecar,
    ):
        try:
            done = subprocess.run(
                command(dump), env=env, capture_output=True, text=True, timeout=60, check=False
            )
            assert done.returncode == 0, done.stdout + done.stderr
            assert "new database: no backup" in done.stdout
            time.sleep(2.5)
            sidecar.terminate()
            assert sidecar.wait(timeout=5) == 0
            assert "nothing to upload: new database" in log.read_text()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(sidecar.pid, signal.SIGKILL)
