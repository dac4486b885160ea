"""A small platform declared with real provider resource types, for the plan/render/cost tests.

It stands in for the composed platform (which other components provide) and is tagged for the
sample stack `prod-eu-west-1`: shared tenants nb-consulting (size m) and nb-tax-ie (size s), and
the dedicated tenant halden-law. The CLI runs it with `--program tests.synthetic_platform:program`.

The known creation chain (each waits for the one before):
  vpc -> private subnet -> EKS cluster -> Kubernetes provider -> tenant namespace
      -> tenant Secret -> tenant Deployment        (depth 7)
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random

from odoo_platform.components._shared.base import component_type

SHARED_TENANTS = {"nb-consulting": "m", "nb-tax-ie": "s"}
DEDICATED_TENANT = "halden-law"
EXPECTED_DEPTH = 7
SECRET_TEXT = "not-for-git"


def tags(tier: str, tenant: str | None = None) -> dict[str, str]:
    return {"Tier": tier, **({"Tenant": tenant} if tenant else {})}


def labels(tier: str, tenant: str | None = None) -> dict[str, str]:
    return {
        "odoo-platform.io/tier": tier,
        **({"odoo-platform.io/tenant": tenant} if tenant else {}),
    }


class Group(pulumi.ComponentResource):
    def __init__(self, kind: str, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type(kind), name, None, opts)


def child(parent: pulumi.Resource, **extra: object) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **extra)  # type: ignore[arg-type]


def landing_zone() -> tuple[list[aws.ec2.Subnet], Group]:
    zone = Group("LandingZone", "lz")
    aws.kms.Key("lz-key", enable_key_rotation=True, tags=tags("platform"), opts=child(zone))
    vpc = aws.ec2.Vpc("lz-vpc", cidr_block="10.40.0.0/16", tags=tags("platform"), opts=child(zone))
    subnets = [
        aws.ec2.Subnet(
            f"lz-private-{az}",
            vpc_id=vpc.id,
            cidr_block=cidr,
            availability_zone=f"eu-west-1{az}",
            tags=tags("platform"),
            opts=child(zone),
        )
        for az, cidr in (("a", "10.40.0.0/20"), ("b", "10.40.16.0/20"))
    ]
    aws.ec2.NatGateway(
        "lz-nat-a", subnet_id=subnets[0].id, connectivity_type="private", opts=child(zone)
    )
    aws.ec2.VpcEndpoint(
        "lz-ecr-api",
        vpc_id=vpc.id,
        service_name="com.amazonaws.eu-west-1.ecr.api",
        vpc_endpoint_type="Interface",
        subnet_ids=[s.id for s in subnets],
        tags=tags("platform"),
        opts=child(zone),
    )
    return subnets, zone


def cluster(subnets: list[aws.ec2.Subnet]) -> tuple[aws.eks.Cluster, k8s.Provider]:
    group = Group("KubernetesCluster", "eks")
    eks = aws.eks.Cluster(
        "eks-cluster",
        role_arn="arn:aws:iam::123456789012:role/eks",
        vpc_config=aws.eks.ClusterVpcConfigArgs(subnet_ids=[s.id for s in subnets]),
        tags=tags("platform"),
        opts=child(group),
    )
    aws.eks.NodeGroup(
        "eks-shared",
        cluster_name=eks.name,
        node_role_arn="arn:aws:iam::123456789012:role/nodes",
        subnet_ids=[s.id for s in subnets],
        instance_types=["m7i.2xlarge"],
        disk_size=50,
        scaling_config=aws.eks.NodeGroupScalingConfigArgs(desired_size=3, min_size=3, max_size=8),
        tags=tags("shared"),
        opts=child(group),
    )
    kubeconfig = eks.endpoint.apply(lambda e: json.dumps({"clusters": [{"server": e}]}))
    provider = k8s.Provider("eks-k8s", kubeconfig=kubeconfig, opts=child(group))
    return eks, provider


def traefik(provider: k8s.Provider) -> None:
    group = Group("TraefikIngress", "traefik", pulumi.ResourceOptions(providers=[provider]))
    meta = k8s.meta.v1.ObjectMetaArgs
    k8s.apiextensions.v1.CustomResourceDefinition(
        "traefik-crd-ingressroutes",
        metadata=meta(name="ingressroutes.traefik.io", labels=labels("platform")),
        spec={
            "group": "traefik.io",
            "names": {"kind": "IngressRoute", "plural": "ingressroutes"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1alpha1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object"}},
                }
            ],
        },
        opts=child(group),
    )
    namespace = k8s.core.v1.Namespace(
        "traefik-ns", metadata=meta(name="traefik", labels=labels("platform")), opts=child(group)
    )
    k8s.core.v1.Service(
        "traefik-service",
        metadata=meta(name="traefik", namespace=namespace.metadata.name, labels=labels("platform")),
        spec={"type": "LoadBalancer", "ports": [{"name": "websecure", "port": 443}]},
        opts=child(group),
    )


def workload(name: str, tier: str, tenant: str, parent: pulumi.Resource) -> None:
    """A tenant's namespace, its credentials Secret and the Deployment that reads it."""
    meta = k8s.meta.v1.ObjectMetaArgs
    tenant_labels = labels(tier, tenant)
    namespace = k8s.core.v1.Namespace(
        f"{name}-ns", metadata=meta(name=tenant, labels=tenant_labels), opts=child(parent)
    )
    password = random.RandomPassword(f"{name}-db-password", length=32, opts=child(parent))
    secret = k8s.core.v1.Secret(
        f"{name}-db",
        metadata=meta(name="odoo-db", namespace=namespace.metadata.name, labels=tenant_labels),
        string_data={"PASSWORD": password.result, "NOTE": pulumi.Output.secret(SECRET_TEXT)},
        data={"legacy": pulumi.Output.secret("bm90LWZvci1naXQ=")},
        opts=child(parent),
    )
    k8s.apps.v1.Deployment(
        f"{name}-web",
        metadata=meta(name="odoo-web", namespace=namespace.metadata.name, labels=tenant_labels),
        spec={
            "replicas": 2,
            "selector": {"matchLabels": {"app": "odoo-web"}},
            "template": {
                "metadata": {"labels": {"app": "odoo-web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "odoo",
                            "image": "odoo:18.0-20251121",
                            "envFrom": [{"secretRef": {"name": secret.metadata.name}}],
                        }
                    ]
                },
            },
        },
        opts=child(parent),
    )


