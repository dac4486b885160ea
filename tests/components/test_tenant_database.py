"""TenantDatabase under mocks: the bootstrap Job, where credentials live, and re-runs by hash.

The SQL itself is tested against a real PostgreSQL server with the `odoo/` package.
"""

from __future__ import annotations

from dataclasses import replace

import pulumi
import pytest

from odoo_platform.components.postgres import PostgresServer
from odoo_platform.components.tenant_database import TenantDatabase, TenantDatabaseArgs
from odoo_platform.config import PlatformConfig, connection_budgets
from odoo_platform.config.capacity import tenant_connections
from odoo_platform.odoo import bootstrap
from odoo_platform.platform.assembly.postgres import postgres_server_args
from odoo_platform.testing import ProgramResult, RecordedResource, run_program
from tests.components.conftest import assert_valid_kubernetes
from tests.components.tenant_programs import db_args

JOB = "kubernetes:batch/v1:Job"
SECRET = "kubernetes:core/v1:Secret"
SLUG = "nb-consulting"


def plain_args(**changes: object) -> TenantDatabaseArgs:
    args = TenantDatabaseArgs(
        slug=SLUG,
        connection_limit=40,
        host="pg.example.internal",
        port=5432,
        admin_namespace="pg-admin",
        admin_secret_name="pg-admin-credentials",
        tenant_namespace="tenant-nb-consulting",
        k8s_labels={"odoo-platform.io/tenant": SLUG},
    )
    return replace(args, **changes)  # type: ignore[arg-type]


def declare(args: TenantDatabaseArgs) -> ProgramResult:
    def program() -> None:
        database = TenantDatabase(f"db-{args.slug}", args)
        pulumi.export("password", database.password)
        pulumi.export("job", database.job_name)

    return run_program(program)


@pytest.fixture(scope="module")
def result() -> ProgramResult:
    return declare(plain_args())


def job(result: ProgramResult) -> RecordedResource:
    return result.named(f"db-{SLUG}-bootstrap", JOB)


def test_job_runs_in_the_admin_namespace_with_the_admin_secret(result: ProgramResult) -> None:
    spec = job(result).inputs["spec"]["template"]["spec"]
    assert job(result).inputs["metadata"]["namespace"] == "pg-admin"
    container = spec["containers"][0]
    assert container["envFrom"] == [{"secretRef": {"name": "pg-admin-credentials"}}]
    assert spec["automountServiceAccountToken"] is False


def test_admin_credentials_never_reach_the_tenant_namespace(result: ProgramResult) -> None:
    in_tenant = [
        r
        for r in result.resources
        if (r.inputs.get("metadata") or {}).get("namespace") == "tenant-nb-consulting"
    ]
    assert [r.name for r in in_tenant] == [f"db-{SLUG}-credentials"]
    credentials = in_tenant[0].inputs["stringData"]
    assert set(credentials) == {"host", "port", "database", "user", "password"}
    assert credentials["user"] == bootstrap.role_name(SLUG)
    assert "pg-admin-credentials" not in str(in_tenant[0].inputs)


