from pathlib import Path

from odoo_platform.config import PlatformConfig
from odoo_platform.config.catalog import REGION_RESIDENCY
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


def _row(text: str, key: str) -> list[str]:
    (line,) = [line for line in text.splitlines() if line.startswith(f"| `{key}` |")]
    return [cell.strip() for cell in line.strip("|").split(" | ")]


def test_nested_defaults_are_the_parents_not_the_shared_class() -> None:
    """`dedicated_defaults.node_group` is `NodeGroupConfig(min_size=1, max_size=3)`."""
    text = render_markdown()
    config = PlatformConfig.model_fields
    dedicated = config["dedicated_defaults"].default.node_group
    system = config["cluster"].default.node_groups.system
    assert _row(text, "platform.dedicated_defaults.node_group.min_size")[2] == str(
        dedicated.min_size
    )
    assert _row(text, "platform.dedicated_defaults.node_group.max_size")[2] == "3"
    assert _row(text, "platform.cluster[mode=eks].node_groups.system.max_size")[2] == str(
        system.max_size
    )
    assert _row(text, "platform.cluster[mode=eks].node_groups.system.instance_types")[2] == (
        '["m7i.large"]'
    )
    assert _row(text, "platform.dedicated_defaults.redis.node_type")[2] == '"cache.t4g.small"'


def test_regions_and_residency_zones_are_listed() -> None:
    text = render_markdown()
    region, residency = _row(text, "platform.region"), _row(text, "platform.residency")
    assert all(f"`{name}`" in region[1] for name in REGION_RESIDENCY)
    assert all(f"`{zone}`" in residency[1] for zone in set(REGION_RESIDENCY.values()))
    assert "| `eu-west-2` | `uk` |" in text
