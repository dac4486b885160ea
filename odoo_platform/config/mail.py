"""Who relays each tenant's mail: Amazon SES in the stack's region, the stack's relay, or the
tenant's own (`tenants[].mail`); the rules and plan warnings about it.

With SES, a tenant sends from its first host name, under the stack's SES domain identity: the
tenant's SMTP credentials may only send From that domain (`components/mail.py`), `from_filter`
makes Odoo rewrite any other From to `email_from`, and the SES SMTP endpoint is reached through
an interface endpoint inside the VPC, so egress opens the SMTP port to the VPC only.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

from odoo_platform.config.errors import ConfigIssue, key_path
from odoo_platform.config.mail_settings import SesMailConfig, SmtpRelayConfig
from odoo_platform.config.models import CertManagerTls, PlatformConfig, TenantConfig

SES_SMTP_HOST = "email-smtp.{region}.amazonaws.com"
SES_SENDER = "notifications"
SES_SANDBOX_WARNING = (
    "mail: SES in {region} is in the sandbox until AWS grants production access: it delivers "
    "only to verified addresses, at most 200 messages a day; request it (docs/runbooks/mail.md), "
    "then record shared_services.mail.production_access: true"
)
NO_RELAY_WARNING = (
    "mail: no mail relay (shared_services.mail): tenants {tenants} cannot send invoices, "
    "password resets or notifications"
)


@dataclass(frozen=True)
class TenantRelay:
    """The relay one tenant's Odoo sends through. With SES the user (the access key id) and
    the password come from the deployment; otherwise the password is in a secret stack key."""

    ses: bool
    host: str
    port: int
    starttls: bool
    user: str | None
    password_secret_key: str | None
    email_from: str | None
    from_filter: str | None
    egress_cidrs: tuple[str, ...]


def ses_settings(config: PlatformConfig) -> SesMailConfig | None:
    mail = config.shared_services.mail
    return mail if isinstance(mail, SesMailConfig) else None


def ses_domain(config: PlatformConfig) -> str | None:
    ses, tls = ses_settings(config), config.shared_services.tls
    if ses is None:
        return None
    return ses.domain or (tls.route53_zone_name if isinstance(tls, CertManagerTls) else None)


def ses_zone_id(config: PlatformConfig) -> str | None:
    ses = ses_settings(config)
    return (
        None if ses is None else ses.route53_zone_id or config.shared_services.tls.route53_zone_id
    )


def own_relay(relay: SmtpRelayConfig) -> TenantRelay:
    return TenantRelay(
        ses=False,
        host=relay.host,
        port=relay.port,
        starttls=relay.tls == "starttls",
        user=relay.user,
        password_secret_key=relay.password_secret_key,
        email_from=relay.email_from,
        from_filter=relay.from_filter,
        egress_cidrs=tuple(str(cidr) for cidr in relay.egress_cidrs),
    )


def tenant_relay(config: PlatformConfig, tenant: TenantConfig) -> TenantRelay | None:
    own = tenant.mail or config.shared_services.mail
    if isinstance(own, SmtpRelayConfig):
        return own_relay(own)
    if own is None:
        return None
    domain = tenant.hostnames[0]
    return TenantRelay(
        ses=True,
        host=SES_SMTP_HOST.format(region=config.region),
        port=own.port,
        starttls=True,
        user=None,
        password_secret_key=None,
        email_from=f"{SES_SENDER}@{domain}",
        from_filter=domain,
        egress_cidrs=(str(config.landing_zone.vpc_cidr),),
    )


def ses_senders(config: PlatformConfig) -> dict[str, str]:
    """Tenant slug -> the domain it sends from, for every tenant that sends through SES."""
    return {
        t.slug: relay.from_filter
        for t in config.tenants
        if (relay := tenant_relay(config, t)) is not None and relay.ses and relay.from_filter
    }


def issues(config: PlatformConfig) -> Iterator[ConfigIssue]:
    mail = config.shared_services.mail
    if isinstance(mail, SmtpRelayConfig):
        yield from _relay_issues(("shared_services", "mail"), mail)
    for i, tenant in enumerate(config.tenants):
        if tenant.mail is not None:
            yield from _relay_issues(("tenants", i, "mail"), tenant.mail)
    if isinstance(mail, SesMailConfig):
        yield from _ses_issues(config)


def _relay_issues(path: tuple[str | int, ...], relay: SmtpRelayConfig) -> Iterator[ConfigIssue]:
    if (relay.user is None) != (relay.password_secret_key is None):
        yield ConfigIssue(
            key_path(*path, "password_secret_key"),
            "set both user and password_secret_key (the relay's login), or neither",
        )
    if relay.tls != "none":
        return
    if relay.password_secret_key is not None:
        yield ConfigIssue(
            key_path(*path, "tls"),
            "'none' would send the SMTP password in clear; use 'starttls' with a login",
        )
    public = [str(c) for c in relay.egress_cidrs if not _private(c)]
    if public:
        yield ConfigIssue(
            key_path(*path, "egress_cidrs"),
            f"{', '.join(repr(c) for c in public)} with tls 'none': mail in clear may only go "
            "to a relay on private addresses (10/8, 172.16/12, 192.168/16); use 'starttls'",
        )


def _private(cidr: ipaddress.IPv4Network) -> bool:
    return any(cidr.subnet_of(ipaddress.IPv4Network(n)) for n in _PRIVATE)


_PRIVATE = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


def _ses_issues(config: PlatformConfig) -> Iterator[ConfigIssue]:
    domain = ses_domain(config)
    if domain is None:
        yield ConfigIssue(
            key_path("shared_services", "mail", "domain"),
            "required with tls mode 'acm': the SES domain identity tenants send from "
            "(cert-manager mode defaults it to route53_zone_name)",
        )
    if ses_zone_id(config) is None:
        yield ConfigIssue(
            key_path("shared_services", "mail", "route53_zone_id"),
            "required: the Route53 zone of the SES domain, where its DKIM records go "
            "(tls.route53_zone_id is not set)",
        )
    if domain is None:
        return
    for i, tenant in enumerate(config.tenants):
        host = tenant.hostnames[0]
        if tenant.mail is None and host != domain and not host.endswith("." + domain):
            yield ConfigIssue(
                key_path("tenants", i, "hostnames", 0),
                f"'{host}' is outside the SES domain '{domain}' the tenant sends from; use a "
                "host name under it, or give the tenant its own relay (tenants[].mail)",
            )


def mail_warnings(config: PlatformConfig) -> list[str]:
    """Mail that will not reach people: the SES sandbox, or no relay at all in prod."""
    ses = ses_settings(config)
    if ses is not None and not ses.production_access:
        return [SES_SANDBOX_WARNING.format(region=config.region)]
    # Outside prod no relay is a choice: restored copies must not mail real customers.
    silent = [t.slug for t in config.tenants if tenant_relay(config, t) is None]
    if silent and config.environment == "prod":
        return [NO_RELAY_WARNING.format(tenants=", ".join(silent))]
    return []
