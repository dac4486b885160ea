"""The two tenancy tiers (DESIGN.md, "Tenancy model").

`MultiTenantTier`: shared PostgreSQL servers (one per database pool), Redis caches (one per cache
pool) and one backup bucket; per tenant its own namespace, database and role (on its pool's
server), its Redis user (in its cache pool's cache), and Odoo on the shared node group.
`DedicatedTier`: per tenant its own server (Multi-AZ in prod, optional reporting replica), cache,
backup bucket with its own KMS key, file system and node group; Odoo pinned to that node group.
A dedicated tenant with an account role has all of these (but the nodes) in its own AWS account,
in a VPC peered with the platform's.

Every logical name derives from the tier and the tenant slug, never from a list position, so adding,
removing or reordering tenants changes no other resource's URN.
"""

from odoo_platform.platform.tiers.args import (
    DataNetwork,
    DisasterRecoverySite,
    HostedTenant,
    HostedTenantOutput,
    TenantPlacement,
    TenantServices,
    TierArgs,
    data_network,
)
from odoo_platform.platform.tiers.dedicated import DedicatedTier
from odoo_platform.platform.tiers.multi_tenant import MultiTenantTier

__all__ = [
    "DataNetwork",
    "DedicatedTier",
    "DisasterRecoverySite",
    "HostedTenant",
    "HostedTenantOutput",
    "MultiTenantTier",
    "TenantPlacement",
    "TenantServices",
    "TierArgs",
    "data_network",
]
