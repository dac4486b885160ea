from pathlib import Path

from odoo_platform.config.reference import render_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_committed_reference_matches_the_models() -> None:
    assert DOC.read_text() == render_markdown(), (
        "docs/configuration.md is stale: python -m odoo_platform.config.reference > "
        "docs/configuration.md"
    )


def test_reference_lists_nested_and_union_keys() -> None:
    text = render_markdown()
    assert "| `platform.tenants[].slug` |" in text
    assert "| `platform.cluster[mode=existing].kubeconfig_secret_key` |" in text
    assert "| `platform.cluster[mode=eks].node_groups.system.min_size` |" in text
    assert "`none` or `governance` or `compliance`" in text
