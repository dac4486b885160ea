"""The stack program: read the stack's configuration, build the platform, export its outputs.

`stacks/__main__.py` calls `main()` under `pulumi up`; the offline tools run the very same function
under the mocks harness.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pulumi

from odoo_platform.config import ConfigError, PlatformConfig
from odoo_platform.config.cache_pools import cache_pool_change_issues
from odoo_platform.config.clock import utc_today
from odoo_platform.config.deployed import (
    deployed_cache_pools,
    deployed_servers,
    deployed_versions,
)
from odoo_platform.config.deployment import DEPLOYMENT_KEY, DEPLOYMENT_ROOT, parse_deployment
from odoo_platform.config.errors import ROOT
from odoo_platform.config.freeze import freeze_state, freeze_stop_message, override_issues
from odoo_platform.config.lifecycle import removed_tenant_issues, version_change_issues
from odoo_platform.config.loader import CONFIG_NAMESPACE, parse_engine_value
from odoo_platform.config.pools import pool_change_issues
from odoo_platform.config.validation import warnings as config_warnings
from odoo_platform.platform.outputs import RETAINED_TENANTS, TENANTS
from odoo_platform.platform.previous import previous_deployment
from odoo_platform.platform.regional import build_platform

__all__ = [
    "PREVIOUS_DEPLOYMENT",
    "check_change_freeze",
    "load_config",
    "load_deployment",
    "main",
    "utc_today",
]

Clock = Callable[[], dt.date]
PREVIOUS_DEPLOYMENT = "previous-deployment"  # logical name of the reference to this stack


def load_config() -> PlatformConfig:
    """The validated `odoo-platform:platform` key; bad input stops before any resource."""
    source = f"stack {pulumi.get_stack()} (key {CONFIG_NAMESPACE}:{ROOT})"
    text = pulumi.Config(CONFIG_NAMESPACE).get(ROOT)
    if text is None:
        raise pulumi.RunError(f"{source}: the key is missing; see docs/configuration.md")
    try:
        config = parse_engine_value(text, source)
    except ConfigError as error:
        raise pulumi.RunError(str(error)) from None
    for issue in config_warnings(config):
        pulumi.log.warn(f"{source}: {issue}")
    return config


def load_deployment() -> dict[str, str] | None:
    """The pipeline's deployment record (`odoo-platform:deployment`), checked; None if unset."""
    source = f"stack {pulumi.get_stack()} (key {DEPLOYMENT_KEY})"
    text = pulumi.Config(CONFIG_NAMESPACE).get(DEPLOYMENT_ROOT)
    try:
        record = parse_deployment(text, source)
    except ConfigError as error:
        raise pulumi.RunError(str(error)) from None
    return record.output() if record else None


def check_change_freeze(config: PlatformConfig, today: dt.date) -> None:
    """Before any resource: an expired override (or one naming no window) is bad input; a prod
    update in a freeze window stops; a preview goes on and says until when."""
    issues = override_issues(config, today)
    if issues:
        raise pulumi.RunError(str(ConfigError(issues, f"stack {pulumi.get_stack()}")))
    state = freeze_state(config, today)
    if state is None:
        return
    message = freeze_stop_message(config, today)
    if message is not None and not pulumi.runtime.is_dry_run():
        raise pulumi.RunError(message)
    pulumi.log.warn(state.notice())


def check_previous_deployment(config: PlatformConfig) -> None:
    """Fail, before Pulumi changes anything, when the configuration would lose or break what
    the last deployment runs: a tenant with data left the configuration, a tenant's Odoo
    series changed without a recorded migration, or a shared tenant's database or cache pool
    changed without a recorded move.

    The last deployment's `retained_tenants` and `tenants` outputs are read through a reference
    to this very stack; a stack that was never deployed has none. The engine deletes resources
    that left the program only after the program succeeded, so failing here keeps the data.
    """
    previous = previous_deployment(PREVIOUS_DEPLOYMENT)

    def verify(outputs: list[object]) -> None:
        retained, tenants = outputs
        issues = removed_tenant_issues(config, retained if isinstance(retained, list) else [])
        issues += version_change_issues(config, deployed_versions(tenants))
        issues += pool_change_issues(config, deployed_servers(tenants))
        issues += cache_pool_change_issues(config, deployed_cache_pools(tenants))
        if issues:
            raise pulumi.RunError(str(ConfigError(issues, f"stack {pulumi.get_stack()}")))

    pulumi.Output.all(previous.get_output(RETAINED_TENANTS), previous.get_output(TENANTS)).apply(
        verify
    )


def main(clock: Clock = utc_today) -> None:
    config = load_config()
    deployment = load_deployment()
    today = clock()
    check_change_freeze(config, today)
    check_previous_deployment(config)
    build_platform(config, today, deployment)
