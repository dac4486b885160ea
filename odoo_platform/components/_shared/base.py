"""What every component shares: its type token prefix, how it parents its children, and how its
args are checked at construction (a wrong value fails here, not at `pulumi up`)."""

from __future__ import annotations

import dataclasses
import inspect
import re
import types
import typing
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypedDict, Unpack

import pulumi

from odoo_platform.config.fields import SLUG_PATTERN

TYPE_PREFIX = "odoo-platform:index"


def component_type(name: str) -> str:
    """`component_type("LandingZone")` -> `odoo-platform:index:LandingZone`."""
    return f"{TYPE_PREFIX}:{name}"


class ChildOptions(TypedDict, total=False):
    """The `ResourceOptions` components set on their children besides parent and protect."""

    provider: pulumi.ProviderResource | None
    providers: Mapping[str, pulumi.ProviderResource] | Sequence[pulumi.ProviderResource]
    depends_on: pulumi.Input[Sequence[pulumi.Input[pulumi.Resource]]]
    ignore_changes: Sequence[str]
    custom_timeouts: pulumi.CustomTimeouts


def child_opts(
    parent: pulumi.Resource, *, protect: bool = False, **kwargs: Unpack[ChildOptions]
) -> pulumi.ResourceOptions:
    """Options for a child: parented (so it inherits providers and protection).

    `protect=True` protects the child whatever the parent; otherwise `protect` is left unset so
    Pulumi inherits it from the parent: a caller's `ResourceOptions(protect=True)` on a component
    reaches its stateful children. `retain_on_delete` stays off: deletion is an explicit act.
    """
    return pulumi.ResourceOptions(
        parent=parent,
        protect=True if protect else None,
        **kwargs,  # type: ignore[arg-type]  # ResourceOptions types providers as a Mapping | List
    )


class ArgsError(ValueError):
    """Component args that cannot work: names the Args class, each field, its value and what is
    allowed (the same shape as a stack file's `ConfigError`)."""

    def __init__(self, owner: str, problems: Sequence[str]) -> None:
        self.owner, self.problems = owner, list(problems)
        super().__init__(f"{owner}: " + "; ".join(self.problems))


@dataclass(frozen=True)
class Between:
    """`Annotated[int, Between(1, 35)]`: an inclusive range."""

    low: int
    high: int
    why: str = ""

    def problem(self, value: int) -> str | None:
        if self.low <= value <= self.high:
            return None
        return f"{value!r} is not allowed: {self.low} to {self.high}{self.why}"


@dataclass(frozen=True)
class Matches:
    """`Annotated[str, Matches(SLUG_PATTERN, "a DNS label such as alpha-law")]`."""

    pattern: str
    meaning: str

    def problem(self, value: str) -> str | None:
        if re.fullmatch(self.pattern, value):
            return None
        return f"{value!r} is not allowed: must be {self.meaning}"


# plain str for callers (tier labels are str constants), checked like a Literal
TierLabel = Annotated[
    str, Matches("platform|shared|dedicated", "one of 'platform', 'shared', 'dedicated'")
]
Slug = Annotated[str, Matches(SLUG_PATTERN, "a tenant slug such as 'alpha-law'")]
Port = Annotated[int, Between(1, 65535)]
AccountId = Annotated[str, Matches(r"[0-9]{12}", "a 12-digit AWS account id")]
AwsRegion = Annotated[str, Matches(r"[a-z]{2}(-[a-z]+)+-[0-9]", "an AWS region such as eu-west-1")]


@dataclass(frozen=True)
class OneOf:
    """`Annotated[int, OneOf(LOG_RETENTION_DAYS)]`: one of the values (of the same type)."""

    values: tuple[object, ...]

    def problem(self, value: object) -> str | None:
        if any(value == v and type(value) is type(v) for v in self.values):
            return None
        return f"{value!r} is not allowed: one of {', '.join(map(str, self.values))}"


