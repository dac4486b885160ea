"""`odoo-platform plan` says how nodes are autoscaled: Karpenter's NodePools, or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from odoo_platform.cli import app

STACK = Path(__file__).resolve().parents[1] / "stacks" / "Pulumi.prod-eu-west-1.yaml"
OUTSIDE_FREEZE = "2026-11-18"


def _plan(path: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["plan", "--config-file", str(path), "--date", OUTSIDE_FREEZE, *extra]
    )
    return result.exit_code, result.stdout


def _bring_your_own(tmp_path: Path) -> Path:
    document: dict[str, Any] = yaml.safe_load(STACK.read_text())
    document["config"]["odoo-platform:platform"]["cluster"]["node_autoscaler"] = "bring-your-own"
    path = tmp_path / "Pulumi.prod-eu-west-1.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_plan_lists_karpenter_and_its_node_pools() -> None:
    code, out = _plan(STACK, "--json")
    assert code == 0
    assert json.loads(out)["node_autoscaling"] == {
        "engine": "karpenter",
        "installed": True,
        "chart_version": "1.14.1",
        "node_pools": ["shared"],
    }
    code, text = _plan(STACK)
    assert "Node autoscaling: Karpenter 1.14.1, NodePools shared" in " ".join(text.split())


def test_plan_says_bring_your_own_installs_nothing(tmp_path: Path) -> None:
    path = _bring_your_own(tmp_path)
    code, out = _plan(path, "--json")
    assert code == 0
    document = json.loads(out)
    assert document["node_autoscaling"] == {
        "engine": "bring-your-own",
        "installed": False,
        "chart_version": None,
        "node_pools": [],
    }
    assert not [r for r in document["resources"] if "karpenter" in r["type"]]
    _, text = _plan(path)
    assert "bring-your-own; nothing is installed" in " ".join(text.split())
