"""Mail: `SesMailArgs` of the stack, and each tenant's `smtp*` settings for its `OdooTenantArgs`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from odoo_platform.components.mail import SesMail, SesMailArgs
from odoo_platform.config import mail as mail_config
from odoo_platform.config.models import PlatformConfig, TenantConfig
from odoo_platform.odoo.mail import SmtpSettings
from odoo_platform.platform.assembly.secrets import stack_secret


def mail_args(
    config: PlatformConfig,
    *,
    vpc_id: pulumi.Input[str],
    vpc_cidr: pulumi.Input[str],
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
) -> SesMailArgs:
    """SES for the tenants that send through it (`shared_services.mail` in SES mode)."""
    ses = mail_config.ses_settings(config)
    domain, zone = mail_config.ses_domain(config), mail_config.ses_zone_id(config)
    if ses is None or domain is None or zone is None:
        raise ValueError("shared_services.mail is not SES with a domain and a zone")
    return SesMailArgs(
        domain=domain,
        route53_zone_id=zone,
        region=config.region,
        vpc_id=vpc_id,
        vpc_cidr=vpc_cidr,
        subnet_ids=subnet_ids,
        senders=mail_config.ses_senders(config),
        port=ses.port,
        tiers={t.slug: t.tier for t in config.tenants},
    )


def tenant_mail_args(
    config: PlatformConfig, tenant: TenantConfig, ses: SesMail | None
) -> dict[str, Any]:
    """The `smtp*` arguments of the tenant's `OdooTenantArgs` (none without a relay)."""
    relay = mail_config.tenant_relay(config, tenant)
    if relay is None or not relay.ses:
        return relay_args(relay)
    if ses is None or tenant.slug not in ses.logins:
        return {}
    login = ses.logins[tenant.slug]
    return relay_args(relay, (login.user, login.password))


def relay_args(
    relay: mail_config.TenantRelay | None,
    login: tuple[pulumi.Input[str], pulumi.Input[str]] | None = None,
) -> dict[str, Any]:
    """`OdooTenantArgs`'s `smtp*` for a relay; an own relay's password is read from its secret
    stack key (`odoo-platform:<password_secret_key>`)."""
    if relay is None:
        return {}
    if login is None and relay.user is not None and relay.password_secret_key is not None:
        login = (relay.user, stack_secret(relay.password_secret_key))
    smtp = SmtpSettings(
        relay.host,
        relay.port,
        relay.starttls,
        user=relay.user if login is None else None,
        email_from=relay.email_from,
        from_filter=relay.from_filter,
    )
    return {
        "smtp": smtp,
        "smtp_user": login[0] if login else None,
        "smtp_password": login[1] if login else None,
        "smtp_egress_cidrs": relay.egress_cidrs,
    }