def check_args(args: Any) -> None:
    """Check every field of an Args dataclass against its annotation; raise all problems.

    Literal values, ranges (`Between`), patterns (`Matches`), plain types, optional fields,
    sequences and mappings are checked; `pulumi.Input` accepts an Output or Awaitable unchecked
    (its value is known only at deployment) but never `None` unless the field allows it.
    """
    cls = type(args)
    problems = [
        f"{field}: {problem}"
        for field, hint in _hints(cls).items()
        for problem in _problems(getattr(args, field), hint)[:1]
    ]
    if problems:
        raise ArgsError(cls.__name__, problems)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = _field_hints(cls)
    return _HINTS[cls]


def _field_hints(cls: type) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    # `pulumi.Input[X]` holds the unresolved forward reference "Output[T]"
    pulumi_names = {"Output": pulumi.Output, "T": Any}
    hints = typing.get_type_hints(cls, localns=pulumi_names, include_extras=True)
    return {name: hint for name, hint in hints.items() if name in names}


def _problems(value: Any, hint: Any) -> list[str]:
    origin, params = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Annotated:
        found = _problems(value, params[0])
        for rule in params[1:]:
            if not found and isinstance(rule, Between | Matches | OneOf):
                problem = rule.problem(value)
                found += [problem] if problem else []
        return found
    if hint is Any or isinstance(hint, typing.TypeVar):
        return []
    if origin is Literal:
        allowed = ", ".join(repr(p) for p in params)
        # by type too: `True == 1`, but `True` is no number of days
        if any(value == p and type(value) is type(p) for p in params):
            return []
        return [f"{value!r} is not allowed: one of {allowed}"]
    if origin in (typing.Union, types.UnionType):
        if _is_input(params) and isinstance(value, pulumi.Output | Awaitable):
            return []
        options = [_problems(value, p) for p in params if p is not type(None) or value is None]
        if any(not found for found in options):
            return []
        if value is None:
            kinds = " or ".join(_name(p) for p in params if not _is_input((p,)))
            return [
                f"None is not allowed: must be {kinds}" + (", or an Output" * _is_input(params))
            ]
        return options[0] if len(options) == 1 else [f"{value!r} is not allowed: {_name(hint)}"]
    return _plain(value, hint, origin, params)


def _plain(value: Any, hint: Any, origin: Any, params: tuple[Any, ...]) -> list[str]:
    kind = origin or hint
    if not inspect.isclass(kind):
        return []
    wrong = f"{value!r} is not allowed: must be {_name(hint)}"
    if kind in (int, float) and isinstance(value, bool):
        return [wrong]
    if kind is float and isinstance(value, int):
        return []
    if kind in (Sequence, list, tuple) and isinstance(value, str):
        return [wrong]
    if not isinstance(value, kind):
        return [wrong]
    if kind in (Sequence, list, tuple) and params and isinstance(value, Sequence):
        for index, item in enumerate(value):
            found = _problems(item, params[0])
            if found:
                return [f"[{index}] {found[0]}"]
    if kind is Mapping and len(params) == 2 and isinstance(value, Mapping):
        for key, item in value.items():
            found = _problems(key, params[0]) + _problems(item, params[1])
            if found:
                return [f"[{key!r}] {found[0]}"]
    return []


def _is_input(params: tuple[Any, ...]) -> bool:
    """`pulumi.Input[T]` is `T | Awaitable[T] | Output[T]`."""
    return any(
        p is pulumi.Output or typing.get_origin(p) in (Awaitable, pulumi.Output) for p in params
    )


def _name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def require_providers(component: pulumi.Resource, *packages: str) -> None:
    """Explicit providers for some of a component's packages but not all would send the others'
    children to the ambient default: another account, or whatever cluster the kubeconfig names."""
    given = [p for p in packages if component.get_provider(f"{p}::") is not None]
    missing = [p for p in packages if p not in given]
    if given and missing:
        raise ArgsError(
            f"{type(component).__name__} {component._name!r}",
            [
                f"opts: providers for {', '.join(given)} but none for {', '.join(missing)}; "
                f"pass one for each of {', '.join(packages)} (ResourceOptions(providers=[...]))"
            ],
        )
