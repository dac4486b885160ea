"""Parse the `odoo-platform:platform` stack key into a checked `PlatformConfig`.

Used by the stack program (from Pulumi config) and offline (straight from `Pulumi.<stack>.yaml`).
Values are validated strictly, as the JSON the Pulumi engine hands the program: `true` is not 1,
`"7"` is not 7, `0` is not a date. Every problem is reported in one pass: the cross-key rules also
run on the parts that parsed (see `_rules_on_what_parsed`).
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from odoo_platform.config.errors import (
    CONFIG_KEY,
    CONFIG_NAMESPACE,
    ROOT,
    ConfigError,
    ConfigIssue,
    key_path,
)
from odoo_platform.config.models import PATTERN_MEANINGS, PlatformConfig
from odoo_platform.config.stack_yaml import MAX_DEPTH, MAX_NODES, STACK_KEY_VALUE, load_yaml
from odoo_platform.config.validation import check

__all__ = [
    "CONFIG_KEY",
    "CONFIG_NAMESPACE",
    "load_stack_file",
    "parse_engine_value",
    "parse_platform",
    "parse_section",
]

Loc = tuple[str | int, ...]
Model = TypeVar("Model", bound=BaseModel)
MAX_REPAIR_ROUNDS = 5
# Required settings no cross-key rule reads: a wrong one gets a stand-in so the rules still run.
_STAND_INS = {"organisation": "unknown", "owner": "unknown", "cost_centre": "unknown"}


def parse_platform(data: Any, source: str = "") -> PlatformConfig:
    """Validate the structure, then the cross-key rules; raise every problem at once."""
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(ROOT, "must be a mapping of settings")], source)
    shape = _shape_issues(data)
    if shape:
        raise ConfigError(shape, source)
    document = json.loads(json.dumps(data, default=str))
    try:
        config = _validate(document)
    except ValidationError as error:
        issues = [_issue(e) for e in error.errors()]
        raise ConfigError(issues + _rules_on_what_parsed(document, error), source) from None
    issues = check(config)
    if issues:
        raise ConfigError(issues, source)
    return config


def parse_section(model: type[Model], data: Any, root: str) -> Model:
    """A model from another stack key, as strictly as the platform's: a tenant stack's `tenant`
    (`parse_tenant`). Errors name `root.key.path`."""
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(root, "must be a mapping of settings")], root)
    shape = _shape_issues(data, root)
    if shape:
        raise ConfigError(shape, root)
    try:
        return model.model_validate_json(json.dumps(data, default=str), strict=True)
    except ValidationError as error:
        issues = [_issue(e, model, root) for e in error.errors()]
        raise ConfigError(issues, root) from None


def _validate(document: dict[str, Any]) -> PlatformConfig:
    return PlatformConfig.model_validate_json(json.dumps(document), strict=True)


def stack_file(stack: str, stacks_dir: Path) -> Path:
    return stacks_dir / f"Pulumi.{stack}.yaml"


def read_stack_config(path: Path) -> dict[str, Any]:
    """The `config:` mapping of a stack file."""
    if not path.is_file():
        raise ConfigError([ConfigIssue(ROOT, f"stack file {path} does not exist")], str(path))
    try:
        document = load_yaml(path.read_bytes()) or {}
    except ConfigError as error:
        raise ConfigError(error.issues, str(path)) from None
    config = document.get("config") if isinstance(document, dict) else None
    return config if isinstance(config, dict) else {}


def parse_engine_value(text: str, source: str) -> PlatformConfig:
    """The stack key's value as the Pulumi engine passes it to the program (JSON text)."""
    try:
        data = load_yaml(text.encode("utf-8", "surrogatepass"), within=STACK_KEY_VALUE)
    except ConfigError as error:
        raise ConfigError(error.issues, source) from None
    return parse_platform(data, source)


def load_stack_file(path: Path) -> PlatformConfig:
    """Read and validate `odoo-platform:platform` from a `Pulumi.<stack>.yaml` file."""
    config = read_stack_config(path)
    if CONFIG_KEY not in config:
        raise ConfigError([ConfigIssue(ROOT, f"the key '{CONFIG_KEY}' is missing")], str(path))
    return parse_platform(config[CONFIG_KEY], str(path))


