"""A small valid prod configuration that each test changes in one place."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from odoo_platform.config import ConfigError, PlatformConfig, parse_platform

BASE: dict[str, Any] = {
    "organisation": "acme-group",
    "owner": "platform@acme.example",
    "cost_centre": "CC-1",
    "environment": "prod",
    "region": "eu-west-1",
    "residency": "eu",
    "cluster": {
        "mode": "eks",
        "admin_role_arns": ["arn:aws:iam::111122223333:role/platform-admins"],
    },
    "shared_services": {
        "tls": {
            "mode": "cert-manager",
            "acme_email": "ops@acme.example",
            "route53_zone_id": "Z0123456789ABC",
            "route53_zone_name": "erp.acme.example",
        }
    },
    "multi_tenant": {},
    "disaster_recovery": {"mode": "backup-restore", "dr_region": "eu-central-1"},
    "tenants": [
        {
            "slug": "alpha-law",
            "display_name": "Alpha Law",
            "tier": "shared",
            "image": "odoo:18.0-20251121",
            "hostnames": ["alpha.erp.acme.example"],
            "residency": "eu",
        },
        {
            "slug": "beta-audit",
            "display_name": "Beta Audit",
            "tier": "dedicated",
            "regulated": True,
            "image": "odoo:17.0-20251121",
            "odoo_version": "17.0",
            "hostnames": ["beta.erp.acme.example"],
            "residency": "eu",
        },
    ],
}


@pytest.fixture
def base() -> dict[str, Any]:
    return copy.deepcopy(BASE)


Errors = Callable[[dict[str, Any]], list[str]]
Mutation = Callable[[dict[str, Any]], None]
# A refused edit: the mutation, the key path its error names, words the message contains.
Refusal = tuple[Mutation, str, tuple[str, ...]]


def assert_refused_at(refusal: Refusal, base: dict[str, Any], errors: Errors) -> None:
    """The mutated configuration is refused with an error at the key path, in those words."""
    mutate, path, words = refusal
    mutate(base)
    found = [e for e in errors(base) if e.startswith(path + ":")]
    assert found, f"no error at {path}; got {errors(base)}"
    assert all(word in found[0] for word in words), found[0]


@pytest.fixture
def errors() -> Errors:
    """The `path: message` lines a configuration produces (empty when valid)."""

    def run(data: dict[str, Any]) -> list[str]:
        try:
            parse_platform(data)
        except ConfigError as error:
            return [str(issue) for issue in error.issues]
        return []

    return run


@pytest.fixture
def valid() -> Callable[[dict[str, Any]], PlatformConfig]:
    return parse_platform
