"""A tenant's Traefik IngressRoute, Middlewares, websocket ServersTransport and Certificate.

All live in the tenant's namespace: cross-namespace references are off in Traefik, so a tenant's
IngressRoute can only use middlewares and TLS secrets of its own. The routers and middlewares are
plain manifests (`routes`, `middlewares`), tested on their own.

Traefik's `buffering` middleware buffers the response as well as the request (its
`memResponseBodyBytes`, then disk; the CRD has no request-only mode), so it is attached only
where request bodies come in: uploads and RPC (`POST`, `PUT`, ...). There it keeps a slow
upload from holding an Odoo worker and answers 413 above 128 MiB, Odoo's own cap
(`DEFAULT_MAX_CONTENT_LENGTH` in odoo/http.py, 16.0 to 19.0). Reads (`GET`, `HEAD`: pages,
`/web/content`, `/web/image`, `/web/assets`, `/report/pdf`) and the downloads that are posted
(`/report/download`, `/web/export/*`: small form bodies, large files back) stream unbuffered;
Odoo still refuses their bodies above 128 MiB.

Routers, highest priority first (Traefik serves a request by the first matching one):

| priority | matches | middlewares |
|---|---|---|
| 300 | the database manager | deny |
| 250 | sign-in paths | headers, strip, tenant limit, per-address limit, buffering |
| 200 | `/websocket` (gevent port) | headers, strip |
| 160 | posted downloads | headers, strip, tenant limit |
| 150 | `GET`/`HEAD` | headers, strip, tenant limit |
| 100 | everything else (uploads, RPC) | headers, strip, tenant limit, buffering |

Rate limits. Keyed on the client address, one office behind NAT would be one client, so the
tenant-wide limit keys on the request's host (`sourceCriterion.requestHost`): it caps what the
tenant's workers could serve anyway, and nobody evades it (the router only matches the
tenant's hosts; forged `X-Forwarded-For` or cookies change nothing). A header key
(`requestHeaderName`) would be evaded by sending a new value with each request, and a
missing header puts every client in one bucket. Guessing passwords is slowed per client
address on the sign-in paths only (Traefik's default `ipStrategy`: the address the load
balancer's proxy protocol gives), where an office signs in a few people a second at most,
on top of Odoo's own per-address login cooldown. Limits count per Traefik replica.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi_kubernetes as k8s

from odoo_platform.components.odoo_tenant.scope import Manifest, TenantScope, k8s_value
from odoo_platform.config.catalog import SizeProfile
from odoo_platform.odoo import conf as odoo_conf
from odoo_platform.odoo.names import APP

TRAEFIK_API = "traefik.io/v1alpha1"
STRIPPED_REQUEST_HEADERS = ("X-Odoo-Database", "X-Odoo-Dbfilter", "X-Openerp-Database")
BLOCKED_PATHS = ("/web/database", "/xmlrpc/db", "/xmlrpc/2/db")
SIGN_IN_PATHS = (
    "/web/login",
    "/web/reset_password",
    "/web/signup",
    "/web/session/authenticate",
    "/xmlrpc/common",
    "/xmlrpc/2/common",
)
POSTED_DOWNLOADS = ("/report/download", "/web/export/xlsx", "/web/export/csv", "/web/content")
READ_METHODS = ("GET", "HEAD")
MAX_REQUEST_BODY_BYTES = 128 * 1024 * 1024  # Odoo's DEFAULT_MAX_CONTENT_LENGTH
REQUESTS_PER_WORKER = 25  # requests/s one prefork worker serves at most (light RPC)


def declare_ingress(scope: TenantScope) -> list[k8s.apiextensions.CustomResource]:
    """Middlewares, the websocket transport, the Certificate (with a cluster issuer) and the
    IngressRoute (TLS from that certificate's secret)."""
    args = scope.args
    declared = [
        _custom(scope, suffix, TRAEFIK_API, "Middleware", spec)
        for suffix, spec in middlewares(args.profile).items()
    ]
    transport = _custom(
        scope,
        "websocket-transport",
        TRAEFIK_API,
        "ServersTransport",
        {"forwardingTimeouts": {"dialTimeout": "30s", "idleConnTimeout": "3600s"}},
    )
    declared.append(transport)
    route: Manifest = {
        "entryPoints": [args.entry_point],
        "routes": routes(args.hostnames, APP, f"{APP}-websocket-transport"),
    }
    if args.cluster_issuer is not None:
        tls_secret = f"{APP}-{args.slug}-tls"
        certificate = {
            "secretName": tls_secret,
            "dnsNames": list(args.hostnames),
            "issuerRef": {
                "name": args.cluster_issuer,
                "kind": "ClusterIssuer",
                "group": "cert-manager.io",
            },
            "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
        }
        declared.append(
            _custom(scope, "certificate", "cert-manager.io/v1", "Certificate", certificate)
        )
        route["tls"] = {"secretName": tls_secret}
    declared.append(_custom(scope, "route", TRAEFIK_API, "IngressRoute", route))
    return declared


def _custom(
    scope: TenantScope, suffix: str, api_version: str, kind: str, spec: Manifest
) -> k8s.apiextensions.CustomResource:
    return k8s.apiextensions.CustomResource(
        f"{scope.name}-{suffix}",
        api_version=api_version,
        kind=kind,
        metadata=k8s_value(scope.metadata(f"{APP}-{suffix}")),
        spec=spec,
        opts=scope.opts(),
    )


def middlewares(profile: SizeProfile) -> dict[str, Manifest]:
    """The tenant's Traefik middlewares, by name suffix (all in the tenant's namespace)."""
    ceiling = REQUESTS_PER_WORKER * profile.http_workers * profile.max_replicas
    return {
        "security-headers": {
            "headers": {
                "stsSeconds": 31536000,
                "stsIncludeSubdomains": True,
                "forceSTSHeader": True,
                "contentTypeNosniff": True,
                "customFrameOptionsValue": "SAMEORIGIN",
                "referrerPolicy": "strict-origin-when-cross-origin",
            }
        },
        # an empty value removes the header: clients cannot pick a database
        "strip-db-headers": {
            "headers": {"customRequestHeaders": dict.fromkeys(STRIPPED_REQUEST_HEADERS, "")}
        },
        "rate-limit": {
            "rateLimit": {
                "average": ceiling,
                "period": "1s",
                "burst": 4 * ceiling,
                "sourceCriterion": {"requestHost": True},
            }
        },
        "login-rate-limit": {"rateLimit": {"average": 5, "period": "1s", "burst": 100}},
        "request-size": {
            "buffering": {
                "maxRequestBodyBytes": MAX_REQUEST_BODY_BYTES,
                "memRequestBodyBytes": 2 * 1024 * 1024,
            }
        },
        # nobody is allowed: answers 403 for the database manager paths
        "deny": {"ipAllowList": {"sourceRange": ["127.0.0.1/32"], "rejectStatusCode": 403}},
    }


def routes(hostnames: Sequence[str], service: str, websocket_transport: str) -> list[Manifest]:
    """The IngressRoute's routers (see the module docstring for the table)."""
    hosts = " || ".join(f"Host(`{host}`)" for host in hostnames)

    def rule(*matchers: str) -> str:
        return f"({hosts}) && ({' || '.join(matchers)})"

    def route(priority: int, match: str, names: Sequence[str], port: int, **extra: Any) -> Manifest:
        return {
            "kind": "Rule",
            "match": match,
            "priority": priority,
            "middlewares": [{"name": f"{APP}-{name}"} for name in names],
            "services": [{"name": service, "port": port, **extra}],
        }

    common = ("security-headers", "strip-db-headers")
    streamed = [*common, "rate-limit"]  # no buffering: responses stream back
    http = odoo_conf.HTTP_PORT
    return [
        route(300, rule(*_prefixes(BLOCKED_PATHS)), ["deny"], http),
        route(
            250,
            rule(*_prefixes(SIGN_IN_PATHS)),
            [*common, "rate-limit", "login-rate-limit", "request-size"],
            http,
        ),
        # no buffering, compression or rate limit on the long-lived websocket
        route(
            200,
            rule(f"PathPrefix(`{odoo_conf.WEBSOCKET_PATH}`)"),
            list(common),
            odoo_conf.GEVENT_PORT,
            serversTransport=websocket_transport,
        ),
        route(160, rule(*(f"Path(`{p}`)" for p in POSTED_DOWNLOADS)), streamed, http),
        route(150, rule(*(f"Method(`{m}`)" for m in READ_METHODS)), streamed, http),
        route(100, f"({hosts})", [*common, "rate-limit", "request-size"], http),
    ]


def _prefixes(paths: Sequence[str]) -> list[str]:
    return [f"PathPrefix(`{path}`)" for path in paths]
