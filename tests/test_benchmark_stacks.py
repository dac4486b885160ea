"""The synthesis benchmark's generated stack files stay valid as the configuration model evolves."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from odoo_platform.config import ConfigError, load_stack_file

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "synthesis.py"


def benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("synthesis_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("shared", [1, 10, 72])  # 72: the largest that fits one server
def test_generated_stacks_are_valid(tmp_path: Path, shared: int) -> None:
    config = load_stack_file(benchmark().write_stack(shared, tmp_path))
    tiers = [t.tier for t in config.tenants]
    assert tiers.count("shared") == shared
    assert tiers.count("dedicated") == benchmark().DEDICATED_TENANTS


def test_500_shared_tenants_exceed_one_shared_server_and_say_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="max_connections"):
        load_stack_file(benchmark().write_stack(500, tmp_path))
