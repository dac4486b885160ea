"""Layers (DESIGN.md): components take their own typed args and never read the stack configuration.

Only the platform layer (`odoo_platform/platform/assembly/`) builds component args from the
validated `PlatformConfig`; a component that imports the stack file's models or reads Pulumi
config is coupled to one stack layout and cannot be used alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "odoo_platform"
COMPONENTS = PACKAGE / "components"
FORBIDDEN_MODULES = ("odoo_platform.config.models", "odoo_platform.config.loader")
FORBIDDEN_NAMES = frozenset({"PlatformConfig", "TenantConfig"})


def stack_config_uses(path: Path) -> list[str]:
    """What in one module reads the stack configuration (imports of it or `pulumi.Config`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = {alias.name for alias in node.names}
            if node.module.startswith(FORBIDDEN_MODULES):
                found.append(f"line {node.lineno}: from {node.module} import ...")
            elif node.module.startswith("odoo_platform.platform"):
                found.append(f"line {node.lineno}: imports the platform layer above")
            elif names & FORBIDDEN_NAMES:
                found.append(f"line {node.lineno}: imports {', '.join(names & FORBIDDEN_NAMES)}")
        elif isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {a.name}"
                for a in node.names
                if a.name.startswith(FORBIDDEN_MODULES)
            ]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "Config"
            and isinstance(node.value, ast.Name)
            and node.value.id == "pulumi"
        ):
            found.append(f"line {node.lineno}: reads pulumi.Config")
    return found


def component_modules() -> list[Path]:
    return sorted(COMPONENTS.rglob("*.py"))


def test_no_component_reads_the_stack_configuration() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): uses
        for path in component_modules()
        if (uses := stack_config_uses(path))
    }
    assert not offenders, offenders


def test_the_check_sees_what_it_forbids(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text(
        "import pulumi\n"
        "from odoo_platform.config.models import RedisConfig\n"
        "from odoo_platform.config import PlatformConfig\n"
        "import odoo_platform.config.loader\n"
        "from odoo_platform.platform.assembly import mail\n"
        "key = pulumi.Config('odoo-platform').require_secret('k')\n"
    )
    assert len(stack_config_uses(module)) == 5
