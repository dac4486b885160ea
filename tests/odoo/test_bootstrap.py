"""tenant_bootstrap.sql against a real PostgreSQL, run by a NON-superuser admin (like RDS)."""

from __future__ import annotations

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
            inputs = BootstrapInputs(role=role, db=db, conn_limit=conn_limit)
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


def test_runs_as_the_tenant_database_job_does(
    pg: PostgresServer, sql_file: Path, tool_path: str
) -> None:
    """Same argv, env and verifier (salted with a stored random string) as TenantDatabase's Job;
    the admin Secret's PGDATABASE is overridden so the script starts in `postgres`."""
    inputs = BootstrapInputs.for_tenant("job-like", 4)
    verifier = bootstrap.scram_sha256_verifier("job-pw", b"A1b2C3d4E5f6G7h8I9j0K1l2")
    env = script_env(tool_path, **{**admin_env(pg), "PGDATABASE": "job_like"})
    env.update(bootstrap.job_env(inputs), **{bootstrap.PASSWORD_ENV: verifier})
    for _ in range(2):
        done = subprocess.run(
            bootstrap.render_psql_command(inputs, str(sql_file)),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "tenant_bootstrap: ok" in done.stdout
    for database in (inputs.db, inputs.restore_db, inputs.drill_db):
        with connect(pg, inputs.role, "job-pw", database) as conn:
            assert conn.execute("SELECT current_user").fetchone() == (inputs.role,)


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


def test_scratch_database_belongs_to_the_tenant_only(
    pg: PostgresServer, run_bootstrap: Runner
) -> None:
    ok(run_bootstrap("scr_a", "scr_a", 3, "pw-scr-a"))
    ok(run_bootstrap("scr_b", "scr_b", 3, "pw-scr-b"))
    snap = snapshot(pg, "scr_a", "scr_a")
    # one scratch database per job that restores (restore check, DR drill): they may overlap
    for scratch in ("scr_a_restore_check", "scr_a_dr_drill"):
        (row,) = [d for d in snap["dbs"] if d[0] == scratch]
        assert row[1] == "scr_a" and "=c/" not in row[6] and "=Tc/" not in row[6]
        with connect(pg, "scr_a", "pw-scr-a", scratch) as conn:
            # restore-check (the drill runs it too) empties it with the tenant's own rights
            conn.execute("CREATE TABLE t (id int)")
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            connect(pg, "scr_a", "pw-scr-a", scratch.replace("scr_a", "scr_b"))


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
    base = BootstrapInputs(role="acme_law", db="acme_law", conn_limit=20)
    context = {"host": "db.internal", "port": 5432, "image": "postgres:17.6-alpine"}
    digest = bootstrap.inputs_hash(base, **context)
    name = bootstrap.job_name("Acme-Law", digest)
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) and len(name) <= 63
    long_name = bootstrap.job_name("x" * 80, digest)
    assert len(long_name) <= 63 and long_name.endswith(digest[:10])
    variants = [
        bootstrap.inputs_hash(BootstrapInputs("other", "acme_law", 20), **context),
        bootstrap.inputs_hash(BootstrapInputs("acme_law", "other", 20), **context),
        bootstrap.inputs_hash(BootstrapInputs("acme_law", "acme_law", 21), **context),
        bootstrap.inputs_hash(base, **{**context, "host": "db2.internal"}),
        bootstrap.inputs_hash(base, **context, password_version=2),
    ]
    names = {bootstrap.job_name("acme-law", v) for v in variants}
    assert len(names) == len(variants) and name not in names
    assert bootstrap.job_name("Acme-Law", bootstrap.inputs_hash(base, **context)) == name
    with pytest.raises(ValueError, match="hex"):
        bootstrap.job_name("acme", "not-a-digest")


def test_names_derive_from_the_slug() -> None:
    inputs = BootstrapInputs.for_tenant("acme-law", 7)
    assert (inputs.role, inputs.db, inputs.restore_db, inputs.drill_db) == (
        "acme_law",
        "acme_law",
        "acme_law_restore_check",
        "acme_law_dr_drill",
    )
    assert bootstrap.role_name("acme-law") == bootstrap.database_name("acme-law") == "acme_law"
    with pytest.raises(ValueError, match="slug"):
        bootstrap.role_name("Acme Law")


def test_render_psql_command_keeps_password_off_argv() -> None:
    inputs = BootstrapInputs(role="r", db="d", conn_limit=3)
    argv = bootstrap.render_psql_command(inputs)
    assert "ON_ERROR_STOP=1" in argv and "role=r" in argv and "conn_limit=3" in argv
    assert not any("password" in a.lower() for a in argv)
    env = bootstrap.job_env(inputs)
    assert env["PGDATABASE"] == "postgres" and "PGPASSWORD" not in env
    assert argv[-1] == bootstrap.SCRIPT_MOUNT_PATH


@pytest.mark.parametrize(
    "kwargs",
    [
        {"role": "pg_x", "db": "d", "conn_limit": 1},
        {"role": "r", "db": "d;drop", "conn_limit": 1},
        {"role": "r", "db": "d", "conn_limit": 0},
        {"role": "r", "db": "d" * 50, "conn_limit": 1},  # no room for d..._restore_check
    ],
)
def test_inputs_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        BootstrapInputs(**kwargs)


