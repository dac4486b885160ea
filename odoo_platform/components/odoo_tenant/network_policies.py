"""The tenant's network allow rules, on top of the namespace's default deny (`TenantNamespace`).

Ingress: Traefik to the web pods' HTTP and gevent ports; the tenant's own pods to the web pods'
HTTP port (wkhtmltopdf fetches report assets from the web Service). Egress: DNS, the database
subnets (PostgreSQL, Redis), NFS in the VPC (EFS), the web pods, HTTPS (S3, STS and other AWS
APIs on public addresses) and, with a relay, its SMTP port to its CIDRs only.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

from odoo_platform.components.odoo_tenant.scope import Manifest, TenantScope, k8s_value, tcp
from odoo_platform.odoo import conf as odoo_conf
from odoo_platform.odoo.names import APP

KUBE_DNS = {"k8s-app": "kube-dns"}
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
NFS_PORT = 2049
POSTGRES_PORT = 5432


def declare_network_policies(scope: TenantScope) -> list[k8s.networking.v1.NetworkPolicy]:
    args = scope.args
    web = {"matchLabels": scope.selector("web")}
    tenant_pods = {"matchLabels": scope.selector()}
    traefik = {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: args.traefik_namespace}}}
    http, gevent = odoo_conf.HTTP_PORT, odoo_conf.GEVENT_PORT
    dns = {
        "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: "kube-system"}},
        "podSelector": {"matchLabels": KUBE_DNS},
    }
    egress: list[Manifest] = [
        {"to": [dns], "ports": [{"protocol": p, "port": 53} for p in ("UDP", "TCP")]},
        {"to": _cidrs(args.database_cidrs), "ports": tcp(POSTGRES_PORT, args.redis_port)},
        {"to": _cidrs([args.vpc_cidr]), "ports": tcp(NFS_PORT)},
        {"to": [{"podSelector": web}], "ports": tcp(http)},
        {"to": _cidrs(["0.0.0.0/0"]), "ports": tcp(443)},
    ]
    if args.smtp is not None:
        egress.append({"to": _cidrs(args.smtp_egress_cidrs), "ports": tcp(args.smtp.port)})
    rules: list[tuple[str, Manifest, Manifest]] = [
        ("from-traefik", web, {"ingress": [{"from": [traefik], "ports": tcp(http, gevent)}]}),
        (
            "internal-http",
            web,
            {"ingress": [{"from": [{"podSelector": tenant_pods}], "ports": tcp(http)}]},
        ),
        ("egress", tenant_pods, {"egress": egress}),
    ]
    return [_policy(scope, suffix, pods, spec) for suffix, pods, spec in rules]


def _policy(
    scope: TenantScope, suffix: str, pod_selector: Manifest, spec: Manifest
) -> k8s.networking.v1.NetworkPolicy:
    types = [kind for kind in ("Ingress", "Egress") if kind.lower() in spec]
    return k8s.networking.v1.NetworkPolicy(
        f"{scope.name}-np-{suffix}",
        metadata=k8s_value(scope.metadata(f"{APP}-{suffix}")),
        spec=k8s_value({"podSelector": pod_selector, "policyTypes": types, **spec}),
        opts=scope.opts(),
    )


def _cidrs(cidrs: pulumi.Input[Sequence[pulumi.Input[str]]]) -> pulumi.Input[list[Manifest]]:
    if isinstance(cidrs, (list, tuple)):
        return [{"ipBlock": {"cidr": cidr}} for cidr in cidrs]
    return pulumi.Output.from_input(cidrs).apply(
        lambda known: [{"ipBlock": {"cidr": cidr}} for cidr in known]
    )
