"""The parameter group every server gets: the platform's PostgreSQL baseline."""

from __future__ import annotations

import pulumi_aws as aws

SLOW_QUERY_MS = 1000
IDLE_IN_TRANSACTION_TIMEOUT_MS = 10 * 60 * 1000


def parameter_group_family(engine_version: str) -> str:
    """`16` or `16.4` -> `postgres16`: parameter groups are per major version."""
    return f"postgres{engine_version.split('.', maxsplit=1)[0]}"


def baseline_parameters(max_connections: int) -> list[aws.rds.ParameterGroupParameterArgs]:
    """TLS only, explicit max_connections, pg_stat_statements, slow queries, idle transactions.

    Static parameters (max_connections, shared_preload_libraries) take effect after a reboot.
    """
    static = {
        "max_connections": str(max_connections),
        "shared_preload_libraries": "pg_stat_statements",
    }
    dynamic = {
        "rds.force_ssl": "1",
        "ssl_min_protocol_version": "TLSv1.2",
        "log_min_duration_statement": str(SLOW_QUERY_MS),
        "log_lock_waits": "1",
        "idle_in_transaction_session_timeout": str(IDLE_IN_TRANSACTION_TIMEOUT_MS),
        "pg_stat_statements.track": "top",
    }
    parameter = aws.rds.ParameterGroupParameterArgs
    return [
        *(parameter(name=k, value=v, apply_method="pending-reboot") for k, v in static.items()),
        *(parameter(name=k, value=v, apply_method="immediate") for k, v in dynamic.items()),
    ]
