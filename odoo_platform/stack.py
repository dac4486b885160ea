"""The stack program: read the stack's configuration, build the platform, export its outputs.

`stacks/__main__.py` calls `main()` under `pulumi up`; the offline tools run the very same function
under the mocks harness.
"""

from __future__ import annotations

import pulumi

from odoo_platform.config import ConfigError, PlatformConfig, parse_platform
from odoo_platform.config.errors import ROOT
from odoo_platform.config.loader import CONFIG_NAMESPACE
from odoo_platform.platform import build_platform


def load_config() -> PlatformConfig:
    """The validated `odoo-platform:platform` key; bad input stops before any resource."""
    source = f"stack {pulumi.get_stack()} (key {CONFIG_NAMESPACE}:{ROOT})"
    data = pulumi.Config(CONFIG_NAMESPACE).get_object(ROOT)
    if data is None:
        raise pulumi.RunError(f"{source}: the key is missing; see docs/configuration.md")
    try:
        return parse_platform(data, source)
    except ConfigError as error:
        raise pulumi.RunError(str(error)) from None


def main() -> None:
    build_platform(load_config())
