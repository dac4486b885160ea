"""Plain input values serialized at once, by each annotation's rules decided once.

The SDK's `rpc.serialize_property` is a coroutine that recurses through an input value, and at
every node tests it for a sequence, an unknown, a resource, an asset, an archive, an awaitable,
an output, an input type and a mapping, and works out its annotation (Kubernetes objects, IAM
policies and tags are thousands of nodes per tenant; docs/performance.md). A value made only of
dicts, lists, strings, numbers, booleans and None awaits nothing and depends on no resource, so
`plain_value` serializes it in one synchronous walk with the same key translation (input types'
Python names to Pulumi names, the resource's translation for untyped dicts) and the same types
passed down; anything else in it (an Output, a resource, an asset, an input-type object, a tuple,
a discriminated union) makes it the SDK's to serialize (`NotPlainError`). Used by the
`serialize_property` shortcut in `shortcuts.py`.
"""

from __future__ import annotations

import functools
import typing
from collections import abc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pulumi import _types
from pulumi.runtime import rpc

_LEAVES = frozenset({str, int, float, bool, type(None)})
_MAPPINGS = (dict, typing.Dict, abc.Mapping, typing.Mapping)  # noqa: UP006 - as the SDK lists them
_SDK = object()  # "the SDK serializes a value of this kind under this annotation"


class NotPlainError(Exception):
    """The value holds something only the SDK serializes (or raises on)."""


@dataclass(frozen=True)
class _Rule:
    """How the SDK serializes a dict or a list under one annotation."""

    names: dict[str, str] | None = None  # an input type's Python -> Pulumi names ...
    field_types: dict[str, Any] | None = None  # ... and its fields' annotations (Pulumi names)
    value_type: Any = _SDK  # or every value of a dict under this annotation
    keys_translated: bool = False  # through the caller's `input_transformer`
    element_type: Any = _SDK  # a list's elements, under this annotation


@functools.lru_cache(maxsize=4096)
def _rule(typ: Any) -> _Rule:
    """The SDK's decisions in `serialize_property` for a dict or list under `typ`, in its order:
    Output/Input/Optional unwrapped, Any as no annotation, unions, input types, mappings."""
    unwrapped = _types.unwrap_type(typ) if typ else typ
    if unwrapped is Any:
        unwrapped = None
    try:
        element_type: Any = rpc._get_list_element_type(unwrapped)
    except AssertionError:
        element_type = _SDK  # the SDK raises: a list where the annotation says otherwise
    if unwrapped is None:
        return _Rule(value_type=None, keys_translated=True, element_type=element_type)
    if _types.is_discriminated_union(unwrapped):
        return _Rule(element_type=element_type)  # which member depends on the value
    if _types.is_input_type(unwrapped):
        return _Rule(
            names=_types.input_type_py_to_pulumi_names(unwrapped),
            field_types=_types.input_type_types(unwrapped),
            element_type=element_type,
        )
    if unwrapped is dict or typing.get_origin(unwrapped) in _MAPPINGS:
        args = typing.get_args(unwrapped)
        if len(args) == 2 and args[0] is str:
            return _Rule(value_type=args[1], element_type=element_type)
        return _Rule(value_type=None, keys_translated=True, element_type=element_type)
    return _Rule(value_type=None, element_type=element_type)


def plain_value(value: Any, typ: Any, input_transformer: Callable[[str], str] | None) -> Any:
    """What `await rpc.serialize_property(value, deps, key, typ=typ, input_transformer=...)`
    returns for a plain `value` (and it adds no dependency); `NotPlainError` otherwise."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is dict:
        return _plain_dict(value, _rule(typ), input_transformer)
    if kind is list:
        element_type = _rule(typ).element_type
        if element_type is _SDK:
            raise NotPlainError
        return [plain_value(item, element_type, input_transformer) for item in value]
    raise NotPlainError


def _plain_dict(
    value: dict[Any, Any], rule: _Rule, input_transformer: Callable[[str], str] | None
) -> dict[Any, Any]:
    if rule.names is not None:
        names, types = rule.names, rule.field_types or {}
        translated = {key: names.get(key) or key for key in value}
        return {
            translated[key]: plain_value(item, types.get(translated[key]), input_transformer)
            for key, item in value.items()
        }
    value_type = rule.value_type
    if value_type is _SDK:
        raise NotPlainError
    if rule.keys_translated and input_transformer is not None:
        return {
            input_transformer(key): plain_value(item, value_type, input_transformer)
            for key, item in value.items()
        }
    return {key: plain_value(item, value_type, input_transformer) for key, item in value.items()}
