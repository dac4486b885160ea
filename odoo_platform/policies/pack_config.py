"""The CrossGuard pack's configuration: the stack's facts, written once, read by every policy.

`odoo-platform policy-config --stack NAME > stack-facts.json` writes one document (environment,
region, required tags, tenants, freeze windows and override). The pack reads it from the file
named by `ODOO_PLATFORM_POLICY_FACTS`; a policy's own `--policy-pack-config` entry may set the
same keys and wins. The pack judges the freeze windows on the day of the preview, so the
document does not go stale. No `pulumi_policy` import: the CLI uses this without the extra.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from odoo_platform.config.clock import utc_today
from odoo_platform.config.freeze import window_state
from odoo_platform.config.models import FreezeOverride, FreezeWindow, PlatformConfig

from ._props import mapping, maps, strings
from .model import (
    DEFAULT_REQUIRED_TAGS,
    ENVIRONMENTS,
    Environment,
    StackContext,
    StackFacts,
    TenantFacts,
)

FACTS_ENV = "ODOO_PLATFORM_POLICY_FACTS"

_TENANT_SCHEMA = {
    "type": "object",
    "properties": {
        "slug": {"type": "string"},
        "tier": {"type": "string", "enum": ["shared", "dedicated"]},
        "regulated": {"type": "boolean"},
        "residency": {"type": "string"},
    },
    "required": ["slug", "tier", "residency"],
}
_WINDOW_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "lastDaysOfMonth": {"type": "integer"},
        "firstDaysOfMonth": {"type": "integer"},
        "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
    },
    "required": ["name"],
}
_OVERRIDE_SCHEMA = {
    "type": "object",
    "properties": {
        "changeRef": {"type": "string"},
        "reason": {"type": "string"},
        "window": {"type": "string"},
        "expires": {"type": "string", "format": "date"},
    },
    "required": ["changeRef", "reason", "window", "expires"],
}

CONFIG_PROPERTIES: dict[str, Any] = {
    "environment": {
        "type": "string",
        "enum": list(ENVIRONMENTS),
        "description": "default: the stack name's prefix (prod-eu-west-1 -> prod), else prod",
    },
    "region": {
        "type": "string",
        "description": "default: the AWS provider's region, else the stack name's suffix",
    },
    "requiredTags": {
        "type": "array",
        "items": {"type": "string"},
        "description": f"default: {', '.join(DEFAULT_REQUIRED_TAGS)}",
    },
    "stackFacts": {
        "type": "object",
        "description": "tenant placement and change-freeze facts; facts rules skip without",
        "properties": {
            "residencyZone": {"type": "string"},
            "tenants": {"type": "array", "items": _TENANT_SCHEMA},
            "freezeWindows": {"type": "array", "items": _WINDOW_SCHEMA},
            "freezeOverride": _OVERRIDE_SCHEMA,
        },
        "required": ["residencyZone"],
    },
}


def facts_document(config: PlatformConfig) -> dict[str, Any]:
    """`odoo-platform policy-config`: the stack's facts, independent of the day."""
    governance = config.governance
    facts: dict[str, Any] = {
        "residencyZone": config.residency,
        "tenants": [
            {"slug": t.slug, "tier": t.tier, "regulated": t.regulated, "residency": t.residency}
            for t in config.tenants
        ],
        "freezeWindows": [
            _camel(w.model_dump(mode="json", exclude_defaults=True))
            for w in governance.freeze_windows
        ],
    }
    if governance.freeze_override is not None:
        facts["freezeOverride"] = _camel(governance.freeze_override.model_dump(mode="json"))
    required = dict.fromkeys((*DEFAULT_REQUIRED_TAGS, *governance.required_tag_keys))
    return {
        "environment": config.environment,
        "region": config.region,
        "requiredTags": list(required),
        "stackFacts": facts,
    }


def shared_facts() -> dict[str, Any]:
    """The document named by ODOO_PLATFORM_POLICY_FACTS, or nothing when unset."""
    path = os.environ.get(FACTS_ENV)
    if not path:
        return {}
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{FACTS_ENV}={path}: cannot read the stack facts: {error}") from None
    return document if isinstance(document, dict) else {}


def context_from_config(
    config: Mapping[str, Any],
    stack: str | None = None,
    provider: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> StackContext:
    """The StackContext a policy's configuration, the stack name and the provider imply on
    `today` (default: the UTC day of the preview)."""
    stack_env, stack_region = _split_stack_name(stack)
    provider = mapping(provider)
    tags = strings(config.get("requiredTags"))
    region = config.get("region") or provider.get("region") or stack_region
    return StackContext(
        environment=_environment(config.get("environment")) or stack_env or "prod",
        region=str(region) if region else None,
        required_tags=tuple(tags) if "requiredTags" in config else DEFAULT_REQUIRED_TAGS,
        default_tags=_default_tags(provider.get("defaultTags")),
        facts=facts_from_config(config.get("stackFacts"), today or utc_today()),
    )


def _environment(value: object) -> Environment | None:
    return next((env for env in ENVIRONMENTS if env == value), None)


def _split_stack_name(stack: str | None) -> tuple[Environment | None, str | None]:
    name = (stack or "").rsplit("/", 1)[-1]  # org/project/stack or stack
    prefix, _, region = name.partition("-")
    environment = _environment(prefix)
    if environment is None:
        return None, None
    return environment, region or None


def _default_tags(value: object) -> dict[str, str]:
    # Provider inputs may reach the analyzer JSON-encoded.
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return {str(k): str(v) for k, v in mapping(mapping(value).get("tags")).items()}


def facts_from_config(value: object, today: dt.date) -> StackFacts | None:
    """StackFacts from the camelCase `stackFacts` object, the freeze judged on `today`."""
    data = mapping(value)
    if not data.get("residencyZone"):
        return None
    tenants = tuple(
        TenantFacts(
            slug=str(t.get("slug")),
            tier=str(t.get("tier")),
            regulated=t.get("regulated") is True,
            residency=str(t.get("residency")),
        )
        for t in maps(data.get("tenants"))
    )
    try:
        windows = [FreezeWindow.model_validate(_snake(w)) for w in maps(data.get("freezeWindows"))]
        override_data = mapping(data.get("freezeOverride"))
        override = FreezeOverride.model_validate(_snake(override_data)) if override_data else None
    except ValidationError as error:
        raise ValueError(f"stackFacts: invalid freeze facts: {error}") from None
    state = window_state(windows, override, today)
    return StackFacts(
        residency_zone=str(data["residencyZone"]),
        tenants=tenants,
        freeze_window=state.window if state else None,
        freeze_override=state.override.change_ref if state and state.override else None,
        freeze_until=state.until.isoformat() if state else None,
    )


def merged(shared: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """A policy's settings: the shared facts document, then its own configuration on top."""
    return {**shared, **{k: v for k, v in own.items() if k != "enforcementLevel"}}


def _camel(data: Mapping[str, Any]) -> dict[str, Any]:
    def camel(key: str) -> str:
        head, *rest = key.split("_")
        return head + "".join(part.title() for part in rest)

    return {camel(k): v for k, v in data.items() if v is not None}


def _snake(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"".join(f"_{c.lower()}" if c.isupper() else c for c in k): v for k, v in data.items()}
