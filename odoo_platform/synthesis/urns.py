"""What changed between two runs' URNs: added, removed, and moved with an alias.

A URN names a resource's stack, project, type chain (its parents' types) and name, so a new
parent type, a new type or a new name is a new URN: `pulumi up` would delete the old resource and
create another, unless the new one carries an alias that resolves to the old URN. The engine
resolves an alias against the resource's parent and against every former URN of that parent, so
a component moved with an alias moves its children with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

STACK_TYPE = "pulumi:pulumi:Stack"


class Recorded(Protocol):
    """What the diff reads of a recorded resource (`RecordedResource`)."""

    @property
    def urn(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def parent(self) -> str | None: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...


@runtime_checkable
class Run(Protocol):
    """A run's resources (`ProgramResult`)."""

    @property
    def resources(self) -> Sequence[Recorded]: ...


@dataclass(frozen=True)
class UrnDiff:
    """URNs only before (`removed`), only after (`added`), and old to new for the moved ones."""

    added: set[str]
    removed: set[str]
    moved: dict[str, str]
    unchanged: set[str]

    def __bool__(self) -> bool:
        """True when `pulumi up` would create, delete or move anything."""
        return bool(self.added or self.removed or self.moved)


def urn_diff(before: Run | Iterable[str], after: Run | Iterable[str]) -> UrnDiff:
    """Compare two runs (`ProgramResult`s) or URN lists. A URN that is new after but carries an
    alias resolving to a URN of before is moved, not added and removed; aliases are read from
    `after`, so pass a run there to see moves."""
    old = {r.urn for r in before.resources} if isinstance(before, Run) else set(before)
    records = list(after.resources) if isinstance(after, Run) else []
    new = {r.urn for r in records} if isinstance(after, Run) else set(after)
    by_urn = {r.urn: r for r in records}
    moved: dict[str, str] = {}
    for resource in records:
        if resource.urn in old:
            continue
        former = next((u for u in former_urns(resource, by_urn) if u in old and u not in new), None)
        if former is not None and former not in moved:
            moved[former] = resource.urn
    return UrnDiff(
        added=new - old - set(moved.values()),
        removed=old - new - set(moved),
        moved=moved,
        unchanged=old & new,
    )


@dataclass(frozen=True)
class _AliasSpec:
    """An alias as the harness records it: a URN, or fields that differ from the resource's."""

    urn: str | None = None
    name: str | None = None
    type: str | None = None
    stack: str | None = None
    project: str | None = None
    parent: str | None = None  # None: the resource's own parent
    no_parent: bool = False

    @classmethod
    def parse(cls, text: str) -> _AliasSpec:
        """`urn:pulumi:...`, or `name=...,type=...,parent=<urn>` / `...,noParent` (harness)."""
        if text.startswith("urn:pulumi:"):
            return cls(urn=text)
        no_parent = text.endswith("noParent")
        head, _, parent = text.rpartition("parent=") if not no_parent else (text, "", "")
        fields = dict(
            part.split("=", 1) for part in head.removesuffix("noParent").split(",") if "=" in part
        )
        return cls(
            name=fields.get("name"),
            type=fields.get("type"),
            stack=fields.get("stack"),
            project=fields.get("project"),
            parent=parent or None,
            no_parent=no_parent,
        )


def former_urns(resource: Recorded, by_urn: Mapping[str, Recorded]) -> list[str]:
    """The URNs the engine would take as this resource's former self, from its aliases and its
    parent's (the current URN excluded)."""
    stack, project = resource.urn.removeprefix("urn:pulumi:").split("::")[:2]
    parents: list[str | None] = [resource.parent]
    parent = by_urn.get(resource.parent or "")
    if parent is not None:
        parents += former_urns(parent, by_urn)
    found: list[str] = []
    for spec in [_AliasSpec(), *(_AliasSpec.parse(a) for a in resource.aliases)]:
        if spec.urn is not None:
            found.append(spec.urn)
            continue
        candidates = [None] if spec.no_parent else [spec.parent] if spec.parent else parents
        found += [
            _urn(
                spec.stack or stack,
                spec.project or project,
                parent,
                spec.type or resource.type,
                spec.name or resource.name,
            )
            for parent in candidates
        ]
    return [urn for urn in dict.fromkeys(found) if urn != resource.urn]


def _urn(stack: str, project: str, parent: str | None, type_: str, name: str) -> str:
    """A URN as the engine builds it: the type qualified by the parent's type chain."""
    parent_type = parent.split("::")[2] if parent else STACK_TYPE
    qualified = type_ if parent_type == STACK_TYPE else f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"
