"""db-state.sh, run with `sh` against the real PostgreSQL: the init/upgrade Job's one decision.

`install` only when the database has no Odoo schema yet (or base never finished installing);
`upgrade` when base is installed. Any failure to connect or to query fails the Job: a wrong
password, a role at its CONNECTION LIMIT or a missing database is never read as "new database".
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from odoo_platform.odoo import bootstrap, scripts
from odoo_platform.odoo.bootstrap import BootstrapInputs
from tests.servers import PostgresServer, admin_env, script_env

pytestmark = pytest.mark.servers

PASSWORD = "tenant-pw-'\"\\$x"


@pytest.fixture(scope="module")
def script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scripts") / "db-state.sh"
    path.write_text(scripts.script_text("db-state.sh"))
    return path


@pytest.fixture
def database(
    pg: PostgresServer, tool_path: str, tmp_path: Path, request: pytest.FixtureRequest
) -> str:
    """A bootstrapped tenant role and database, as TenantDatabase leaves them: empty."""
    digest = hashlib.sha256(request.node.name.encode()).hexdigest()[:12]
    name = f"st_{digest}"
    sql_file = tmp_path / "tenant_bootstrap.sql"
    sql_file.write_text(bootstrap.bootstrap_sql())
    inputs = BootstrapInputs(role=name, db=name, conn_limit=3)
    env = script_env(tool_path, **admin_env(pg), **{bootstrap.PASSWORD_ENV: PASSWORD})
    done = subprocess.run(
        bootstrap.render_psql_command(inputs, str(sql_file)),
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return name


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(pg: PostgresServer, tool_path: str, script: Path, tmp_path: Path) -> Run:
    """db-state.sh as the Job's first step: the tenant role's libpq variables and WORK_DIR."""

    def run_script(database: str, **changes: str) -> subprocess.CompletedProcess[str]:
        env = script_env(
            tool_path,
            **{**pg.libpq_env(database, PASSWORD, database), "WORK_DIR": str(tmp_path), **changes},
        )
        return subprocess.run(
            ["sh", str(script)], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    return run_script


def odoo_schema(pg: PostgresServer, database: str, base_state: str) -> None:
    with psycopg.connect(**pg.tcp_dsn(database, PASSWORD, database), autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE ir_module_module (id serial PRIMARY KEY, name varchar NOT NULL,"
            " state varchar NOT NULL)"
        )
        conn.execute(
            "INSERT INTO ir_module_module (name, state) VALUES ('base', %s), ('web', %s)",
            (base_state, base_state),
        )


def decided(work: Path) -> str:
    return (work / "db-state").read_text().strip()


def test_empty_database_is_a_first_install(
    pg: PostgresServer, run: Run, tmp_path: Path, database: str
) -> None:
    result = run(database)
    assert result.returncode == 0, result.stderr
    assert decided(tmp_path) == "install"


@pytest.mark.parametrize("state", ["installed", "to upgrade"])
def test_installed_base_is_an_upgrade(
    pg: PostgresServer, run: Run, tmp_path: Path, database: str, state: str
) -> None:
    odoo_schema(pg, database, state)
    result = run(database)
    assert result.returncode == 0, result.stderr
    assert decided(tmp_path) == "upgrade"


def test_a_first_install_that_never_finished_is_installed_again(
    pg: PostgresServer, run: Run, tmp_path: Path, database: str
) -> None:
    odoo_schema(pg, database, "to install")
    result = run(database)
    assert result.returncode == 0, result.stderr
    assert decided(tmp_path) == "install"


def test_wrong_password_fails_the_job(
    pg: PostgresServer, run: Run, tmp_path: Path, database: str
) -> None:
    odoo_schema(pg, database, "installed")
    result = run(database, PGPASSWORD="not-the-password")
    assert result.returncode != 0
    assert "db-state: FAILED" in result.stderr and "password authentication failed" in result.stderr
    assert not (tmp_path / "db-state").exists()


def test_role_at_its_connection_limit_fails_the_job(
    pg: PostgresServer, run: Run, tmp_path: Path, database: str
) -> None:
    odoo_schema(pg, database, "installed")
    with psycopg.connect(pg.superuser_dsn(), autocommit=True) as admin:
        admin.execute(sql.SQL("ALTER ROLE {} CONNECTION LIMIT 1").format(sql.Identifier(database)))
    with psycopg.connect(**pg.tcp_dsn(database, PASSWORD, database)):  # the one allowed session
        result = run(database)
    assert result.returncode != 0
    assert "too many connections" in result.stderr
    assert not (tmp_path / "db-state").exists()


def test_missing_database_fails_the_job(
    pg: PostgresServer, run: Run, tmp_path: Path, database: str
) -> None:
    result = run(database, PGDATABASE=f"{database}_gone")
    assert result.returncode != 0
    assert "does not exist" in result.stderr
    assert not (tmp_path / "db-state").exists()


def test_a_first_install_stays_one_until_the_admin_password_is_set(
    pg: PostgresServer, run: Run, tmp_path: Path, database: str
) -> None:
    """Were `-i base` to succeed and the password step fail, the Job's retry must not see an
    installed database and skip the password (admin/admin would stay)."""
    assert run(database).returncode == 0 and decided(tmp_path) == "install"
    odoo_schema(pg, database, "installed")  # what `odoo -i base` leaves
    assert run(database).returncode == 0 and decided(tmp_path) == "install"
    with psycopg.connect(**pg.tcp_dsn(database, PASSWORD, database), autocommit=True) as conn:
        conn.execute(f"DROP TABLE {scripts.FIRST_INSTALL_MARKER}")  # the password step's commit
    assert run(database).returncode == 0 and decided(tmp_path) == "upgrade"
