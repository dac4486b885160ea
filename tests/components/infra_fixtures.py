"""Shared helpers of the LandingZone and KubernetesCluster tests (kept out of conftest.py).

Configurations are built from a small valid dict that each test changes in one place, then run
under the mocks harness with the landing zone's provider passed to the cluster as the stack does.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
import warnings
from functools import cache
from typing import Any

import pulumi
import pulumi.runtime

from odoo_platform.components.cluster import KubernetesCluster
from odoo_platform.components.landing_zone import LandingZone
from odoo_platform.config import PlatformConfig, parse_platform
from odoo_platform.platform.assembly.cluster import cluster_args
from odoo_platform.platform.assembly.landing_zone import landing_zone_args
from odoo_platform.testing import PlatformMocks, ProgramResult, RecordedResource, run_program

PROVIDER = "pulumi:providers:aws"

BASE: dict[str, Any] = {
    "organisation": "acme-group",
    "owner": "platform@acme.example",
    "cost_centre": "CC-1",
    "environment": "prod",
    "region": "eu-west-1",
    "residency": "eu",
    "tags": {"DataController": "acme-group"},
    "landing_zone": {"vpc_cidr": "10.40.0.0/16", "availability_zones": 3},
    "cluster": {
        "mode": "eks",
        "admin_role_arns": ["arn:aws:iam::111122223333:role/platform-admins"],
    },
    "shared_services": {
        "tls": {
            "mode": "cert-manager",
            "acme_email": "ops@acme.example",
            "route53_zone_id": "Z0123456789ABC",
            "route53_zone_name": "erp.acme.example",
        }
    },
    "disaster_recovery": {"mode": "backup-restore", "dr_region": "eu-central-1"},
    "tenants": [],
}


def tenant(slug: str, tier: str = "dedicated", **extra: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "display_name": slug.title(),
        "tier": tier,
        "image": "odoo:18.0-20251121",
        "hostnames": [f"{slug}.erp.acme.example"],
        "residency": "eu",
        **extra,
    }


def make_config(**changes: Any) -> PlatformConfig:
    """The base configuration with top-level keys replaced (e.g. environment, tenants)."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(changes))
    return parse_platform(data)


class RecordingMocks(PlatformMocks):
    """PlatformMocks that also keep every invoke (token, provider reference)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[pulumi.runtime.MockCallArgs] = []

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        self.calls.append(args)
        return super().call(args)


def cluster_on(config: PlatformConfig, lz: LandingZone) -> KubernetesCluster:
    """KubernetesCluster `k8s` on the landing zone's subnets, key and provider."""
    return KubernetesCluster(
        "k8s",
        cluster_args(
            config,
            subnet_ids=lz.private_subnet_ids,
            node_security_group_id=lz.node_security_group_id,
            secrets_kms_key_arn=lz.kms_key_arns["kubernetes"],
            logs_kms_key_arn=lz.kms_key_arns["logs"],
            efs_file_system_id=lz.efs_file_system_id,
        ),
        opts=pulumi.ResourceOptions(providers=[lz.provider]),
    )


def declare(
    config: PlatformConfig,
    *,
    cluster: bool = True,
    mocks: PlatformMocks | None = None,
    kubeconfig_secret: str | None = None,
) -> ProgramResult:
    """LandingZone `lz` and (optionally) KubernetesCluster `k8s`, wired as the stack wires them."""

    def program() -> None:
        lz = LandingZone("lz", landing_zone_args(config))
        pulumi.export("kms_key_arns", lz.kms_key_arns)
        pulumi.export("node_sg", lz.node_security_group_id)
        pulumi.export("efs_id", lz.efs_file_system_id)
        pulumi.export("azs", lz.availability_zones)
        pulumi.export("database_cidrs", lz.database_cidrs)
        if not cluster:
            return
        k8s = cluster_on(config, lz)
        pulumi.export("kubeconfig", k8s.kubeconfig)
        pulumi.export("oidc_provider_arn", k8s.oidc_provider_arn)
        pulumi.export("oidc_issuer_url", k8s.oidc_issuer_url)
        pulumi.export("node_group_names", k8s.node_group_names)
        pulumi.export("dedicated_node_selectors", k8s.dedicated_node_selectors)
        pulumi.export("dedicated_tolerations", k8s.dedicated_tolerations)

    config_values = {"aws:region": config.region}
    secret_keys = []
    if kubeconfig_secret is not None:
        config_values["odoo-platform:kubeconfig"] = kubeconfig_secret
        secret_keys.append("odoo-platform:kubeconfig")
    return run_program(program, config=config_values, secret_keys=secret_keys, mocks=mocks)


@cache
def aws_resource_class(type_token: str) -> type | None:
    """`aws:ec2/vpc:Vpc` -> `pulumi_aws.ec2.Vpc` (None for providers and unknown tokens)."""
    _, module_path, class_name = type_token.split(":")
    module = module_path.split("/", maxsplit=1)[0]
    try:
        with warnings.catch_warnings():  # importing a module warns about its deprecated classes
            warnings.simplefilter("ignore", DeprecationWarning)
            package = importlib.import_module(f"pulumi_aws.{module}")
            found = getattr(package, class_name, None)
    except ImportError:
        return None
    return found if inspect.isclass(found) else None


def is_taggable(resource: RecordedResource) -> bool:
    """Whether the resource's pulumi-aws class accepts `tags` (read from its signature)."""
    if not resource.custom or not resource.type.startswith("aws:"):
        return False
    cls = aws_resource_class(resource.type)
    assert cls is not None, f"unknown AWS type {resource.type}"
    return "tags" in inspect.signature(cls._internal_init).parameters  # type: ignore[attr-defined]


def provider_default_tags(result: ProgramResult, resource: RecordedResource) -> dict[str, str]:
    """The `default_tags` of the explicit AWS provider the resource was registered with."""
    assert resource.provider, f"{resource.name} uses the ambient default provider"
    provider = result.get(resource.provider)
    assert provider.type == PROVIDER
    raw = provider.inputs.get("defaultTags") or "{}"
    tags = (json.loads(raw) if isinstance(raw, str) else raw).get("tags") or {}
    return dict(tags)


def effective_tags(result: ProgramResult, resource: RecordedResource) -> dict[str, str]:
    return {**provider_default_tags(result, resource), **(resource.inputs.get("tags") or {})}


WORLD = {"0.0.0.0/0", "::/0"}
SECURITY_GROUPS = (
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
)


def _cidrs(rule: dict[str, Any]) -> set[str]:
    keys = ("cidrBlocks", "ipv6CidrBlocks", "cidrIpv4", "cidrIpv6")
    found: set[str] = set()
    for key in keys:
        value = rule.get(key)
        found |= set(value) if isinstance(value, list) else {value} if value else set()
    return found


def open_ingress(result: ProgramResult) -> list[str]:
    """Every ingress rule open to 0.0.0.0/0 or ::/0, as `resource name: cidr`."""
    rules: list[tuple[str, dict[str, Any]]] = []
    for r in result.resources:
        if r.type in SECURITY_GROUPS:
            rules += [(r.name, rule) for rule in r.inputs.get("ingress") or []]
        elif r.type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            rules.append((r.name, r.inputs))
        elif r.type == "aws:ec2/securityGroupRule:SecurityGroupRule":
            rules += [(r.name, r.inputs)] if r.inputs.get("type") == "ingress" else []
    return [f"{name}: {cidr}" for name, rule in rules for cidr in sorted(_cidrs(rule) & WORLD)]
