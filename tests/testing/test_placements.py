"""One answer to "which tenant owns this?" (`ProgramResult.placements()`), and `urn_diff`, which
tells a resource moved with an alias from one removed and another added."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random

from odoo_platform.config.catalog import LABEL_TENANT, TAG_TENANT, TAG_TIER
from odoo_platform.policies.model import ResourceView
from odoo_platform.synthesis.ownership import MULTI_TENANT, PLATFORM
from odoo_platform.testing import run_program, urn_diff

BUCKET = "aws:s3/bucket:Bucket"


class Tenant(pulumi.ComponentResource):
    """A component that carries no tags: its children tell whose it is."""

    def __init__(self, slug: str, tier: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Tenant", slug, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        aws.s3.Bucket(f"{slug}-files", tags={TAG_TIER: tier, TAG_TENANT: slug}, opts=child)
        random.RandomPassword(f"{slug}-password", length=16, opts=child)
        k8s.core.v1.Namespace(f"{slug}-ns", metadata={"labels": {LABEL_TENANT: slug}}, opts=child)
        self.register_outputs({})


def estate() -> None:
    Tenant("acme", "shared")
    Tenant("bank", "dedicated")
    aws.s3.Bucket("logs", tags={TAG_TIER: "platform"})
    aws.s3.Bucket("tier-cache", tags={TAG_TIER: "shared"})


def test_placements_answer_by_urn_or_by_resource() -> None:
    result = run_program(estate)
    where = result.placements()
    password = result.named("acme-password")
    assert where[password] == where[password.urn]
    assert (where[password].tenant, where[password].group) == ("acme", MULTI_TENANT)
    assert where[result.named("acme")].tenant == "acme"  # the component its children agree on
    assert where[result.named("acme-ns")].tenant == "acme"  # a label, not a tag
    bank = where[result.named("bank-password")]
    assert (bank.group, bank.tier, bank.tenant) == ("dedicated:bank", "dedicated", "bank")
    assert (where[result.named("logs")].group, where[result.named("logs")].tenant) == (
        PLATFORM,
        None,
    )
    assert where[result.named("tier-cache")].group == MULTI_TENANT
    assert len(where) == len(result.resources)


def test_a_configured_tier_wins_over_a_missing_tier_tag() -> None:
    def program() -> None:
        aws.s3.Bucket("files", tags={TAG_TENANT: "bank"})

    result = run_program(program)
    assert result.placements()[result.named("files")].group == MULTI_TENANT
    placed = result.placements({"bank": "dedicated"})[result.named("files")]
    assert placed.group == "dedicated:bank"


def test_by_tenant_and_policy_findings_use_the_same_answer() -> None:
    result = run_program(estate)
    where = result.placements()
    assert {r.urn for r in result.by_tenant("acme")} == {
        urn for urn, placement in where.items() if placement.tenant == "acme"
    }
    for resource in result.resources:  # a policy sees props only: the resource's own marks
        own = ResourceView(resource.type, resource.urn, resource.inputs).tenant
        assert own in (None, where[resource].tenant)
        assert own == resource.tenant


# --- urn_diff ---------------------------------------------------------------------------------


def files(parent_type: str, alias: bool) -> Callable[[], None]:
    """A bucket under a component of `parent_type`; moved there from the `Box` if `alias`."""

    def program() -> None:
        box = pulumi.ComponentResource("test:index:Box", "box")
        if parent_type == "Box":
            parent = box
        else:
            parent = pulumi.ComponentResource(f"test:index:{parent_type}", "shelf")
        aliases = [pulumi.Alias(parent=box)] if alias else []
        aws.s3.Bucket("files", opts=pulumi.ResourceOptions(parent=parent, aliases=aliases))
        aws.s3.Bucket("kept", opts=pulumi.ResourceOptions(parent=box))

    return program


def test_a_resource_moved_with_an_alias_is_reported_as_moved() -> None:
    before = run_program(files("Box", alias=False))
    after = run_program(files("Shelf", alias=True))
    diff = urn_diff(before, after)
    [(old_urn, new_urn)] = diff.moved.items()
    assert old_urn == before.named("files").urn
    assert new_urn == after.named("files").urn
    assert "Box$" in old_urn and "Shelf$" in new_urn
    assert diff.added == {after.named("shelf").urn}  # the new component itself
    assert diff.removed == set()


def test_without_the_alias_it_is_removed_and_added() -> None:
    before = run_program(files("Box", alias=False))
    after = run_program(files("Shelf", alias=False))
    diff = urn_diff(before, after)
    assert diff.moved == {}
    assert diff.removed == {before.named("files").urn}
    assert diff.added == {after.named("files").urn, after.named("shelf").urn}


def test_children_move_with_a_parent_that_moved_with_an_alias() -> None:
    def program(component_type: str, alias: bool) -> Callable[[], None]:
        def declare() -> None:
            aliases = [pulumi.Alias(type_="test:index:Box")] if alias else []
            box = pulumi.ComponentResource(
                component_type, "box", opts=pulumi.ResourceOptions(aliases=aliases)
            )
            aws.s3.Bucket("files", opts=pulumi.ResourceOptions(parent=box))

        return declare

    before = run_program(program("test:index:Box", False))
    after = run_program(program("test:index:Shelf", True))
    diff = urn_diff(before, after)
    assert diff.moved == {  # the bucket carries no alias: its parent's moves it too
        before.named("box").urn: after.named("box").urn,
        before.named("files").urn: after.named("files").urn,
    }
    assert diff.added == diff.removed == set()
    assert urn_diff(before, run_program(program("test:index:Shelf", False))).moved == {}


def test_the_same_program_changes_nothing() -> None:
    result = run_program(files("Box", alias=False))
    assert urn_diff(result, result).unchanged == result.urns()
    assert not urn_diff(result, result)


def test_urn_lists_compare_without_aliases() -> None:
    before = ["urn:pulumi:s::p::t::a", "urn:pulumi:s::p::t::b"]
    after = ["urn:pulumi:s::p::t::b", "urn:pulumi:s::p::t::c"]
    diff = urn_diff(before, after)
    assert (diff.added, diff.removed, diff.moved) == (
        {"urn:pulumi:s::p::t::c"},
        {"urn:pulumi:s::p::t::a"},
        {},
    )
    # An old run against the new run's URNs: moves show once the new side carries its aliases.
    moved = run_program(files("Shelf", alias=True))
    assert urn_diff(run_program(files("Box", alias=False)).urns(), moved).moved
