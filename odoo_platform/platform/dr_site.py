"""A DR site reads its primary: one `PlatformReference`, checked before anything uses it.

Every DR mode's site (`dr_site`) reads the primary here and only here: the reference, the deploy
time checks (the primary runs where `dr_site.primary_region` says, names this region as its DR
region in this mode, and has the same tenants as this file) and typed access to what the primary
exports for its DR site (`standby_sources`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

import pulumi

from odoo_platform.components.backup_bucket import BackupsOutput
from odoo_platform.config import ConfigError, PlatformConfig
from odoo_platform.config.capacity import ServerKey
from odoo_platform.config.dr_site import primary_issues

if TYPE_CHECKING:
    from odoo_platform.platform.regional import PlatformReference

PRIMARY_REFERENCE = "dr-primary"  # logical name of the reference to the primary stack
DISASTER_RECOVERY = "disaster_recovery"  # the primary's output: its DR mode and region
STANDBY_SOURCES = "standby_sources"  # the primary's output: what a warm standby replicates


class DatabaseServerSource(TypedDict):
    """One of the primary's servers, as its standby replicates it."""

    arn: str
    kms_key_arn: str
    account_role_arn: str | None  # the tenant's own account (None: the platform's)


class StandbyTenantSource(TypedDict):
    """One tenant as its standby recovers it."""

    server: str  # the ServerKey of its database server
    password_secret: str  # Secrets Manager secret of its database password, replicated here


class StandbySources(TypedDict):
    """The `standby_sources` output of a primary with `disaster_recovery.mode: warm-standby`."""

    servers: dict[str, DatabaseServerSource]  # by ServerKey
    backups: dict[str, BackupsOutput]  # by ServerKey: the DR replica of its tier's bucket
    tenants: dict[str, StandbyTenantSource]


@dataclass(frozen=True)
class PrimarySite:
    """The primary a DR site recovers, read through its outputs (checked first)."""

    stack: str
    """The primary's fully qualified stack name."""
    promoted: bool
    """This site has failed over (`dr_site.role: primary`)."""
    sources: pulumi.Output[StandbySources]
    """The primary's `standby_sources`, available only once the checks passed."""

    def server_arn(self, key: ServerKey) -> pulumi.Output[str]:
        """The ARN of the primary's server `key` (the replica's `replicate_source_db`)."""
        stack = self.stack

        def arn(sources: StandbySources) -> str:
            servers = sources["servers"]
            if key not in servers:
                raise pulumi.RunError(
                    f"stack {stack} exports no database server {key!r} in standby_sources "
                    f"(it has {', '.join(sorted(servers)) or 'none'}): deploy the primary first"
                )
            return servers[key]["arn"]

        return self.sources.apply(arn)

    def tenant(self, slug: str) -> pulumi.Output[StandbyTenantSource]:
        """What the primary exports for tenant `slug`: its server and password secret."""
        return self.sources.apply(lambda sources: sources["tenants"][slug])


def primary_site(config: PlatformConfig, parent: pulumi.Resource) -> PrimarySite | None:
    """The primary of a DR site (None for a stack without `dr_site`)."""
    site = config.dr_site
    if site is None:
        return None
    from odoo_platform.platform.regional import PlatformReference  # noqa: PLC0415 (cycle)

    reference = PlatformReference(
        PRIMARY_REFERENCE, site.primary_stack, opts=pulumi.ResourceOptions(parent=parent)
    )
    return PrimarySite(
        stack=site.primary_stack,
        promoted=site.role == "primary",
        sources=_checked(config, reference.output("region"), reference),
    )


def _checked(
    config: PlatformConfig, region: pulumi.Output[Any], reference: PlatformReference
) -> pulumi.Output[StandbySources]:
    """The primary's sources once its outputs match this site; else the update stops, naming
    the stack file's keys (before any replica gets a source)."""
    outputs = pulumi.Output.all(
        region,
        reference.output(DISASTER_RECOVERY),
        reference.output("tenants"),
        reference.output(STANDBY_SOURCES),
    )

    def verify(values: list[Any]) -> StandbySources:
        region_value, dr, tenants, sources = values
        primary: Mapping[str, object] = {"region": region_value, "disaster_recovery": dr}
        issues = primary_issues(config, primary, tenants if isinstance(tenants, dict) else {})
        if issues:
            raise pulumi.RunError(str(ConfigError(issues, f"stack {pulumi.get_stack()}")))
        site = config.dr_site
        if not isinstance(sources, dict) and site is not None and site.mode != "warm-standby":
            return StandbySources(servers={}, backups={}, tenants={})  # nothing is replicated
        if not isinstance(sources, dict):
            raise pulumi.RunError(
                f"stack {site.primary_stack if site else '?'} exports no {STANDBY_SOURCES!r}: "
                "deploy it with disaster_recovery.mode warm-standby first"
            )
        return sources  # type: ignore[return-value]

    return outputs.apply(verify)
