"""What every component shares: its type token prefix and how it parents its children."""

from __future__ import annotations

import pulumi

TYPE_PREFIX = "odoo-platform:index"


def component_type(name: str) -> str:
    """`component_type("LandingZone")` -> `odoo-platform:index:LandingZone`."""
    return f"{TYPE_PREFIX}:{name}"


def child_opts(
    parent: pulumi.Resource, *, protect: bool = False, **kwargs: object
) -> pulumi.ResourceOptions:
    """Options for a child: parented (so it inherits providers), optionally protected.

    Stateful children pass `protect` (and keep `retain_on_delete` off: deletion stays an explicit,
    visible act); everything else in `kwargs` goes to `ResourceOptions` unchanged.
    """
    return pulumi.ResourceOptions(parent=parent, protect=protect, **kwargs)  # type: ignore[arg-type]
