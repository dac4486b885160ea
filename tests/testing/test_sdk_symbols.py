"""Every Pulumi SDK symbol the harness touches outside the checked shortcuts exists in this SDK.

`synthesis/shortcuts.py` checks each symbol it replaces before it applies (and falls back to the
SDK). The rest of the harness (`harness.py`, `sdk.py`, `mocks.py`) uses SDK internals directly:
`_ensure_event_loop`, `settings.ROOT`, `settings.SETTINGS.outputs`, `run_in_stack`,
`mocks._resolve_callbacks`, ... This test reads those modules, finds every name they import from
`pulumi` and every attribute they read off it, and resolves each on the installed SDK. It runs on
the pinned SDK (`make test`) and on the lowest pyproject admits (`make test-lowest-sdk`), so each
symbol is proven on both ends of the supported range.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from odoo_platform.synthesis import sdk

SYNTHESIS = Path(__file__).resolve().parents[2] / "odoo_platform" / "synthesis"
# shortcuts.py checks its own symbols (`Shortcut.fits`); test_sdk_shortcuts.py covers it.
MODULES = ("harness.py", "sdk.py", "mocks.py")


def _dotted(node: ast.expr) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def sdk_symbols(path: Path) -> set[str]:
    """`pulumi...` paths one module imports or reads (attribute chains off an imported name)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "pulumi":
            bound.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
        elif isinstance(node, ast.Import):
            bound.update({a.asname or a.name: a.name for a in node.names if a.name == "pulumi"})
    found = set(bound.values())
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and (chain := _dotted(node)) and chain[0] in bound:
            found.add(".".join([bound[chain[0]], *chain[1:]]))
    return found


def resolve(path: str) -> object:
    """The object at a dotted path: the longest importable module, then attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            value = getattr(value, attribute)
        return value
    raise ImportError(path)


# Symbols only some supported releases have, each used behind a check in sdk.py: the check must
# be true exactly where the symbol exists.
GUARDED = {
    "pulumi.runtime.mocks._resolve_callbacks": lambda: "transforms" in sdk._RESOURCE_ARGS,
}
SYMBOLS = sorted(set().union(*(sdk_symbols(SYNTHESIS / m) for m in MODULES)))


def test_the_scan_finds_the_internals_the_harness_relies_on() -> None:
    assert {
        "pulumi.runtime.sync_await._ensure_event_loop",
        "pulumi.runtime.settings.ROOT",
        "pulumi.runtime.settings.SETTINGS.outputs",
        "pulumi.runtime.stack.run_in_stack",
        "pulumi.runtime.mocks._resolve_callbacks",
    } <= set(SYMBOLS)


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_every_sdk_symbol_the_harness_uses_exists(symbol: str) -> None:
    if symbol in GUARDED:
        try:
            resolve(symbol)
        except AttributeError:
            assert not GUARDED[symbol](), f"sdk.py uses {symbol}, which this release lacks"
        else:
            assert GUARDED[symbol](), f"sdk.py never uses {symbol}, which this release has"
        return
    assert resolve(symbol) is not None


def test_a_symbol_this_sdk_lacks_fails() -> None:
    with pytest.raises(AttributeError):
        resolve("pulumi.runtime.settings._no_such_symbol")
