"""Odoo's rendered mail settings against a real SMTP relay (aiosmtpd) that, like SES, requires
STARTTLS before AUTH.

The file is rendered and completed by the init container's own shell snippets, read back as
odoo/tools/config.py reads it, and the connection made as `ir.mail_server.connect` does for the
settings from the file (16.0 to 19.0): `smtplib.SMTP(server, port)`, `starttls()` when
`smtp_ssl`, `login(user, password)` when a user is set, then send.
"""

from __future__ import annotations

import configparser
import os
import smtplib
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from odoo_platform.config.catalog import SIZE_PROFILES
from odoo_platform.odoo import mail
from odoo_platform.odoo.conf import OdooConf, render
from odoo_platform.odoo.mail import SmtpSettings
from tests.servers import free_port, missing

USER, PASSWORD = "AKIA2EXAMPLE", "BH+jbMzper5Wwl/war9E1y=%s$x"


@dataclass
class Inbox:
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(  # noqa: N802 (the name aiosmtpd calls)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        self.messages.append((str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return "250 OK"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            self.logins.append(USER)
        return AuthResult(success=ok, handled=False)  # the server answers 535 itself


@dataclass(frozen=True)
class Relay:
    port: int
    ca_file: Path
    inbox: Inbox


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Relay]:
    workdir = tmp_path_factory.mktemp("relay")
    cert, key = workdir / "relay.crt", workdir / "relay.key"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
             "-keyout", str(key), "-out", str(cert)],
            check=True,
            capture_output=True,
        )  # fmt: skip
    except FileNotFoundError:
        missing("openssl (apt-get install openssl)")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        auth_require_tls=True,
        authenticator=inbox.authenticate,
    )
    controller.start()
    try:
        yield Relay(controller.port, cert, inbox)
    finally:
        controller.stop()


def rendered_options(tmp_path: Path, version: str, smtp: SmtpSettings, password: str) -> Any:
    """The completed file of a web pod, read as odoo/tools/config.py reads it."""
    conf = OdooConf.from_profile(version, "acme", SIZE_PROFILES["s"])  # type: ignore[arg-type]
    target = tmp_path / "odoo.conf"
    target.write_text(render(replace(conf, smtp=smtp), "web"))
    env = {**os.environ, mail.SMTP_USER_ENV: USER, mail.SMTP_PASSWORD_ENV: password}
    subprocess.run(
        ["/bin/sh", "-ec", f"{mail.smtp_login_lines()} >> {target}"], env=env, check=True
    )
    parser = configparser.RawConfigParser()
    parser.read(target)
    return parser["options"]


def send_as_odoo(options: Any, ca_file: Path) -> None:
    """ir.mail_server.connect + send_email for the settings of the file."""
    connection = smtplib.SMTP("localhost", int(options["smtp_port"]), timeout=10)
    try:
        if options["smtp_ssl"] == "True":
            connection.starttls(context=ssl.create_default_context(cafile=str(ca_file)))
        if options.get("smtp_user"):
            connection.login(options["smtp_user"], options["smtp_password"])
        message = EmailMessage()
        message["From"] = options["email_from"]
        message["To"] = "client@example.org"
        message["Subject"] = "Invoice INV/2026/00042"
        message.set_content("Please find your invoice attached.")
        connection.send_message(message)
    finally:
        connection.close()


def settings(relay: Relay, **changes: Any) -> SmtpSettings:
    base = SmtpSettings(
        "localhost", relay.port, True, None, "notifications@acme.example", "acme.example"
    )
    return replace(base, **changes)


@pytest.mark.parametrize("version", ["16.0", "17.0", "18.0", "19.0"])
def test_invoice_mail_reaches_a_starttls_relay_with_the_rendered_login(
    version: str, relay: Relay, tmp_path: Path
) -> None:
    before = len(relay.inbox.messages)
    send_as_odoo(rendered_options(tmp_path, version, settings(relay), PASSWORD), relay.ca_file)
    sender, recipients, content = relay.inbox.messages[before]
    assert (sender, recipients) == ("notifications@acme.example", ["client@example.org"])
    assert b"INV/2026/00042" in content
    assert relay.inbox.logins[-1] == USER


def test_without_starttls_the_relay_refuses_the_login(relay: Relay, tmp_path: Path) -> None:
    options = rendered_options(tmp_path, "18.0", settings(relay, starttls=False), PASSWORD)
    with pytest.raises(smtplib.SMTPException):
        send_as_odoo(options, relay.ca_file)


def test_a_wrong_password_is_refused(relay: Relay, tmp_path: Path) -> None:
    options = rendered_options(tmp_path, "18.0", settings(relay), "rotated-away")
    with pytest.raises(smtplib.SMTPAuthenticationError):
        send_as_odoo(options, relay.ca_file)
