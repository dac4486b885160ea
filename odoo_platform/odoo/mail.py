"""Outgoing mail in `odoo.conf` (Odoo 16.0 to 19.0), and its password at runtime.

The "SMTP Configuration" group of `odoo/tools/config.py` is the same on 16.0, 17.0, 18.0 and
19.0: `smtp_server`, `smtp_port`, `smtp_ssl`, `smtp_user`, `smtp_password`, `email_from`,
`from_filter` (and client-certificate options we do not use). `smtp_ssl` is a boolean that means
STARTTLS (`ir_mail_server.connect`: "smtp_ssl => STARTTLS as of v7"): implicit TLS (port 465)
exists only on an `ir.mail_server` record, never in the file. With no such record, every mail
goes through these options; `from_filter` makes Odoo rewrite a From outside the tenant's domain
to its notification address, which `email_from` sets when `mail.default.from` is not set.

The login is never rendered: like `admin_passwd`, an init container appends `smtp_user` and
`smtp_password` from a Secret to the in-memory copy of the file (`smtp_login_lines`): the user
of SES is an access key id, known only once deployed, and travels with its password. (19.0
would also read `ODOO_SMTP_PASSWORD` from the environment; 16.0 to 18.0 read no such variable,
so the file is the one way for every version.)
"""

from __future__ import annotations

from dataclasses import dataclass

SMTP_USER_ENV = "ODOO_SMTP_USER"
SMTP_PASSWORD_ENV = "ODOO_SMTP_PASSWORD"
IMPLICIT_TLS_PORT = 465


@dataclass(frozen=True)
class SmtpSettings:
    """The relay Odoo sends through; `starttls` False sends in clear (a relay inside the VPC).
    `user` is rendered for a relay without password; a login comes from a Secret."""

    host: str
    """The relay's host name (`smtp_server`)."""
    port: int = 587
    """The relay's STARTTLS port (`smtp_port`); 465 (implicit TLS) is refused: Odoo's `smtp_ssl`
    means STARTTLS."""
    starttls: bool = True
    """`smtp_ssl`: STARTTLS on; false sends in clear (a relay inside the VPC only)."""
    user: str | None = None
    """`smtp_user` rendered into odoo.conf, for a relay without password; a login with a password
    comes from a Secret instead."""
    email_from: str | None = None
    """`email_from`: the From address of notifications when `mail.default.from` is not set."""
    from_filter: str | None = None
    """`from_filter`: From addresses outside it are rewritten to the notification address (the
    tenant's domain)."""

    def __post_init__(self) -> None:
        if self.port == IMPLICIT_TLS_PORT:
            raise ValueError(
                f"SMTP port 465 (implicit TLS) cannot be set in odoo.conf: its smtp_ssl means "
                f"STARTTLS; use the relay's STARTTLS port (587) for {self.host}"
            )


def smtp_options(smtp: SmtpSettings | None) -> list[tuple[str, object]]:
    """The `[options]` entries of the relay, password excluded."""
    if smtp is None:
        return []
    items: list[tuple[str, object]] = [
        ("smtp_server", smtp.host),
        ("smtp_port", smtp.port),
        ("smtp_ssl", smtp.starttls),
    ]
    optional = {"smtp_user": smtp.user, "email_from": smtp.email_from}
    optional["from_filter"] = smtp.from_filter
    return items + [(key, value) for key, value in optional.items() if value]


def smtp_login_lines() -> str:
    """Shell that appends `smtp_user` and `smtp_password` from the environment (a Secret)."""
    return (
        f"printf 'smtp_user = %s\\nsmtp_password = %s\\n' "
        f'"${SMTP_USER_ENV}" "${SMTP_PASSWORD_ENV}"'
    )
