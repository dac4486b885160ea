"""Tenant database bootstrap: the Job that runs `sql/tenant_bootstrap.sql` with psql.

The Job runs as the server's admin (RDS master user, a non-superuser with CREATEROLE/CREATEDB) in
the platform namespace, never in the tenant's namespace. Its container needs psql >= 15 (\\getenv)
and gets:

- argv from `render_psql_command` (non-secret values as `-v` variables),
- env: the admin Secret's libpq variables (`PGHOST`, `PGUSER`, `PGPASSWORD`, ...), `job_env`, and
  from a Secret `BOOTSTRAP_PASSWORD` (the tenant's SCRAM verifier, see `scram_sha256_verifier`).

`TenantDatabase` (components/) builds its Job from these helpers only, so names, variables and
the SQL cannot disagree.

Passing a verifier instead of the plaintext keeps the tenant password out of the server's logs
and makes reruns byte-for-byte idempotent (a plaintext would be re-salted on every run).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from importlib import resources

SQL_RESOURCE = "tenant_bootstrap.sql"
SQL_MOUNT_DIR = "/opt/odoo-platform/sql"
SCRIPT_MOUNT_PATH = f"{SQL_MOUNT_DIR}/{SQL_RESOURCE}"
PASSWORD_ENV = "BOOTSTRAP_PASSWORD"
SCRAM_ITERATIONS = 4096  # PostgreSQL's default scram_iterations
RESTORE_CHECK_SUFFIX = "_restore_check"
DR_DRILL_SUFFIX = "_dr_drill"  # shorter than the restore check's: its length check covers both
ADMIN_PGOPTIONS = "-c search_path=pg_catalog"

_PG_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$-]{0,62}$")
_SLUG = re.compile(r"^[a-z][a-z0-9-]*$")
_DNS_LABEL_MAX = 63
_PG_NAME_MAX = 63


def bootstrap_sql() -> str:
    """The SQL text, for the ConfigMap the Job mounts."""
    return resources.files("odoo_platform.odoo").joinpath("sql", SQL_RESOURCE).read_text("utf-8")


def _name_from_slug(slug: str) -> str:
    if not _SLUG.match(slug):
        raise ValueError(f"tenant slug {slug!r}: use lower-case letters, digits and '-'")
    return slug.replace("-", "_")  # plain identifiers: no quoting needed in manual psql work


def role_name(slug: str) -> str:
    """The tenant's login role, e.g. `nb_consulting` for `nb-consulting`."""
    return _name_from_slug(slug)


def database_name(slug: str) -> str:
    """The tenant's database (Odoo's `db_name`), the same identifier as its role."""
    return _name_from_slug(slug)


def restore_database_name(database: str) -> str:
    """The restore-check's scratch database, created by the bootstrap SQL and owned by the
    tenant role: `<db>_restore_check`."""
    return _scratch_name(database, RESTORE_CHECK_SUFFIX)


def drill_database_name(database: str) -> str:
    """The DR drill's scratch database, `<db>_dr_drill`: not the restore check's, which a long
    drill may still be using when the next check empties its own."""
    return _scratch_name(database, DR_DRILL_SUFFIX)


def _scratch_name(database: str, suffix: str) -> str:
    name = f"{database}{suffix}"
    if len(name.encode()) > _PG_NAME_MAX:
        raise ValueError(f"{name!r} is longer than PostgreSQL's 63-byte identifier limit")
    return name


