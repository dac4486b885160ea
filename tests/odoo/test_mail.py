"""Outgoing mail in `odoo.conf`: the option names of Odoo 16.0-19.0 and the password at runtime."""

from __future__ import annotations

import configparser
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from odoo_platform.config.catalog import SIZE_PROFILES
from odoo_platform.odoo import mail
from odoo_platform.odoo.conf import OdooConf, admin_passwd_line, render
from odoo_platform.odoo.mail import SmtpSettings

VERSIONS = ("16.0", "17.0", "18.0", "19.0")
# The "SMTP Configuration" group of odoo/tools/config.py, identical on 16.0, 17.0, 18.0, 19.0.
ODOO_SMTP_OPTIONS = {
    "email_from",
    "from_filter",
    "smtp_server",
    "smtp_port",
    "smtp_ssl",
    "smtp_user",
    "smtp_password",
    "smtp_ssl_certificate_filename",
    "smtp_ssl_private_key_filename",
}
SES = SmtpSettings(
    "email-smtp.eu-west-1.amazonaws.com",
    587,
    True,
    "AKIAEXAMPLE",
    "notifications@acme.example.com",
    "acme.example.com",
)


def make(version: str, smtp: SmtpSettings | None = SES) -> OdooConf:
    conf = OdooConf.from_profile(version, "acme", SIZE_PROFILES["s"])  # type: ignore[arg-type]
    return replace(conf, smtp=smtp)


def odoo_file_options(text: str) -> dict[str, str]:
    """As Odoo reads the file: RawConfigParser, section [options] (odoo/tools/config.py)."""
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return dict(parser.items("options"))


@pytest.mark.parametrize("version", VERSIONS)
def test_smtp_options_use_each_versions_names(version: str) -> None:
    for role in ("web", "cron", "job"):
        options = odoo_file_options(render(make(version), role))
        smtp = {k: v for k, v in options.items() if k.startswith("smtp") or "from" in k}
        assert set(smtp) <= ODOO_SMTP_OPTIONS
        assert smtp == {
            "smtp_server": "email-smtp.eu-west-1.amazonaws.com",
            "smtp_port": "587",
            "smtp_ssl": "True",  # a boolean: STARTTLS on every version
            "smtp_user": "AKIAEXAMPLE",
            "email_from": "notifications@acme.example.com",
            "from_filter": "acme.example.com",
        }


def test_no_relay_no_smtp_options() -> None:
    options = odoo_file_options(render(make("18.0", smtp=None), "web"))
    assert not {k for k in options if k.startswith("smtp") or "from" in k}


def test_plain_smtp_renders_smtp_ssl_false() -> None:
    relay = SmtpSettings("relay.internal", 25, starttls=False)
    assert odoo_file_options(render(make("17.0", relay), "web"))["smtp_ssl"] == "False"


def test_implicit_tls_cannot_be_expressed_in_odoo_conf() -> None:
    with pytest.raises(ValueError, match=r"port 465.*STARTTLS"):
        SmtpSettings("email-smtp.eu-west-1.amazonaws.com", 465)


@pytest.mark.parametrize("version", VERSIONS)
def test_smtp_login_is_appended_at_runtime_and_read_back_as_odoo_does(
    version: str, tmp_path: Path
) -> None:
    target = tmp_path / "odoo.conf"
    target.write_text(render(make(version, replace(SES, user=None)), "web"))
    password = "BH+jbMzper5Wwl/war9E1y=%s$x"
    env = {
        **os.environ,
        "ODOO_ADMIN_PASSWD": "admin-secret",
        mail.SMTP_USER_ENV: "AKIA2EXAMPLE",
        mail.SMTP_PASSWORD_ENV: password,
    }
    script = f"{admin_passwd_line()} >> {target}; {mail.smtp_login_lines()} >> {target}"
    subprocess.run(["/bin/sh", "-ec", script], env=env, check=True)
    options = odoo_file_options(target.read_text())
    assert (options["smtp_user"], options["smtp_password"]) == ("AKIA2EXAMPLE", password)
    assert options["admin_passwd"] == "admin-secret"
    assert options["smtp_server"] == "email-smtp.eu-west-1.amazonaws.com"


def test_smtp_password_is_never_rendered() -> None:
    with pytest.raises(ValueError, match="smtp_password must not be rendered"):
        render(replace(make("18.0"), extra=(("smtp_password", "x"),)), "web")
