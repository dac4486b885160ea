"""Tolerant readers for property trees.

The CrossGuard engine hands rules read-only Mapping/Sequence proxies (not dict/list) whose
numbers arrive as floats, so rules read properties only through these helpers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

_EMPTY: Mapping[str, Any] = {}


def mapping(value: object) -> Mapping[str, Any]:
    """The value when it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else _EMPTY


def seq(value: object) -> Sequence[Any]:
    """The value when it is a list-like (not a string), else an empty tuple."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return value
    return ()


def maps(value: object) -> Iterator[Mapping[str, Any]]:
    """The mappings in a list; a lone mapping counts as a list of one (max-items-1 blocks)."""
    if isinstance(value, Mapping):
        yield value
        return
    for item in seq(value):
        if isinstance(item, Mapping):
            yield item


def dig(value: object, *path: str) -> Any:
    """The value at a key path, or None when any step is missing."""
    for key in path:
        value = mapping(value).get(key)
    return value


def number(value: object) -> int | float | None:
    """A numeric property as int when integral (the engine sends 7 as 7.0); None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def strings(value: object) -> list[str]:
    return [str(item) for item in seq(value) if item is not None]


def is_world(cidr: object) -> bool:
    """True for any CIDR with prefix length 0 (0.0.0.0/0, ::/0 and their spellings)."""
    try:
        return ipaddress.ip_network(str(cidr), strict=False).prefixlen == 0
    except ValueError:
        return False


def tags_of(props: Mapping[str, Any], defaults: Mapping[str, str]) -> dict[str, Any]:
    """Effective AWS tags: provider default tags, then tagsAll, then the resource's own tags."""
    return {**defaults, **mapping(props.get("tagsAll")), **mapping(props.get("tags"))}
