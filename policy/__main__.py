"""CrossGuard entry point: `pulumi preview --policy-pack policy [--policy-pack-config ...]`."""

from pulumi_policy import EnforcementLevel, PolicyPack

from odoo_platform.policies.crossguard import PACK_NAME, build_policies

PolicyPack(
    name=PACK_NAME,
    # Each policy sets its own level from the rule's severity; this only covers none doing so.
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=build_policies(),
)
