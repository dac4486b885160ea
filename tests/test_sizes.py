"""Size limits (issue 15): no module of `odoo_platform/` over 600 lines, no class over 400.

A module past the limit mixes concerns and is cut by concern into a package (as `postgres/` and
`odoo_tenant/` are); a class past it does too much in one place. Lines are counted as the file
has them (`str.splitlines`), a class from its `class` line to its last line (`ast` positions).
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "odoo_platform"
MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 400


def size_violations(path: Path, root: Path = REPO) -> list[str]:
    """What in one module is over a limit: file, lines and limit for each."""
    text = path.read_text()
    name = path.relative_to(root).as_posix()
    found = []
    lines = len(text.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(f"{name}: {lines} lines, the limit is {MAX_MODULE_LINES} per module")
    for node in ast.walk(ast.parse(text, filename=name)):
        if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
            size = node.end_lineno - node.lineno + 1
            if size > MAX_CLASS_LINES:
                found.append(
                    f"{name}:{node.lineno}-{node.end_lineno}: class {node.name} has {size} lines,"
                    f" the limit is {MAX_CLASS_LINES} per class"
                )
    return found


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_or_class_is_over_the_size_limits() -> None:
    found = [violation for path in modules() for violation in size_violations(path)]
    assert not found, "split by concern:\n" + "\n".join(found)


def _probe(folder: Path, class_lines: int, module_lines: int) -> Path:
    """A module of `module_lines` lines whose first `class_lines` are one class."""
    body = [f"    x{i} = {i}\n" for i in range(class_lines - 1)]
    rest = [f"y{i} = {i}\n" for i in range(module_lines - class_lines)]
    module = folder / "probe.py"
    module.write_text("".join(["class Probe:\n", *body, *rest]))
    return module


def test_the_check_names_file_lines_and_limit(tmp_path: Path) -> None:
    over = _probe(tmp_path, MAX_CLASS_LINES + 1, MAX_MODULE_LINES + 1)
    assert size_violations(over, tmp_path) == [
        f"probe.py: {MAX_MODULE_LINES + 1} lines, the limit is {MAX_MODULE_LINES} per module",
        f"probe.py:1-{MAX_CLASS_LINES + 1}: class Probe has {MAX_CLASS_LINES + 1} lines,"
        f" the limit is {MAX_CLASS_LINES} per class",
    ]


def test_the_limits_themselves_are_allowed(tmp_path: Path) -> None:
    assert size_violations(_probe(tmp_path, MAX_CLASS_LINES, MAX_MODULE_LINES), tmp_path) == []
