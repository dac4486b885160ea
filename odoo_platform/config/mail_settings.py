"""The mail settings of the stack configuration: a tenant's own SMTP relay and the platform's SES
(`shared_services.mail`); see `config/mail.py` for what they resolve to."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, field_validator

from odoo_platform.config.fields import HOSTNAME_PATTERN, Strict

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"


class SmtpRelayConfig(Strict):
    """A relay of one's own: the firm's mail provider, or a relay inside the VPC."""

    mode: Literal["smtp"] = "smtp"
    host: str = Field(pattern=HOSTNAME_PATTERN, max_length=253)
    port: int = Field(587, ge=1, le=65535, description="a STARTTLS (or plain) port, never 465")
    tls: Literal["starttls", "none"] = Field(
        "starttls", description="none: only to a relay on private addresses, without password"
    )
    user: str | None = Field(None, min_length=1, max_length=256)
    password_secret_key: str | None = Field(
        None,
        pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$",
        description="name of the secret stack config key (pulumi config set --secret) that "
        "holds the SMTP password",
    )
    email_from: str | None = Field(
        None, pattern=EMAIL_PATTERN, description="sender when Odoo has no mail.default.from"
    )
    from_filter: str | None = Field(
        None, min_length=3, max_length=253, description="the domain or address the relay accepts"
    )
    egress_cidrs: list[ipaddress.IPv4Network] = Field(
        default_factory=lambda: [ipaddress.IPv4Network("0.0.0.0/0")],
        min_length=1,
        description="where the relay is: tenant pods reach its port there only",
    )

    @field_validator("port")
    @classmethod
    def _starttls_port(cls, value: int) -> int:
        if value == 465:
            raise ValueError(
                "465 is implicit TLS, which odoo.conf cannot express (its smtp_ssl means "
                "STARTTLS); use the relay's STARTTLS port, usually 587"
            )
        return value


class SesMailConfig(Strict):
    """Amazon SES in the stack's region: a domain identity with DKIM, SMTP credentials per
    tenant (docs/runbooks/mail.md)."""

    mode: Literal["ses"]
    domain: str | None = Field(
        None,
        pattern=HOSTNAME_PATTERN,
        description="the SES domain identity; tenants send from their host name under it; "
        "default: the cert-manager Route53 zone name",
    )
    route53_zone_id: str | None = Field(
        None, pattern=r"^Z[A-Z0-9]{4,32}$", description="zone of the DKIM records; default: TLS's"
    )
    port: Literal[587, 2587] = Field(587, description="STARTTLS port of the SES SMTP endpoint")
    production_access: bool = Field(
        False,
        description="record true once AWS has granted production access (the account leaves "
        "the SES sandbox); until then the plan warns",
    )


MailConfig = Annotated[SmtpRelayConfig | SesMailConfig, Field(discriminator="mode")]
