"""Small platform configurations, and running the composition on them under the harness."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from odoo_platform.config import PlatformConfig, parse_platform
from odoo_platform.platform.regional import build_platform
from odoo_platform.testing import ProgramResult, RecordedResource, run_program

TODAY = dt.date(2026, 11, 18)
# Inputs of aws.rds.Instance that force a replacement (terraform-provider-aws ForceNew).
RDS_REPLACING = (
    "identifier",
    "engine",
    "kmsKeyId",
    "storageEncrypted",
    "username",
    "dbName",
    "availabilityZone",
    "characterSetName",
    "snapshotIdentifier",
    "dbSubnetGroupName",
)


def tenant(slug: str, tier: str = "shared", **extra: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "display_name": slug.title(),
        "tier": tier,
        "image": "odoo:18.0-20251121",
        "hostnames": [f"{slug}.erp.acme.example"],
        "residency": "eu",
        **extra,
    }


BASE: dict[str, Any] = {
    "organisation": "acme-group",
    "owner": "platform@acme.example",
    "cost_centre": "CC-1",
    "environment": "prod",
    "region": "eu-west-1",
    "residency": "eu",
    "landing_zone": {"vpc_cidr": "10.20.0.0/16", "availability_zones": 3},
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
        },
        "alerts": {"emails": ["oncall@acme.example"]},
    },
    "disaster_recovery": {"mode": "pilot-light", "dr_region": "eu-central-1"},
    "tenants": [
        tenant("alpha-law"),
        tenant("beta-tax", size="m"),
        tenant(
            "gamma-audit",
            "dedicated",
            regulated=True,
            dedicated={"reporting_replica": True},
        ),
    ],
}


def config(**changes: Any) -> PlatformConfig:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return parse_platform(data)


def with_tenants(*tenants: dict[str, Any], **changes: Any) -> PlatformConfig:
    return config(tenants=list(tenants), **changes)


def plan(platform_config: PlatformConfig, today: dt.date = TODAY) -> ProgramResult:
    return run_program(
        lambda: build_platform(platform_config, today),
        config={"aws:region": platform_config.region},
        stack=f"{platform_config.environment}-{platform_config.region}",
        preview=True,
    )


def owned_by(result: ProgramResult, slug: str) -> list[RecordedResource]:
    """The tenant's resources: those it owns (`placements()`), and those that cannot say (no
    tags, under a component of several tenants: a KMS alias) but carry its slug in their name."""
    where = result.placements()
    return [r for r in result.resources if where[r].tenant == slug or f"-{slug}-" in f"{r.name}-"]


def urns_of(result: ProgramResult, slug: str | None = None) -> set[str]:
    """All URNs, or those of one tenant."""
    return {r.urn for r in (result.resources if slug is None else owned_by(result, slug))}