def test_tenant_password_is_a_secret_everywhere(result: ProgramResult) -> None:
    credentials = result.named(f"db-{SLUG}-credentials", SECRET)
    assert credentials.is_secret("stringData")
    bootstrap_secret = result.named(f"db-{SLUG}-bootstrap", SECRET)
    assert bootstrap_secret.is_secret("stringData")
    assert bootstrap_secret.inputs["metadata"]["namespace"] == "pg-admin"
    # The Job only gets the SCRAM verifier of the tenant's password, salted by a stored secret.
    password = credentials.inputs["stringData"]["password"]
    salt = result.named(f"db-{SLUG}-salt", "random:index/randomPassword:RandomPassword")
    assert bootstrap_secret.inputs["stringData"] == {
        bootstrap.PASSWORD_ENV: bootstrap.scram_sha256_verifier(
            password, salt.outputs["result"].encode()
        )
    }
    assert password not in str(bootstrap_secret.inputs) and password not in str(job(result).inputs)
    assert "password" in result.secret_outputs
    env = job(result).inputs["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env[0]["name"] == bootstrap.PASSWORD_ENV
    assert (
        env[0]["valueFrom"]["secretKeyRef"]["name"] == bootstrap_secret.outputs["metadata"]["name"]
    )
    assert "value" not in env[0]
    assert {e["name"]: e.get("value") for e in env[1:]} == bootstrap.job_env(
        bootstrap.BootstrapInputs.for_tenant(SLUG, 40)
    )


def _command(result: ProgramResult) -> list[str]:
    return list(job(result).inputs["spec"]["template"]["spec"]["containers"][0]["command"])


def test_command_is_the_bootstrap_module_s(result: ProgramResult) -> None:
    """Names and limit come from the slug and budget through odoo.bootstrap, the same code the
    real-server tests run the SQL with."""
    inputs = bootstrap.BootstrapInputs.for_tenant(SLUG, 40)
    assert _command(result) == bootstrap.render_psql_command(inputs)
    assert "role=nb_consulting" in _command(result) and "db=nb_consulting" in _command(result)
    assert "conn_limit=40" in _command(result) and "ON_ERROR_STOP=1" in _command(result)
    mount = job(result).inputs["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]
    assert f"{mount['mountPath']}/{bootstrap.SQL_RESOURCE}" == bootstrap.SCRIPT_MOUNT_PATH


def test_attributes_name_the_databases_and_credentials() -> None:
    def program() -> None:
        database = TenantDatabase(f"db-{SLUG}", plain_args())
        pulumi.export("names", [database.database_name, database.restore_database_name])
        pulumi.export("role", database.role_name)
        pulumi.export("secret", database.credentials_secret_name)

    declared = run_program(program)
    assert declared.outputs["names"] == ["nb_consulting", "nb_consulting_restore_check"]
    assert declared.outputs["role"] == "nb_consulting"
    credentials = declared.named(f"db-{SLUG}-credentials", SECRET)
    assert declared.outputs["secret"] == credentials.outputs["metadata"]["name"]


def test_config_map_carries_the_packaged_sql(result: ProgramResult) -> None:
    config_map = result.named(f"db-{SLUG}-sql", "kubernetes:core/v1:ConfigMap")
    assert config_map.inputs["data"] == {bootstrap.SQL_RESOURCE: bootstrap.bootstrap_sql()}
    assert config_map.inputs["metadata"]["namespace"] == "pg-admin"
    volume = job(result).inputs["spec"]["template"]["spec"]["volumes"][0]
    assert volume["configMap"]["name"] == config_map.outputs["metadata"]["name"]


def test_job_name_carries_the_input_hash(result: ProgramResult) -> None:
    name = job(result).inputs["metadata"]["name"]
    assert result.outputs["job"] == name
    assert SLUG in name
    same = declare(plain_args())
    assert job(same).inputs["metadata"]["name"] == name
    for change in ({"connection_limit": 41}, {"password_version": 2}, {"host": "other"}):
        changed = declare(plain_args(**change))
        assert job(changed).inputs["metadata"]["name"] != name, change
    # but the logical name (URN) stays, so Pulumi replaces the Job in place
    assert job(declare(plain_args(connection_limit=41))).urn == job(result).urn


def test_credentials_secret_waits_for_the_job(result: ProgramResult) -> None:
    credentials = result.named(f"db-{SLUG}-credentials", SECRET)
    assert job(result).urn in credentials.dependencies


def test_job_pod_is_restricted_and_valid(
    result: ProgramResult, prod_config: PlatformConfig
) -> None:
    spec = job(result).inputs["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    container = spec["containers"][0]["securityContext"]
    assert container["allowPrivilegeEscalation"] is False
    assert container["capabilities"] == {"drop": ["ALL"]}
    assert spec["restartPolicy"] == "Never"
    assert_valid_kubernetes(result.manifests(), prod_config.cluster.kubernetes_version)


def test_from_config_wires_a_server_and_the_budget(prod_config: PlatformConfig) -> None:
    tenant = next(t for t in prod_config.tenants if t.slug == SLUG)

    def program() -> None:
        server = PostgresServer(
            "pg",
            postgres_server_args(
                prod_config,
                connection_budgets(prod_config)[0],
                subnet_ids=["s"],
                vpc_id="v",
                nodes_security_group_id="sg",
                kms_key_arn="k",
            ),
        )
        TenantDatabase(
            f"db-{SLUG}",
            db_args(prod_config, tenant, server, tenant_namespace="t"),
        )

    declared = run_program(program)
    admin_secret = declared.named("pg-admin", SECRET)
    pod = job(declared).inputs["spec"]["template"]["spec"]
    assert (
        pod["containers"][0]["envFrom"][0]["secretRef"]["name"]
        == (admin_secret.outputs["metadata"]["name"])
    )
    assert (
        job(declared).inputs["metadata"]["namespace"]
        == (declared.named("pg-admin", "kubernetes:core/v1:Namespace").outputs["metadata"]["name"])
    )
    limit = tenant_connections(tenant).worst_case
    assert f"conn_limit={limit}" in _command(declared)
    assert job(declared).tenant == SLUG


def test_connection_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="TenantDatabaseArgs: connection_limit: 0 is not allowed"):
        declare(plain_args(connection_limit=0))
