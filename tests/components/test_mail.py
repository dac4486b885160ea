"""`SesMail`: SES in the stack's region, DKIM in Route53, the SMTP endpoint inside the VPC and a
login per tenant that may only send from the tenant's own domain."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

import pytest

from odoo_platform.components._shared.base import ArgsError
from odoo_platform.components.mail import SesMail, SesMailArgs
from odoo_platform.config.mail import tenant_relay
from odoo_platform.platform.assembly.mail import mail_args, tenant_mail_args
from odoo_platform.synthesis.harness import ProgramResult, run_program
from tests.components.tenant_programs import sample_config, tenant

VPC_CIDR = "10.40.0.0/16"
SENDERS = {
    "nb-consulting": "consulting.eu.northbridge-erp.com",
    "nb-tax-ie": "tax-ie.eu.northbridge-erp.com",
}


def ses_args(**changes: Any) -> SesMailArgs:
    values: dict[str, Any] = {
        "domain": "eu.northbridge-erp.com",
        "route53_zone_id": "Z0123456789ABCDEFGHIJ",
        "region": "eu-west-1",
        "vpc_id": "vpc-0123456789abcdef0",
        "vpc_cidr": VPC_CIDR,
        "subnet_ids": ["subnet-a", "subnet-b", "subnet-c"],
        "senders": SENDERS,
        **changes,
    }
    return SesMailArgs(**values)


@pytest.fixture(scope="module")
def result() -> ProgramResult:
    def program() -> None:
        mail = SesMail("mail", ses_args())
        for slug in SENDERS:
            login = mail.logins[slug]
            assert mail.smtp_host == "email-smtp.eu-west-1.amazonaws.com"
            login.password.apply(lambda _: None)

    return run_program(program)


def test_domain_identity_signs_with_dkim_published_in_the_zone(result: ProgramResult) -> None:
    assert result.errors() == []
    (identity,) = result.by_type("aws:sesv2/emailIdentity:EmailIdentity")
    assert identity.inputs["emailIdentity"] == "eu.northbridge-erp.com"
    assert identity.inputs["dkimSigningAttributes"] == {"nextSigningKeyLength": "RSA_2048_BIT"}
    tokens = identity.outputs["dkimSigningAttributes"]["tokens"]
    records = result.by_type("aws:route53/record:Record")
    assert len(tokens) == 3 and len(records) == 3
    published = {(r.inputs["name"], tuple(r.inputs["records"])) for r in records}
    assert published == {
        (f"{t}._domainkey.eu.northbridge-erp.com", (f"{t}.dkim.amazonses.com",)) for t in tokens
    }
    for record in records:
        assert record.inputs["zoneId"] == "Z0123456789ABCDEFGHIJ"
        assert record.inputs["type"] == "CNAME"


def test_smtp_endpoint_is_inside_the_vpc_on_the_smtp_port_only(result: ProgramResult) -> None:
    (endpoint,) = result.by_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert endpoint.inputs["serviceName"] == "com.amazonaws.eu-west-1.email-smtp"
    assert endpoint.inputs["vpcEndpointType"] == "Interface"
    assert endpoint.inputs["privateDnsEnabled"] is True  # the SES host name resolves to it
    assert endpoint.inputs["subnetIds"] == ["subnet-a", "subnet-b", "subnet-c"]
    (rule,) = result.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (587, 587)
    assert rule.inputs["cidrIpv4"] == VPC_CIDR


def allowed(policy: dict[str, Any], action: str, resource: str, sender: str) -> bool:
    """Whether an identity policy allows the call, as IAM evaluates Allow statements
    (Action and Resource with wildcards, StringLike on ses:FromAddress)."""
    for statement in policy["Statement"]:
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        resources = statement["Resource"]
        resources = [resources] if isinstance(resources, str) else resources
        like = statement.get("Condition", {}).get("StringLike", {}).get("ses:FromAddress", ["*"])
        like = [like] if isinstance(like, str) else like
        if (
            statement["Effect"] == "Allow"
            and any(fnmatch.fnmatchcase(action, a) for a in actions)
            and any(fnmatch.fnmatchcase(resource, r) for r in resources)
            and any(fnmatch.fnmatchcase(sender, f) for f in like)
        ):
            return True
    return False


def test_each_tenant_may_send_only_from_its_own_domain(result: ProgramResult) -> None:
    (identity,) = result.by_type("aws:sesv2/emailIdentity:EmailIdentity")
    arn = identity.outputs["arn"]
    policies = {
        p.inputs["user"]: json.loads(p.inputs["policy"])
        for p in result.by_type("aws:iam/userPolicy:UserPolicy")
    }
    users = {u.name: u.outputs["name"] for u in result.by_type("aws:iam/user:User")}
    assert set(users) == {"mail-nb-consulting", "mail-nb-tax-ie"}
    tax = policies[users["mail-nb-tax-ie"]]
    assert allowed(tax, "ses:SendRawEmail", arn, "notifications@tax-ie.eu.northbridge-erp.com")
    assert not allowed(tax, "ses:SendRawEmail", arn, "billing@consulting.eu.northbridge-erp.com")
    assert not allowed(tax, "ses:SendRawEmail", arn, "x@evil-tax-ie.eu.northbridge-erp.com")
    assert not allowed(tax, "ses:SendEmail", arn, "notifications@tax-ie.eu.northbridge-erp.com")
    assert not allowed(tax, "ses:SendRawEmail", arn + "-other", "n@tax-ie.eu.northbridge-erp.com")


def test_smtp_password_is_a_secret_from_the_access_key(result: ProgramResult) -> None:
    keys = result.by_type("aws:iam/accessKey:AccessKey")
    assert len(keys) == 2
    for key in keys:
        assert "sesSmtpPasswordV4" in key.additional_secret_outputs
    secrets = [
        s for s in result.by_type("kubernetes:core/v1:Secret") if "smtp" in s.name
    ]  # none here: the tenant's Secret is OdooTenant's
    assert secrets == []


def test_tenant_mail_args_for_ses_and_for_an_own_relay() -> None:
    config = sample_config()

    def program() -> None:
        mail = SesMail("mail", ses_args())
        args = tenant_mail_args(config, tenant(config, "nb-tax-ie"), mail)
        smtp = args["smtp"]
        assert (smtp.host, smtp.port, smtp.starttls, smtp.user) == (
            "email-smtp.eu-west-1.amazonaws.com",
            587,
            True,
            None,
        )
        assert smtp.from_filter == "tax-ie.eu.northbridge-erp.com"
        assert args["smtp_egress_cidrs"] == ("10.40.0.0/16",)
        assert args["smtp_user"] is mail.logins["nb-tax-ie"].user
        assert args["smtp_password"] is mail.logins["nb-tax-ie"].password
        assert tenant_mail_args(config, tenant(config, "nb-tax-ie"), None) == {}

    assert run_program(program).errors() == []


@pytest.mark.sample_data
def test_sample_prod_stack_tenants_all_send_through_ses() -> None:
    config = sample_config()
    args = mail_args(config, vpc_id="vpc-1", vpc_cidr=VPC_CIDR, subnet_ids=["subnet-a"])
    assert args.domain == "eu.northbridge-erp.com"
    assert args.route53_zone_id == "Z0123456789ABCDEFGHIJ"
    assert set(args.senders) == {t.slug for t in config.tenants}
    for slug, domain in args.senders.items():
        relay = tenant_relay(config, tenant(config, slug))
        assert relay is not None and relay.from_filter == domain


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"port": 465}, "port: 465 is not allowed: one of 587, 2587"),
        ({"domain": "Mail_Example"}, "domain: 'Mail_Example' is not allowed"),
        ({"route53_zone_id": "zone"}, "route53_zone_id: 'zone' is not allowed"),
        ({"senders": {"Bad Slug": "example.com"}}, "senders: ['Bad Slug'] 'Bad Slug' is not"),
    ],
)
def test_bad_args_are_refused_with_the_field_and_what_is_allowed(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ArgsError, match=re.escape(message)):
        ses_args(**change)
