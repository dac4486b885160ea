"""Dependency depth: the longest chain of resources created one after another."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import component_type
from odoo_platform.config import load_stack_file
from odoo_platform.offline.placement import (
    DependencyGraph,
    dependency_depth,
    tenant_tiers,
)
from odoo_platform.testing import ProgramResult, run_program
from tests.synthetic_platform import EXPECTED_DEPTH, SHARED_TENANTS
from tests.synthetic_platform import program as synthetic_platform

STACKS = Path(__file__).resolve().parents[1] / "stacks"


class Box(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("Box"), name, None, opts)


def known_chain() -> None:
    """vpc -> subnet -> (component: x waits for subnet; y waits for nothing) -> z after the box.

    Also: a child of a custom resource, and a resource with an explicit provider.
    """
    vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
    subnet = aws.ec2.Subnet("subnet", vpc_id=vpc.id, cidr_block="10.0.0.0/24")
    box = Box("box")
    aws.ec2.SecurityGroup("x", vpc_id=subnet.vpc_id, opts=pulumi.ResourceOptions(parent=box))
    aws.s3.Bucket("y", opts=pulumi.ResourceOptions(parent=box))
    aws.s3.Bucket("z", opts=pulumi.ResourceOptions(depends_on=[box]))
    aws.s3.Bucket("under-vpc", opts=pulumi.ResourceOptions(parent=vpc))
    provider = aws.Provider("other-region", region="eu-central-1")
    aws.s3.Bucket("elsewhere", opts=pulumi.ResourceOptions(provider=provider))


def chain_names(result: ProgramResult, name: str) -> list[str]:
    chains = DependencyGraph(result).longest_chains()
    return [result.get(urn).name for urn in chains[result.named(name).urn].urns]


def test_the_longest_chain_follows_dependencies_through_a_component() -> None:
    result = run_program(known_chain)
    depth = dependency_depth(result, result.placements())
    assert [result.get(u).name for u in depth.overall.urns] == ["vpc", "subnet", "x", "z"]
    assert depth.overall.depth == 4


def test_waiting_for_a_component_means_waiting_for_all_its_children() -> None:
    result = run_program(known_chain)
    assert chain_names(result, "z") == ["vpc", "subnet", "x", "z"]


def test_a_child_waits_for_nothing_from_its_component_parent() -> None:
    result = run_program(known_chain)
    assert chain_names(result, "y") == ["y"]


def test_a_child_of_a_custom_resource_waits_for_it() -> None:
    result = run_program(known_chain)
    assert chain_names(result, "under-vpc") == ["vpc", "under-vpc"]


def test_a_resource_waits_for_its_explicit_provider() -> None:
    result = run_program(known_chain)
    assert chain_names(result, "elsewhere") == ["other-region", "elsewhere"]


def test_depth_per_tenant_includes_what_the_tenant_waits_for_on_the_platform() -> None:
    result = run_program(synthetic_platform)
    config = load_stack_file(STACKS / "Pulumi.prod-eu-west-1.yaml")
    depth = dependency_depth(result, result.placements(tenant_tiers(config)))
    assert depth.overall.depth == EXPECTED_DEPTH
    assert set(depth.by_tenant) == {*SHARED_TENANTS, "halden-law"}
    for slug, chain in depth.by_tenant.items():
        names = [result.get(u).name for u in chain.urns]
        assert names == [
            "lz-vpc",
            "lz-private-a",
            "eks-cluster",
            "eks-k8s",
            f"{slug}-ns",
            f"{slug}-db",
            f"{slug}-web",
        ]
    assert depth.by_group["platform"].depth == 6


def test_depth_is_the_same_on_every_run() -> None:
    first = dependency_depth(r := run_program(synthetic_platform), r.placements())
    second = dependency_depth(r := run_program(synthetic_platform), r.placements())
    assert first == second
