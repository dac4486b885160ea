"""Recovery objectives in the stack file (issue 17): per tenant, with stack and tier defaults.

The targets concern the loss of the stack's region (the disaster-recovery objective); what the
configuration achieves is derived in `recovery.py`, and a target it cannot meet is refused.
"""

from __future__ import annotations

from pydantic import Field

from odoo_platform.config.fields import Strict

MAX_MINUTES = 7 * 24 * 60  # a week: a target beyond it is no recovery objective


class RecoveryObjectives(Strict):
    """Targets for one tenant (or a default for many); unset keys inherit the next level."""

    rpo_minutes: int | None = Field(
        None,
        ge=1,
        le=MAX_MINUTES,
        description="recovery point objective: the most data, in minutes of work, that the loss "
        "of the region may lose",
    )
    rto_minutes: int | None = Field(
        None,
        ge=1,
        le=MAX_MINUTES,
        description="recovery time objective: the longest the tenant may be down after the loss "
        "of the region, until it serves again from the DR region",
    )
    expected_database_gib: int | None = Field(
        None,
        ge=1,
        le=65536,
        description="expected size of the tenant's database, for the dump and restore times; "
        "default: the allocated storage of its server (an upper bound)",
    )


class RecoveryDefaults(RecoveryObjectives):
    """Stack defaults (these keys) and tier defaults (`shared`, `dedicated`) of every tenant's
    `recovery`: a tenant's key wins over its tier's, which wins over the stack's."""

    shared: RecoveryObjectives = Field(
        RecoveryObjectives(), description="defaults of the multi-tenant tier's tenants"
    )
    dedicated: RecoveryObjectives = Field(
        RecoveryObjectives(), description="defaults of the dedicated tier's tenants"
    )
