"""`KubernetesCluster`: an EKS cluster built here, or an existing cluster from a kubeconfig.

Either way the component gives the `kubernetes.Provider` the Kubernetes components use, the gp3
and EFS storage classes, and the node selector and toleration that pin a dedicated tenant's pods
to its own node group (the node groups themselves: `node_groups.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from odoo_platform.components._shared.base import (
    ArgsError,
    AwsRegion,
    Between,
    Matches,
    check_args,
    child_opts,
    component_type,
)
from odoo_platform.components._shared.iam import (
    irsa_trust_policy,
    policy_document,
    service_trust_policy,
)
from odoo_platform.components._shared.k8s import manifest
from odoo_platform.components._shared.network import service_log_group
from odoo_platform.components.node_groups import (
    LABEL_NODE_POOL,
    NodeSettings,
    dedicated_node_selector,
    dedicated_tolerations,
    node_group,
    node_pools,
)
from odoo_platform.config.fields import K8S_VERSION_PATTERN
from odoo_platform.config.services import NodeGroupConfig
from odoo_platform.config.tags import resource_tags

CONTROL_PLANE_LOGS = ("api", "audit", "authenticator")
EKS_NAME_MAX = 100
MANAGED_POLICY = "arn:aws:iam::aws:policy/"
CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly")
CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
# Hop limit 1: pods (one network hop away) cannot reach the node's instance metadata and its
# role; they use IRSA. Host-network daemons (VPC CNI, kube-proxy) are not affected.
DEFAULT_IMDS_HOP_LIMIT = 1


@dataclass(frozen=True)
class IrsaAddon:
    """An EKS add-on whose controller gets its own IAM role through IRSA."""

    addon: str
    service_account: str
    policy: str


# VPC CNI and kube-proxy go in before the nodes (nodes need a network); the others need nodes.
NETWORK_ADDONS = ("vpc-cni", "kube-proxy")
WORKLOAD_ADDONS = ("coredns", "aws-ebs-csi-driver", "aws-efs-csi-driver")
IRSA_ADDONS: dict[str, IrsaAddon] = {
    "vpc-cni": IrsaAddon("vpc-cni", "aws-node", "AmazonEKS_CNI_Policy"),
    "aws-ebs-csi-driver": IrsaAddon(
        "aws-ebs-csi-driver", "ebs-csi-controller-sa", "service-role/AmazonEBSCSIDriverPolicy"
    ),
    "aws-efs-csi-driver": IrsaAddon(
        "aws-efs-csi-driver", "efs-csi-controller-sa", "service-role/AmazonEFSCSIDriverPolicy"
    ),
}
ADDON_CONFIGURATION: dict[str, dict[str, Any]] = {
    # Without this the VPC CNI ignores NetworkPolicy objects: default-deny would be decorative.
    "vpc-cni": {"enableNetworkPolicy": "true"},
}


@dataclass(frozen=True)
class EksSettings:
    """What creating an EKS cluster needs; the ids and ARNs come from the landing zone."""

    region: AwsRegion
    """AWS region of the cluster, written into the kubeconfig the provider uses."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Private subnets of the control plane's network interfaces and of every node group."""
    node_security_group_id: pulumi.Input[str]
    """The landing zone's node security group, added to every node beside the cluster's own
    group."""
    secrets_kms_key_arn: pulumi.Input[str]
    """KMS key that envelope-encrypts Kubernetes Secrets (the landing zone's `kubernetes` key)."""
    kubernetes_version: Annotated[str, Matches(K8S_VERSION_PATTERN, "1.28 to 1.39")] = "1.33"
    """Kubernetes minor version of the control plane (`1.33`); node groups follow it."""
    public_endpoint_cidrs: Sequence[str] = ()
    """CIDRs allowed to reach a public API endpoint; empty: the endpoint is private only."""
    admin_role_arns: Sequence[str] = ()
    """IAM roles given cluster-admin through EKS access entries (the creator gets no hidden admin);
    the role that runs `pulumi up` belongs here."""
    system_node_group: NodeGroupConfig = field(
        default_factory=lambda: NodeGroupConfig(instance_types=["m7i.large"], max_size=3)
    )
    """Size and instance types of the `system` node group (`odoo-platform.io/node-pool=system`):
    where pods that select no pool run, such as the add-ons and the ingress."""
    shared_node_group: NodeGroupConfig = field(default_factory=NodeGroupConfig)
    """Size and instance types of the `shared` node group (`odoo-platform.io/node-pool=shared`),
    which the shared tier's Odoo pods select."""
    instance_tags: Mapping[str, str] = field(default_factory=dict)
    """Tags of the nodes' EC2 instances and volumes (launch template), which the provider's default
    tags do not reach."""
    imds_hop_limit: Annotated[int, Between(1, 64)] = DEFAULT_IMDS_HOP_LIMIT
    """IMDSv2 hop limit of the nodes: 1 keeps pods (one hop away) off the node's instance role; they
    use IRSA."""
    cluster_name: str | None = None
    """EKS cluster name; None: `<component>-eks-<stack>`, known before the cluster exists (its log
    group is named after it)."""
    logs_kms_key_arn: pulumi.Input[str] | None = None
    """KMS key of the control-plane log group (a logs key); None: AWS-owned encryption."""
    log_retention_days: int = 90
    """Days the control-plane logs (api, audit, authenticator) are kept."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class KubernetesClusterArgs:
    """Exactly one of `eks` (create a cluster) or `kubeconfig` (use an existing one).

    `dedicated_node_groups` maps a dedicated tenant's slug to its node group: created in EKS
    mode; in existing-cluster mode only the selectors and tolerations are derived (the operator
    labels and taints those nodes).
    """

    eks: EksSettings | None = None
    """Create an EKS cluster with these settings; set exactly one of `eks` and `kubeconfig`."""
    kubeconfig: pulumi.Input[str] | None = None
    """Kubeconfig of an existing cluster (a secret); set exactly one of `eks` and `kubeconfig`."""
    dedicated_node_groups: Mapping[str, NodeGroupConfig] = field(default_factory=dict)
    """Dedicated tenant slug -> its node group (label and taint
    `odoo-platform.io/dedicated=<slug>`): created in EKS mode; with a kubeconfig only the
    selectors and tolerations are derived."""
    efs_file_system_id: pulumi.Input[str] | None = None
    """EFS of the `efs_storage_class_name` class (access point per claim, reclaim `Retain`); None:
    no EFS class."""
    gp3_storage_class_name: str = "gp3"
    """Name of the default StorageClass: encrypted gp3 EBS volumes through the EBS CSI driver."""
    efs_storage_class_name: str = "efs-filestore"
    """Name of the EFS StorageClass for RWX filestores (only with `efs_file_system_id`)."""
    k8s_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels of the Kubernetes objects declared here (owner, cost centre, environment)."""

    def __post_init__(self) -> None:
        check_args(self)
        if (self.eks is None) == (self.kubeconfig is None):
            raise ArgsError(type(self).__name__, ["eks, kubeconfig: set exactly one of them"])


