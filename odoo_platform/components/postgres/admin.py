"""The admin namespace of a server: where the platform's bootstrap Jobs run with the admin
credentials, which tenant pods (in their own namespaces) cannot mount."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from odoo_platform.components._shared.iam import irsa_trust_policy, policy_document
from odoo_platform.components._shared.k8s import (
    Manifest,
    manifest,
    restricted_namespace,
)
from odoo_platform.components._shared.network import HTTPS_PORT
from odoo_platform.components.postgres.args import AdminRotation
from odoo_platform.components.postgres.names import admin_namespace_name
from odoo_platform.components.postgres.scope import ADMIN_USERNAME, POSTGRES_PORT, Scope

# Keys of the admin Secret are libpq's environment variables, so `envFrom` gives psql a session.
ADMIN_SECRET_KEYS = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE")
# Bootstrap Jobs run one at a time per tenant; a burst of onboardings stays well inside this.
ADMIN_QUOTA = {"pods": "10", "requests.cpu": "1", "requests.memory": "1Gi", "limits.memory": "2Gi"}


def admin_pgpass_script() -> str:
    """The admin Jobs' init script: the current admin password from Secrets Manager as a pgpass."""
    return resources.files("odoo_platform.components").joinpath("admin_pgpass.sh").read_text()


@dataclass(frozen=True)
class AdminAccess:
    """What tenant bootstrap Jobs are given: the namespace, the Secret and, with rotation, the
    service account that reads the current password."""

    namespace: pulumi.Output[str]
    secret_name: pulumi.Output[str]
    service_account: pulumi.Output[str] | None


@dataclass(frozen=True)
class Server:
    """How the Jobs reach the server."""

    address: pulumi.Output[str]
    port: pulumi.Output[int]
    password: pulumi.Output[str]
    secret_arn: pulumi.Output[str]


def admin_access(scope: Scope, server: Server) -> AdminAccess:
    """A namespace only platform Jobs use, with the admin Secret and a tight egress policy."""
    labels = dict(scope.args.k8s_labels)
    namespace = restricted_namespace(
        scope.owner, f"{scope.name}-admin", admin_namespace_name(scope.name), labels
    )
    name = namespace.metadata.name
    _guardrails(scope, name, labels)
    connection: dict[str, pulumi.Input[str]] = {
        "PGHOST": server.address,
        "PGPORT": server.port.apply(str),
        "PGUSER": ADMIN_USERNAME,
        "PGDATABASE": "postgres",
        "PGSSLMODE": "require",
    }
    reader = None
    if scope.args.rotation is None:
        connection["PGPASSWORD"] = server.password
    else:  # the Jobs read the current password (admin_pgpass.sh): none is kept here
        reader = _reader(scope, scope.args.rotation, name, server.secret_arn, labels)
    secret = k8s.core.v1.Secret(
        f"{scope.name}-admin",
        metadata={"namespace": name, "labels": labels},
        type="Opaque",
        string_data=connection,
        opts=scope.opts(),
    )
    _network_policy(scope, name, labels)
    return AdminAccess(name, secret.metadata.name, reader)


def _reader(
    scope: Scope,
    rotation: AdminRotation,
    namespace: pulumi.Output[str],
    secret_arn: pulumi.Output[str],
    labels: dict[str, str],
) -> pulumi.Output[str]:
    """The admin Jobs' service account, allowed (IRSA) to read this server's secret only."""
    account_name = f"{admin_namespace_name(scope.name)[:50]}-jobs"
    role = aws.iam.Role(
        f"{scope.name}-admin-reader",
        description=f"admin Jobs of {scope.name}: read the current admin password",
        assume_role_policy=irsa_trust_policy(
            rotation.oidc_provider_arn, rotation.oidc_issuer_url, namespace, account_name
        ),
        tags=scope.tags,
        opts=scope.opts(),
    )
    aws.iam.RolePolicy(
        f"{scope.name}-admin-reader",
        role=role.id,
        policy=pulumi.Output.json_dumps(
            policy_document(
                {
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": secret_arn,
                },
                {
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": scope.args.kms_key_arn,
                    "Condition": {
                        "StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}
                    },
                },
            )
        ),
        opts=scope.opts(),
    )
    account = k8s.core.v1.ServiceAccount(
        f"{scope.name}-admin-jobs",
        metadata={
            "name": account_name,
            "namespace": namespace,
            "labels": labels,
            "annotations": {"eks.amazonaws.com/role-arn": role.arn},
        },
        automount_service_account_token=False,
        opts=scope.opts(),
    )
    return account.metadata.name


def _guardrails(scope: Scope, namespace: pulumi.Output[str], labels: dict[str, str]) -> None:
    """Deny all traffic by default and bound what the bootstrap Jobs may consume."""
    deny: Manifest = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    k8s.networking.v1.NetworkPolicy(
        f"{scope.name}-admin-deny",
        metadata={"namespace": namespace, "labels": labels},
        spec=manifest(deny),
        opts=scope.opts(),
    )
    k8s.core.v1.ResourceQuota(
        f"{scope.name}-admin",
        metadata={"namespace": namespace, "labels": labels},
        spec={"hard": ADMIN_QUOTA},
        opts=scope.opts(),
    )
    defaults: Manifest = {
        "type": "Container",
        "default": {"cpu": "500m", "memory": "128Mi"},
        "defaultRequest": {"cpu": "50m", "memory": "64Mi"},
    }
    k8s.core.v1.LimitRange(
        f"{scope.name}-admin",
        metadata={"namespace": namespace, "labels": labels},
        spec=manifest({"limits": [defaults]}),
        opts=scope.opts(),
    )


def _network_policy(scope: Scope, namespace: pulumi.Output[str], labels: dict[str, str]) -> None:
    """DNS, the database and, with rotation, HTTPS (STS and Secrets Manager) out; nothing in."""
    database: list[Manifest] = [{"protocol": "TCP", "port": POSTGRES_PORT}]
    if scope.args.rotation:
        database.append({"protocol": "TCP", "port": HTTPS_PORT})
    spec: Manifest = {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
        "egress": [
            {"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
            {"ports": database},
        ],
    }
    k8s.networking.v1.NetworkPolicy(
        f"{scope.name}-admin",
        metadata={"namespace": namespace, "labels": labels},
        spec=manifest(spec),
        opts=scope.opts(),
    )
