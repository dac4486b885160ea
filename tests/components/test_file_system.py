"""The filestore's EFS: replicated to the DR region on a warm standby's primary, and mounted
there by the standby on the replica it does not own (issue 17)."""

from __future__ import annotations

from odoo_platform.components.file_system import (
    FileSystem,
    FileSystemArgs,
    FileSystemReplication,
    ReplicatedFileSystem,
    ReplicatedFileSystemArgs,
)
from odoo_platform.testing import run_program

KMS = "arn:aws:kms:eu-west-1:123456789012:key/data"
DR_KMS = "arn:aws:kms:eu-central-1:123456789012:key/dr-data"
NETWORK = {"vpc_id": "vpc-0123", "nodes_security_group_id": "sg-0nodes"}
SUBNETS = ["subnet-a", "subnet-b"]
REPLICATION = "aws:efs/replicationConfiguration:ReplicationConfiguration"


def test_a_replicated_file_system_replicates_to_the_dr_region_with_the_dr_key():
    found: dict[str, object] = {}

    def program() -> None:
        efs = FileSystem(
            "efs",
            FileSystemArgs(
                subnet_ids=SUBNETS,
                kms_key_arn=KMS,
                protect=True,
                replication=FileSystemReplication(region="eu-central-1", kms_key_arn=DR_KMS),
                **NETWORK,
            ),
        )
        assert efs.replica_file_system_id is not None
        efs.replica_file_system_id.apply(lambda v: found.setdefault("replica", v))

    result = run_program(program)
    source = result.named("efs", "aws:efs/fileSystem:FileSystem")
    replication = result.named("efs-replication", REPLICATION)
    assert replication.inputs["sourceFileSystemId"] == source.id
    destination = replication.inputs["destination"]
    assert destination["region"] == "eu-central-1"
    assert destination["kmsKeyId"] == DR_KMS
    # A new destination, created by EFS: the standby owns none that this stack would need.
    assert "fileSystemId" not in destination
    assert replication.protect  # a config change cannot silently stop the replication
    assert found["replica"] == replication.outputs["destination"]["fileSystemId"]
    assert found["replica"] != source.id


def test_an_unreplicated_file_system_declares_no_replication():
    def program() -> None:
        efs = FileSystem("efs", FileSystemArgs(subnet_ids=SUBNETS, kms_key_arn=KMS, **NETWORK))
        assert efs.replica_file_system_id is None

    result = run_program(program)
    assert not [r for r in result.resources if r.type == REPLICATION]


def test_the_standby_mounts_the_replica_without_a_file_system_of_its_own():
    def program() -> None:
        ReplicatedFileSystem(
            "efs",
            ReplicatedFileSystemArgs(file_system_id="fs-replica", subnet_ids=SUBNETS, **NETWORK),
        )

    result = run_program(program)
    assert not [r for r in result.resources if r.type == "aws:efs/fileSystem:FileSystem"]
    targets = [r for r in result.resources if r.type == "aws:efs/mountTarget:MountTarget"]
    assert sorted(t.inputs["subnetId"] for t in targets) == SUBNETS
    assert {t.inputs["fileSystemId"] for t in targets} == {"fs-replica"}
    group = next(r for r in result.resources if r.type == "aws:ec2/securityGroup:SecurityGroup")
    assert {tuple(t.inputs["securityGroups"]) for t in targets} == {(group.id,)}
