"""`dr_site`: a stack that is the disaster-recovery site of another (docs/runbooks/dr-failover.md).

The static rules live here; what only the primary's outputs can tell (that it names this region as
its DR region, in this mode, with the same tenants) is checked at deploy time by
`odoo_platform.platform.dr_site`, through the same `ConfigIssue`s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from odoo_platform.config.catalog import REGION_RESIDENCY
from odoo_platform.config.errors import ConfigIssue, key_path
from odoo_platform.config.models import PlatformConfig

Issues = Iterator[ConfigIssue]


def outside_zone(config: PlatformConfig) -> bool:
    """The site lies outside its primary's residency zone (allowed with a `transfer_basis`)."""
    site = config.dr_site
    return site is not None and REGION_RESIDENCY[config.region] != REGION_RESIDENCY.get(
        site.primary_region
    )


def issues(config: PlatformConfig) -> Issues:
    site = config.dr_site
    if site is None:
        return
    if site.primary_region == config.region:
        yield ConfigIssue(
            key_path("dr_site", "primary_region"),
            f"'{site.primary_region}' is this stack's own region; a DR site runs in another one "
            "(the primary's disaster_recovery.dr_region)",
        )
    zone, primary_zone = REGION_RESIDENCY[config.region], REGION_RESIDENCY[site.primary_region]
    if zone != primary_zone and site.transfer_basis is None:
        yield ConfigIssue(
            key_path("dr_site", "primary_region"),
            f"'{site.primary_region}' is in zone '{primary_zone}' but this site's region "
            f"{config.region} is in zone '{zone}'; DR copies stay in the tenants' zone unless "
            "dr_site.transfer_basis records the legal basis for the transfer",
        )
    if zone == primary_zone and site.transfer_basis is not None:
        yield ConfigIssue(
            key_path("dr_site", "transfer_basis"),
            f"is set but {config.region} is in the primary's zone '{zone}'; allowed only for a "
            "site outside the zone",
        )
    if config.disaster_recovery is not None:
        yield ConfigIssue(
            key_path("disaster_recovery"),
            f"is set on a DR site (role {site.role}); a DR site declares no DR copies of its "
            "own: fail back to a primary stack first (docs/runbooks/dr-failover.md, failback)",
        )


def primary_issues(
    config: PlatformConfig, primary: Mapping[str, object], tenants: Mapping[str, object]
) -> list[ConfigIssue]:
    """The primary's outputs against this site: region, its DR region and mode, the tenants.

    `primary` is its `region` and `disaster_recovery` outputs; `tenants` its `tenants` output.
    """
    site = config.dr_site
    assert site is not None
    region, dr = primary.get("region"), primary.get("disaster_recovery")
    if region is None:
        return [
            ConfigIssue(
                key_path("dr_site", "primary_stack"),
                f"stack {site.primary_stack} exports nothing (never deployed, or not readable "
                "with these credentials); deploy the primary before its DR site",
            )
        ]
    found: list[ConfigIssue] = []
    if region != site.primary_region:
        found.append(
            ConfigIssue(
                key_path("dr_site", "primary_region"),
                f"'{site.primary_region}' but stack {site.primary_stack} runs in '{region}'",
            )
        )
    dr = dr if isinstance(dr, Mapping) else {}
    if dr.get("dr_region") != config.region:
        found.append(
            ConfigIssue(
                key_path("dr_site", "primary_stack"),
                f"stack {site.primary_stack} names '{dr.get('dr_region')}' as its DR region, not "
                f"this stack's region {config.region}",
            )
        )
    if dr.get("mode") != site.mode:
        found.append(
            ConfigIssue(
                key_path("dr_site", "mode"),
                f"'{site.mode}' but stack {site.primary_stack} has disaster_recovery.mode "
                f"'{dr.get('mode')}'",
            )
        )
    mine = {t.slug for t in config.tenants}
    theirs = set(tenants)
    if mine != theirs:
        missing, extra = sorted(theirs - mine), sorted(mine - theirs)
        found.append(
            ConfigIssue(
                key_path("tenants"),
                f"do not match stack {site.primary_stack}'s tenants: missing here "
                f"{missing or 'none'}, not on the primary {extra or 'none'}; copy the primary's "
                "tenants list",
            )
        )
    return found
