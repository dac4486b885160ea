"""tenant_bootstrap.sql against a real PostgreSQL, run by a NON-superuser admin (like RDS)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from odoo_platform.odoo import bootstrap
from odoo_platform.odoo.bootstrap import BootstrapInputs
from tests.servers import PostgresServer, admin_env, script_env

pytestmark = pytest.mark.servers

NASTY_PASSWORD = "p'w\"\\d$$;-- x' OR '1'='1 \\\\ %s $1"
SALT = bytes(range(16))

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def sql_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sql") / "tenant_bootstrap.sql"
    path.write_text(bootstrap.bootstrap_sql())
    return path


@pytest.fixture
def run_bootstrap(pg: PostgresServer, sql_file: Path, tool_path: str) -> Runner:
    def run(
        role: str,
        db: str,
        conn_limit: int,
        password: str,
        *,
        via_env: bool = True,
        raw: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        if raw:  # skip BootstrapInputs validation: the SQL must validate on its own
            argv = ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-v", f"role={role}", "-v", f"db={db}",
                    "-v", f"conn_limit={conn_limit}", "-f", str(sql_file)]  # fmt: skip
        else:
            inputs = BootstrapInputs(role=role, db=db, conn_limit=conn_limit, server_host=pg.host)
            argv = bootstrap.render_psql_command(inputs, str(sql_file))
        env = script_env(tool_path, **admin_env(pg))
        if via_env:
            env[bootstrap.PASSWORD_ENV] = password
        else:
            argv += ["-v", f"password={password}"]
        return subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=60, check=False
        )

    return run


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def connect(pg: PostgresServer, user: str, password: str, db: str) -> psycopg.Connection[Any]:
    return psycopg.connect(**pg.tcp_dsn(user, password, db), autocommit=True)


def snapshot(pg: PostgresServer, role: str, db: str) -> dict[str, Any]:
    """Everything the bootstrap may touch, read as superuser (pg_authid included)."""
    with psycopg.connect(pg.superuser_dsn(), autocommit=True) as conn:
        roles = conn.execute(
            "SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin,"
            " rolreplication, rolbypassrls, rolconnlimit, rolpassword FROM pg_authid"
            " ORDER BY rolname"
        ).fetchall()
        members = conn.execute(
            "SELECT roleid::regrole::text, member::regrole::text, admin_option"
            " FROM pg_auth_members ORDER BY 1, 2"
        ).fetchall()
        dbs = conn.execute(
            "SELECT datname, datdba::regrole::text, encoding, datcollate, datctype,"
            " datconnlimit, datacl::text FROM pg_database ORDER BY datname"
        ).fetchall()
    with psycopg.connect(pg.superuser_dsn(db), autocommit=True) as conn:
        exts = conn.execute(
            "SELECT extname, extowner::regrole::text, extversion FROM pg_extension ORDER BY 1"
        ).fetchall()
        schema = conn.execute(
            "SELECT nspowner::regrole::text, nspacl::text FROM pg_namespace"
            " WHERE nspname = 'public'"
        ).fetchall()
    return {"roles": roles, "members": members, "dbs": dbs, "exts": exts, "schema": schema}


def test_rerun_changes_nothing(pg: PostgresServer, run_bootstrap: Runner) -> None:
    verifier = bootstrap.scram_sha256_verifier("tenant-a-pw", SALT)
    ok(run_bootstrap("tenant_a", "tenant_a", 5, verifier))
    before = snapshot(pg, "tenant_a", "tenant_a")
    ok(run_bootstrap("tenant_a", "tenant_a", 5, verifier))
    assert snapshot(pg, "tenant_a", "tenant_a") == before
    assert ("pg_trgm", "tenant_a") in {(e[0], e[1]) for e in before["exts"]}
    assert ("unaccent", "tenant_a") in {(e[0], e[1]) for e in before["exts"]}
    (db_row,) = [d for d in before["dbs"] if d[0] == "tenant_a"]
    assert db_row[1] == "tenant_a" and db_row[3] == "C"
    assert "=c/" not in db_row[6] and "=Tc/" not in db_row[6]  # PUBLIC lost CONNECT/TEMP
    (role_row,) = [r for r in before["roles"] if r[0] == "tenant_a"]
    assert role_row[1:9] == (False, True, False, False, True, False, False, 5)
    assert before["schema"][0][1] == "{pg_database_owner=UC/pg_database_owner}"


def test_verifier_login_and_isolation(pg: PostgresServer, run_bootstrap: Runner) -> None:
    ok(run_bootstrap("iso_a", "iso_a", 3, bootstrap.scram_sha256_verifier("pw-a", SALT)))
    ok(run_bootstrap("iso_b", "iso_b", 3, bootstrap.scram_sha256_verifier("pw-b", SALT)))
    with connect(pg, "iso_a", "pw-a", "iso_a") as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("iso_a",)
        conn.execute("CREATE TABLE res_partner (id serial PRIMARY KEY, name text)")
        assert conn.execute("SELECT unaccent('Élodie'), similarity('abc', 'abd') > 0").fetchone()
    with connect(pg, "iso_a", "pw-a", "postgres") as conn:  # Odoo needs the postgres db too
        assert conn.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        connect(pg, "iso_a", "pw-a", "iso_b")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        connect(pg, "iso_a", "pw-b", "iso_a")


def test_tenant_cannot_create_databases_or_roles(pg: PostgresServer, run_bootstrap: Runner) -> None:
    ok(run_bootstrap("weak", "weak", 3, bootstrap.scram_sha256_verifier("weak-pw", SALT)))
    with connect(pg, "weak", "weak-pw", "weak") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE DATABASE stolen")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE ROLE minion LOGIN")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("ALTER ROLE weak CREATEDB")


def test_connection_limit_enforced_and_updated(pg: PostgresServer, run_bootstrap: Runner) -> None:
    verifier = bootstrap.scram_sha256_verifier("lim-pw", SALT)
    ok(run_bootstrap("limited", "limited", 2, verifier))
    conns = [connect(pg, "limited", "lim-pw", "limited") for _ in range(2)]
    try:
        with pytest.raises(psycopg.OperationalError, match="too many connections for role"):
            connect(pg, "limited", "lim-pw", "limited")
    finally:
        for conn in conns:
            conn.close()
    ok(run_bootstrap("limited", "limited", 4, verifier))
    with psycopg.connect(pg.superuser_dsn(), autocommit=True) as conn:
        row = conn.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'limited'")
        assert row.fetchone() == (4,)


@pytest.mark.parametrize("via_env", [True, False], ids=["env", "psql-var"])
def test_plaintext_password_with_nasty_characters(
    pg: PostgresServer, run_bootstrap: Runner, via_env: bool
) -> None:
    name = f"acme-law-{'env' if via_env else 'var'}"
    ok(run_bootstrap(name, name, 3, NASTY_PASSWORD, via_env=via_env))
    with connect(pg, name, NASTY_PASSWORD, name) as conn:
        assert conn.execute("SELECT current_user, current_database()").fetchone() == (name, name)


def test_password_rotation(pg: PostgresServer, run_bootstrap: Runner) -> None:
    ok(run_bootstrap("rot", "rot", 3, bootstrap.scram_sha256_verifier("old-pw", SALT)))
    ok(run_bootstrap("rot", "rot", 3, bootstrap.scram_sha256_verifier("new-pw", SALT)))
    connect(pg, "rot", "new-pw", "rot").close()
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        connect(pg, "rot", "old-pw", "rot")


def test_refuses_foreign_database_and_privileged_role(
    pg: PostgresServer, run_bootstrap: Runner
) -> None:
    ok(run_bootstrap("owner1", "shared_db", 3, "pw1-long-enough"))
    foreign = run_bootstrap("owner2", "shared_db", 3, "pw2-long-enough")
    assert foreign.returncode != 0
    assert "not owned by role owner2" in foreign.stderr
    with psycopg.connect(pg.superuser_dsn(), autocommit=True) as conn:
        # The check runs before anything is created.
        assert conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'owner2'").fetchone() is None
    privileged = run_bootstrap("platform_admin", "adm_db", 3, "pw3-long-enough")
    assert privileged.returncode != 0
    assert "elevated attributes" in privileged.stderr


@pytest.mark.parametrize(
    "case",
    [
        ("ok_role", "ok_db", 0, "pw", "conn_limit must be an integer >= 1"),
        ("pg_evil", "ok_db", 3, "pw", "invalid role name"),
        ("ok_role", "template1", 3, "pw", "invalid database name"),
        ("ok_role", "ok_db", 3, "", "empty password"),
    ],
)
def test_rejects_bad_input(run_bootstrap: Runner, case: tuple[str, str, int, str, str]) -> None:
    role, db, limit, password, message = case
    result = run_bootstrap(role, db, limit, password, raw=True)
    assert result.returncode != 0
    assert message in result.stderr


def test_missing_variable_is_a_clear_error(
    pg: PostgresServer, sql_file: Path, tool_path: str
) -> None:
    env = script_env(tool_path, **admin_env(pg))
    result = subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-v", "role=x", "-f", str(sql_file)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "set -v db=... or BOOTSTRAP_DB" in result.stderr


def test_scram_verifier_format() -> None:
    verifier = bootstrap.scram_sha256_verifier("x", SALT)
    assert re.fullmatch(
        r"SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+", verifier
    )
    assert verifier == bootstrap.scram_sha256_verifier("x", SALT)
    with pytest.raises(ValueError, match="16 random bytes"):
        bootstrap.scram_sha256_verifier("x", b"short")


def test_job_name_is_dns_safe_and_tracks_inputs() -> None:
    base = BootstrapInputs(role="acme_law", db="acme_law", conn_limit=20, server_host="db.internal")
    name = bootstrap.job_name("Acme-Law", base)
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) and len(name) <= 63
    long_name = bootstrap.job_name("x" * 80, base)
    assert len(long_name) <= 63 and long_name.endswith(bootstrap.inputs_hash(base))
    variants = [
        BootstrapInputs(role="other", db="acme_law", conn_limit=20, server_host="db.internal"),
        BootstrapInputs(role="acme_law", db="other", conn_limit=20, server_host="db.internal"),
        BootstrapInputs(role="acme_law", db="acme_law", conn_limit=21, server_host="db.internal"),
        BootstrapInputs(
            role="acme_law", db="acme_law", conn_limit=20, server_host="db.internal",
            password_fingerprint=bootstrap.password_fingerprint("v2"),
        ),
    ]  # fmt: skip
    names = {bootstrap.job_name("acme-law", v) for v in variants}
    assert len(names) == len(variants) and name not in names
    assert bootstrap.job_name("Acme-Law", base) == name


def test_render_psql_command_keeps_password_off_argv() -> None:
    inputs = BootstrapInputs(role="r", db="d", conn_limit=3, server_host="h")
    argv = bootstrap.render_psql_command(inputs)
    assert "ON_ERROR_STOP=1" in argv and "role=r" in argv and "conn_limit=3" in argv
    assert not any("password" in a for a in argv)
    env = bootstrap.bootstrap_env(inputs, admin_user="admin")
    assert env["PGDATABASE"] == "postgres" and "PGPASSWORD" not in env
    assert os.path.basename(argv[-1]) == "tenant_bootstrap.sql"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"role": "pg_x", "db": "d", "conn_limit": 1, "server_host": "h"},
        {"role": "r", "db": "d;drop", "conn_limit": 1, "server_host": "h"},
        {"role": "r", "db": "d", "conn_limit": 0, "server_host": "h"},
        {"role": "r", "db": "d", "conn_limit": 1, "server_host": "h h"},
    ],
)
def test_inputs_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        BootstrapInputs(**kwargs)
