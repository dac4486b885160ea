"""Which router of IngressRoutes serves a request, as Traefik v3 decides it.

Traefik sorts routers by priority, highest first (a route without `priority` gets the length of
its rule), and the first whose rule matches serves the request. Rules combine matchers with
`!`, `&&` (binds tighter) and `||`, grouped by parentheses. The matchers the platform uses are
implemented: `Host` (case-insensitive), `Path` (exact), `PathPrefix`, `Method`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

TOKEN = re.compile(r"\s*(?:(&&|\|\||!|\(|\))|(\w+)\(\s*`([^`]*)`\s*\))")


@dataclass(frozen=True)
class Request:
    host: str
    path: str
    method: str = "GET"


Matcher = Callable[[Request], bool]
MATCHERS: dict[str, Callable[[str], Matcher]] = {
    "Host": lambda v: lambda r: r.host.lower() == v.lower(),
    "Path": lambda v: lambda r: r.path == v,
    "PathPrefix": lambda v: lambda r: r.path.startswith(v),
    "Method": lambda v: lambda r: r.method.upper() == v.upper(),
}


def _tokens(rule: str) -> list[tuple[str, str, str]]:
    tokens, position = [], 0
    while position < len(rule.rstrip()):
        found = TOKEN.match(rule, position)
        if found is None:
            raise ValueError(f"cannot parse rule at {rule[position:]!r}")
        operator, name, value = found.groups()
        if name is not None and name not in MATCHERS:
            raise ValueError(f"matcher {name} is not implemented")
        tokens.append((operator or "", name or "", value or ""))
        position = found.end()
    return tokens


def _any(a: Matcher, b: Matcher) -> Matcher:
    return lambda r: a(r) or b(r)


def _all(a: Matcher, b: Matcher) -> Matcher:
    return lambda r: a(r) and b(r)


def _not(a: Matcher) -> Matcher:
    return lambda r: not a(r)


def compile_rule(rule: str) -> Matcher:
    tokens = _tokens(rule)

    def parse_or(i: int) -> tuple[Matcher, int]:
        left, i = parse_and(i)
        while i < len(tokens) and tokens[i][0] == "||":
            right, i = parse_and(i + 1)
            left = _any(left, right)
        return left, i

    def parse_and(i: int) -> tuple[Matcher, int]:
        left, i = parse_not(i)
        while i < len(tokens) and tokens[i][0] == "&&":
            right, i = parse_not(i + 1)
            left = _all(left, right)
        return left, i

    def parse_not(i: int) -> tuple[Matcher, int]:
        operator, name, value = tokens[i]
        if operator == "!":
            inner, i = parse_not(i + 1)
            return _not(inner), i
        if operator == "(":
            inner, i = parse_or(i + 1)
            if i >= len(tokens) or tokens[i][0] != ")":
                raise ValueError(f"unbalanced parentheses in {rule!r}")
            return inner, i + 1
        if not name:
            raise ValueError(f"unexpected {operator!r} in {rule!r}")
        return MATCHERS[name](value), i + 1

    matcher, end = parse_or(0)
    if end != len(tokens):
        raise ValueError(f"trailing tokens in {rule!r}")
    return matcher


def winner(routes: Iterable[Mapping[str, Any]], request: Request) -> Mapping[str, Any] | None:
    """The route Traefik sends the request to, or None (404)."""
    ordered = sorted(routes, key=lambda r: -int(r.get("priority") or len(r["match"])))
    return next((r for r in ordered if compile_rule(r["match"])(request)), None)
