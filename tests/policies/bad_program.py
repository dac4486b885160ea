"""A deliberately non-compliant Pulumi program: the stack's first tenant deployed the naive way.

Config validation cannot catch any of this (it never sees raw resources), so it shows the policy
rules doing their job. Run it against a valid stack file:

    odoo-platform policies --config-file tests/policies/bad-stack/Pulumi.prod-eu-west-1.yaml \
        --program tests.policies.bad_program:main

Each resource breaks the rules named in EXPECTED_MANDATORY; the workload also misses what the
advisory rules look for (EXPECTED_ADVISORY).
"""

from __future__ import annotations

import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random

from odoo_platform.config.catalog import LABEL_TENANT, TAG_TENANT
from odoo_platform.platform.program import load_config

EXPECTED_MANDATORY = {
    "rds-storage-encrypted",
    "rds-not-publicly-accessible",
    "rds-multi-az-prod",
    "rds-deletion-protection-prod",
    "rds-backup-retention",
    "s3-public-access-blocked",
    "s3-bucket-has-public-access-block",
    "s3-backup-object-lock-prod",
    "kms-key-rotation",
    "security-group-no-world-ingress",
    "k8s-pod-host-isolation",
    "k8s-pod-security-restricted",
    "k8s-container-resources",
    "k8s-image-pinned",
    "k8s-tenant-namespace-pss-enforced",
    "k8s-tenant-namespace-guardrails",
}
EXPECTED_ADVISORY = {"k8s-odoo-web-probes", "k8s-pdb-for-replicated-workloads"}
UNTAGGED_KEY = "lax-unowned-key"  # a platform resource: its findings group under "platform"


def main() -> None:
    slug = load_config().tenants[0].slug
    tags = {TAG_TENANT: slug, "Tier": "shared"}
    database(slug, tags)
    buckets(slug, tags)
    aws.kms.Key(UNTAGGED_KEY, description="no rotation", enable_key_rotation=False)
    workload(slug)


def database(slug: str, tags: dict[str, str]) -> None:
    world_open = aws.ec2.SecurityGroup(
        f"{slug}-db-sg",
        description="PostgreSQL for everyone",
        vpc_id="vpc-0bad0000000000000",
        ingress=[
            aws.ec2.SecurityGroupIngressArgs(
                protocol="tcp", from_port=5432, to_port=5432, cidr_blocks=["0.0.0.0/0"]
            )
        ],
        tags=tags,
    )
    password = random.RandomPassword(f"{slug}-db-password", length=24, special=False)
    aws.rds.Instance(
        f"{slug}-db",
        engine="postgres",
        engine_version="16",
        instance_class="db.m7g.large",
        allocated_storage=100,
        username="odoo",
        password=password.result,
        storage_encrypted=False,
        publicly_accessible=True,
        multi_az=False,
        deletion_protection=False,
        backup_retention_period=0,
        skip_final_snapshot=True,
        vpc_security_group_ids=[world_open.id],
        tags=tags,
    )


def buckets(slug: str, tags: dict[str, str]) -> None:
    backups = aws.s3.Bucket(f"{slug}-backups", tags={**tags, "Purpose": "backups"})
    aws.s3.BucketPublicAccessBlock(
        f"{slug}-backups-public-access",
        bucket=backups.id,
        block_public_acls=True,
        block_public_policy=False,
        ignore_public_acls=True,
        restrict_public_buckets=False,
    )
    # No public access block at all: only the property dependencies reveal it.
    aws.s3.Bucket(f"{slug}-exports", tags=tags)


def workload(slug: str) -> None:
    labels = {LABEL_TENANT: slug}
    namespace = k8s.core.v1.Namespace(
        f"{slug}-ns", metadata={"name": slug, "labels": labels}
    )  # no pod-security label, no default-deny NetworkPolicy, no quota, no limit range
    pod_labels = {**labels, "app.kubernetes.io/component": "web"}
    k8s.apps.v1.Deployment(
        f"{slug}-web",
        metadata={"name": "odoo-web", "namespace": namespace.metadata.name, "labels": labels},
        spec={
            "replicas": 2,
            "selector": {"matchLabels": pod_labels},
            "template": {
                "metadata": {"labels": pod_labels},
                "spec": {
                    "containers": [
                        {
                            "name": "odoo",
                            "image": "odoo:latest",
                            "ports": [{"containerPort": 8069}],
                            "securityContext": {"privileged": True},
                        }
                    ]
                },
            },
        },
    )
