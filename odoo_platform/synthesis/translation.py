"""`rpc.translate_output_properties` with each annotation's rules decided once, not per value.

The SDK turns every output value the engine sends into what the program sees: output types
instantiated from dicts, enums from strings, ints from floats, keys translated. It does so by
recursing through the value, and at every node it unwraps the annotation, tests it for a
discriminated union, an output type and a mapping, and builds an error-path object; a 50-tenant
plan's outputs are some 170 000 such nodes, most of them the echoed Kubernetes objects
(`ObjectMeta`, `DeploymentSpec`, ...; docs/performance.md). Here the rules of an annotation
(`_Rule`) are worked out once and the walk applies them, building the same values (the same
output type classes from the same `output_type_from_dict`); whatever the rules do not cover
(secrets, unions, subclasses of dict or list, a value of another shape than its annotation,
resources, assets, unknowns) is translated by the SDK itself, with the path it would have had.
Registered as a shortcut in `shortcuts.py`.
"""

from __future__ import annotations

import enum
import functools
import inspect
import typing
from collections import abc
from dataclasses import dataclass
from typing import Any

from pulumi import _types
from pulumi.runtime import rpc

SDK_TRANSLATE = rpc.translate_output_properties  # the SDK's own, captured before any run
_LEAVES = frozenset({str, int, float, bool, type(None)})
_NOT_CACHED = object()
_SDK = object()  # "the SDK translates a value of this kind under this annotation"
_MAPPINGS = (dict, typing.Dict, abc.Mapping, typing.Mapping)  # noqa: UP006 - as the SDK lists them


@dataclass(frozen=True)
class _Rule:
    """How the SDK translates a dict or a list under one annotation."""

    output_type: Any = None  # a dict becomes this output type ...
    field_types: dict[str, Any] | None = None  # ... each field translated under its annotation
    value_type: Any = _SDK  # or a dict's values, all under this annotation (None: untyped)
    keys_translated: bool = True  # through the caller's `output_transformer`
    element_type: Any = _SDK  # a list's elements, under this annotation


@functools.lru_cache(maxsize=4096)
def _rule(typ: Any) -> _Rule:
    """The SDK's decisions for a dict or list under `typ` (see `rpc.translate_output_properties`),
    in its order: optional unwrapped, Any as no annotation, unions, output types, mappings."""
    unwrapped = _types.unwrap_optional_type(typ) if typ else typ
    if unwrapped is Any:
        unwrapped = None
    try:
        element_type: Any = rpc._get_list_element_type(unwrapped)
    except AssertionError:
        element_type = _SDK  # the SDK raises: a list where the annotation says otherwise
    if unwrapped is None:
        return _Rule(value_type=None, element_type=element_type)
    if _types.is_discriminated_union(unwrapped):
        return _Rule(element_type=element_type)
    if _types.is_output_type(unwrapped):
        try:
            types = _types.output_type_types(unwrapped)
        except Exception:  # the SDK meets it on a dict only: leave the dicts to it
            return _Rule(element_type=element_type)
        return _Rule(output_type=unwrapped, field_types=types, element_type=element_type)
    if unwrapped is dict or typing.get_origin(unwrapped) in _MAPPINGS:
        args = typing.get_args(unwrapped)
        if len(args) == 2 and args[0] is str:
            return _Rule(value_type=args[1], keys_translated=False, element_type=element_type)
        return _Rule(value_type=None, element_type=element_type)
    return _Rule(element_type=element_type)  # a dict here: the SDK raises or answers None


@functools.lru_cache(maxsize=2048)
def _leaf_target(typ: Any) -> Any:
    """What the SDK turns a leaf into under `typ`: an enum class, `int` (floats become ints), or
    None (left as is)."""
    unwrapped = _types.unwrap_optional_type(typ) if typ else typ
    if inspect.isclass(unwrapped) and issubclass(unwrapped, enum.Enum):
        return unwrapped
    return int if unwrapped is int else None


def translate_output_properties(  # noqa: PLR0917 - the SDK's signature
    output: Any,
    output_transformer: Any,
    typ: Any = None,
    transform_using_type_metadata: bool = False,
    path: Any = None,
    return_none_on_dict_type_mismatch: bool = False,
) -> Any:
    """`rpc.translate_output_properties`: leaves by their annotation's cached rule; dicts and
    lists of a resource's outputs (translated by type metadata) by the walk below."""
    kind = type(output)
    if kind in _LEAVES:
        leaf = _leaf(output, kind, typ)
        if leaf is not _NOT_CACHED:
            return leaf
    elif (
        kind in (dict, list)
        and transform_using_type_metadata
        and not return_none_on_dict_type_mismatch
    ):
        try:
            return _Walk(output_transformer, path).value(output, typ, None)
        except TypeError:  # an unhashable annotation somewhere: the SDK's way
            pass
    return SDK_TRANSLATE(
        output,
        output_transformer,
        typ,
        transform_using_type_metadata,
        path,
        return_none_on_dict_type_mismatch,
    )


def _leaf(output: Any, kind: type, typ: Any) -> Any:
    try:
        target = _leaf_target(typ)
    except TypeError:  # an unhashable annotation: the SDK's way
        return _NOT_CACHED
    if target is None:
        return output
    if target is int:
        return int(output) if kind is float else output
    return output if output is None else target(output)  # an enum, of any non-None leaf


# Where a value is inside the output, for the SDK's error messages: (key, parent) or None.
_Where = tuple[Any, Any] | None


class _Walk:
    """One output value translated as the SDK would (`translate_output_properties` with type
    metadata, `return_none_on_dict_type_mismatch` off)."""

    def __init__(self, output_transformer: Any, path: Any) -> None:
        self.transformer, self.path = output_transformer, path

    def value(self, output: Any, typ: Any, where: _Where) -> Any:
        kind = type(output)
        if kind in _LEAVES:
            leaf = _leaf(output, kind, typ)
            if leaf is not _NOT_CACHED:
                return leaf
        elif kind is dict and rpc._special_sig_key not in output:
            translated = self._dict(output, _rule(typ), where)
            if translated is not _SDK:
                return translated
        elif kind is list:
            element_type = _rule(typ).element_type
            if element_type is not _SDK:
                return [self.value(v, element_type, (i, where)) for i, v in enumerate(output)]
        return SDK_TRANSLATE(output, self.transformer, typ, True, self._path(where), False)

    def _dict(self, output: dict[str, Any], rule: _Rule, where: _Where) -> Any:
        if rule.output_type is not None:
            types = rule.field_types or {}
            fields = {k: self.value(v, types.get(k), (k, where)) for k, v in output.items()}
            return _types.output_type_from_dict(rule.output_type, fields)
        value_type = rule.value_type
        if value_type is _SDK:
            return _SDK
        if rule.keys_translated:
            translate = self.transformer
            return {translate(k): self.value(v, None, (k, where)) for k, v in output.items()}
        return {k: self.value(v, value_type, (k, where)) for k, v in output.items()}

    def _path(self, where: _Where) -> Any:
        """The SDK's `_Path` of a nested value (list positions as strings, as the SDK has them)."""
        if where is None:
            return self.path
        key, parent = where
        return rpc._Path(str(key) if isinstance(key, int) else key, parent=self._path(parent))
