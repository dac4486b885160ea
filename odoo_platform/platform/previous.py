"""The stack's own previous deployment, read through a `StackReference` to this very stack.

`pulumi.StackReference` reads the outputs the named stack's last update exported (Pulumi's
"Stack outputs and references" docs); naming the running stack gives the previous deployment's
outputs, or none before the first `pulumi up`. Both the platform program and a tenant stack's
`ExternalTenant` check their configuration against them before anything changes.
"""

from __future__ import annotations

import pulumi


def this_stack() -> str:
    """The running stack's fully qualified name (`org/project/stack`)."""
    return f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"


def previous_deployment(
    name: str, opts: pulumi.ResourceOptions | None = None
) -> pulumi.StackReference:
    """A reference (logical name `name`) to the outputs of this stack's last deployment."""
    return pulumi.StackReference(name, stack_name=this_stack(), opts=opts)