def multi_tenant_tier(provider: k8s.Provider, subnets: list[aws.ec2.Subnet]) -> None:
    tier = Group("MultiTenantTier", "mt", pulumi.ResourceOptions(providers=[provider]))
    aws.rds.Instance(
        "mt-postgres",
        engine="postgres",
        engine_version="16",
        instance_class="db.m7g.xlarge",
        allocated_storage=200,
        multi_az=True,
        storage_type="gp3",
        tags=tags("shared"),
        opts=child(tier, protect=True),
    )
    aws.elasticache.ReplicationGroup(
        "mt-redis",
        description="shared cache",
        engine="valkey",
        node_type="cache.m7g.large",
        num_cache_clusters=2,
        tags=tags("shared"),
        opts=child(tier),
    )
    aws.efs.FileSystem("mt-files", encrypted=True, tags=tags("shared"), opts=child(tier))
    aws.s3.Bucket("mt-backups", tags=tags("shared"), opts=child(tier, protect=True))
    for slug in SHARED_TENANTS:
        tenant = Group("OdooTenant", slug, child(tier))
        workload(slug, "shared", slug, tenant)


def dedicated_tenant(provider: k8s.Provider, eks: aws.eks.Cluster) -> None:
    slug = DEDICATED_TENANT
    tenant = Group("DedicatedTenant", slug, pulumi.ResourceOptions(providers=[provider]))
    aws.kms.Key(f"{slug}-key", tags=tags("dedicated", slug), opts=child(tenant, protect=True))
    aws.rds.Instance(
        f"{slug}-postgres",
        engine="postgres",
        instance_class="db.m7g.large",
        allocated_storage=100,
        multi_az=True,
        tags=tags("dedicated", slug),
        opts=child(tenant, protect=True),
    )
    aws.eks.NodeGroup(
        f"{slug}-nodes",
        cluster_name=eks.name,
        node_role_arn="arn:aws:iam::123456789012:role/nodes",
        subnet_ids=["subnet-1", "subnet-2"],
        instance_types=["m7i.xlarge"],
        scaling_config=aws.eks.NodeGroupScalingConfigArgs(desired_size=2, min_size=2, max_size=4),
        tags=tags("dedicated", slug),
        opts=child(tenant),
    )
    workload(slug, "dedicated", slug, tenant)


def program() -> None:
    subnets, _ = landing_zone()
    eks, provider = cluster(subnets)
    traefik(provider)
    multi_tenant_tier(provider, subnets)
    dedicated_tenant(provider, eks)


def failing_program() -> None:
    """A platform with a mandatory policy failure: a public, unencrypted database."""
    aws.rds.Instance(
        "public-db",
        engine="postgres",
        instance_class="db.t4g.micro",
        allocated_storage=20,
        publicly_accessible=True,
        storage_encrypted=False,
        tags=tags("platform"),
    )