def eks_cluster_name(stack: str, name: str) -> str:
    """`<name>-<stack>` as an EKS name (letters, digits, `-`, `_`; at most 100 characters)."""
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", f"{name}-{stack}").strip("-_")
    return text[:EKS_NAME_MAX].rstrip("-_")


def _resource_suffix(arn: str) -> str:
    """`arn:aws:iam::111122223333:role/team/admins` -> `111122223333-team-admins`."""
    account, resource = arn.split(":")[4], arn.split(":", 5)[5].removeprefix("role/")
    return re.sub(r"[^A-Za-z0-9-]+", "-", f"{account}-{resource}").strip("-").lower()


class KubernetesCluster(pulumi.ComponentResource):
    """EKS control plane, node groups, IRSA, add-ons and storage classes; or an existing cluster."""

    provider: k8s.Provider
    kubeconfig: pulumi.Output[str]
    cluster_name: pulumi.Output[str] | None
    oidc_provider_arn: pulumi.Output[str] | None
    oidc_issuer_url: pulumi.Output[str] | None
    cluster_security_group_id: pulumi.Output[str] | None
    node_role_arn: pulumi.Output[str] | None
    node_group_names: dict[str, pulumi.Output[str]]
    dedicated_node_group_names: dict[str, pulumi.Output[str]]
    dedicated_node_selectors: dict[str, dict[str, str]]
    dedicated_tolerations: dict[str, list[dict[str, str]]]
    shared_node_selector: dict[str, str]
    gp3_storage_class_name: str
    efs_storage_class_name: str | None

    def __init__(
        self, name: str, args: KubernetesClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("KubernetesCluster"), name, None, opts)
        self._name, self._args = name, args
        self._tags = resource_tags()
        self.dedicated_node_selectors = {
            slug: dedicated_node_selector(slug) for slug in args.dedicated_node_groups
        }
        self.dedicated_tolerations = {
            slug: dedicated_tolerations(slug) for slug in args.dedicated_node_groups
        }
        self.shared_node_selector = {LABEL_NODE_POOL: "shared"}
        self.cluster_name = self.oidc_provider_arn = self.oidc_issuer_url = None
        self.cluster_security_group_id = self.node_role_arn = None
        self.node_group_names, self.dedicated_node_group_names = {}, {}
        # Kubernetes objects wait for schedulable nodes and their add-ons (Helm waits otherwise
        # time out on a fresh cluster).
        self._nodes_ready: list[pulumi.Resource] = []
        if args.eks is not None:
            source = self._create_eks(args.eks)
        else:
            assert args.kubeconfig is not None  # KubernetesClusterArgs: exactly one mode
            source = pulumi.Output.from_input(args.kubeconfig)
        self.kubeconfig = pulumi.Output.secret(source)
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=self.kubeconfig,
            enable_server_side_apply=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=self._nodes_ready),
        )
        self._storage_classes()
        self.register_outputs(
            {
                "kubeconfig": self.kubeconfig,
                "cluster_name": self.cluster_name,
                "oidc_provider_arn": self.oidc_provider_arn,
                "oidc_issuer_url": self.oidc_issuer_url,
                "node_group_names": self.node_group_names,
                "gp3_storage_class_name": self.gp3_storage_class_name,
                "efs_storage_class_name": self.efs_storage_class_name,
            }
        )

    # --- EKS mode -------------------------------------------------------------------------

    def _create_eks(self, eks: EksSettings) -> pulumi.Output[str]:
        name = self._name
        cluster_role = self._role(
            "cluster", service_trust_policy("eks.amazonaws.com", tag_session=True), CLUSTER_POLICIES
        )
        aws.iam.RolePolicy(
            f"{name}-cluster-secrets-key",
            role=cluster_role.id,
            policy=pulumi.Output.json_dumps(
                policy_document(
                    {
                        "Effect": "Allow",
                        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
                        "Resource": eks.secrets_kms_key_arn,
                    }
                )
            ),
            opts=child_opts(self),
        )
        public = bool(eks.public_endpoint_cidrs)
        cluster_name = eks.cluster_name or eks_cluster_name(pulumi.get_stack(), f"{name}-eks")
        # Declared first: EKS would otherwise create it with no expiry and no key.
        log_group = service_log_group(
            self,
            f"{name}-control-plane-logs",
            f"/aws/eks/{cluster_name}/cluster",
            retention_days=eks.log_retention_days,
            kms_key_arn=eks.logs_kms_key_arn,
            tags=self._tags,
        )
        cluster = aws.eks.Cluster(
            f"{name}-eks",
            name=cluster_name,
            version=eks.kubernetes_version,
            role_arn=cluster_role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=eks.subnet_ids,
                endpoint_private_access=True,
                endpoint_public_access=public,
                public_access_cidrs=list(eks.public_endpoint_cidrs) if public else None,
            ),
            # The creator is not made a hidden, permanent admin: administrators (the role that
            # runs `pulumi up` among them) are the explicit access entries of admin_role_arns.
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API",
                bootstrap_cluster_creator_admin_permissions=False,
            ),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(
                    key_arn=eks.secrets_kms_key_arn
                ),
                resources=["secrets"],
            ),
            enabled_cluster_log_types=list(CONTROL_PLANE_LOGS),
            tags=self._tags,
            opts=child_opts(self, depends_on=[log_group]),
        )
        self.cluster_name = cluster.name
        self.cluster_security_group_id = cluster.vpc_config.cluster_security_group_id
        self.oidc_issuer_url = cluster.identities.apply(_oidc_issuer)
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc",
            url=self.oidc_issuer_url,
            client_id_lists=["sts.amazonaws.com"],
            tags=self._tags,
            opts=child_opts(self),
        )
        self.oidc_provider_arn = oidc.arn
        self._access_entries(cluster, eks.admin_role_arns)
        network_addons = [self._addon(cluster, addon, []) for addon in NETWORK_ADDONS]
        node_groups = self._node_groups(cluster, eks, network_addons)
        workload_addons = [self._addon(cluster, addon, node_groups) for addon in WORKLOAD_ADDONS]
        self._nodes_ready = [*node_groups, *workload_addons]
        return pulumi.Output.all(
            cluster.name, cluster.endpoint, cluster.certificate_authority.data
        ).apply(lambda values: _kubeconfig(*values, region=eks.region))

    def _role(self, suffix: str, trust: pulumi.Input[str], policies: Sequence[str]) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{self._name}-{suffix}-role",
            assume_role_policy=trust,
            tags=self._tags,
            opts=child_opts(self),
        )
        for policy in policies:
            aws.iam.RolePolicyAttachment(
                f"{self._name}-{suffix}-{policy.rsplit('/', 1)[-1]}",
                role=role.id,  # an IAM role's id is its name
                policy_arn=MANAGED_POLICY + policy,
                opts=child_opts(self),
            )
        return role

    def _access_entries(self, cluster: aws.eks.Cluster, role_arns: Sequence[str]) -> None:
        """Cluster administrators through EKS access entries (the aws-auth ConfigMap is unused)."""
        for arn in role_arns:
            suffix = f"admin-{_resource_suffix(arn)}"
            entry = aws.eks.AccessEntry(
                f"{self._name}-{suffix}",
                cluster_name=cluster.name,
                principal_arn=arn,
                type="STANDARD",
                tags=self._tags,
                opts=child_opts(self),
            )
            aws.eks.AccessPolicyAssociation(
                f"{self._name}-{suffix}-policy",
                cluster_name=cluster.name,
                principal_arn=arn,
                policy_arn=CLUSTER_ADMIN_POLICY,
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                opts=child_opts(self, depends_on=[entry]),
            )

    def _addon(
        self, cluster: aws.eks.Cluster, addon: str, after: Sequence[pulumi.Resource]
    ) -> aws.eks.Addon:
        irsa = IRSA_ADDONS.get(addon)
        role_arn = None
        if irsa is not None:
            assert self.oidc_provider_arn is not None and self.oidc_issuer_url is not None
            trust = irsa_trust_policy(
                self.oidc_provider_arn, self.oidc_issuer_url, "kube-system", irsa.service_account
            )
            role_arn = self._role(f"addon-{addon}", trust, [irsa.policy]).arn
        configuration = ADDON_CONFIGURATION.get(addon)
        return aws.eks.Addon(
            f"{self._name}-addon-{addon}",
            cluster_name=cluster.name,
            addon_name=addon,
            service_account_role_arn=role_arn,
            configuration_values=json.dumps(configuration) if configuration else None,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            tags=self._tags,
            opts=child_opts(self, depends_on=list(after)),
        )

    def _node_groups(
        self,
        cluster: aws.eks.Cluster,
        eks: EksSettings,
        after: Sequence[pulumi.Resource],
    ) -> list[aws.eks.NodeGroup]:
        node_role = self._role(
            "node", service_trust_policy("ec2.amazonaws.com", tag_session=True), NODE_POLICIES
        )
        self.node_role_arn = node_role.arn
        nodes = NodeSettings(
            cluster=cluster,
            node_role=node_role,
            subnet_ids=eks.subnet_ids,
            security_group_ids=[
                cluster.vpc_config.cluster_security_group_id,
                eks.node_security_group_id,
            ],
            instance_tags=eks.instance_tags,
            imds_hop_limit=eks.imds_hop_limit,
            after=after,
        )
        pools = node_pools(
            eks.system_node_group, eks.shared_node_group, self._args.dedicated_node_groups
        )
        groups = []
        for pool in pools:
            group = node_group(self, self._name, pool, nodes)
            self.node_group_names[pool.key] = group.node_group_name
            if pool.tenant is not None:
                self.dedicated_node_group_names[pool.tenant] = group.node_group_name
            groups.append(group)
        return groups

    # --- both modes ----------------------------------------------------------------------

    def _storage_classes(self) -> None:
        """gp3 (default, encrypted) for block volumes; EFS access points (RWX) for filestores."""
        args = self._args
        opts = child_opts(self, provider=self.provider)
        k8s.storage.v1.StorageClass(
            f"{self._name}-gp3",
            metadata=manifest(
                {
                    "name": args.gp3_storage_class_name,
                    "labels": dict(args.k8s_labels),
                    "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
                }
            ),
            provisioner="ebs.csi.aws.com",
            parameters={"type": "gp3", "encrypted": "true", "csi.storage.k8s.io/fstype": "ext4"},
            reclaim_policy="Delete",
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
            opts=opts,
        )
        self.gp3_storage_class_name = args.gp3_storage_class_name
        self.efs_storage_class_name = None
        if args.efs_file_system_id is None:
            return
        k8s.storage.v1.StorageClass(
            f"{self._name}-efs",
            metadata=manifest(
                {"name": args.efs_storage_class_name, "labels": dict(args.k8s_labels)}
            ),
            provisioner="efs.csi.aws.com",
            parameters={
                "provisioningMode": "efs-ap",
                "fileSystemId": args.efs_file_system_id,
                "directoryPerms": "700",
                "basePath": "/dynamic",
                "ensureUniqueDirectory": "true",
            },
            # Filestores outlive their claims: deleting a PVC must not delete a tenant's files.
            reclaim_policy="Retain",
            volume_binding_mode="Immediate",
            opts=opts,
        )
        self.efs_storage_class_name = args.efs_storage_class_name


def _oidc_issuer(identities: Sequence[aws.eks.outputs.ClusterIdentity]) -> str:
    oidcs = identities[0].oidcs or []
    if not oidcs or not oidcs[0].issuer:
        raise ValueError("the EKS cluster reports no OIDC issuer")
    return oidcs[0].issuer


def _kubeconfig(cluster_name: str, endpoint: str, ca_data: str, *, region: str) -> str:
    """A kubeconfig that authenticates with `aws eks get-token` (no long-lived credentials)."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": cluster_name,
                    "cluster": {"server": endpoint, "certificate-authority-data": ca_data},
                }
            ],
            "contexts": [
                {"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}
            ],
            "current-context": cluster_name,
            "users": [
                {
                    "name": cluster_name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": [
                                "eks",
                                "get-token",
                                "--cluster-name",
                                cluster_name,
                                "--region",
                                region,
                                "--output",
                                "json",
                            ],
                            "interactiveMode": "Never",
                        }
                    },
                }
            ],
        }
    )
