"""Compliant sample properties for every resource kind the rules read, and a way to break them.

Every sample passes every rule under the prod context (test_policies_rules asserts it), so a
failing case is a sample with one deliberate change.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from odoo_platform.policies import ResourceView, StackContext, StackFacts, TenantFacts

DROP = object()  # edit() value that deletes the key

TAGS = {
    "Owner": "platform-team",
    "CostCentre": "cc-42",
    "Environment": "prod",
    "ManagedBy": "pulumi",
}
KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

PROD = StackContext(
    environment="prod",
    region="eu-west-1",
    facts=StackFacts(
        residency_zone="eu",
        tenants=(
            TenantFacts("acme", "shared", regulated=False, residency="eu"),
            TenantFacts("bank", "dedicated", regulated=True, residency="eu"),
        ),
    ),
)
DEV = StackContext(environment="dev", region="eu-west-1", facts=PROD.facts)


def edit(
    base: Mapping[str, Any], changes: Mapping[str | tuple[str, ...], object]
) -> dict[str, Any]:
    """A deep copy of base with paths set to values, or removed with DROP.

    A path is dotted ("spec.containers.0.image"), or a tuple when a key holds dots (labels).
    """
    result: dict[str, Any] = copy.deepcopy(dict(base))
    for path, value in changes.items():
        *parents, last = path.split(".") if isinstance(path, str) else path
        node: Any = result
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        slot: Any = int(last) if isinstance(node, list) else last
        if value is DROP:
            del node[slot]
        else:
            node[slot] = value
    return result


def view(
    type_: str, props: Mapping[str, Any], name: str = "sample", ctx: StackContext = PROD
) -> ResourceView:
    return ResourceView(
        type_, f"urn:pulumi:prod-eu-west-1::odoo-platform::{type_}::{name}", props, ctx
    )


# --- AWS -----------------------------------------------------------------------------------

RDS_TYPE = "aws:rds/instance:Instance"
RDS = {
    "engine": "postgres",
    "storageEncrypted": True,
    "kmsKeyId": KEY_ARN,
    "publiclyAccessible": False,
    "multiAz": True,
    "deletionProtection": True,
    "backupRetentionPeriod": 14,
    "tags": TAGS,
}
PAB_TYPE = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
PAB = {
    "bucket": "acme-backups",
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}
BUCKET_V2_TYPE = "aws:s3/bucketV2:BucketV2"


def literal(resource: ResourceView) -> ResourceView:
    """The resource as the engine records it when every property is a literal value."""
    return replace(resource, property_dependencies={key: () for key in resource.props})


def public_access_block_for(bucket: ResourceView) -> ResourceView:
    """A compliant block declared with `bucket=<bucket>.id`: `bucket` depends on the bucket."""
    block = literal(view(PAB_TYPE, PAB, f"{bucket.name}-public-access", ctx=bucket.context))
    return replace(
        block, property_dependencies={**block.property_dependencies, "bucket": (bucket.urn,)}
    )


SSE_TYPE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SSE = {
    "bucket": "acme-backups",
    "rules": [
        {
            "applyServerSideEncryptionByDefault": {
                "sseAlgorithm": "aws:kms",
                "kmsMasterKeyId": KEY_ARN,
            },
            "bucketKeyEnabled": True,
        }
    ],
}
VERSIONING_TYPE = "aws:s3/bucketVersioning:BucketVersioning"
VERSIONING = {"bucket": "acme-backups", "versioningConfiguration": {"status": "Enabled"}}
POLICY_TYPE = "aws:s3/bucketPolicy:BucketPolicy"
TLS_STATEMENT = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::acme-backups", "arn:aws:s3:::acme-backups/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
BUCKET_POLICY = {
    "bucket": "acme-backups",
    "policy": json.dumps({"Version": "2012-10-17", "Statement": [TLS_STATEMENT]}),
}
BUCKET_TYPE = "aws:s3/bucket:Bucket"
BACKUP_BUCKET = {
    "bucket": "acme-backups",
    "objectLockEnabled": True,
    "tags": {**TAGS, "Purpose": "backups"},
}
KMS_TYPE = "aws:kms/key:Key"
KMS = {"description": "platform data", "enableKeyRotation": True, "tags": TAGS}
CACHE_TYPE = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE = {
    "engine": "valkey",
    "atRestEncryptionEnabled": True,
    "transitEncryptionEnabled": True,
    "userGroupIds": ["platform-users"],
    "tags": TAGS,
}
CACHE_USER_TYPE = "aws:elasticache/user:User"
CACHE_DEFAULT_USER = {
    "userId": "platform-default",
    "userName": "default",
    "accessString": "off -@all",
    "engine": "valkey",
    "tags": TAGS,
}
EKS_TYPE = "aws:eks/cluster:Cluster"
EKS = {
    "vpcConfig": {
        "endpointPrivateAccess": True,
        "endpointPublicAccess": False,
        "subnetIds": ["s-1"],
    },
    "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": KEY_ARN}},
    "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager"],
    "tags": TAGS,
}
LAUNCH_TEMPLATE_TYPE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_TEMPLATE = {
    "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2},
    "tags": TAGS,
}
SG_TYPE = "aws:ec2/securityGroup:SecurityGroup"
SG = {
    "ingress": [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
        {"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["10.0.0.0/16"]},
    ],
    "egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}],
    "tags": TAGS,
}
SG_RULE_TYPE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_RULE = {
    "type": "ingress",
    "protocol": "tcp",
    "fromPort": 443,
    "toPort": 443,
    "cidrBlocks": ["0.0.0.0/0"],
    "securityGroupId": "sg-1",
}
INGRESS_RULE_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
INGRESS_RULE = {
    "ipProtocol": "tcp",
    "fromPort": 443,
    "toPort": 443,
    "cidrIpv6": "::/0",
    "tags": TAGS,
}

# --- Kubernetes ----------------------------------------------------------------------------

DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment"
CRONJOB_TYPE = "kubernetes:batch/v1:CronJob"
NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"
NETPOL_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
QUOTA_TYPE = "kubernetes:core/v1:ResourceQuota"
LIMITS_TYPE = "kubernetes:core/v1:LimitRange"
PDB_TYPE = "kubernetes:policy/v1:PodDisruptionBudget"

TENANT_LABELS = {"odoo-platform.io/tenant": "acme"}
WEB_LABELS = {
    "app.kubernetes.io/name": "odoo",
    "app.kubernetes.io/component": "web",
    **TENANT_LABELS,
}
CRON_LABELS = {
    "app.kubernetes.io/name": "odoo",
    "app.kubernetes.io/component": "cron",
    **TENANT_LABELS,
}
RESOURCES = {
    "requests": {"cpu": "250m", "memory": "1536Mi"},
    "limits": {"cpu": "1", "memory": "2560Mi"},
}
CONTAINER_SECURITY = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
HEALTH = {"httpGet": {"path": "/web/health", "port": 8069}}


def odoo_container(**extra: Any) -> dict[str, Any]:
    return {
        "name": "odoo",
        "image": "odoo:18.0-20250101",
        "securityContext": CONTAINER_SECURITY,
        "resources": RESOURCES,
        **extra,
    }


def pod_spec(*containers: dict[str, Any]) -> dict[str, Any]:
    return {
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 101,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": list(containers),
        "volumes": [
            {"name": "filestore", "persistentVolumeClaim": {"claimName": "acme-filestore"}},
            {"name": "config", "secret": {"secretName": "acme-odoo-conf"}},
        ],
    }


WEB_POD = pod_spec(odoo_container(livenessProbe=HEALTH, readinessProbe=HEALTH))
WEB = {
    "metadata": {"name": "acme-web", "namespace": "acme", "labels": WEB_LABELS},
    "spec": {
        "replicas": 2,
        "selector": {
            "matchLabels": {"app.kubernetes.io/name": "odoo", "app.kubernetes.io/component": "web"}
        },
        "template": {"metadata": {"labels": WEB_LABELS}, "spec": WEB_POD},
    },
}
CRON_LIVENESS = {"exec": {"command": ["pgrep", "-f", "odoo"]}}
CRON = {
    "metadata": {"name": "acme-cron", "namespace": "acme", "labels": CRON_LABELS},
    "spec": {
        "replicas": 1,
        "template": {
            "metadata": {"labels": CRON_LABELS},
            "spec": pod_spec(odoo_container(livenessProbe=CRON_LIVENESS)),
        },
    },
}
BACKUP_JOB = {
    "metadata": {"name": "acme-backup", "namespace": "acme", "labels": TENANT_LABELS},
    "spec": {
        "schedule": "15 2 * * *",
        "jobTemplate": {
            "spec": {
                "template": {
                    "spec": {
                        **pod_spec(odoo_container(name="dump", image="postgres:16.4")),
                        "restartPolicy": "OnFailure",
                    }
                }
            }
        },
    },
}
NAMESPACE = {
    "metadata": {
        "name": "acme",
        "labels": {**TENANT_LABELS, "pod-security.kubernetes.io/enforce": "restricted"},
    }
}
DEFAULT_DENY = {
    "metadata": {"name": "default-deny", "namespace": "acme"},
    "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
}
QUOTA = {
    "metadata": {"name": "quota", "namespace": "acme"},
    "spec": {"hard": {"limits.memory": "8Gi"}},
}
LIMITS = {
    "metadata": {"name": "limits", "namespace": "acme"},
    "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "512Mi"}}]},
}
PDB = {
    "metadata": {"name": "acme-web", "namespace": "acme"},
    "spec": {
        "maxUnavailable": 1,
        "selector": {
            "matchLabels": {"app.kubernetes.io/name": "odoo", "app.kubernetes.io/component": "web"}
        },
    },
}

TENANT_NAMESPACE = (
    view(NAMESPACE_TYPE, NAMESPACE, "acme"),
    view(NETPOL_TYPE, DEFAULT_DENY, "acme-default-deny"),
    view(QUOTA_TYPE, QUOTA, "acme-quota"),
    view(LIMITS_TYPE, LIMITS, "acme-limits"),
)


def compliant_stack() -> list[ResourceView]:
    """One compliant sample of every kind, declared in a prod stack."""
    aws = [
        (RDS_TYPE, RDS),
        (SSE_TYPE, SSE),
        (VERSIONING_TYPE, VERSIONING),
        (POLICY_TYPE, BUCKET_POLICY),
        (KMS_TYPE, KMS),
        (CACHE_TYPE, CACHE),
        (CACHE_USER_TYPE, CACHE_DEFAULT_USER),
        (EKS_TYPE, EKS),
        (LAUNCH_TEMPLATE_TYPE, LAUNCH_TEMPLATE),
        (SG_TYPE, SG),
        (SG_RULE_TYPE, SG_RULE),
        (INGRESS_RULE_TYPE, INGRESS_RULE),
    ]
    kubernetes = [
        view(DEPLOYMENT_TYPE, WEB, "acme-web"),
        view(DEPLOYMENT_TYPE, CRON, "acme-cron"),
        view(CRONJOB_TYPE, BACKUP_JOB, "acme-backup"),
        view(PDB_TYPE, PDB, "acme-web-pdb"),
    ]
    bucket = literal(view(BUCKET_TYPE, BACKUP_BUCKET, "acme-backups"))
    return (
        [view(t, p, t.rsplit(":", 1)[1].lower()) for t, p in aws]
        + [bucket, public_access_block_for(bucket)]
        + list(TENANT_NAMESPACE)
        + kubernetes
    )
