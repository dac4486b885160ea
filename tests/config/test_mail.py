"""Mail configuration: SES or a relay of one's own, per stack and per tenant; errors by key path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from odoo_platform.config import PlatformConfig, load_stack_file
from odoo_platform.config.mail import SES_SANDBOX_WARNING, mail_warnings, tenant_relay
from tests.config.conftest import Errors, Mutation, assert_refused_at

STACKS = Path(__file__).resolve().parents[2] / "stacks"
PROD_STACKS = sorted(p.name.split(".")[1] for p in STACKS.glob("Pulumi.prod-*.yaml"))
SES: dict[str, Any] = {"mode": "ses"}
RELAY: dict[str, Any] = {
    "mode": "smtp",
    "host": "smtp.relay.example",
    "port": 587,
    "user": "acme-erp",
    "password_secret_key": "smtpPassword",
    "from_filter": "acme.example",
    "email_from": "erp@acme.example",
    "egress_cidrs": ["198.51.100.0/24"],
}


def mail(**changes: Any) -> Mutation:
    return lambda d: d["shared_services"].update(mail={**SES, **changes})


def relay(**changes: Any) -> Mutation:
    return lambda d: d["shared_services"].update(mail={**RELAY, **changes})


def tenant_relay_of(index: int, **changes: Any) -> Mutation:
    return lambda d: d["tenants"][index].update(mail={**RELAY, **changes})


def acm(d: dict[str, Any]) -> None:
    arn = "arn:aws:acm:eu-west-1:111122223333:certificate/5f0c1f4e-2b7a"
    d["shared_services"]["tls"] = {"mode": "acm", "certificate_arn": arn}


def both(*mutations: Mutation) -> Mutation:
    def run(d: dict[str, Any]) -> None:
        for mutate in mutations:
            mutate(d)

    return run


FAILING: dict[str, tuple[Mutation, str, tuple[str, ...]]] = {
    "SES without a domain in ACM mode": (
        both(acm, mail()),
        "platform.shared_services.mail.domain",
        ("required", "acm"),
    ),
    "SES without a zone for DKIM in ACM mode": (
        both(acm, mail(domain="erp.acme.example")),
        "platform.shared_services.mail.route53_zone_id",
        ("DKIM", "required"),
    ),
    "tenant host outside the SES domain": (
        both(mail(domain="mail.acme.example"), lambda d: None),
        "platform.tenants[0].hostnames[0]",
        ("'alpha.erp.acme.example'", "'mail.acme.example'"),
    ),
    "SES port": (mail(port=465), "platform.shared_services.mail.port", ("587", "2587")),
    "implicit TLS port on a relay": (
        relay(port=465),
        "platform.shared_services.mail.port",
        ("465", "STARTTLS"),
    ),
    "password in clear": (
        relay(tls="none"),
        "platform.shared_services.mail.tls",
        ("'none'", "starttls"),
    ),
    "clear text to the internet": (
        relay(tls="none", user=None, password_secret_key=None),
        "platform.shared_services.mail.egress_cidrs",
        ("'198.51.100.0/24'", "private"),
    ),
    "user without password": (
        relay(password_secret_key=None),
        "platform.shared_services.mail.password_secret_key",
        ("user", "password"),
    ),
    "relay host format": (
        relay(host="smtp relay"),
        "platform.shared_services.mail.host",
        ('"smtp relay"',),
    ),
    "unknown mail mode": (
        mail(mode="sendgrid"),
        "platform.shared_services.mail.mode",
        ('"sendgrid"', "'smtp'", "'ses'"),
    ),
    "tenant override with implicit TLS": (
        tenant_relay_of(1, port=465),
        "platform.tenants[1].mail.port",
        ("465",),
    ),
}


@pytest.mark.parametrize("case", list(FAILING))
def test_mail_rule_rejects_bad_input_with_its_key_path(
    case: str, base: dict[str, Any], errors: Errors
) -> None:
    assert_refused_at(FAILING[case], base, errors)


PASSING: dict[str, Mutation] = {
    "SES on the TLS zone": mail(),
    "SES in ACM mode with domain and zone": both(
        acm, mail(domain="erp.acme.example", route53_zone_id="Z0123456789ABC")
    ),
    "a relay of one's own": relay(),
    "a relay in clear inside the VPC": relay(
        tls="none", user=None, password_secret_key=None, egress_cidrs=["10.0.0.0/16"]
    ),
    "SES with a tenant on its own relay": both(mail(), tenant_relay_of(1)),
}


@pytest.mark.parametrize("case", list(PASSING))
def test_mail_rule_accepts_good_input(case: str, base: dict[str, Any], errors: Errors) -> None:
    PASSING[case](base)
    assert errors(base) == []


def test_ses_senders_and_own_relays(
    base: dict[str, Any], valid: Callable[[dict[str, Any]], PlatformConfig]
) -> None:
    both(mail(), tenant_relay_of(1))(base)
    config = valid(base)
    alpha, beta = config.tenants
    ses = tenant_relay(config, alpha)
    assert ses is not None and ses.ses
    assert (ses.host, ses.port, ses.starttls) == ("email-smtp.eu-west-1.amazonaws.com", 587, True)
    assert ses.from_filter == "alpha.erp.acme.example"
    assert ses.email_from == "notifications@alpha.erp.acme.example"
    own = tenant_relay(config, beta)
    assert own is not None and not own.ses
    assert (own.host, own.user, own.password_secret_key) == (
        "smtp.relay.example",
        "acme-erp",
        "smtpPassword",
    )
    assert own.egress_cidrs == ("198.51.100.0/24",)


def test_no_mail_no_relay(valid: Callable[[dict[str, Any]], PlatformConfig], base: Any) -> None:
    config = valid(base)
    assert tenant_relay(config, config.tenants[0]) is None
    (warning,) = mail_warnings(config)
    assert "no mail relay" in warning and "shared_services.mail" in warning


def test_no_relay_outside_prod_is_no_warning(
    base: dict[str, Any], valid: Callable[[dict[str, Any]], PlatformConfig]
) -> None:
    base["environment"] = "dev"
    base["tenants"] = base["tenants"][:1]
    base.pop("disaster_recovery")
    assert mail_warnings(valid(base)) == []


def test_plan_warns_until_ses_production_access_is_recorded(
    base: dict[str, Any], valid: Callable[[dict[str, Any]], PlatformConfig]
) -> None:
    mail()(base)
    (warning,) = mail_warnings(valid(base))
    assert warning == SES_SANDBOX_WARNING.format(region="eu-west-1")
    assert "200" in warning and "verified" in warning and "docs/runbooks/mail.md" in warning
    mail(production_access=True)(base)
    assert mail_warnings(valid(base)) == []


@pytest.mark.sample_data
@pytest.mark.parametrize("stack", PROD_STACKS)
def test_sample_prod_stacks_send_through_ses(stack: str) -> None:
    config = load_stack_file(STACKS / f"Pulumi.{stack}.yaml")
    for t in config.tenants:
        relay_ = tenant_relay(config, t)
        assert relay_ is not None and relay_.ses, t.slug
        assert relay_.host == f"email-smtp.{config.region}.amazonaws.com"
