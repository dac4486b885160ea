"""Parse the `odoo-platform:platform` stack key into a checked `PlatformConfig`.

Used by the stack program (from Pulumi config) and offline (straight from `Pulumi.<stack>.yaml`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from odoo_platform.config.errors import ROOT, ConfigError, ConfigIssue, key_path
from odoo_platform.config.models import (
    AcmTls,
    CertManagerTls,
    EksClusterConfig,
    ExistingClusterConfig,
    PlatformConfig,
    SesMailConfig,
    SmtpRelayConfig,
)
from odoo_platform.config.validation import check

CONFIG_NAMESPACE = "odoo-platform"
CONFIG_KEY = f"{CONFIG_NAMESPACE}:{ROOT}"


def parse_platform(data: Any, source: str = "") -> PlatformConfig:
    """Validate the structure, then the cross-key rules; raise every problem at once."""
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(ROOT, "must be a mapping of settings")], source)
    try:
        config = PlatformConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError([_issue(e) for e in error.errors()], source) from None
    issues = check(config)
    if issues:
        raise ConfigError(issues, source)
    return config


def stack_file(stack: str, stacks_dir: Path) -> Path:
    return stacks_dir / f"Pulumi.{stack}.yaml"


def read_stack_config(path: Path) -> dict[str, Any]:
    """The `config:` mapping of a stack file."""
    if not path.is_file():
        raise ConfigError([ConfigIssue(ROOT, f"stack file {path} does not exist")], str(path))
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError([ConfigIssue(ROOT, f"is not valid YAML: {error}")], str(path)) from None
    config = document.get("config") if isinstance(document, dict) else None
    return config if isinstance(config, dict) else {}


def load_stack_file(path: Path) -> PlatformConfig:
    """Read and validate `odoo-platform:platform` from a `Pulumi.<stack>.yaml` file."""
    config = read_stack_config(path)
    if CONFIG_KEY not in config:
        raise ConfigError([ConfigIssue(ROOT, f"the key '{CONFIG_KEY}' is missing")], str(path))
    # Dates and the like round-trip through JSON as the Pulumi engine would pass them.
    data = json.loads(json.dumps(config[CONFIG_KEY], default=str))
    return parse_platform(data, str(path))


def _issue(error: ErrorDetails) -> ConfigIssue:
    loc = [part for part in error["loc"] if not _is_union_tag(part)]
    path = key_path(*loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(error["loc"][:-1])
        return ConfigIssue(path, f"unknown key; allowed keys here: {', '.join(allowed)}")
    if kind == "missing":
        return ConfigIssue(path, "is required")
    message = error["msg"].removeprefix("Value error, ")
    return ConfigIssue(path, f"{_shown(error.get('input'))} is not allowed: {message}")


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


# Discriminated unions put the chosen `mode` in the error location; users never wrote it.
_UNION_MEMBERS: dict[str, type[BaseModel]] = {
    get_args(cls.model_fields["mode"].annotation)[0]: cls
    for cls in (
        EksClusterConfig,
        ExistingClusterConfig,
        CertManagerTls,
        AcmTls,
        SmtpRelayConfig,
        SesMailConfig,
    )
}


def _is_union_tag(part: str | int) -> bool:
    return isinstance(part, str) and part in _UNION_MEMBERS


def _allowed_keys(loc: tuple[str | int, ...]) -> list[str]:
    """The keys the model at `loc` accepts, for an unknown-key message."""
    model: type[BaseModel] | None = PlatformConfig
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        if part in _UNION_MEMBERS:
            model = _UNION_MEMBERS[part]
        elif part in model.model_fields:
            model = _first_model(model.model_fields[part].annotation)
    return sorted(model.model_fields) if model is not None else []


def _first_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as `list[X]`, `X | None` or a union."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _first_model(arg)
        if found is not None:
            return found
    return None
