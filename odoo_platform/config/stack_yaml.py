"""Read a stack file's YAML safely: every problem becomes a `ConfigIssue` at a key path.

The reader accepts what the Pulumi CLI passes on to the program as JSON: text keys, strings,
numbers, booleans and null (YAML 1.2 core schema: no dates, no `yes`/`no`, no `1:30` base-60
numbers). It refuses what would silently change meaning or exhaust memory: duplicate keys, deep
nesting, aliases that refer to themselves or expand without bound, huge integers, explicit tags,
bytes that are not UTF-8 and control characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode

from odoo_platform.config.errors import CONFIG_KEY, ROOT, ConfigError, ConfigIssue, key_path

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32  # a stack file needs 8; deeper is a mistake or an attack
MAX_NODES = 100_000  # values after expanding aliases ("billion laughs" stops here)
MAX_INT_DIGITS = 18  # any setting fits; Python refuses to parse ints of more than 4,300 digits
CONFIG_SECTION = "config"
STACK_KEY_VALUE = (CONFIG_SECTION, CONFIG_KEY)  # `within` for the value of the stack key
Within = tuple[str, ...]

# PyYAML's own test of what YAML allows in a stream (yaml/reader.py).
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


# libyaml's parser when PyYAML has it (ten times faster); the constructor stays PyYAML's.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader with YAML 1.2 core scalars, text keys only and no duplicate keys."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_line: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise ConstructorError(
                    None, None, f"the key {key!r} must be text: quote it", key_node.start_mark
                )
            if key in first_line:
                raise ConstructorError(
                    None,
                    None,
                    f"duplicate key '{key}' (first set on line {first_line[key]}); "
                    "a key may appear once in a mapping, remove one",
                    key_node.start_mark,
                )
            first_line[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text.lstrip("+"))
        if len(digits) > MAX_INT_DIGITS:
            raise ConstructorError(
                None,
                None,
                f"an integer of {len(digits)} digits is out of range for any setting",
                node.start_mark,
            )
        base = {"0o": 8, "0x": 16}.get(digits[:2], 10)
        return sign * int(digits[2:] if base != 10 else digits, base)

    def refuse_tag(self, node: Node) -> Any:
        raise ConstructorError(
            None,
            None,
            f"the tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not supported; "
            "write a plain string, number, boolean, list or mapping",
            node.start_mark,
        )


# YAML 1.2 core schema resolvers, as the Pulumi CLI (go-yaml v3) reads stack files.
_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("merge", r"^(?:<<)$", "<"),
):
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
for _refused in ("binary", "timestamp", "set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_refused}", _Loader.refuse_tag)


@dataclass
class _Frame:
    """A mapping or sequence being read, for the key path of each event."""

    path: list[str | int]
    is_mapping: bool
    anchor: str | None
    key: str | int | None = None
    expects_key: bool = True
    index: int = -1
    nodes: int = 1


@dataclass
class _Scan:
    """Key paths by position, found from parser events (which never recurse)."""

    stack: list[_Frame] = field(default_factory=list)
    anchor_sizes: dict[str, int] = field(default_factory=dict)
    nodes: int = 0

    def child_path(self) -> list[str | int]:
        """The path of the node the next event starts, and the parent's bookkeeping."""
        if not self.stack:
            return []
        top = self.stack[-1]
        if not top.is_mapping:
            top.index += 1
            return [*top.path, top.index]
        return [*top.path, top.key if top.key is not None else "?"]

    def node_done(self, size: int) -> None:
        if self.stack:
            top = self.stack[-1]
            top.nodes += size
            if top.is_mapping:
                top.expects_key = not top.expects_key


def _events(text: str) -> Iterator[tuple[yaml.Event, list[str | int]]]:
    """Each parser event with the key path of the node it belongs to; checks depth and aliases."""
    scan = _Scan()
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            path = _node_path(scan, event)
            yield event, path
            if len(scan.stack) >= MAX_DEPTH:
                raise _RefusedError(
                    path, event, f"is nested more than {MAX_DEPTH} levels deep; flatten it"
                )
            is_mapping = isinstance(event, yaml.MappingStartEvent)
            scan.stack.append(_Frame(path, is_mapping, event.anchor))
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            frame = scan.stack.pop()
            if frame.anchor is not None:
                scan.anchor_sizes[frame.anchor] = frame.nodes
            scan.node_done(frame.nodes)
            yield event, frame.path
        elif isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
            path = _node_path(scan, event)
            yield event, path
            size = 1
            if isinstance(event, yaml.AliasEvent):
                if any(frame.anchor == event.anchor for frame in scan.stack):
                    raise _RefusedError(path, event, f"the alias *{event.anchor} refers to itself")
                size = scan.anchor_sizes.get(str(event.anchor), 1)
            elif event.anchor is not None:
                scan.anchor_sizes[event.anchor] = 1
            scan.nodes += size
            if scan.nodes > MAX_NODES:
                raise _RefusedError(
                    path, event, f"aliases expand to more than {MAX_NODES} values; write it out"
                )
            scan.node_done(size)
        else:
            yield event, []


