"""`TraefikIngressArgs` of the stack: environment defaults and the TLS mode (no tenant DNS)."""

from __future__ import annotations

import pulumi

from odoo_platform.components.traefik import AcmArgs, CertManagerArgs, TraefikIngressArgs
from odoo_platform.config import defaults
from odoo_platform.config.models import AcmTls, PlatformConfig
from odoo_platform.config.tags import base_tags, labels, resource_tags


def traefik_args(
    config: PlatformConfig,
    *,
    oidc_provider_arn: pulumi.Input[str] | None = None,
    oidc_issuer_url: pulumi.Input[str] | None = None,
) -> TraefikIngressArgs:
    return TraefikIngressArgs(
        vpc_cidr=str(config.landing_zone.vpc_cidr),
        tls=tls_args(config, oidc_provider_arn, oidc_issuer_url),
        chart_version=config.shared_services.traefik.chart_version,
        replicas=defaults.traefik_replicas(config),
        require_zone_spread=defaults.env_defaults(config).ingress_zone_spread,
        labels=labels(config),
        tags=resource_tags(),
        load_balancer_tags={**base_tags(config), **resource_tags()},
        protect_crds=defaults.protect_stateful(config),
    )


def tls_args(
    config: PlatformConfig,
    oidc_provider_arn: pulumi.Input[str] | None,
    oidc_issuer_url: pulumi.Input[str] | None,
) -> CertManagerArgs | AcmArgs:
    """An ACM certificate on the load balancer, or cert-manager with its IRSA role."""
    tls = config.shared_services.tls
    if isinstance(tls, AcmTls):
        return AcmArgs(certificate_arn=tls.certificate_arn)
    if oidc_provider_arn is None or oidc_issuer_url is None:
        raise ValueError(
            "shared_services.tls.mode cert-manager needs the cluster's OIDC provider ARN and "
            "issuer URL for the cert-manager IRSA role"
        )
    return CertManagerArgs(
        acme_email=tls.acme_email,
        route53_zone_id=tls.route53_zone_id,
        route53_zone_name=tls.route53_zone_name,
        oidc_provider_arn=oidc_provider_arn,
        oidc_issuer_url=oidc_issuer_url,
        acme_server=tls.acme_server,
        chart_version=tls.chart_version,
        replicas=defaults.env_defaults(config).cert_manager_replicas,
    )