# Look-alike functions a tenant plants in postgres.public where PUBLIC may create there (the
# PostgreSQL 14 default, kept by servers upgraded from it). Unqualified calls with unknown-typed
# literals prefer them over pg_catalog's (text is the preferred string type), and they run as the
# caller: the admin. They grant every role they see to the attacker and answer like the real ones.
PLANTED = """
CREATE FUNCTION public.has_database_privilege(text, text, text) RETURNS boolean
LANGUAGE plpgsql AS $f$
BEGIN
  EXECUTE format('GRANT %I TO pg14_evil', $1);
  RETURN pg_catalog.has_database_privilege($1::name, $2, $3);
END $f$;
CREATE FUNCTION public.pg_has_role(name, text, text) RETURNS boolean
LANGUAGE plpgsql AS $f$
BEGIN
  EXECUTE format('GRANT %I TO pg14_evil', $2);
  RETURN pg_catalog.pg_has_role($1, $2::name, $3);
END $f$;
"""


def run_as_job(
    pg: PostgresServer, sql_file: Path, tool_path: str, slug: str, password: str
) -> None:
    """The bootstrap exactly as TenantDatabase's Job runs it (argv, job_env, verifier)."""
    inputs = BootstrapInputs.for_tenant(slug, 3)
    env = script_env(tool_path, **admin_env(pg))
    env.update(bootstrap.job_env(inputs))
    env[bootstrap.PASSWORD_ENV] = bootstrap.scram_sha256_verifier(password, SALT)
    done = subprocess.run(
        bootstrap.render_psql_command(inputs, str(sql_file)),
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def memberships(pg: PostgresServer, member: str) -> list[str]:
    with psycopg.connect(pg.superuser_dsn(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT roleid::regrole::text FROM pg_auth_members WHERE member::regrole::text = %s",
            (member,),
        ).fetchall()
    return sorted(r[0] for r in rows)


def test_a_tenant_cannot_plant_functions_for_the_admin_to_run(
    pg: PostgresServer, sql_file: Path, tool_path: str
) -> None:
    with psycopg.connect(pg.superuser_dsn(), autocommit=True) as conn:
        conn.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")  # PostgreSQL 14's default ACL
    run_as_job(pg, sql_file, tool_path, "pg14-victim", "victim-pw")
    with connect(pg, "pg14_victim", "victim-pw", "pg14_victim") as conn:
        conn.execute("CREATE TABLE secrets AS SELECT 'victim ledger' AS line")
    with psycopg.connect(pg.superuser_dsn(), autocommit=True) as conn:
        conn.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")  # as if the server were 14
        conn.execute("CREATE ROLE pg14_evil LOGIN PASSWORD 'evil-pw'")
    try:
        with connect(pg, "pg14_evil", "evil-pw", "postgres") as conn:
            conn.execute(PLANTED)  # the attack is possible on this server...
        # ...and the next bootstrap runs (the victim's rerun, then a new tenant's)
        run_as_job(pg, sql_file, tool_path, "pg14-victim", "victim-pw")
        run_as_job(pg, sql_file, tool_path, "pg14-next", "next-pw")
        assert memberships(pg, "pg14_evil") == []
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            connect(pg, "pg14_evil", "evil-pw", "pg14_victim")
        with psycopg.connect(pg.superuser_dsn(), autocommit=True) as conn:
            creatable = conn.execute(
                "SELECT has_schema_privilege('public', 'public', 'CREATE')"
            ).fetchone()
        assert creatable == (False,)  # the bootstrap revoked PostgreSQL 14's grant
    finally:
        with psycopg.connect(pg.superuser_dsn(), autocommit=True) as conn:
            conn.execute("DROP FUNCTION IF EXISTS public.has_database_privilege(text, text, text)")
            conn.execute("DROP FUNCTION IF EXISTS public.pg_has_role(name, text, text)")
            conn.execute("DROP OWNED BY pg14_evil")
            conn.execute("DROP ROLE pg14_evil")


def test_a_rerun_removes_memberships_a_tenant_should_not_have(
    pg: PostgresServer, sql_file: Path, tool_path: str
) -> None:
    run_as_job(pg, sql_file, tool_path, "member-a", "a-pw")
    run_as_job(pg, sql_file, tool_path, "member-b", "b-pw")
    with psycopg.connect(pg.superuser_dsn(), autocommit=True) as conn:
        conn.execute("GRANT member_a TO member_b")  # left behind by an earlier attack
        conn.execute("GRANT pg_read_all_data TO member_b")
    run_as_job(pg, sql_file, tool_path, "member-b", "b-pw")
    assert memberships(pg, "member_b") == []
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        connect(pg, "member_b", "b-pw", "member_a")


def test_job_sessions_pin_the_search_path() -> None:
    env = bootstrap.job_env(BootstrapInputs.for_tenant("acme", 3))
    assert env["PGOPTIONS"] == "-c search_path=pg_catalog"
