"""Subnet plan: public, private and database subnets per availability zone, without overlap.

Each kind gets six AZ slots (the most we support), laid out largest blocks first so every block
is naturally aligned. Raising the AZ count later fills the next slot and never renumbers an
existing subnet, which would replace it and everything inside it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

MAX_AZ_SLOTS = 6
SUBNET_KINDS = ("public", "private", "database")
# A tenant's own-account VPC: private (EFS mount targets) and database subnets; its public slots
# stay unused (nothing there needs the internet) but keep the plan the same shape as the stack's.
ACCOUNT_SUBNET_PREFIXES: dict[str, int] = {"public": 28, "private": 24, "database": 24}


class SubnetPlanError(ValueError):
    """The subnets do not fit the VPC."""


@dataclass(frozen=True)
class SubnetPlan:
    public: tuple[ipaddress.IPv4Network, ...]
    private: tuple[ipaddress.IPv4Network, ...]
    database: tuple[ipaddress.IPv4Network, ...]

    def all(self) -> list[ipaddress.IPv4Network]:
        return [*self.public, *self.private, *self.database]


def plan_subnets(
    vpc_cidr: ipaddress.IPv4Network, az_count: int, prefixes: dict[str, int]
) -> SubnetPlan:
    """Carve `az_count` subnets of each kind out of `vpc_cidr` (prefix lengths per kind)."""
    if not 1 <= az_count <= MAX_AZ_SLOTS:
        raise SubnetPlanError(f"availability zones must be 1 to {MAX_AZ_SLOTS}, got {az_count}")
    needed = sum(2 ** (32 - prefixes[kind]) * MAX_AZ_SLOTS for kind in SUBNET_KINDS)
    if needed > vpc_cidr.num_addresses:
        raise SubnetPlanError(
            f"{MAX_AZ_SLOTS} AZ slots of public /{prefixes['public']}, private "
            f"/{prefixes['private']} and database /{prefixes['database']} subnets need "
            f"{needed} addresses but {vpc_cidr} has {vpc_cidr.num_addresses}; use a larger VPC "
            "or longer subnet prefixes"
        )
    cursor = int(vpc_cidr.network_address)
    slots: dict[str, list[ipaddress.IPv4Network]] = {}
    for kind in sorted(SUBNET_KINDS, key=lambda k: prefixes[k]):
        size = 2 ** (32 - prefixes[kind])
        slots[kind] = [
            ipaddress.IPv4Network((cursor + i * size, prefixes[kind])) for i in range(MAX_AZ_SLOTS)
        ]
        cursor += size * MAX_AZ_SLOTS
    return SubnetPlan(
        public=tuple(slots["public"][:az_count]),
        private=tuple(slots["private"][:az_count]),
        database=tuple(slots["database"][:az_count]),
    )
