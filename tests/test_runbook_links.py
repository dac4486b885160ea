"""Every runbook an alarm or alert links to exists, with the anchor it points at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from odoo_platform.components import alert_rules, observability

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"(docs/runbooks/[a-z-]+\.md)#([a-z0-9-]+)")


def anchors(markdown: str) -> set[str]:
    """GitHub-style anchors of the headings."""
    return {
        re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE)
    }


def linked() -> set[tuple[str, str]]:
    sources = [Path(alert_rules.__file__).read_text(), Path(observability.__file__).read_text()]
    text = "\n".join(sources)
    text = text.replace("{RUNBOOK_DATABASE}", "docs/runbooks/database.md")
    text = text.replace("{RUNBOOK_CACHE}", "docs/runbooks/cache.md")
    text = text.replace("{TENANT_RUNBOOK}", "docs/runbooks/odoo-tenant.md")
    text = text.replace("{BACKUP_RUNBOOK}", "docs/runbooks/backups.md")
    return set(LINK.findall(text))


def test_links_were_found() -> None:
    assert len(linked()) >= 10


@pytest.mark.parametrize("path, anchor", sorted(linked()))
def test_runbook_and_anchor_exist(path: str, anchor: str) -> None:
    document = ROOT / path
    assert document.is_file(), f"{path} is linked from an alert but missing"
    assert anchor in anchors(document.read_text()), f"{path} has no heading for #{anchor}"
