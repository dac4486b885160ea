"""Property: whatever a mutated sample stack file holds, `odoo-platform validate` either accepts it
or exits 1 with errors that name a key path; it never shows a traceback.

The mutations are the fuzzer's classes: wrong values at any key, unknown keys (also spelled like
union tags), deleted keys, duplicated lines, stray characters, huge numbers, deep nesting,
aliases, impossible dates and other encodings. The stack program's path (`parse_platform` on
the JSON the engine passes) gets the same values.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import typer
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo_platform.cli import validate
from odoo_platform.config import CONFIG_KEY, ConfigError, parse_platform

STACKS = Path(__file__).resolve().parents[2] / "stacks"
SAMPLES = {
    path.name: yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    for path in sorted(STACKS.glob("Pulumi.*.yaml"))
}
AT_LINE = re.compile(r": line [0-9]+, column [0-9]+: ")

NASTY_TEXT = [
    "2026-02-30",
    "17.0",
    "25:00-26:00",
    "٠٢:00-03:00",
    "0.0.0.0/0",
    "10.0.0.1/16",
    "m7i.huge",
    "db.x9.large",
    "alpha-",
    "aws:owner",
    "odoo:latest",
    "x" * 300,
    "",
]
UNKNOWN_KEYS = ["eks", "existing", "acm", "cert-manager", "mode", "multi_tenat", "tenat", "slug"]
SNIPPETS = [
    "    tags: &a {x: *a}",
    "    tags: {!!binary aGVsbG8=: a}",
    "    tags: {2026-01-01: a}",
    "    x: " + "[" * 300 + "]" * 300,
    "    governance: {freeze_windows: [{name: x, start: 2026-13-45}]}",
    "    governance: {freeze_windows: [{name: x, start: 2026-12-01 25:61:00}]}",
    "    backup: {daily_retention_days: " + "9" * 5000 + "}",
    "    tags:\n      a: &a [x, x, x, x, x, x, x, x]\n"
    "      b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
    "      c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
    "      d: [*c, *c, *c, *c, *c, *c, *c, *c]",
    "    region: eu-west-1",
    "\t- tab",
]


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


values = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
    st.none(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(NASTY_TEXT),
    st.dates(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(UNKNOWN_KEYS), st.integers(), max_size=2),
    st.integers(min_value=1, max_value=40).map(_nested),
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


@st.composite
def mutated_documents(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A sample stack with one structural mutation inside its platform key."""
    name = draw(st.sampled_from(sorted(SAMPLES)))
    document = copy.deepcopy(SAMPLES[name])
    platform = document["config"][CONFIG_KEY]
    path = draw(st.sampled_from(_paths(platform)))
    parent: Any = platform
    for part in path[:-1]:
        parent = parent[part]
    action = draw(st.sampled_from(["replace", "delete", "add-key"]))
    if not path or action == "add-key":
        target = parent[path[-1]] if path else platform
        if isinstance(target, dict):
            target[draw(st.sampled_from(UNKNOWN_KEYS))] = draw(values)
    elif action == "delete" and isinstance(parent, dict | list):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(values)
    return name, document


@st.composite
def stack_files(draw: st.DrawFn) -> bytes:
    """The bytes of a mutated stack file: structural, then possibly textual mutations."""
    _, document = draw(mutated_documents())
    text = yaml.dump(document, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
    lines = text.splitlines(keepends=True)
    edit = draw(st.sampled_from(["none", "duplicate-line", "insert-char", "snippet", "encoding"]))
    if edit == "duplicate-line":
        i = draw(st.integers(0, len(lines) - 1))
        lines.insert(i, lines[i])
    elif edit == "insert-char":
        i = draw(st.integers(0, len(lines) - 1))
        at = draw(st.integers(0, len(lines[i])))
        lines[i] = lines[i][:at] + draw(st.characters()) + lines[i][at:]
    elif edit == "snippet":
        at = next(i for i, line in enumerate(lines) if line.startswith(f"  {CONFIG_KEY}:")) + 1
        lines.insert(at, draw(st.sampled_from(SNIPPETS)) + "\n")
    text = "".join(lines)
    if edit == "encoding":
        return text.encode(draw(st.sampled_from(["utf-16", "utf-16-be", "latin-1"])), "replace")
    return text.encode("utf-8", "surrogatepass")


def _assert_valid_or_located(exit_code: int, stdout: str, stderr: str) -> None:
    """Valid, or exit 1 with each error at a key path under the stack key or in `config`; text
    that is not YAML at all is located by the best key path the parser reached and its line."""
    assert "Traceback" not in stdout + stderr
    if exit_code == 0:
        assert ": valid (" in stdout
        return
    assert exit_code == 1, stderr
    issues = [line for line in stderr.splitlines() if line.startswith("  - ")]
    assert issues, stderr
    for issue in issues:
        assert issue.startswith(("  - platform", "  - config")) or AT_LINE.search(issue), stderr


def run_validate(path: Path) -> tuple[int, str, str]:
    """`odoo-platform validate --config-file PATH` in-process: the command's own function."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            validate(config_file=path)
        except typer.Exit as stop:
            code = stop.exit_code
    return code, out.getvalue(), err.getvalue()


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
    deadline=dt.timedelta(seconds=2),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(content=stack_files())
def test_validate_accepts_or_names_a_key_path(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "Pulumi.fuzzed.yaml"
        path.write_bytes(content)
        _assert_valid_or_located(*run_validate(path))


@settings(max_examples=150, deadline=dt.timedelta(seconds=2), database=None)
@given(mutated=mutated_documents())
def test_the_stack_program_path_accepts_or_names_a_key_path(
    mutated: tuple[str, dict[str, Any]],
) -> None:
    """`pulumi up` hands the program the key as parsed JSON; it meets `parse_platform`."""
    _, document = mutated
    try:
        parse_platform(document["config"][CONFIG_KEY], "stack fuzzed")
    except ConfigError as error:
        assert error.issues
        assert all(issue.path.startswith("platform") for issue in error.issues), error
