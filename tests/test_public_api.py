"""`odoo_platform` exports the components, tiers, platform types and config models, lazily."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import pulumi

import odoo_platform
import odoo_platform.components
import odoo_platform.config

REPO = Path(__file__).resolve().parents[1]


def test_every_public_name_imports() -> None:
    assert len(odoo_platform.__all__) == len(set(odoo_platform.__all__))
    for name in odoo_platform.__all__:
        value = getattr(odoo_platform, name)
        assert value is not None, name
        assert name in dir(odoo_platform)
    namespace: dict[str, object] = {}
    exec(f"from odoo_platform import {', '.join(odoo_platform.__all__)}", namespace)
    assert set(odoo_platform.__all__) <= set(namespace)


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        odoo_platform.NoSuchComponent  # noqa: B018
    except AttributeError as error:
        assert "NoSuchComponent" in str(error)
    else:
        raise AssertionError("an unknown name resolved")


def public_component_classes() -> dict[str, str]:
    """Every ComponentResource and `...Args` class defined in a public module of
    `odoo_platform.components`, packages (`postgres/`, `odoo_tenant/`) walked: name -> package."""
    found: dict[str, str] = {}
    prefix = "odoo_platform.components."
    for info in pkgutil.walk_packages(odoo_platform.components.__path__, prefix):
        if any(part.startswith("_") for part in info.name.removeprefix(prefix).split(".")):
            continue
        module = importlib.import_module(info.name)
        for name, value in inspect.getmembers(module, inspect.isclass):
            if value.__module__ != module.__name__ or name.startswith("_"):
                continue
            if issubclass(value, pulumi.ComponentResource) or name.endswith("Args"):
                found[name] = info.name.removeprefix(prefix).split(".")[0]
    return found


def test_every_component_and_its_args_are_exported() -> None:
    found = public_component_classes()
    components = [n for n in found if not n.endswith("Args")]
    assert len(components) >= 19
    assert {f"{name}Args" for name in components} <= set(found)
    assert {"CrossRegionReplica", "OdooTenant"} <= set(found)  # inside packages
    missing = sorted(set(found) - set(odoo_platform.__all__))
    assert not missing, f"not exported by odoo_platform: {missing}"
    for name, package in found.items():
        module = importlib.import_module(f"odoo_platform.components.{package}")
        if hasattr(module, "__path__"):  # a package: its own __all__ exports it too
            assert name in module.__all__, f"odoo_platform.components.{package} lacks {name}"
    tiers_and_platform = {
        "MultiTenantTier",
        "DedicatedTier",
        "RegionalPlatform",
        "RegionalPlatformArgs",
        "PlatformOutputs",
        "PlatformReference",
        "ExternalTenant",
        "ExternalTenantArgs",
    }
    assert tiers_and_platform <= set(odoo_platform.__all__)


def test_everything_the_config_package_exports_is_exported() -> None:
    assert set(odoo_platform.config.__all__) <= set(odoo_platform.__all__)
    assert odoo_platform.PlatformConfig is odoo_platform.config.PlatformConfig


def test_importing_the_package_loads_neither_pulumi_nor_the_cli() -> None:
    probe = (
        "import sys, odoo_platform; "
        "heavy = ('pulumi', 'pulumi_aws', 'odoo_platform.cli'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
        "; [getattr(odoo_platform, n) for n in odoo_platform.__all__]; "
        "print('odoo_platform.cli' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.split("\n")[:2] == ["[]", "False"]
