"""CrossGuard entry point: `pulumi preview --policy-pack "$(odoo-platform policy-pack-path)"`.

Shipped inside the odoo-platform package; it runs with the Python that has odoo-platform[policy]
installed (the stack's virtualenv). The stack facts come from ODOO_PLATFORM_POLICY_FACTS.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from odoo_platform.policies.crossguard import PACK_NAME, build_policies

PolicyPack(
    name=PACK_NAME,
    # Each policy sets its own level from the rule's severity; this only covers none doing so.
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=build_policies(),
)
