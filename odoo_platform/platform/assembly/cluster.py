"""`KubernetesClusterArgs` of the stack: EKS from the landing zone, or an existing cluster."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from odoo_platform.components.cluster import EksSettings, KubernetesClusterArgs
from odoo_platform.config import defaults, lifecycle
from odoo_platform.config.models import EksClusterConfig, PlatformConfig
from odoo_platform.config.tags import base_tags, labels, resource_tags
from odoo_platform.platform.assembly.secrets import stack_secret


def cluster_args(
    config: PlatformConfig,
    *,
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
    node_security_group_id: pulumi.Input[str] | None = None,
    secrets_kms_key_arn: pulumi.Input[str] | None = None,
    logs_kms_key_arn: pulumi.Input[str] | None = None,
    efs_file_system_id: pulumi.Input[str] | None = None,
    kubeconfig: pulumi.Input[str] | None = None,
) -> KubernetesClusterArgs:
    """EKS from the landing zone's outputs, or the existing cluster's secret kubeconfig.

    In existing mode the kubeconfig is read from the secret stack key named by
    `cluster.kubeconfig_secret_key` unless one is passed.
    """
    # An offboarded tenant's node group goes with its workloads.
    dedicated = {
        t.slug: defaults.standby_node_group(
            config, defaults.dedicated_settings(config, t).node_group
        )
        for t in config.tenants
        if t.tier == "dedicated" and lifecycle.runs_workloads(t)
    }
    cluster = config.cluster
    if not isinstance(cluster, EksClusterConfig):
        return KubernetesClusterArgs(
            kubeconfig=kubeconfig or stack_secret(cluster.kubeconfig_secret_key),
            dedicated_node_groups=dedicated,
            efs_file_system_id=efs_file_system_id,
            k8s_labels=labels(config),
        )
    if subnet_ids is None or node_security_group_id is None or secrets_kms_key_arn is None:
        raise ValueError(
            "cluster.mode eks needs subnet_ids, node_security_group_id and "
            "secrets_kms_key_arn (from the landing zone)"
        )
    eks = EksSettings(
        region=config.region,
        subnet_ids=subnet_ids,
        node_security_group_id=node_security_group_id,
        secrets_kms_key_arn=secrets_kms_key_arn,
        kubernetes_version=cluster.kubernetes_version,
        public_endpoint_cidrs=[str(c) for c in cluster.public_endpoint_cidrs],
        admin_role_arns=list(cluster.admin_role_arns),
        system_node_group=defaults.standby_node_group(config, cluster.node_groups.system),
        shared_node_group=defaults.standby_node_group(config, cluster.node_groups.shared),
        instance_tags={**base_tags(config), **resource_tags()},
        logs_kms_key_arn=logs_kms_key_arn,
        log_retention_days=config.landing_zone.log_retention_days,
        cluster_name=cluster.name,
    )
    return KubernetesClusterArgs(
        eks=eks,
        dedicated_node_groups=dedicated,
        efs_file_system_id=efs_file_system_id,
        k8s_labels=labels(config),
    )
