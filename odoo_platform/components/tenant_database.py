"""`TenantDatabase`: one tenant's database and login role, created by an idempotent Kubernetes Job.

The Job runs `psql` with the SQL shipped in `odoo_platform/odoo/sql/` (package data); its command,
environment, mount path and name all come from `odoo_platform.odoo.bootstrap`, so the component and
the script cannot disagree. It runs inside the server's admin namespace where the administrator
Secret lives (see `PostgresServer`), so it reaches a private RDS endpoint and the admin credentials
never reach the tenant's namespace. The Job gets the SCRAM verifier of the tenant's password, never
the plaintext. Its name carries a hash of everything it applies: a change of script, limit, image
or password version creates a new Job, which Pulumi waits for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from odoo_platform.components._shared.base import (
    Between,
    Slug,
    check_args,
    child_opts,
    component_type,
)
from odoo_platform.components._shared.k8s import (
    Manifest,
    manifest,
    restricted_container_security,
    restricted_pod_security,
)
from odoo_platform.components.postgres import admin_pgpass_script
from odoo_platform.odoo import bootstrap

# The client only; pinned. Runs as the image's non-root `postgres` user (uid 70 on Alpine).
PSQL_IMAGE = "postgres:17.6-alpine"
# Reads the rotated admin password (admin_pgpass.sh); runs as the same uid as psql.
AWS_CLI_IMAGE = "amazon/aws-cli:2.22.0"
PGPASS_DIR = "/run/pgadmin"
PSQL_UID = 70
PASSWORD_SPECIALS = "-_.~+=!#^*"
SALT_LENGTH = 24  # characters of [A-Za-z0-9]: ~143 random bits, above SCRAM's 16-byte minimum


@dataclass(frozen=True)
class TenantDatabaseArgs:
    """`admin_namespace` and `admin_secret_name` are the server's (a PostgresServer declared
    with admin_namespace=True): the bootstrap Job runs there, never in a default namespace."""

    slug: Slug
    """The tenant's id: names its database and login role (`-` becomes `_`) and the Job."""
    connection_limit: Annotated[int, Between(1, 5000, " connections")]
    """The role's CONNECTION LIMIT, 1 to 5000: the tenant's worst case from the budget."""
    host: pulumi.Input[str]
    """The PostgreSQL server's address."""
    port: pulumi.Input[int]
    """The PostgreSQL server's port."""
    admin_namespace: pulumi.Input[str]
    """The server's admin namespace, where its administrator Secret is and the Job runs."""
    admin_secret_name: pulumi.Input[str]
    """The administrator Secret there (PG* variables for psql); it never leaves that namespace."""
    tenant_namespace: pulumi.Input[str]
    """The tenant's namespace: the credentials Secret for its Odoo goes there."""
    image: str = PSQL_IMAGE
    """The psql client image, pinned; it runs as its non-root `postgres` user (uid 70)."""
    password_version: Annotated[int, Between(1, 1_000_000)] = 1
    """Raise it to rotate the tenant's password: a new password and verifier, and a new Job."""
    admin_secret_arn: pulumi.Input[str] | None = None
    """With a rotated admin password (PostgresServer rotation): the Secrets Manager secret an
    init container reads the current password from; None: the admin Secret's password."""
    admin_service_account: pulumi.Input[str] | None = None
    """The service account (IRSA) the Job runs as to read that secret; None: no rotation, the
    namespace's default account and the admin Secret's password."""
    k8s_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels of the Job, its ConfigMap and Secrets (owner, cost centre, environment, tier,
    tenant)."""

    def __post_init__(self) -> None:
        check_args(self)


def inputs_digest(args: TenantDatabaseArgs, host: str, port: int) -> str:
    """What the Job applies, hashed (script included): any change gives the Job a new name, so
    it runs again."""
    return bootstrap.inputs_hash(
        bootstrap_inputs(args),
        host=host,
        port=port,
        image=args.image,
        password_version=args.password_version,
    )


def bootstrap_inputs(args: TenantDatabaseArgs) -> bootstrap.BootstrapInputs:
    return bootstrap.BootstrapInputs.for_tenant(args.slug, args.connection_limit)


class TenantDatabase(pulumi.ComponentResource):
    """A tenant's database and role; its credentials in a Secret of the tenant's namespace."""

    database_name: str
    restore_database_name: str
    role_name: str
    connection_limit: int
    password: pulumi.Output[str]
    job_name: pulumi.Output[str]
    credentials_secret_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: TenantDatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("TenantDatabase"), name, None, opts)
        self._name, self._args = name, args
        self._labels = dict(args.k8s_labels)
        self._inputs = bootstrap_inputs(args)
        self.database_name = self._inputs.db
        self.restore_database_name = self._inputs.restore_db
        self.role_name = self._inputs.role
        self.connection_limit = args.connection_limit
        password = random.RandomPassword(
            f"{name}-password",
            length=32,
            override_special=PASSWORD_SPECIALS,
            keepers={"version": str(args.password_version)},
            opts=child_opts(self),
        )
        self.password = pulumi.Output.secret(password.result)
        job = self._job(self._verifier(password.result))
        self.job_name = job.metadata.name
        self.credentials_secret_name = self._credentials(job).metadata.name
        self.register_outputs(
            {
                "database_name": self.database_name,
                "restore_database_name": self.restore_database_name,
                "role_name": self.role_name,
                "connection_limit": self.connection_limit,
                "password": self.password,
                "job_name": self.job_name,
                "credentials_secret_name": self.credentials_secret_name,
            }
        )

    def _metadata(self, namespace: pulumi.Input[str], **kwargs: object) -> Any:
        return manifest({"namespace": namespace, "labels": self._labels, **kwargs})

    def _verifier(self, password: pulumi.Output[str]) -> pulumi.Output[str]:
        """The SCRAM-SHA-256 verifier the server stores: the plaintext never reaches the Job, the
        server or its logs. A salt kept in state makes it stable, so reruns change nothing."""
        salt = random.RandomPassword(
            f"{self._name}-salt",
            length=SALT_LENGTH,
            special=False,
            keepers={"version": str(self._args.password_version)},
            opts=child_opts(self),
        )
        verifier = pulumi.Output.all(password, salt.result).apply(
            lambda ps: bootstrap.scram_sha256_verifier(ps[0], ps[1].encode())
        )
        return pulumi.Output.secret(verifier)

    def _job(self, verifier: pulumi.Output[str]) -> k8s.batch.v1.Job:
        args = self._args
        script = k8s.core.v1.ConfigMap(
            f"{self._name}-sql",
            metadata=self._metadata(args.admin_namespace),
            data={bootstrap.SQL_RESOURCE: bootstrap.bootstrap_sql()},
            opts=child_opts(self),
        )
        tenant_password = k8s.core.v1.Secret(
            f"{self._name}-bootstrap",
            metadata=self._metadata(args.admin_namespace),
            type="Opaque",
            string_data={bootstrap.PASSWORD_ENV: verifier},
            opts=child_opts(self),
        )
        job_name = pulumi.Output.all(args.host, args.port).apply(
            lambda hp: bootstrap.job_name(args.slug, inputs_digest(args, hp[0], int(hp[1])))
        )
        return k8s.batch.v1.Job(
            f"{self._name}-bootstrap",
            metadata=self._metadata(args.admin_namespace, name=job_name),
            spec=manifest(
                {
                    "backoffLimit": 4,
                    "activeDeadlineSeconds": 900,
                    "template": {
                        "metadata": {"labels": self._labels},
                        "spec": self._pod(script, tenant_password),
                    },
                }
            ),
            opts=child_opts(self),
        )

    def _pod(self, script: k8s.core.v1.ConfigMap, tenant_password: k8s.core.v1.Secret) -> Manifest:
        args = self._args
        rotated = args.admin_service_account is not None
        pgpass = [{"name": "PGPASSFILE", "value": f"{PGPASS_DIR}/pgpass"}]
        password_ref = {"name": tenant_password.metadata.name, "key": bootstrap.PASSWORD_ENV}
        pod: Manifest = {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "securityContext": restricted_pod_security(PSQL_UID),
            "containers": [
                {
                    "name": "psql",
                    "image": args.image,
                    "command": bootstrap.render_psql_command(self._inputs),
                    "envFrom": [{"secretRef": {"name": args.admin_secret_name}}],
                    "env": [
                        {
                            "name": bootstrap.PASSWORD_ENV,
                            "valueFrom": {"secretKeyRef": password_ref},
                        },
                        *(
                            {"name": key, "value": value}
                            for key, value in bootstrap.job_env(self._inputs).items()
                        ),
                        *(pgpass if rotated else []),
                    ],
                    "volumeMounts": [
                        {"name": "sql", "mountPath": bootstrap.SQL_MOUNT_DIR, "readOnly": True},
                        *([{"name": "pgpass", "mountPath": PGPASS_DIR}] if rotated else []),
                    ],
                    "resources": {
                        "requests": {"cpu": "50m", "memory": "64Mi"},
                        "limits": {"cpu": "500m", "memory": "128Mi"},
                    },
                    "securityContext": restricted_container_security(),
                }
            ],
            "volumes": [
                {"name": "sql", "configMap": {"name": script.metadata.name}},
                *(
                    {"name": volume, "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}}
                    for volume in (("pgpass", "aws-home") if rotated else ())
                ),
            ],
        }
        if rotated:
            pod["serviceAccountName"] = args.admin_service_account
            pod["initContainers"] = [self._pgpass_container()]
        return pod

    def _pgpass_container(self) -> Manifest:
        """The admin password as Secrets Manager holds it now (rotation changes it)."""
        args = self._args
        return {
            "name": "admin-password",
            "image": AWS_CLI_IMAGE,
            "command": ["sh", "-c", admin_pgpass_script()],
            "env": [
                {"name": "ADMIN_SECRET_ARN", "value": args.admin_secret_arn},
                {"name": "PGPASSFILE", "value": f"{PGPASS_DIR}/pgpass"},
                {"name": "HOME", "value": "/home/aws"},
            ],
            "volumeMounts": [
                {"name": "pgpass", "mountPath": PGPASS_DIR},
                {"name": "aws-home", "mountPath": "/home/aws"},
            ],
            "resources": {
                "requests": {"cpu": "50m", "memory": "64Mi"},
                "limits": {"cpu": "500m", "memory": "256Mi"},
            },
            "securityContext": restricted_container_security(),
        }

    def _credentials(self, job: k8s.batch.v1.Job) -> k8s.core.v1.Secret:
        """What the tenant's Odoo needs, in its own namespace, once the bootstrap succeeded."""
        args = self._args
        return k8s.core.v1.Secret(
            f"{self._name}-credentials",
            metadata=self._metadata(args.tenant_namespace),
            type="Opaque",
            string_data={
                "host": args.host,
                "port": pulumi.Output.from_input(args.port).apply(str),
                "database": self.database_name,
                "user": self.role_name,
                "password": self.password,
            },
            opts=child_opts(self, depends_on=[job]),
        )