@dataclass(frozen=True)
class BootstrapInputs:
    """What the SQL applies: role, database (and its scratch twin) and the role's CONNECTION
    LIMIT."""

    role: str
    db: str
    conn_limit: int

    def __post_init__(self) -> None:
        for what, name in (("role", self.role), ("db", self.db)):
            if not _PG_NAME.match(name) or name.startswith("pg_"):
                raise ValueError(f"{what} {name!r}: use 1-63 of [A-Za-z0-9_$-], not starting pg_")
        restore_database_name(self.db)
        if not 1 <= self.conn_limit <= 100_000:
            raise ValueError(f"conn_limit {self.conn_limit}: must be between 1 and 100000")

    @classmethod
    def for_tenant(cls, slug: str, conn_limit: int) -> BootstrapInputs:
        return cls(role=role_name(slug), db=database_name(slug), conn_limit=conn_limit)

    @property
    def restore_db(self) -> str:
        return restore_database_name(self.db)

    @property
    def drill_db(self) -> str:
        return drill_database_name(self.db)


def render_psql_command(inputs: BootstrapInputs, sql_path: str = SCRIPT_MOUNT_PATH) -> list[str]:
    """psql argv; the password is read from $BOOTSTRAP_PASSWORD by the script, not passed here."""
    return [
        "psql", "--no-psqlrc", "--echo-errors",
        "-v", "ON_ERROR_STOP=1",
        "-v", f"role={inputs.role}",
        "-v", f"db={inputs.db}",
        "-v", f"conn_limit={inputs.conn_limit}",
        "-f", sql_path,
    ]  # fmt: skip


def job_env(inputs: BootstrapInputs) -> dict[str, str]:
    """Non-secret settings the Job adds to the admin Secret's libpq variables (PGHOST, PGPORT,
    PGUSER, PGPASSWORD, PGSSLMODE); $BOOTSTRAP_PASSWORD comes from a Secret. The script must
    start in the `postgres` database, whatever the admin Secret says. Every admin session pins
    `search_path` to pg_catalog (libpq sends PGOPTIONS on each connection, `\\connect` included):
    nothing a tenant created can shadow a built-in the admin calls."""
    return {
        "PGDATABASE": "postgres",
        "PGOPTIONS": ADMIN_PGOPTIONS,
        "PGAPPNAME": f"tenant-bootstrap-{inputs.role}",
        "PGCONNECT_TIMEOUT": "10",
    }


def inputs_hash(inputs: BootstrapInputs, **context: str | int) -> str:
    """sha256 of everything that should rerun the Job: the inputs, the SQL itself, and `context`
    (server host and port, image, password version)."""
    material = {
        "role": inputs.role,
        "db": inputs.db,
        "conn_limit": inputs.conn_limit,
        "sql": hashlib.sha256(bootstrap_sql().encode()).hexdigest(),
        **{key: str(value) for key, value in context.items()},
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def job_name(slug: str, digest: str, length: int = 10) -> str:
    """`db-bootstrap-<slug>-<digest[:length]>`: DNS-1123 label, <= 63 chars. Jobs are immutable,
    so a change of inputs makes a new Job rather than an in-place update."""
    short = digest[:length]
    if not re.fullmatch(r"[0-9a-f]+", short):
        raise ValueError(f"digest {digest!r} must be lower-case hex")
    name = re.sub(r"[^a-z0-9-]+", "-", slug.lower()).strip("-") or "tenant"
    prefix = "db-bootstrap-"
    room = _DNS_LABEL_MAX - len(prefix) - 1 - len(short)
    return f"{prefix}{name[:room].rstrip('-')}-{short}"


def scram_sha256_verifier(password: str, salt: bytes, iterations: int = SCRAM_ITERATIONS) -> str:
    """The verifier PostgreSQL stores for `password` (RFC 5802/7677), so that the plaintext never
    has to reach the server. The salt must be random (>= 16 bytes) and kept with the password:
    the same salt gives the same verifier, which keeps reruns idempotent."""
    if len(salt) < 16:
        raise ValueError("salt must be at least 16 random bytes")
    if not password.isascii():
        # The server would SASLprep-normalise a non-ASCII password first; keep generated ones ASCII.
        raise ValueError("only ASCII passwords are supported")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = base64.b64encode
    return (
        f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}"
        f"${b64(stored_key).decode()}:{b64(server_key).decode()}"
    )