def _node_path(scan: _Scan, event: yaml.NodeEvent) -> list[str | int]:
    top = scan.stack[-1] if scan.stack else None
    if top is not None and top.is_mapping and top.expects_key:
        # A key: its path is the entry it names (scalar keys; anything else shows as '?').
        top.key = event.value if isinstance(event, yaml.ScalarEvent) else "?"
        return [*top.path, top.key]
    return scan.child_path()


class _RefusedError(Exception):
    def __init__(self, path: list[str | int], event: yaml.Event, message: str) -> None:
        super().__init__(message)
        self.path, self.mark, self.message = path, event.start_mark, message


def display_path(parts: list[str | int]) -> str:
    """A YAML path as the key path users know: `platform.tenants[0].slug` under the stack key."""
    if parts[:2] == [CONFIG_SECTION, CONFIG_KEY]:
        return key_path(*parts[2:])
    if not parts:
        return ROOT
    text = str(parts[0])
    for part in parts[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


Mark = yaml.Mark | Any  # PyYAML's pure-Python and C marks have the same attributes


def _mark(index: int, line: int, column: int) -> Mark:
    return yaml.Mark("", index, line, column, "", 0)


def _where(mark: Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""


def _path_at(text: str, mark: Mark | None) -> list[str | int]:
    """The key path of the node at `mark` (or the last one read before it)."""
    path: list[str | int] = []
    if mark is None:
        return path
    try:
        for event, event_path in _events(text):
            start = event.start_mark
            if start is not None and (start.line, start.column) > (mark.line, mark.column):
                break
            path = event_path
    except (yaml.YAMLError, _RefusedError):
        pass
    return path


def _decode(raw: bytes, within: Within) -> str:
    if raw.startswith(_UTF16_BOMS):
        raise ConfigError([ConfigIssue(ROOT, "the file is UTF-16 encoded; save it as UTF-8")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        text = raw.decode("utf-8-sig", errors="replace")
        line = raw[: error.start].count(b"\n")
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1)
        mark = _mark(error.start, line, column)
        issue = ConfigIssue(
            display_path([*within, *_path_at(text, mark)]),
            f"{_where(mark)}the byte 0x{raw[error.start]:02x} is not UTF-8; save the file as UTF-8",
        )
        raise ConfigError([issue]) from None


def _control_characters(text: str, within: Within) -> None:
    found = _NOT_PRINTABLE.search(text)
    if found is None:
        return
    index = found.start()
    line = text.count("\n", 0, index)
    mark = _mark(index, line, index - (text.rfind("\n", 0, index) + 1))
    cleaned = _NOT_PRINTABLE.sub(" ", text)
    issue = ConfigIssue(
        display_path([*within, *_path_at(cleaned, mark)]),
        f"{_where(mark)}the control character U+{ord(found.group()):04X} is not allowed in YAML; "
        "remove it",
    )
    raise ConfigError([issue])


def load_yaml(raw: bytes, within: Within = ()) -> Any:
    """The document in `raw`, or a `ConfigError` naming where and what is wrong.

    `within`: where the document sits in a stack file, for the key paths of its errors (the
    stack program reads the value of the stack key, which Pulumi passes as JSON: YAML 1.2 too).
    """
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(
            [ConfigIssue(ROOT, f"the file has {len(raw)} bytes; at most {MAX_FILE_BYTES} allowed")]
        )
    text = _decode(raw, within)
    _control_characters(text, within)
    try:
        for _ in _events(text):
            pass
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except _RefusedError as refused:
        raise ConfigError(
            [
                ConfigIssue(
                    display_path([*within, *refused.path]),
                    f"{_where(refused.mark)}{refused.message}",
                )
            ]
        ) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or "is not valid YAML"
        if not isinstance(error, ConstructorError):
            problem = f"is not valid YAML: {problem}"
            if error.context:
                problem += f" ({error.context})"
        path = display_path([*within, *_path_at(text, mark)])
        issue = ConfigIssue(path, f"{_where(mark)}{problem}")
        raise ConfigError([issue]) from None
    except yaml.YAMLError as error:
        raise ConfigError([ConfigIssue(ROOT, f"is not valid YAML: {error}")]) from None
