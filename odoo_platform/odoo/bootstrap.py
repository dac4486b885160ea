"""Tenant database bootstrap: the Job that runs `sql/tenant_bootstrap.sql` with psql.

The Job runs as the server's admin (RDS master user, a non-superuser with CREATEROLE/CREATEDB) in
the platform namespace, never in the tenant's namespace. Its container needs psql >= 15 (\\getenv)
and gets:

- argv from `render_psql_command` (non-secret values as `-v` variables),
- env from `bootstrap_env` (libpq connection settings) plus, from Secrets, `PGPASSWORD` (admin) and
  `BOOTSTRAP_PASSWORD` (the tenant's SCRAM verifier, see `scram_sha256_verifier`).

Passing a verifier instead of the plaintext keeps the tenant password out of the server's logs
and makes reruns byte-for-byte idempotent (a plaintext would be re-salted on every run).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from importlib import resources

SQL_RESOURCE = "tenant_bootstrap.sql"
SCRIPT_MOUNT_PATH = "/opt/odoo-platform/sql/tenant_bootstrap.sql"
PASSWORD_ENV = "BOOTSTRAP_PASSWORD"
SCRAM_ITERATIONS = 4096  # PostgreSQL's default scram_iterations

_PG_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$-]{0,62}$")
_DNS_LABEL_MAX = 63


def bootstrap_sql() -> str:
    """The SQL text, for the ConfigMap the Job mounts."""
    return resources.files("odoo_platform.odoo").joinpath("sql", SQL_RESOURCE).read_text()


@dataclass(frozen=True)
class BootstrapInputs:
    """What the bootstrap SQL is run with. `password_fingerprint` changes when the password does
    (e.g. `password_fingerprint(verifier)`), so that a rotation reruns the Job."""

    role: str
    db: str
    conn_limit: int
    server_host: str
    server_port: int = 5432
    password_fingerprint: str = ""

    def __post_init__(self) -> None:
        for what, name in (("role", self.role), ("db", self.db)):
            if not _PG_NAME.match(name) or name.startswith("pg_"):
                raise ValueError(f"{what} {name!r}: use 1-63 of [A-Za-z0-9_$-], not starting pg_")
        if not 1 <= self.conn_limit <= 100_000:
            raise ValueError(f"conn_limit {self.conn_limit}: must be between 1 and 100000")
        if not self.server_host or any(c.isspace() for c in self.server_host):
            raise ValueError(f"server_host {self.server_host!r} is empty or has whitespace")


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


def bootstrap_env(
    inputs: BootstrapInputs, admin_user: str, sslmode: str = "verify-full"
) -> dict[str, str]:
    """Non-secret libpq settings for the Job; add PGPASSWORD and BOOTSTRAP_PASSWORD from Secrets.
    With verify-full, also mount the RDS CA bundle and set PGSSLROOTCERT."""
    return {
        "PGHOST": inputs.server_host,
        "PGPORT": str(inputs.server_port),
        "PGUSER": admin_user,
        "PGDATABASE": "postgres",
        "PGSSLMODE": sslmode,
        "PGAPPNAME": f"tenant-bootstrap-{inputs.role}",
        "PGCONNECT_TIMEOUT": "10",
    }


def inputs_hash(inputs: BootstrapInputs, length: int = 10) -> str:
    """Short hash of everything that should rerun the Job, including the SQL itself."""
    parts = [
        inputs.role, inputs.db, str(inputs.conn_limit), inputs.server_host,
        str(inputs.server_port), inputs.password_fingerprint,
        hashlib.sha256(bootstrap_sql().encode()).hexdigest(),
    ]  # fmt: skip
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]


def job_name(tenant: str, inputs: BootstrapInputs) -> str:
    """`db-bootstrap-<tenant>-<hash>`: DNS-1123 label, <= 63 chars; Jobs are immutable, so a
    change of inputs makes a new Job rather than an in-place update."""
    digest = inputs_hash(inputs)
    slug = re.sub(r"[^a-z0-9-]+", "-", tenant.lower()).strip("-") or "tenant"
    prefix = "db-bootstrap-"
    room = _DNS_LABEL_MAX - len(prefix) - 1 - len(digest)
    return f"{prefix}{slug[:room].rstrip('-')}-{digest}"


def password_fingerprint(secret_material: str, length: int = 12) -> str:
    """A short, non-reversible marker of a password version, for `BootstrapInputs`. Feed it the
    SCRAM verifier (already salted and stretched), not the plaintext."""
    return hashlib.sha256(secret_material.encode()).hexdigest()[:length]


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
