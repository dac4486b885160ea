"""A DR site reads its primary: one `PlatformReference`, checked before anything uses it.

Every DR mode's site (`dr_site`) reads the primary here and only here: the reference, the deploy
time checks (the primary runs where `dr_site.primary_region` says, names this region as its DR
region in this mode, and has the same tenants as this file) and typed access to what the primary
exports for its DR site: `standby_sources` (warm standby: servers, admin and password secrets,
bucket replicas; pilot light: servers with their replicated automated backups, admin secrets)
and `dr_backup_replicas` (every mode: each tenant's DR-region backup copy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

import pulumi

from odoo_platform.components.backup_bucket import BackupsOutput
from odoo_platform.components.odoo_tenant import DrReplica
from odoo_platform.components.postgres import PointInTimeSource
from odoo_platform.config import ConfigError, PlatformConfig
from odoo_platform.config.capacity import ServerKey
from odoo_platform.config.dr_site import primary_issues

if TYPE_CHECKING:
    from odoo_platform.platform.reference import PlatformReference

PRIMARY_REFERENCE = "dr-primary"  # logical name of the reference to the primary stack
DISASTER_RECOVERY = "disaster_recovery"  # the primary's output: its DR mode and region
STANDBY_SOURCES = "standby_sources"  # the primary's output: what a warm standby replicates
DR_BACKUP_REPLICAS = "dr_backup_replicas"  # the primary's output: each tenant's DR-region copy


class DatabaseServerSource(TypedDict):
    """One of the primary's servers, as its standby replicates it."""

    arn: str
    kms_key_arn: str
    account_role_arn: str | None  # the tenant's own account (None: the platform's)
    # The DR-region replica of the server's admin secret (rotated in the primary region).
    admin_secret_arn: str | None
    # Pilot light: the ARN of its automated backups replicated to the DR region (None: none).
    automated_backups_arn: str | None


class StandbyTenantSource(TypedDict):
    """One tenant as its standby recovers it."""

    server: str  # the ServerKey of its database server
    password_secret: str  # Secrets Manager secret of its database password, replicated here


class StandbySources(TypedDict):
    """The `standby_sources` output of a primary with `disaster_recovery.mode: warm-standby`
    (or `pilot-light`: servers only, no bucket replicas or tenants)."""

    servers: dict[str, DatabaseServerSource]  # by ServerKey
    backups: dict[str, BackupsOutput]  # by ServerKey: the DR replica of its tier's bucket
    tenants: dict[str, StandbyTenantSource]
    # By ServerKey of the tier that owns it (`multi-tenant`: the shared EFS; `dedicated:<slug>`:
    # the tenant's): the id of the filestore's DR-region replica (EFS replication's destination,
    # in the tenant's own account for an own-account tenant). Absent from primaries deployed
    # before filestore replication.
    filestores: NotRequired[dict[str, str]]


class DrReplicaOutput(TypedDict):
    """One tenant's entry of the primary's `dr_backup_replicas` output."""

    bucket_name: str
    bucket_arn: str
    kms_key_arn: str
    region: str


class PrimaryOutputs(TypedDict):
    """What a DR site reads of its primary, once the checks passed."""

    standby_sources: StandbySources
    dr_backup_replicas: dict[str, DrReplicaOutput]


