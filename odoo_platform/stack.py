"""The stack program: read the stack's configuration, build the platform, export its outputs.

`stacks/__main__.py` calls `main()` under `pulumi up`; the offline tools run the very same function
under the mocks harness.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pulumi

from odoo_platform.clock import utc_today
from odoo_platform.config import ConfigError, PlatformConfig, parse_platform
from odoo_platform.config.errors import ROOT
from odoo_platform.config.freeze import freeze_state, freeze_stop_message, override_issues
from odoo_platform.config.lifecycle import removed_tenant_issues
from odoo_platform.config.loader import CONFIG_NAMESPACE
from odoo_platform.platform import RETAINED_TENANTS, build_platform

__all__ = ["PREVIOUS_DEPLOYMENT", "check_change_freeze", "load_config", "main", "utc_today"]

Clock = Callable[[], dt.date]
PREVIOUS_DEPLOYMENT = "previous-deployment"  # logical name of the reference to this stack


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


def check_removed_tenants(config: PlatformConfig) -> None:
    """Fail, before Pulumi deletes anything, when a tenant with data left the configuration.

    The last deployment's `retained_tenants` output is read through a reference to this very
    stack; a stack that was never deployed has none. The engine deletes resources that left the
    program only after the program succeeded, so failing here keeps the tenant's data.
    """
    fqn = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    previous = pulumi.StackReference(PREVIOUS_DEPLOYMENT, stack_name=fqn)

    def verify(retained: object) -> None:
        issues = removed_tenant_issues(config, retained if isinstance(retained, list) else [])
        if issues:
            raise pulumi.RunError(str(ConfigError(issues, f"stack {pulumi.get_stack()}")))

    previous.get_output(RETAINED_TENANTS).apply(verify)


def main(clock: Clock = utc_today) -> None:
    config = load_config()
    today = clock()
    check_change_freeze(config, today)
    check_removed_tenants(config)
    build_platform(config, today)
