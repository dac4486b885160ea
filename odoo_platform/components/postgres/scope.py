"""What every part of a server is declared with: its component, name, args and tags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Unpack

import pulumi

from odoo_platform.components._shared.base import ChildOptions, child_opts
from odoo_platform.components.postgres.args import PostgresServerArgs

POSTGRES_PORT = 5432
ADMIN_USERNAME = "platform_admin"


@dataclass(frozen=True)
class Scope:
    """The server component its parts are parented to, its logical name, args and tags."""

    owner: pulumi.Resource
    name: str
    args: PostgresServerArgs
    tags: dict[str, str]

    def opts(
        self, *, protect: bool = False, **kwargs: Unpack[ChildOptions]
    ) -> pulumi.ResourceOptions:
        return child_opts(self.owner, protect=protect, **kwargs)
