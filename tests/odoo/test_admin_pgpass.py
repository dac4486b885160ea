"""The admin Jobs' init script against Secrets Manager (moto) and a real PostgreSQL.

After a rotation the password in Pulumi's state is stale; the Job must log in with the one
Secrets Manager holds now. The script runs for real (`sh`, the `aws` CLI, psql).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import boto3
import psycopg
import pytest
from psycopg import sql

from odoo_platform.components.postgres import admin_pgpass_script
from tests.servers import PostgresServer, S3Server, script_env

pytestmark = pytest.mark.servers

ROLE = "rotated_admin"


def rotate(pg: PostgresServer, password: str) -> None:
    with psycopg.connect(pg.superuser_dsn(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(ROLE), sql.Literal(password)
            )
        )


def store(s3: S3Server, name: str, password: str) -> str:
    client = boto3.client("secretsmanager", endpoint_url=s3.endpoint_url, **_keys(s3))
    body = json.dumps({"engine": "postgres", "username": ROLE, "password": password})
    try:
        return client.create_secret(Name=name, SecretString=body)["ARN"]
    except client.exceptions.ResourceExistsException:
        return client.put_secret_value(SecretId=name, SecretString=body)["ARN"]


def _keys(s3: S3Server) -> dict[str, str]:
    return {
        "region_name": s3.region,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }


def run_script(s3: S3Server, arn: str, pgpass: Path, tool_path: str, tmp: Path) -> str:
    script = tmp / "admin_pgpass.sh"
    script.write_text(admin_pgpass_script())
    done = subprocess.run(
        ["sh", str(script)],
        env=script_env(tool_path, ADMIN_SECRET_ARN=arn, PGPASSFILE=str(pgpass), **s3.env()),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def psql_as_admin(
    pg: PostgresServer, pgpass: Path, tool_path: str
) -> subprocess.CompletedProcess[str]:
    env = script_env(
        tool_path,
        PGHOST=pg.host,
        PGPORT=str(pg.port),
        PGUSER=ROLE,
        PGDATABASE="postgres",
        PGPASSFILE=str(pgpass),
    )
    return subprocess.run(
        ["psql", "-X", "-tA", "-w", "-c", "SELECT current_user"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_job_logs_in_with_the_current_password_after_a_rotation(
    pg: PostgresServer, s3: S3Server, tool_path: str, tmp_path: Path
) -> None:
    pgpass = tmp_path / "pgpass"
    rotate(pg, "FirstPassw0rd")
    arn = store(s3, "pg-admin", "FirstPassw0rd")
    run_script(s3, arn, pgpass, tool_path, tmp_path)
    assert psql_as_admin(pg, pgpass, tool_path).stdout.strip() == ROLE
    assert pgpass.stat().st_mode & 0o077 == 0, "libpq ignores a password file others can read"

    # The rotation function sets a new password on the server and in the secret.
    rotate(pg, "Sec0nd:Rotated")
    store(s3, "pg-admin", "Sec0nd:Rotated")
    assert psql_as_admin(pg, pgpass, tool_path).returncode != 0, "the old password is refused"
    run_script(s3, arn, pgpass, tool_path, tmp_path)
    assert psql_as_admin(pg, pgpass, tool_path).stdout.strip() == ROLE


def test_a_secret_without_a_password_stops_the_job(
    s3: S3Server, tool_path: str, tmp_path: Path
) -> None:
    client = boto3.client("secretsmanager", endpoint_url=s3.endpoint_url, **_keys(s3))
    arn = client.create_secret(Name="pg-empty", SecretString='{"username": "x"}')["ARN"]
    script = tmp_path / "admin_pgpass.sh"
    script.write_text(admin_pgpass_script())
    done = subprocess.run(
        ["sh", str(script)],
        env=script_env(tool_path, ADMIN_SECRET_ARN=arn, PGPASSFILE=str(tmp_path / "p"), **s3.env()),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1
    assert "no password in the Secrets Manager value of" in done.stderr
    assert not (tmp_path / "p").exists()
