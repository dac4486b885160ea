"""`SesMail`: Amazon SES in the stack's region, for every tenant that sends through it.

Declares the domain identity (Easy DKIM, 2048-bit keys) and its three DKIM CNAMEs in the Route53
zone; an interface endpoint for the SES SMTP service inside the VPC (private DNS: the public
host name `email-smtp.<region>.amazonaws.com` resolves to it, so tenant pods reach SES on the
SMTP port inside the VPC only); and per tenant an IAM user whose only right is
`ses:SendRawEmail` on that identity From its own domain, and an access key whose
`ses_smtp_password_v4` is the SMTP password (a Pulumi secret: the SDK marks it an additional
secret output, and `logins` keeps it secret).

A new SES account is in the sandbox in each region (verified recipients only, 200 messages a
day) until AWS grants production access on request: docs/runbooks/mail.md; the plan warns until
`shared_services.mail.production_access` records it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import (
    AwsRegion,
    Matches,
    OneOf,
    Slug,
    TierLabel,
    check_args,
    child_opts,
    component_type,
)
from odoo_platform.components._shared.iam import policy_json
from odoo_platform.config import mail as mail_config
from odoo_platform.config.fields import HOSTNAME_PATTERN, PATTERN_MEANINGS
from odoo_platform.config.tags import resource_tags

HOSTNAME_MEANING = PATTERN_MEANINGS[HOSTNAME_PATTERN]

DKIM_TOKENS = 3  # Easy DKIM always publishes three selectors
DKIM_TTL = 1800
Login = tuple[pulumi.Input[str], pulumi.Input[str]]


@dataclass(frozen=True)
class SmtpLogin:
    user: pulumi.Output[str]
    password: pulumi.Output[str]


@dataclass(frozen=True)
class SesMailArgs:
    domain: Annotated[str, Matches(HOSTNAME_PATTERN.strip("^$"), HOSTNAME_MEANING)]
    """Domain of the SES identity (Easy DKIM, 2048-bit); tenants send From addresses of it or its
    subdomains."""
    route53_zone_id: Annotated[str, Matches(r"Z[A-Z0-9]{4,32}", "a Route53 zone id (Z...)")]
    """Route53 hosted zone that receives the three DKIM CNAME records."""
    region: AwsRegion
    """The stack's region: of the identity, the SMTP endpoint and the host
    `email-smtp.<region>.amazonaws.com`."""
    vpc_id: pulumi.Input[str]
    """VPC of the SMTP interface endpoint and its security group."""
    vpc_cidr: pulumi.Input[str]
    """The only range allowed to reach the SMTP endpoint on `port`."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets of the SMTP interface endpoint (the private ones, where the pods are)."""
    senders: Mapping[Slug, str]
    """Tenant slug -> the domain it sends from: one IAM user and SMTP login per tenant, limited to
    `*@<domain>`."""
    port: Annotated[int, OneOf((587, 2587))] = 587
    """SMTP port (STARTTLS) opened on the endpoint; the stack file allows 587 or 2587."""
    tiers: Mapping[Slug, TierLabel] = field(default_factory=dict)
    """Tenant slug -> its tier, for the `Tier` tag of its IAM user (unlisted: `shared`)."""

    def __post_init__(self) -> None:
        check_args(self)


class SesMail(pulumi.ComponentResource):
    """SES domain identity, DKIM, the SMTP endpoint in the VPC and one login per tenant."""

    smtp_host: str
    identity_arn: pulumi.Output[str]
    logins: dict[str, SmtpLogin]

    def __init__(
        self, name: str, args: SesMailArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("SesMail"), name, None, opts)
        self._name, self._args = name, args
        self.smtp_host = mail_config.SES_SMTP_HOST.format(region=args.region)
        identity = aws.sesv2.EmailIdentity(
            f"{name}-identity",
            email_identity=args.domain,
            dkim_signing_attributes={"next_signing_key_length": "RSA_2048_BIT"},
            tags=resource_tags(),
            opts=child_opts(self),
        )
        self.identity_arn = identity.arn
        self._dkim_records(identity)
        self._smtp_endpoint()
        self.logins = {slug: self._login(slug, domain) for slug, domain in args.senders.items()}
        self.register_outputs({"smtp_host": self.smtp_host, "identity_arn": self.identity_arn})

    def _dkim_records(self, identity: aws.sesv2.EmailIdentity) -> None:
        tokens = identity.dkim_signing_attributes.apply(_dkim_tokens)
        for i in range(DKIM_TOKENS):
            token = tokens.apply(_nth(i))
            aws.route53.Record(
                f"{self._name}-dkim-{i}",
                zone_id=self._args.route53_zone_id,
                name=token.apply(lambda t: f"{t}._domainkey.{self._args.domain}"),
                type="CNAME",
                ttl=DKIM_TTL,
                records=[token.apply(lambda t: f"{t}.dkim.amazonses.com")],
                opts=child_opts(self),
            )

    def _smtp_endpoint(self) -> None:
        args = self._args
        group = aws.ec2.SecurityGroup(
            f"{self._name}-smtp-sg",
            vpc_id=args.vpc_id,
            description="SES SMTP endpoint: STARTTLS from inside the VPC",
            tags=resource_tags(),
            opts=child_opts(self),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-smtp-in",
            security_group_id=group.id,
            ip_protocol="tcp",
            from_port=args.port,
            to_port=args.port,
            cidr_ipv4=args.vpc_cidr,
            description="SMTP (STARTTLS) from tenant pods",
            tags=resource_tags(),
            opts=child_opts(self),
        )
        aws.ec2.VpcEndpoint(
            f"{self._name}-smtp-endpoint",
            vpc_id=args.vpc_id,
            service_name=f"com.amazonaws.{args.region}.email-smtp",
            vpc_endpoint_type="Interface",
            private_dns_enabled=True,
            subnet_ids=args.subnet_ids,
            security_group_ids=[group.id],
            tags=resource_tags(),
            opts=child_opts(self),
        )

    def _login(self, slug: str, domain: str) -> SmtpLogin:
        tags = resource_tags(self._args.tiers.get(slug, "shared"), slug)
        user = aws.iam.User(
            f"{self._name}-{slug}", path="/odoo-platform/mail/", tags=tags, opts=child_opts(self)
        )
        aws.iam.UserPolicy(
            f"{self._name}-{slug}-send",
            user=user.name,
            policy=self.identity_arn.apply(lambda arn: send_policy(arn, domain)),
            opts=child_opts(self),
        )
        key = aws.iam.AccessKey(f"{self._name}-{slug}-key", user=user.name, opts=child_opts(self))
        return SmtpLogin(user=key.id, password=pulumi.Output.secret(key.ses_smtp_password_v4))


def _nth(index: int) -> Callable[[list[str]], str]:
    return lambda tokens: tokens[index]


def _dkim_tokens(attributes: Any) -> list[str]:
    tokens = list(getattr(attributes, "tokens", None) or [])
    if len(tokens) != DKIM_TOKENS:
        raise ValueError(f"SES returned {len(tokens)} DKIM tokens, expected {DKIM_TOKENS}")
    return tokens


def send_policy(identity_arn: str, domain: str) -> str:
    """SendRawEmail (what the SMTP interface calls) on the identity, From the tenant's domain."""
    return policy_json(
        {
            "Sid": "SendFromOwnDomain",
            "Effect": "Allow",
            "Action": "ses:SendRawEmail",
            "Resource": identity_arn,
            "Condition": {"StringLike": {"ses:FromAddress": f"*@{domain}"}},
        }
    )
