"""Validated field types of the stack configuration: patterns, checks and the `Strict` base.

Shared by the section models (`models.py`) and the service settings (`services.py`).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from odoo_platform.config.catalog import (
    ANY_EC2_INSTANCE_TYPE,
    BASE_TAG_KEYS,
    LOG_RETENTION_DAYS,
    REGION_RESIDENCY,
    RESIDENCY_ZONES,
    TAG_BACKUP_PLAN,
    TAG_STACK,
    TAG_TENANT,
    TAG_TIER,
)

# Patterns spell digits [0-9] and word characters [A-Za-z0-9_]: `\d` and `\w` also match other
# scripts' digits and letters, which AWS, Kubernetes and int() refuse.
SLUG_PATTERN = r"^[a-z][a-z0-9-]{0,19}[a-z0-9]$"
HOSTNAME_PATTERN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
RDS_IDENTIFIER_PATTERN = r"^[a-z][a-z0-9-]{0,61}[a-z0-9]$"
ROLE_ARN_PATTERN = r"^arn:aws:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@/_-]+$"
K8S_VERSION_PATTERN = r"^1\.(2[89]|3[0-9])$"
# What the common patterns mean, for error messages (the pattern itself is shown too).
PATTERN_MEANINGS = {
    SLUG_PATTERN: "2 to 21 of a-z, 0-9 and '-', starting with a letter and not ending with '-'",
    HOSTNAME_PATTERN: "a lower-case DNS name such as erp.example.com",
    ROLE_ARN_PATTERN: "an IAM role ARN such as arn:aws:iam::111122223333:role/name",
    K8S_VERSION_PATTERN: 'a Kubernetes minor version from 1.28 to 1.39, quoted: "1.33"',
}
IMAGE_TAG = re.compile(
    r"^[A-Za-z0-9_.-]+(?::[0-9]+)?(/[A-Za-z0-9_.-]+)*:(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$"
)
IMAGE_DIGEST = re.compile(r"^[A-Za-z0-9_.-]+(?::[0-9]+)?(/[A-Za-z0-9_.-]+)*@sha256:[a-f0-9]{64}$")
HHMM = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)"
BACKUP_WINDOW = re.compile(f"{HHMM}-{HHMM}")
MAINTENANCE_WINDOW = re.compile(f"{DAY}:{HHMM}-{DAY}:{HHMM}")
VPC_PREFIXES = (16, 28)  # what AWS allows for a VPC's primary CIDR
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
# AWS tags: keys of 1-128 and values of up to 256 letters, digits, spaces and `_.:/=+-@`; the
# `aws:` prefix is reserved; at most 50 per resource, of which the platform sets up to 8.
TAG_SYMBOLS = frozenset("_.:/=+-@ ")
MAX_EXTRA_TAGS = 40
PLATFORM_TAG_KEYS = (*BASE_TAG_KEYS, TAG_STACK, TAG_TIER, TAG_TENANT, TAG_BACKUP_PLAN, "Role")


def _check_region(value: str) -> str:
    if value not in REGION_RESIDENCY:
        raise ValueError(f"must be one of {', '.join(sorted(REGION_RESIDENCY))}")
    return value


def _check_zone(value: str) -> str:
    if value not in RESIDENCY_ZONES:
        raise ValueError(f"must be one of {', '.join(RESIDENCY_ZONES)}")
    return value


def _check_vpc(value: object) -> str:
    """A VPC range: a network address in a private range, /16 to /28 (parsed again after)."""
    try:
        network = ipaddress.IPv4Network(
            str(value) if isinstance(value, str | ipaddress.IPv4Network) else ""
        )
    except ValueError as error:
        raise ValueError(f"must be a network such as 10.40.0.0/16 ({error})") from None
    low, high = VPC_PREFIXES
    if not low <= network.prefixlen <= high:
        raise ValueError(f"must be /{low} to /{high} (AWS limits for a VPC)")
    if not any(network.subnet_of(ipaddress.IPv4Network(r)) for r in PRIVATE_RANGES):
        raise ValueError(f"must be inside a private range: {', '.join(PRIVATE_RANGES)}")
    return str(network)


def _tag_text(value: str) -> str:
    if any(not (c.isalnum() or c in TAG_SYMBOLS) for c in value):
        raise ValueError("AWS tags allow letters, digits, spaces and _ . : / = + - @ only")
    return value


def check_tags(tags: dict[str, str]) -> dict[str, str]:
    if len(tags) > MAX_EXTRA_TAGS:
        raise ValueError(f"at most {MAX_EXTRA_TAGS} tags (AWS allows 50; the platform sets 8)")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or len(value) > 256:
            raise ValueError(f"tag '{key}': keys have 1 to 128 characters, values up to 256")
        if key.lower().startswith("aws:"):
            raise ValueError(f"tag '{key}': the aws: prefix is reserved by AWS")
        if key in PLATFORM_TAG_KEYS:
            raise ValueError(
                f"tag '{key}' is set by the platform (from owner, cost_centre, environment...)"
            )
        _tag_text(key)
        _tag_text(value)
    return tags


def _printable(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must not contain control characters such as tabs or line breaks")
    return value


def window_format(pattern: re.Pattern[str], example: str) -> AfterValidator:
    def check(value: str) -> str:
        if pattern.fullmatch(value) is None:
            raise ValueError(f"must be like {example}, in UTC with hours 00-23, minutes 00-59")
        return value

    return AfterValidator(check)


def _log_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(f"must be one of {', '.join(map(str, LOG_RETENTION_DAYS))} (CloudWatch)")
    return value


def _known_ec2_type(value: str) -> str:
    if value not in ANY_EC2_INSTANCE_TYPE:
        raise ValueError("is not an EC2 instance type (see odoo_platform/data/instance_types.json)")
    return value


Region = Annotated[
    str,
    AfterValidator(_check_region),
    Field(
        description="a supported AWS region (see Regions and residency zones)",
        json_schema_extra={"enum": sorted(REGION_RESIDENCY)},
    ),
]
ResidencyZone = Annotated[
    str,
    AfterValidator(_check_zone),
    Field(
        description="data-residency zone: the zone of the stack's region",
        json_schema_extra={"enum": list(RESIDENCY_ZONES)},
    ),
]
VpcCidr = Annotated[ipaddress.IPv4Network, BeforeValidator(_check_vpc)]
Text = Annotated[str, AfterValidator(_printable)]
TagText = Annotated[str, AfterValidator(_printable), AfterValidator(_tag_text)]
Ec2InstanceType = Annotated[str, AfterValidator(_known_ec2_type)]
# An int checked against the list (a Literal of ints would take `true` for 1)
LogRetention = Annotated[
    int,
    AfterValidator(_log_retention),
    Field(json_schema_extra={"enum": list(LOG_RETENTION_DAYS)}),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
