"""The tenant's Secrets: the generated admin passwords, the SMTP login and the Redis URL.

`admin_passwd` is Odoo's master password; the login password is that of Odoo's first user, set
by the init Job on first install only. Every value is a Pulumi secret.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from odoo_platform.components.odoo_tenant.scope import (
    ADMIN_SECRET,
    SMTP_SECRET,
    TenantScope,
    k8s_value,
)
from odoo_platform.odoo.names import APP


@dataclass(frozen=True)
class Credentials:
    admin: k8s.core.v1.Secret
    admin_password: pulumi.Output[str]
    admin_login_password: pulumi.Output[str]
    smtp: k8s.core.v1.Secret | None
    redis: k8s.core.v1.Secret | None


def declare_credentials(scope: TenantScope, admin_login: str) -> Credentials:
    name = scope.name
    password = random.RandomPassword(
        f"{name}-admin-passwd", length=32, special=False, opts=scope.opts()
    )
    login = random.RandomPassword(
        f"{name}-admin-login-passwd", length=24, special=False, opts=scope.opts()
    )
    admin_password: pulumi.Output[str] = pulumi.Output.secret(password.result)
    login_password: pulumi.Output[str] = pulumi.Output.secret(login.result)
    return Credentials(
        admin=k8s.core.v1.Secret(
            f"{name}-admin",
            metadata=k8s_value(scope.metadata(ADMIN_SECRET)),
            type="Opaque",
            string_data={
                "admin_passwd": admin_password,
                "login": admin_login,
                "login_password": login_password,
            },
            opts=scope.opts(),
        ),
        admin_password=admin_password,
        admin_login_password=login_password,
        smtp=_smtp_login(scope),
        redis=_redis(scope),
    )


def _smtp_login(scope: TenantScope) -> k8s.core.v1.Secret | None:
    args = scope.args
    if args.smtp_user is None or args.smtp_password is None:
        return None
    return k8s.core.v1.Secret(
        f"{scope.name}-smtp",
        metadata=k8s_value(scope.metadata(SMTP_SECRET)),
        type="Opaque",
        string_data={"user": args.smtp_user, "password": pulumi.Output.secret(args.smtp_password)},
        opts=scope.opts(),
    )


def _redis(scope: TenantScope) -> k8s.core.v1.Secret | None:
    args = scope.args
    if args.redis_password is None or args.redis_host is None:
        return None
    password = pulumi.Output.secret(args.redis_password)
    user = args.redis_user or args.slug
    url = pulumi.Output.format(
        "rediss://{0}:{1}@{2}:{3}/0", user, password, args.redis_host, args.redis_port
    )
    return k8s.core.v1.Secret(
        f"{scope.name}-redis",
        metadata=k8s_value(scope.metadata(f"{APP}-redis")),
        type="Opaque",
        string_data={"user": user, "password": password, "url": url},
        opts=scope.opts(),
    )
