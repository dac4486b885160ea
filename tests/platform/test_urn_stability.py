"""Invariant 1: tenants come and go, are reordered or resized, and no other URN changes."""

from __future__ import annotations

import pytest

from odoo_platform.testing import ProgramResult
from tests.platform.composition import BASE, plan, tenant, urns_of, with_tenants

ALPHA, BETA, GAMMA = BASE["tenants"]
DEPLOYMENT = "kubernetes:apps/v1:Deployment"


@pytest.fixture(scope="module")
def base() -> ProgramResult:
    return plan(with_tenants(ALPHA, BETA, GAMMA))


def test_adding_tenants_only_adds_their_own_resources(base: ProgramResult) -> None:
    shared_new = tenant("delta-hr")
    dedicated_new = tenant("epsilon-ip", "dedicated")
    grown = plan(with_tenants(ALPHA, BETA, GAMMA, shared_new, dedicated_new))
    before, after = urns_of(base), urns_of(grown)
    assert before <= after
    added = after - before
    assert added == urns_of(grown, "delta-hr") | urns_of(grown, "epsilon-ip")


def test_removing_a_tenant_only_removes_its_own_resources(base: ProgramResult) -> None:
    shrunk = plan(with_tenants(ALPHA, GAMMA))
    assert urns_of(shrunk) == urns_of(base) - urns_of(base, "beta-tax")


def test_reordering_tenants_changes_nothing(base: ProgramResult) -> None:
    assert urns_of(plan(with_tenants(GAMMA, ALPHA, BETA))) == urns_of(base)


def test_resizing_a_tenant_renames_nothing(base: ProgramResult) -> None:
    resized = plan(with_tenants(ALPHA, {**BETA, "size": "l"}, GAMMA))
    assert urns_of(resized) == urns_of(base)


def test_suspending_keeps_every_object_and_scales_to_zero(base: ProgramResult) -> None:
    suspended = plan(with_tenants(ALPHA, {**BETA, "state": "suspended"}, GAMMA))
    assert urns_of(suspended) == urns_of(base)
    beta = [d for d in suspended.by_type(DEPLOYMENT) if d.tenant == "beta-tax"]
    assert beta and all(d.inputs["spec"]["replicas"] == 0 for d in beta)
    alpha = [d for d in suspended.by_type(DEPLOYMENT) if d.tenant == "alpha-law"]
    assert all(d.inputs["spec"].get("replicas", 1) >= 1 for d in alpha)  # HPA owns web replicas


def test_the_comparison_would_catch_a_renamed_resource(base: ProgramResult) -> None:
    """Guard against a vacuous check: a changed name of another tenant shows up."""
    renamed = {
        u.replace("odoo-shared-alpha-law-web", "odoo-shared-alpha-law-web2") for u in urns_of(base)
    }
    assert renamed != urns_of(base)
    assert not urns_of(base) <= renamed
