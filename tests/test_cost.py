"""Cost estimate: numbers recomputed here from the price table for a known synthetic program."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi_aws as aws
import pytest

from odoo_platform.config import load_stack_file
from odoo_platform.config.catalog import CACHE_NODE_TYPES, RDS_CLASS_MEMORY_GIB, REGION_RESIDENCY
from odoo_platform.offline.cost import PRICE_TABLE, estimate_cost, price_list, tenant_weights
from odoo_platform.offline.placement import tenant_tiers
from odoo_platform.testing import run_program
from tests.synthetic_platform import program as synthetic_platform

STACKS = Path(__file__).resolve().parents[1] / "stacks"
TABLE: dict[str, Any] = json.loads(PRICE_TABLE.read_text())
BASE = TABLE["prices"]["us-east-1"]
HOURS = 730
IRELAND = TABLE["regional_factors"]["eu-west-1"]["factor"]


def estimate(program: Any = synthetic_platform) -> Any:
    config = load_stack_file(STACKS / "Pulumi.prod-eu-west-1.yaml")
    result = run_program(program)
    return estimate_cost(result, config, result.placements(tenant_tiers(config)))


def test_the_dedicated_tenant_pays_for_its_own_database_nodes_and_key() -> None:
    database = (
        BASE["rds_postgres_hour"]["db.m7g.large"]["multi_az"] * HOURS
        + 100 * BASE["rds_gp3_gb_month"]["multi_az"]
    )
    nodes = 2 * (BASE["ec2_instance_hour"]["m7i.xlarge"] * HOURS + 20 * BASE["ebs_gp3_gb_month"])
    key = BASE["kms_key_month"]  # the same price in every region
    expected = (database + nodes) * IRELAND + key
    assert estimate().by_tenant["halden-law"] == pytest.approx(expected, abs=0.02)


def shared_pool() -> float:
    nodes = 3 * (BASE["ec2_instance_hour"]["m7i.2xlarge"] * HOURS + 50 * BASE["ebs_gp3_gb_month"])
    database = (
        BASE["rds_postgres_hour"]["db.m7g.xlarge"]["multi_az"] * HOURS
        + 200 * BASE["rds_gp3_gb_month"]["multi_az"]
    )
    cache = 2 * BASE["elasticache_node_hour"]["cache.m7g.large"] * HOURS
    cache *= BASE["elasticache_valkey_factor"]
    files = 50 * BASE["efs_standard_gb_month"]
    backups = 100 * BASE["s3_standard_gb_month"]
    return (nodes + database + cache + files + backups) * IRELAND


def test_shared_services_are_split_across_active_shared_tenants_by_cpu_weight() -> None:
    result = estimate()
    # prod-eu-west-1: two active size-m tenants (500m x 2 replicas) and five active size-s
    # tenants (250m x 1); nb-upgrade-lab is suspended and pays nothing.
    assert result.weights["nb-consulting"] == 1000
    assert result.weights["nb-tax-ie"] == 250
    assert "nb-upgrade-lab" not in result.weights
    total_weight = 2 * 1000 + 5 * 250
    assert result.shared_pool == pytest.approx(shared_pool(), abs=0.05)
    assert result.by_tenant["nb-consulting"] == pytest.approx(
        shared_pool() * 1000 / total_weight, abs=0.05
    )
    assert result.by_tenant["nb-tax-ie"] == pytest.approx(
        shared_pool() * 250 / total_weight, abs=0.05
    )
    assert result.by_tenant["nb-upgrade-lab"] == 0


def test_the_shared_platform_is_its_own_line() -> None:
    expected = (
        (
            BASE["nat_gateway_hour"] * HOURS
            + 2 * BASE["interface_endpoint_hour"] * HOURS
            + BASE["nlb_hour"] * HOURS
        )
        * IRELAND
        + BASE["eks_cluster_hour"] * HOURS
        + BASE["kms_key_month"]
    )
    result = estimate()
    assert result.platform == pytest.approx(expected, abs=0.05)
    assert result.total == pytest.approx(sum(result.by_tier.values()), abs=0.05)
    allocated = sum(result.by_tenant.values()) + result.platform
    assert result.total == pytest.approx(allocated, abs=0.1)


def test_a_published_region_uses_the_table_as_is_and_others_are_marked_derived() -> None:
    virginia = price_list("us-east-1")
    ireland = price_list("eu-west-1")
    assert not virginia.derived
    assert virginia.get("ec2_instance_hour", "m7i.large") == BASE["ec2_instance_hour"]["m7i.large"]
    assert ireland.derived
    assert "derived" in ireland.note
    assert ireland.get("nat_gateway_hour") == pytest.approx(BASE["nat_gateway_hour"] * IRELAND)
    assert ireland.get("eks_cluster_hour") == BASE["eks_cluster_hour"]
    with pytest.raises(KeyError, match="no prices for region"):
        price_list("sa-east-1")


def test_the_table_is_dated_and_covers_every_supported_class_and_region() -> None:
    assert TABLE["source"]
    assert TABLE["retrieved"]
    assert set(BASE["rds_postgres_hour"]) == set(RDS_CLASS_MEMORY_GIB)
    assert set(BASE["elasticache_node_hour"]) == set(CACHE_NODE_TYPES)
    for region in REGION_RESIDENCY:
        price_list(region)


@pytest.mark.sample_data
def test_stack_defaults_and_sample_instance_types_have_prices() -> None:
    prices = price_list("us-east-1")
    for path in STACKS.glob("Pulumi.*.yaml"):
        config = load_stack_file(path)
        if config.cluster.mode != "eks":
            continue
        groups = config.cluster.node_groups
        for group in (groups.system, groups.shared, config.dedicated_defaults.node_group):
            for instance_type in group.instance_types:
                assert prices.get("ec2_instance_hour", instance_type), instance_type


def unknown_class() -> None:
    aws.rds.Instance("odd", engine="postgres", instance_class="db.x2g.large", allocated_storage=20)


def test_a_billable_resource_without_a_price_is_named_not_counted_as_free() -> None:
    result = estimate(unknown_class)
    assert result.lines == []
    [missing] = result.unpriced
    assert "odd" in missing
    assert "db.x2g.large" in missing


def test_weights_come_from_the_size_profiles() -> None:
    config = load_stack_file(STACKS / "Pulumi.prod-eu-west-1.yaml")
    weights = tenant_weights(config)
    assert set(weights) == {
        t.slug for t in config.tenants if t.tier == "shared" and t.state == "active"
    }


def templated_node_group() -> None:
    """Instance type and disk size set on the launch template, as the cluster component does."""
    template = aws.ec2.LaunchTemplate(
        "nodes-lt",
        instance_type="m7i.large",
        block_device_mappings=[
            aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name="/dev/xvda",
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(volume_size=80),
            )
        ],
    )
    aws.eks.NodeGroup(
        "nodes",
        cluster_name="c",
        node_role_arn="arn:aws:iam::123456789012:role/nodes",
        subnet_ids=["subnet-1"],
        launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
            id=template.id, version=template.latest_version.apply(str)
        ),
        scaling_config=aws.eks.NodeGroupScalingConfigArgs(desired_size=2, min_size=1, max_size=3),
        tags={"Tier": "platform"},
    )


def test_a_node_group_is_priced_from_its_launch_template() -> None:
    [line] = estimate(templated_node_group).lines
    per_node = BASE["ec2_instance_hour"]["m7i.large"] * HOURS + 80 * BASE["ebs_gp3_gb_month"]
    assert line.monthly == pytest.approx(2 * per_node * IRELAND, abs=0.02)
    assert "80 GB" in line.what


def replicated_file_system() -> None:
    files = aws.efs.FileSystem("files", encrypted=True)
    aws.efs.ReplicationConfiguration(
        "files-replication",
        source_file_system_id=files.id,
        destination=aws.efs.ReplicationConfigurationDestinationArgs(region="us-west-2"),
    )


def test_an_efs_replica_is_priced_as_a_file_system_in_its_own_region() -> None:
    # The replication creates a whole file system in the DR region (CreateReplicationConfiguration)
    # that the program declares no FileSystem for: its storage is billed there, at that region's
    # EFS price, beside the source's.
    result = estimate(replicated_file_system)
    by_name = {line.name: line for line in result.lines}
    oregon = TABLE["regional_factors"]["us-west-2"]["factor"]
    assert by_name["files"].monthly == pytest.approx(50 * BASE["efs_standard_gb_month"] * IRELAND)
    replica = by_name["files-replication"]
    assert replica.monthly == pytest.approx(50 * BASE["efs_standard_gb_month"] * oregon, abs=0.01)
    assert "us-west-2" in replica.what
    assert result.unpriced == []


def replica_in_an_unpriced_region() -> None:
    aws.efs.ReplicationConfiguration(
        "files-replication",
        source_file_system_id="fs-1",
        destination=aws.efs.ReplicationConfigurationDestinationArgs(region="sa-east-1"),
    )


def test_a_replica_in_a_region_without_prices_is_named_not_counted_as_free() -> None:
    [missing] = estimate(replica_in_an_unpriced_region).unpriced
    assert "files-replication" in missing
    assert "sa-east-1" in missing