@dataclass(frozen=True)
class PrimarySite:
    """The primary a DR site recovers, read through its outputs (checked first)."""

    stack: str
    """The primary's fully qualified stack name."""
    promoted: bool
    """This site has failed over (`dr_site.role: primary`)."""
    outputs: pulumi.Output[PrimaryOutputs]
    """The primary's outputs this site reads, available only once the checks passed."""

    @property
    def sources(self) -> pulumi.Output[StandbySources]:
        """The primary's `standby_sources` (empty outside warm standby)."""
        return self.outputs.apply(lambda outputs: outputs["standby_sources"])

    def _server(self, key: ServerKey) -> pulumi.Output[DatabaseServerSource]:
        stack = self.stack

        def server(sources: StandbySources) -> DatabaseServerSource:
            servers = sources["servers"]
            if key not in servers:
                raise pulumi.RunError(
                    f"stack {stack} exports no database server {key!r} in {STANDBY_SOURCES} "
                    f"(it has {', '.join(sorted(servers)) or 'none'}): deploy the primary first"
                )
            return servers[key]

        return self.sources.apply(server)

    def server_arn(self, key: ServerKey) -> pulumi.Output[str]:
        """The ARN of the primary's server `key` (the replica's `replicate_source_db`)."""
        return self._server(key).apply(lambda server: server["arn"])

    def admin_secret_arn(self, key: ServerKey) -> pulumi.Output[str]:
        """The DR-region replica of server `key`'s admin secret (the promoted server's admin)."""
        what = f"DR-region admin secret of server {key!r}"
        return self._server(key).apply(
            lambda server: self._exported(server.get("admin_secret_arn"), what)
        )

    def filestore(self, key: ServerKey) -> pulumi.Output[str]:
        """The DR-region replica of the filestore of the tier that owns server `key`."""
        what = (
            f"filestore replica for {key!r} in {STANDBY_SOURCES} (it replicates its file "
            "systems to this region)"
        )
        return self.sources.apply(
            lambda sources: self._exported(sources.get("filestores", {}).get(key), what)
        )

    def point_in_time(self, key: ServerKey) -> PointInTimeSource:
        """Where a pilot-light site restores server `key` from: the primary's automated backups
        replicated here, and the DR-region replica of its admin secret."""
        what = f"replicated automated backups of server {key!r}"
        return PointInTimeSource(
            automated_backups_arn=self._server(key).apply(
                lambda server: self._exported(server.get("automated_backups_arn"), what)
            ),
            admin_secret_arn=self.admin_secret_arn(key),
        )

    def _exported(self, found: str | None, what: str) -> str:
        """`found`, or the update stops: the primary was deployed before it exported `what`."""
        if not found:
            raise pulumi.RunError(
                f"stack {self.stack} exports no {what}: deploy it with this version of "
                "odoo-platform first"
            )
        return found

    def tenant(self, slug: str) -> pulumi.Output[StandbyTenantSource]:
        """What the primary exports for tenant `slug`: its server and password secret."""
        return self.sources.apply(lambda sources: sources["tenants"][slug])

    def backups(self, key: ServerKey) -> pulumi.Output[BackupsOutput]:
        """The DR-region replica of the backup bucket of the tier that owns server `key`."""
        return self.sources.apply(lambda sources: sources["backups"][key])

    def dr_backup_replica(self, slug: str, *, point_in_time: bool = False) -> DrReplica:
        """The tenant's DR-region backup copy; the update fails, naming the primary, without.
        `point_in_time`: the database comes with its restored server, the copy's filestore only
        is restored."""
        stack = self.stack

        def field(key: str) -> pulumi.Output[str]:
            def pick(outputs: PrimaryOutputs) -> str:
                entry = outputs["dr_backup_replicas"].get(slug)
                if not entry:
                    raise pulumi.RunError(
                        f"primary stack {stack!r} exports no DR copy of tenant {slug!r} in "
                        f"{DR_BACKUP_REPLICAS}: is the tenant there, with disaster_recovery set?"
                    )
                return str(entry[key])  # type: ignore[literal-required]

            return self.outputs.apply(pick)

        return DrReplica(
            bucket_name=field("bucket_name"),
            bucket_arn=field("bucket_arn"),
            kms_key_arn=field("kms_key_arn"),
            region=field("region"),
            database_from="point-in-time" if point_in_time else "backup",
        )


def primary_site(config: PlatformConfig, parent: pulumi.Resource) -> PrimarySite | None:
    """The primary of a DR site (None for a stack without `dr_site`): its one reference."""
    site = config.dr_site
    if site is None:
        return None
    from odoo_platform.platform.reference import PlatformReference  # noqa: PLC0415 (cycle)

    reference = PlatformReference(
        PRIMARY_REFERENCE, site.primary_stack, opts=pulumi.ResourceOptions(parent=parent)
    )
    return PrimarySite(
        stack=site.primary_stack,
        promoted=site.role == "primary",
        outputs=_checked(config, reference),
    )


def _checked(config: PlatformConfig, reference: PlatformReference) -> pulumi.Output[PrimaryOutputs]:
    """The primary's outputs once they match this site; else the update stops, naming the
    stack file's keys (before any replica gets a source or any tenant a restore source)."""
    outputs = pulumi.Output.all(
        reference.output("region"),
        reference.output(DISASTER_RECOVERY),
        reference.output("tenants"),
        reference.output(STANDBY_SOURCES),
        reference.output(DR_BACKUP_REPLICAS),
    )
    site = config.dr_site
    assert site is not None

    def verify(values: list[Any]) -> PrimaryOutputs:
        region, dr, tenants, sources, replicas = values
        primary: Mapping[str, object] = {"region": region, "disaster_recovery": dr}
        issues = primary_issues(config, primary, tenants if isinstance(tenants, dict) else {})
        if issues:
            raise pulumi.RunError(str(ConfigError(issues, f"stack {pulumi.get_stack()}")))
        if not isinstance(sources, dict):
            if site.mode in ("warm-standby", "pilot-light"):
                raise pulumi.RunError(
                    f"stack {site.primary_stack} exports no {STANDBY_SOURCES!r}: "
                    f"deploy it with disaster_recovery.mode {site.mode} first"
                )
            sources = StandbySources(servers={}, backups={}, tenants={})  # nothing replicated
        return PrimaryOutputs(
            standby_sources=sources,
            dr_backup_replicas=replicas if isinstance(replicas, dict) else {},
        )

    return outputs.apply(verify)
