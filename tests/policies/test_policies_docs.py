"""docs/policies.md is generated from the rules and must match them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from odoo_platform.policies import ALL_RULES
from odoo_platform.policies.docs import SECTIONS, render_markdown
from odoo_platform.policies.scanners import CHECKOV_ALLOWED, PARLIAMENT_ALLOWED

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "python -m odoo_platform.policies.docs > docs/policies.md"


SCANNERS_HEADING = "## Security scanners: accepted findings"


def test_committed_docs_match_the_rules() -> None:
    committed = (ROOT / "docs" / "policies.md").read_text()
    assert committed == render_markdown(), f"docs/policies.md is stale: run `{REGENERATE}`"


def test_sections_hold_every_rule_once() -> None:
    assert [r.id for _, rules in SECTIONS for r in rules] == [r.id for r in ALL_RULES]


def _rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| `")]


def test_every_rule_has_one_table_row() -> None:
    rows = _rows(render_markdown().split(SCANNERS_HEADING)[0])
    assert [row.split("`")[1] for row in rows] == [r.id for r in ALL_RULES]
    assert all(row.count(" | ") == 4 for row in rows)


def test_every_accepted_scanner_finding_has_one_row_with_its_reason() -> None:
    checkov, parliament = render_markdown().split(SCANNERS_HEADING)[1].split("### parliament")
    rows = _rows(checkov)
    assert [row.split("`")[1] for row in rows] == [a.check for a in CHECKOV_ALLOWED]
    assert all(a.reason in row for a, row in zip(CHECKOV_ALLOWED, rows, strict=True))
    assert len(_rows(parliament)) == len(PARLIAMENT_ALLOWED)


def test_module_entry_point_prints_the_document() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "odoo_platform.policies.docs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == render_markdown()
