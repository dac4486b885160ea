"""Secret stack config keys that the stack file names (kubeconfig, SMTP passwords)."""

from __future__ import annotations

import pulumi

from odoo_platform.config.loader import CONFIG_NAMESPACE


def stack_secret(key: str) -> pulumi.Output[str]:
    """`odoo-platform:<key>`, set with `pulumi config set --secret`; missing is an error."""
    return pulumi.Config(CONFIG_NAMESPACE).require_secret(key)
