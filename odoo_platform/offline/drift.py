"""Drift: what `pulumi preview --refresh --expect-no-changes --json` found, as an issue body.

The input is the preview digest Pulumi prints with `--json` (pulumi/pulumi pkg/display/json.go,
PreviewDigest): a `steps` list, each with `op`, `urn`, `oldState`/`newState` (`type`, ...),
`diffReasons` and `detailedDiff` (property path -> {"kind": "update", ...}). After a refresh, a
resource changed outside Pulumi shows up as a step that would change it back (an `update` with a
detailedDiff, a `delete` plus `create` for one deleted by hand): every step that changes
something is drift. Runbook: docs/runbooks/drift.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RUNBOOK = "docs/runbooks/drift.md"

# Ops that change nothing: engine.HasChanges (pkg/engine/update.go) skips same and the reads;
# a `refresh` step left as such found no change (ShowPreviewDigest rewrites those that did).
UNCHANGED_OPS = frozenset({"same", "read", "discard", "read-replacement", "refresh"})


class DriftError(ValueError):
    """The input is not a preview digest, or the preview itself failed."""


@dataclass(frozen=True)
class Difference:
    """One step of the preview: a resource that differs from what the stack declares."""

    urn: str
    type: str
    op: str
    paths: tuple[tuple[str, str | None], ...]  # (property path, kind of change when known)


def load_preview(text: str) -> dict[str, Any]:
    """The digest in `text`; DriftError when it is not one."""
    try:
        digest = json.loads(text)
    except json.JSONDecodeError as error:
        raise DriftError(f"not JSON ({error}): expected `pulumi preview --json` output") from None
    if not isinstance(digest, dict):
        raise DriftError("not a `pulumi preview --json` document: expected one JSON object")
    steps = digest.get("steps", [])
    if not isinstance(steps, list):
        raise DriftError("steps must be a list of preview steps")
    for index, step in enumerate(steps):
        if not isinstance(step, dict) or not isinstance(step.get("urn"), str):
            raise DriftError(f"steps[{index}] has no urn: not a preview step")
    return digest


def preview_errors(digest: Mapping[str, Any]) -> list[str]:
    """Error diagnostics: the preview failed, so its steps say nothing about drift."""
    return [
        str(d.get("message", "")).strip()
        for d in digest.get("diagnostics") or []
        if isinstance(d, dict) and d.get("severity") == "error"
    ]


def differences(digest: Mapping[str, Any]) -> list[Difference]:
    """Every step that would change a resource, in the preview's order."""
    return [
        Difference(step["urn"], resource_type(step), str(step.get("op", "")), changed_paths(step))
        for step in digest.get("steps") or []
        if step.get("op") not in UNCHANGED_OPS
    ]


def resource_type(step: Mapping[str, Any]) -> str:
    """The type from the step's state, else from its URN (`...::parent$type::name`)."""
    for state in (step.get("newState"), step.get("oldState")):
        if isinstance(state, dict) and state.get("type"):
            return str(state["type"])
    parts = step["urn"].split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) > 3 else ""


def changed_paths(step: Mapping[str, Any]) -> tuple[tuple[str, str | None], ...]:
    """detailedDiff's paths with their kind (add, update, delete, *-replace); without one, the
    top-level keys of replaceReasons (as `replace`) and diffReasons."""
    detailed = step.get("detailedDiff")
    if isinstance(detailed, dict) and detailed:
        return tuple((path, str(diff.get("kind"))) for path, diff in sorted(detailed.items()))
    replacing = {str(key) for key in step.get("replaceReasons") or []}
    changed = replacing | {str(key) for key in step.get("diffReasons") or []}
    return tuple((key, "replace" if key in replacing else None) for key in sorted(changed))


REPLACING_OPS = frozenset({"replace", "create-replacement", "delete-replaced"})


def destructive(found: list[Difference]) -> list[Difference]:
    """Steps by which `pulumi up` would replace or delete a resource that exists. A `delete`
    followed by a `create` of the same URN is a resource already gone (the refresh dropped it)."""
    created = {d.urn for d in found if d.op == "create"}
    return [
        d for d in found if d.op in REPLACING_OPS or (d.op == "delete" and d.urn not in created)
    ]


def stack_of(digest: Mapping[str, Any]) -> str:
    """The stack named in the steps' URNs (`urn:pulumi:STACK::project::...`)."""
    for step in digest.get("steps") or []:
        head = step["urn"].split("::", 1)[0]
        if head.startswith("urn:pulumi:"):
            return head.removeprefix("urn:pulumi:")
    return "(unknown)"


def drift_markdown(stack: str, found: list[Difference]) -> str:
    """The issue body: one table row per differing resource step."""
    rows = [
        f"| `{cell(d.urn)}` | `{cell(d.type)}` | {d.op} | {paths_cell(d.paths)} |" for d in found
    ]
    warning = []
    if risky := destructive(found):
        count = f"{len(risky)} resource" + ("s" if len(risky) > 1 else "")
        warning = [
            f"**`pulumi up` would replace or delete {count}**: a replaced database, bucket or "
            "file system starts empty, so codify the change or undo it by hand instead.",
            "",
        ]
    return "\n".join(
        [
            f"## Drift in stack `{stack}`",
            "",
            f"`pulumi preview --refresh --expect-no-changes` found {len(found)} resource steps "
            "that would change the cloud back to what the stack declares: the resources below "
            "were changed outside the pipeline.",
            "",
            *warning,
            "| URN | type | operation | changed properties |",
            "|---|---|---|---|",
            *rows,
            "",
            f"Reconcile with `pulumi up`, or codify the change in the stack file: see {RUNBOOK}. "
            "This issue is updated by each scheduled check and closed by the first one that finds "
            "no drift.",
        ]
    )


def no_drift_line(stack: str) -> str:
    return f"No drift in stack `{stack}`: the cloud matches the stack."


def cell(text: str) -> str:
    """Text safe in a markdown table cell."""
    return text.replace("|", r"\|").replace("\n", " ")


def paths_cell(paths: tuple[tuple[str, str | None], ...]) -> str:
    if not paths:
        return "(the whole resource)"
    return ", ".join(f"`{cell(path)}`" + (f" ({kind})" if kind else "") for path, kind in paths)
