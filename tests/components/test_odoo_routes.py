"""The tenant's IngressRoute: which router serves each kind of request, and with which
middlewares (resolved as Traefik does: highest priority first, first matching rule wins)."""

from __future__ import annotations

from typing import Any

import pytest

from odoo_platform.components.odoo_tenant.ingress import middlewares, routes
from odoo_platform.config.catalog import SIZE_PROFILES
from tests.components.tenant_programs import run_tenants, sample_config, tenant
from tests.k8s_validation import validate_manifest
from tests.traefik_rules import Request, compile_rule, winner

HOSTS = ("acme.erp.example", "books.acme.example")
ROUTES = routes(HOSTS, "odoo", "odoo-websocket-transport")
SPECS = middlewares(SIZE_PROFILES["m"])
KINDS = {f"odoo-{name}": next(iter(spec)) for name, spec in SPECS.items()}


def served(path: str, method: str = "GET", host: str = HOSTS[0]) -> tuple[int, set[str]]:
    """(backend port, kinds of the middlewares) of the router that serves the request."""
    route = winner(ROUTES, Request(host, path, method))
    assert route is not None, (method, path)
    (service,) = route["services"]
    return service["port"], {KINDS[m["name"]] for m in route["middlewares"]}


def test_rule_evaluator_follows_traefiks_precedence() -> None:
    rule = compile_rule("Host(`a.example`) && Path(`/x`) || Method(`POST`) && !PathPrefix(`/y`)")
    assert rule(Request("a.example", "/x"))
    assert rule(Request("b.example", "/z", "POST"))
    assert not rule(Request("b.example", "/y/1", "POST"))
    assert not rule(Request("b.example", "/x"))
    with pytest.raises(ValueError, match="not implemented"):
        compile_rule("HostRegexp(`.*`)")


@pytest.mark.parametrize(
    "path",
    [
        "/web/content/42?download=true",
        "/web/image/res.partner/7/avatar_128",
        "/report/pdf/account.report_invoice/12",
        "/web/assets/1/web.assets_web.min.js",
        "/odoo/action-123",
    ],
)
def test_downloads_and_pages_are_not_buffered(path: str) -> None:
    port, kinds = served(path.split("?", maxsplit=1)[0])
    assert port == 8069
    assert "buffering" not in kinds
    assert {"headers", "rateLimit"} <= kinds


@pytest.mark.parametrize(
    "path", ["/report/download", "/web/export/xlsx", "/web/export/csv", "/web/content"]
)
def test_posted_downloads_are_not_buffered(path: str) -> None:
    _, kinds = served(path, "POST")
    assert "buffering" not in kinds


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/web/dataset/call_kw/res.partner/web_search_read", "POST"),
        ("/web/binary/upload_attachment", "POST"),
        ("/mail/attachment/upload", "POST"),
        ("/html_editor/attachment/add_data", "POST"),
        ("/jsonrpc", "POST"),
        ("/xmlrpc/2/object", "POST"),
        ("/web/dataset/call_kw", "PUT"),
    ],
)
def test_uploads_and_rpc_are_buffered_with_the_size_cap(path: str, method: str) -> None:
    _, kinds = served(path, method)
    assert "buffering" in kinds


def test_the_buffering_cap_is_request_only_where_it_is_attached() -> None:
    (name,) = [n for n, kind in KINDS.items() if kind == "buffering"]
    buffering = SPECS[name.removeprefix("odoo-")]["buffering"]
    assert buffering["maxRequestBodyBytes"] == 128 * 1024 * 1024


def test_websocket_is_never_buffered_or_rate_limited() -> None:
    port, kinds = served("/websocket")
    assert port == 8072
    assert not {"buffering", "rateLimit"} & kinds


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
@pytest.mark.parametrize("path", ["/web/database/manager", "/web/database/drop", "/xmlrpc/2/db"])
def test_the_database_manager_is_denied_for_every_method(path: str, method: str) -> None:
    _, kinds = served(path, method)
    assert kinds == {"ipAllowList"}


@pytest.mark.parametrize("path", ["/web/login", "/web/reset_password", "/web/session/authenticate"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sign_in_paths_are_limited_per_client_address(path: str, method: str) -> None:
    route = winner(ROUTES, Request(HOSTS[1], path, method))
    assert route is not None
    names = [m["name"] for m in route["middlewares"]]
    assert "odoo-login-rate-limit" in names and "odoo-rate-limit" in names


def test_other_hosts_are_not_served() -> None:
    assert winner(ROUTES, Request("other.example", "/web/login")) is None


def test_rate_limits_key_on_the_tenant_host_and_on_the_client_address_for_sign_in() -> None:
    tenant_wide = SPECS["rate-limit"]["rateLimit"]
    assert tenant_wide["sourceCriterion"] == {"requestHost": True}
    profile = SIZE_PROFILES["m"]
    assert tenant_wide["average"] >= 25 * profile.http_workers * profile.max_replicas
    sign_in = SPECS["login-rate-limit"]["rateLimit"]
    assert "sourceCriterion" not in sign_in  # Traefik's default: the client's address


@pytest.mark.parametrize("size", list(SIZE_PROFILES))
def test_middlewares_and_routes_are_valid_custom_resources(size: str) -> None:
    for name, spec in middlewares(SIZE_PROFILES[size]).items():
        validate_manifest(_custom("Middleware", name, spec), "1.33")
    route = {"entryPoints": ["websecure"], "routes": ROUTES}
    validate_manifest(_custom("IngressRoute", "route", route), "1.33")


def _custom(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": f"odoo-{name}", "namespace": "odoo-acme"},
        "spec": spec,
    }


def test_the_tenant_declares_these_routes_and_every_middleware_they_use() -> None:
    config = sample_config()
    result = run_tenants(config, [tenant(config, "nb-engineering")])
    (route,) = [m for m in result.manifests() if m["kind"] == "IngressRoute"]
    hosts = tuple(tenant(config, "nb-engineering").hostnames)
    assert route["spec"]["routes"] == routes(hosts, "odoo", "odoo-websocket-transport")
    declared = {m["metadata"]["name"] for m in result.manifests() if m["kind"] == "Middleware"}
    used = {m["name"] for r in route["spec"]["routes"] for m in r["middlewares"]}
    assert used <= declared
    download = winner(route["spec"]["routes"], Request(hosts[0], "/web/content/9"))
    assert download is not None
    assert "odoo-request-size" not in {m["name"] for m in download["middlewares"]}
