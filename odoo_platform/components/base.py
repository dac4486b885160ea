"""What every component shares: its type token prefix and how it parents its children."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict, Unpack

import pulumi

TYPE_PREFIX = "odoo-platform:index"


def component_type(name: str) -> str:
    """`component_type("LandingZone")` -> `odoo-platform:index:LandingZone`."""
    return f"{TYPE_PREFIX}:{name}"


class ChildOptions(TypedDict, total=False):
    """The `ResourceOptions` components set on their children besides parent and protect."""

    provider: pulumi.ProviderResource | None
    providers: Mapping[str, pulumi.ProviderResource] | Sequence[pulumi.ProviderResource]
    depends_on: pulumi.Input[Sequence[pulumi.Input[pulumi.Resource]]]
    ignore_changes: Sequence[str]
    custom_timeouts: pulumi.CustomTimeouts


def child_opts(
    parent: pulumi.Resource, *, protect: bool = False, **kwargs: Unpack[ChildOptions]
) -> pulumi.ResourceOptions:
    """Options for a child: parented (so it inherits providers and protection).

    `protect=True` protects the child whatever the parent; otherwise `protect` is left unset so
    Pulumi inherits it from the parent: a caller's `ResourceOptions(protect=True)` on a component
    reaches its stateful children. `retain_on_delete` stays off: deletion is an explicit act.
    """
    return pulumi.ResourceOptions(
        parent=parent,
        protect=True if protect else None,
        **kwargs,  # type: ignore[arg-type]  # ResourceOptions types providers as a Mapping | List
    )