def _shape_issues(data: dict[str, Any], root: str = ROOT) -> list[ConfigIssue]:
    """Text keys, bounded depth and size (a cycle is too deep): what JSON carries, iteratively."""
    stack: list[tuple[Any, Loc]] = [(data, ())]
    seen = 0
    while stack:
        value, loc = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            return [ConfigIssue(root, f"has more than {MAX_NODES} values")]
        if len(loc) > MAX_DEPTH:
            path = key_path(*loc, root=root)
            return [ConfigIssue(path, f"is nested more than {MAX_DEPTH} levels deep")]
        if isinstance(value, dict):
            for key, child in value.items():
                if not isinstance(key, str):
                    return [ConfigIssue(key_path(*loc, root=root), f"the key {key!r} must be text")]
                stack.append((child, (*loc, key)))
        elif isinstance(value, list | tuple):
            stack.extend((child, (*loc, i)) for i, child in enumerate(value))
    return []


# --- error messages -------------------------------------------------------------------------


def _issue(
    error: ErrorDetails, model: type[BaseModel] = PlatformConfig, root: str = ROOT
) -> ConfigIssue:
    parts, _ = _resolve(error["loc"], model)
    path = key_path(*parts, root=root)
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _resolve(error["loc"][:-1], model)[1]
        return ConfigIssue(path, _unknown_key(str(parts[-1]), parent))
    if kind == "missing":
        return ConfigIssue(path, "is required")
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        return ConfigIssue(
            key_path(*parts, ctx.get("discriminator", "mode").strip("'"), root=root),
            f"{_shown(ctx.get('tag'))} is not allowed: must be one of {ctx.get('expected_tags')}",
        )
    if kind == "union_tag_not_found":
        discriminator = error.get("ctx", {}).get("discriminator", "mode").strip("'")
        tags = ", ".join(f"'{tag}'" for tag in _union_members_at(error["loc"], model))
        path = key_path(*parts, discriminator, root=root)
        return ConfigIssue(path, f"is required: one of {tags}")
    message = error["msg"].removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        meaning = PATTERN_MEANINGS.get(str(error.get("ctx", {}).get("pattern")))
        message = f"must be {meaning} ({message})" if meaning else message
    return ConfigIssue(
        path, f"{_shown(error.get('input'))} is not allowed: {message}{_quote_hint(error)}"
    )


def _unknown_key(key: str, model: type[BaseModel] | None) -> str:
    allowed = sorted(model.model_fields) if model is not None else []
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"did you mean `{close[0]}`? " if close else ""
    return f"unknown key '{key}'; {hint}allowed keys here: {', '.join(allowed)}"


def _quote_hint(error: ErrorDetails) -> str:
    """`odoo_version: 17.0` is a number in YAML; the setting wants the text "17.0"."""
    value = error.get("input")
    wants_text = error["type"] in {"string_type", "literal_error", "string_pattern_mismatch"}
    if wants_text and isinstance(value, int | float) and not isinstance(value, bool):
        return f'; YAML read a number: write it in quotes, "{value}"'
    text = value.strip().lower() if isinstance(value, str) else ""
    plain = text in ("true", "false") or (text.isascii() and text.isdigit())
    if error["type"] in {"int_type", "bool_type"} and plain:
        return f"; write it without quotes: {text}"  # `"7"` where 7 is meant
    if error["type"] == "bool_type" and text in ("yes", "no", "on", "off", "y", "n"):
        return "; YAML 1.2 (the Pulumi CLI) reads it as text: write true or false"
    return ""


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _union_members(model: type[BaseModel], name: str) -> dict[str, type[BaseModel]]:
    """The members of a discriminated-union field by tag, e.g. `cluster`: {'eks': ..., ...}."""
    field = model.model_fields[name]
    discriminator, annotation = field.discriminator, field.annotation
    if discriminator is None:  # an optional union: `Annotated[A | B, Field(discriminator)] | None`
        for arg in get_args(annotation):
            union, *metadata = get_args(arg) if get_origin(arg) is Annotated else (None,)
            for info in metadata:
                if getattr(info, "discriminator", None) is not None:
                    discriminator, annotation = info.discriminator, union
    if discriminator is None:
        return {}
    members = (arg for arg in get_args(annotation) if isinstance(arg, type))
    return {
        get_args(cls.model_fields[str(discriminator)].annotation)[0]: cls
        for cls in members
        if issubclass(cls, BaseModel)
    }


