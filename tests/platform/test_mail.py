"""Mail on the composed platform: SES logins reach each tenant's Odoo as Secrets, egress opens
the SMTP port to the VPC only, and an own relay's password comes from a secret stack key."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from odoo_platform.platform.regional import build_platform
from odoo_platform.testing import ProgramResult, run_program
from tests.platform.composition import BASE, TODAY, config, plan, tenant

SES = {"mode": "ses", "production_access": True}
RELAY = {
    "mode": "smtp",
    "host": "smtp.relay.example",
    "user": "gamma-erp",
    "password_secret_key": "gammaSmtpPassword",
    "egress_cidrs": ["198.51.100.0/24"],
}
RELAY_PASSWORD = "relay-secret-from-the-stack"


def mail_config(**tenant_changes: Any) -> Any:
    services = {**copy.deepcopy(BASE["shared_services"]), "mail": SES}
    tenants = [
        tenant("alpha-law"),
        tenant("beta-tax", size="m"),
        tenant(
            "gamma-audit",
            "dedicated",
            regulated=True,
            dedicated={"reporting_replica": True},
            **tenant_changes,
        ),
    ]
    return config(shared_services=services, tenants=tenants)


@pytest.fixture(scope="module")
def ses() -> ProgramResult:
    platform = mail_config(mail=RELAY)
    return run_program(
        lambda: build_platform(platform, TODAY),
        config={
            "aws:region": "eu-west-1",
            f"odoo-platform:{RELAY['password_secret_key']}": RELAY_PASSWORD,
        },
        stack="prod-eu-west-1",
        preview=True,
    )


def manifest(result: ProgramResult, slug: str, kind: str, name: str) -> dict[str, Any]:
    (found,) = [
        m
        for m in result.manifests()
        if m["kind"] == kind
        and m["metadata"].get("namespace") == f"odoo-{slug}"
        and m["metadata"].get("name") == name
    ]
    return found


def test_ses_tenants_get_their_access_key_as_login(ses: ProgramResult) -> None:
    assert ses.errors() == []
    keys = {k.inputs["user"]: k for k in ses.by_type("aws:iam/accessKey:AccessKey")}
    users = {u.outputs["name"]: u.name for u in ses.by_type("aws:iam/user:User")}
    assert sorted(users[u] for u in keys) == ["odoo-mail-alpha-law", "odoo-mail-beta-tax"]
    for slug in ("alpha-law", "beta-tax"):
        (key,) = [k for u, k in keys.items() if users[u] == f"odoo-mail-{slug}"]
        secret = manifest(ses, slug, "Secret", "odoo-smtp")
        assert secret["stringData"]["user"].startswith("AKIA")  # the access key id
        assert secret["stringData"]["password"] == key.outputs["sesSmtpPasswordV4"]
        (recorded,) = [
            s
            for s in ses.by_type("kubernetes:core/v1:Secret")
            if s.name == f"odoo-shared-{slug}-smtp"
        ]
        assert recorded.is_secret("stringData")


def _egress(result: ProgramResult, slug: str) -> dict[int, list[Any]]:
    policy = manifest(result, slug, "NetworkPolicy", "odoo-egress")
    return {p["port"]: r["to"] for r in policy["spec"]["egress"] for p in r["ports"]}


def test_smtp_egress_reaches_the_ses_endpoint_in_the_vpc_only(ses: ProgramResult) -> None:
    assert _egress(ses, "alpha-law")[587] == [{"ipBlock": {"cidr": "10.20.0.0/16"}}]
    endpoints = ses.by_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    (smtp,) = [e for e in endpoints if e.inputs["serviceName"].endswith(".email-smtp")]
    assert smtp.inputs["serviceName"] == "com.amazonaws.eu-west-1.email-smtp"


def test_a_tenant_on_its_own_relay_uses_the_secret_stack_key(ses: ProgramResult) -> None:
    secret = manifest(ses, "gamma-audit", "Secret", "odoo-smtp")
    assert secret["stringData"] == {"user": "gamma-erp", "password": RELAY_PASSWORD}
    assert _egress(ses, "gamma-audit")[587] == [{"ipBlock": {"cidr": "198.51.100.0/24"}}]
    for m in ses.manifests():
        if m["kind"] == "ConfigMap":
            text = json.dumps(m)
            assert RELAY_PASSWORD not in text
            assert all(
                k.outputs["sesSmtpPasswordV4"] not in text
                for k in ses.by_type("aws:iam/accessKey:AccessKey")
            )


def test_conf_names_the_relay_and_the_tenants_domain(ses: ProgramResult) -> None:
    (conf,) = [
        m
        for m in ses.manifests()
        if m["kind"] == "ConfigMap"
        and m["metadata"].get("namespace") == "odoo-alpha-law"
        and m["metadata"].get("name", "").startswith("odoo-conf-")
    ]
    text = conf["data"]["web.conf"]
    assert "smtp_server = email-smtp.eu-west-1.amazonaws.com\n" in text
    assert "from_filter = alpha-law.erp.acme.example\n" in text
    assert "smtp_user" not in text and "smtp_password" not in text


def test_mail_changes_no_urn_of_what_was_declared_without_it(ses: ProgramResult) -> None:
    without = plan(config())
    assert without.urns() <= ses.urns()
