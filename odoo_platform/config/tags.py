"""The tags (AWS) and labels (Kubernetes) every resource carries (DESIGN invariant 6)."""

from __future__ import annotations

import re
from typing import Protocol

from odoo_platform.config.catalog import (
    LABEL_COST_CENTRE,
    LABEL_ENVIRONMENT,
    LABEL_OWNER,
    LABEL_TENANT,
    LABEL_TIER,
    TAG_COST_CENTRE,
    TAG_ENVIRONMENT,
    TAG_MANAGED_BY,
    TAG_OWNER,
    TAG_STACK,
    TAG_TENANT,
    TAG_TIER,
)
from odoo_platform.config.models import PlatformConfig

MANAGED_BY = "odoo-platform"


class Ownership(Protocol):
    """Who owns and pays for resources: a PlatformConfig, or a tenant stack's own settings."""

    @property
    def owner(self) -> str: ...
    @property
    def cost_centre(self) -> str: ...
    @property
    def environment(self) -> str: ...


PLATFORM_TIER = "platform"


def base_tags(config: PlatformConfig) -> dict[str, str]:
    """Owner, cost centre, environment, managed-by and stack, plus the stack's extra tags.

    The landing zone's AWS provider applies these as `default_tags` to every taggable resource.
    """
    return {**config.tags, **ownership_tags(config), TAG_STACK: stack_tag(config)}


def stack_tag(config: PlatformConfig) -> str:
    """The `Stack` tag: unique per account (one stack per environment and region), so the
    stack's budget and anomaly monitor see only its own cost."""
    return f"{config.environment}-{config.region}"


def ownership_tags(owner: Ownership) -> dict[str, str]:
    """Owner, cost centre, environment and managed-by (the provider's `default_tags`)."""
    return {
        TAG_OWNER: owner.owner,
        TAG_COST_CENTRE: owner.cost_centre,
        TAG_ENVIRONMENT: owner.environment,
        TAG_MANAGED_BY: MANAGED_BY,
    }


def resource_tags(tier: str = PLATFORM_TIER, tenant: str | None = None) -> dict[str, str]:
    """The per-resource tags on top of the provider's defaults: tier and tenant."""
    tags = {TAG_TIER: tier}
    if tenant is not None:
        tags[TAG_TENANT] = tenant
    return tags


def _label_value(text: str) -> str:
    """A Kubernetes label value: at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends."""
    value = re.sub(r"[^A-Za-z0-9._-]+", "-", text.replace("@", "-at-"))[:63]
    return value.strip("-_.")


def labels(
    config: Ownership, tier: str = PLATFORM_TIER, tenant: str | None = None
) -> dict[str, str]:
    result = {
        "app.kubernetes.io/managed-by": MANAGED_BY,
        LABEL_OWNER: _label_value(config.owner),
        LABEL_COST_CENTRE: _label_value(config.cost_centre),
        LABEL_ENVIRONMENT: config.environment,
        LABEL_TIER: tier,
    }
    if tenant is not None:
        result[LABEL_TENANT] = tenant
    return result