def _union_members_at(loc: Loc, model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """The members of the union field at `loc` (its parent model and its name)."""
    _, parent = _resolve(loc[:-1], model)
    name = loc[-1] if loc else None
    if parent is None or not isinstance(name, str) or name not in parent.model_fields:
        return {}
    return _union_members(parent, name)


def _resolve(
    loc: Loc, root: type[BaseModel] = PlatformConfig
) -> tuple[list[str | int], type[BaseModel] | None]:
    """The key path users wrote (without the union tags pydantic adds) and the model there."""
    model: type[BaseModel] | None = root
    members: dict[str, type[BaseModel]] = {}
    parts: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and part in members:  # a tag, right after its union field
            model, members = members[part], {}
            continue
        members = {}
        parts.append(part)
        if isinstance(part, int):
            continue
        if model is not None and part in model.model_fields:
            members = _union_members(model, part)
            model = None if members else _first_model(model.model_fields[part].annotation)
        else:
            model = None
    return parts, model


def _first_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as `list[X]`, `X | None` or a union."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _first_model(arg)
        if found is not None:
            return found
    return None


# --- cross-key rules on what parsed ---------------------------------------------------------


class _UnrepairableError(Exception):
    """A required setting outside any tenant is wrong: the cross-key rules cannot run."""


def _rules_on_what_parsed(document: dict[str, Any], error: ValidationError) -> list[ConfigIssue]:
    """Cross-key issues of the configuration with wrong settings at their defaults and wrong
    tenants left out, so duplicate slugs and budgets show up with the schema errors."""
    tenants = document.get("tenants")
    positions = list(range(len(tenants))) if isinstance(tenants, list) else []
    pruned: list[str] = []
    errors = error.errors()
    try:
        for _ in range(MAX_REPAIR_ROUNDS):
            dropped: set[int] = set()
            for details in errors:
                tenant, path = _prune(document, details["loc"])
                if tenant is not None:
                    dropped.add(tenant)
                pruned.append(_renumber(path, positions))
            if dropped:
                document["tenants"] = [t for i, t in enumerate(tenants or []) if i not in dropped]
                positions = [p for i, p in enumerate(positions) if i not in dropped]
                tenants = document["tenants"]
            try:
                config = _validate(document)
            except ValidationError as again:
                errors = again.errors()
                continue
            issues = (ConfigIssue(_renumber(i.path, positions), i.message) for i in check(config))
            # a rule about a setting that was replaced, or about what holds it, would be noise
            return [i for i in issues if not any(_related(i.path, p) for p in pruned)]
    except _UnrepairableError:
        pass
    return []


def _prune(document: dict[str, Any], loc: Loc) -> tuple[int | None, str]:
    """Remove the innermost optional setting around an error (its default takes over), or
    return the index of the tenant to leave out. Returns it with the key path removed."""
    model: type[BaseModel] | None = PlatformConfig
    members: dict[str, type[BaseModel]] = {}
    node: Any = document
    cut: tuple[dict[str, Any], str, list[str | int]] | None = None
    tenant: int | None = None
    parts: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and part in members:
            model, members = members[part], {}
            continue
        members = {}
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            field = model.model_fields.get(part) if model is not None else None
            parts.append(part)
            if field is None or not field.is_required():
                cut = (node, part, list(parts))
            if model is not None and field is not None:
                members = _union_members(model, part)
                model = None if members else _first_model(field.annotation)
            else:
                model = None
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            parts.append(part)
            if node is document.get("tenants"):
                tenant, cut = part, None
            node = node[part]
        else:
            break
    if cut is not None:
        container, key, cut_parts = cut
        container.pop(key, None)
        return None, key_path(*cut_parts)
    if tenant is not None:
        return tenant, key_path("tenants", tenant)
    if len(loc) == 1 and loc[0] in _STAND_INS:
        document[str(loc[0])] = _STAND_INS[str(loc[0])]
        return None, key_path(loc[0])
    raise _UnrepairableError


_TENANT_INDEX = re.compile(r"^platform\.tenants\[(\d+)\]")


def _renumber(path: str, positions: list[int]) -> str:
    """A path into the tenants that parsed, renumbered to the tenant's place in the file."""
    found = _TENANT_INDEX.match(path)
    if found is None or int(found.group(1)) >= len(positions):
        return path
    return f"{ROOT}.tenants[{positions[int(found.group(1))]}]{path[found.end() :]}"


def _related(path: str, other: str) -> bool:
    """One path is the other or inside it."""
    inner, outer = (path, other) if len(path) >= len(other) else (other, path)
    return inner == outer or inner.startswith((outer + ".", outer + "["))
