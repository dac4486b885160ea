"""KubernetesCluster under mocks: EKS mode with the landing zone, and existing-cluster mode."""

from __future__ import annotations

import json
from typing import Any

import kubernetes_validate
import pytest

from odoo_platform.components.cluster import (
    IRSA_ADDONS,
    EksSettings,
    KubernetesClusterArgs,
)
from odoo_platform.config.catalog import BASE_TAG_KEYS, LABEL_DEDICATED, TAG_TENANT, TAG_TIER
from odoo_platform.platform.assembly.cluster import cluster_args
from odoo_platform.testing import ProgramResult, RecordedResource
from tests.components.infra_fixtures import (
    declare,
    effective_tags,
    is_taggable,
    make_config,
    open_ingress,
    tenant,
)

CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ADDON = "aws:eks/addon:Addon"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"
K8S_PROVIDER = "pulumi:providers:kubernetes"
KUBECONFIG = json.dumps({"apiVersion": "v1", "kind": "Config", "clusters": []})
TENANTS = [
    tenant("alpha-law", tier="shared"),
    tenant("beta-audit", regulated=True),
    tenant("gamma-tax", dedicated={"node_group": {"instance_types": ["r7i.xlarge"]}}),
]


@pytest.fixture(scope="module")
def prod() -> ProgramResult:
    return declare(make_config(tenants=TENANTS))


@pytest.fixture(scope="module")
def existing() -> ProgramResult:
    config = make_config(
        environment="dev",
        landing_zone={"availability_zones": 2},
        cluster={
            "mode": "existing",
            "oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/oidc.example/id/A1",
            "oidc_issuer_url": "https://oidc.example/id/A1",
        },
        tenants=TENANTS,
    )
    return declare(config, kubeconfig_secret=KUBECONFIG)


def component(result: ProgramResult) -> RecordedResource:
    return result.named("k8s", "odoo-platform:index:KubernetesCluster")


def cluster(result: ProgramResult) -> RecordedResource:
    return result.named("k8s-eks", CLUSTER)


def node_groups(result: ProgramResult) -> dict[str, RecordedResource]:
    return {r.name.removeprefix("k8s-ng-"): r for r in result.by_type(NODE_GROUP)}


def addon(result: ProgramResult, name: str) -> RecordedResource:
    return result.named(f"k8s-addon-{name}", ADDON)


# --- control plane ----------------------------------------------------------------------------


def test_control_plane_is_private_with_audit_logs(prod: ProgramResult) -> None:
    inputs = cluster(prod).inputs
    assert inputs["version"] == "1.33"
    vpc = inputs["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    assert vpc["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in vpc
    assert set(inputs["enabledClusterLogTypes"]) == {"api", "audit", "authenticator"}
    assert inputs["accessConfig"]["authenticationMode"] == "API"
    private = {r.urn for r in prod.by_type("aws:ec2/subnet:Subnet") if "-private-" in r.name}
    assert set(cluster(prod).property_dependencies["vpcConfig"]) == private


def test_public_endpoint_is_limited_to_the_configured_cidrs() -> None:
    config = make_config(
        cluster={
            "mode": "eks",
            "public_endpoint_cidrs": ["203.0.113.0/24"],
            "admin_role_arns": ["arn:aws:iam::111122223333:role/platform-admins"],
        },
        environment="dev",
        landing_zone={"availability_zones": 2},
    )
    vpc = cluster(declare(config)).inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True
    assert vpc["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_secrets_are_encrypted_with_the_landing_zone_kubernetes_key(prod: ProgramResult) -> None:
    key_arn = prod.outputs["kms_key_arns"]["kubernetes"]
    encryption = cluster(prod).inputs["encryptionConfig"]
    assert encryption == {"resources": ["secrets"], "provider": {"keyArn": key_arn}}
    policy = json.loads(prod.named("k8s-cluster-secrets-key").inputs["policy"])
    assert policy["Statement"][0]["Resource"] == key_arn


def test_administrators_come_from_access_entries_not_aws_auth(prod: ProgramResult) -> None:
    arn = "arn:aws:iam::111122223333:role/platform-admins"
    entry = prod.named("k8s-admin-111122223333-platform-admins")
    assert (entry.inputs["principalArn"], entry.inputs["type"]) == (arn, "STANDARD")
    association = prod.named("k8s-admin-111122223333-platform-admins-policy").inputs
    assert association["principalArn"] == arn
    assert association["policyArn"].endswith("cluster-access-policy/AmazonEKSClusterAdminPolicy")
    assert association["accessScope"] == {"type": "cluster"}
    assert not [m for m in prod.manifests() if m["kind"] == "ConfigMap"]


def test_roles_have_only_the_managed_policies_they_need(prod: ProgramResult) -> None:
    def policies(prefix: str) -> set[str]:
        return {
            r.inputs["policyArn"].rsplit("/", 1)[-1]
            for r in prod.by_type(ATTACHMENT)
            if r.name.startswith(prefix)
        }

    assert policies("k8s-cluster-") == {"AmazonEKSClusterPolicy"}
    assert policies("k8s-node-") == {
        "AmazonEKSWorkerNodePolicy",
        "AmazonEC2ContainerRegistryReadOnly",
    }
    assert not [r for r in prod.by_type(ROLE) if r.inputs.get("managedPolicyArns")]


# --- node groups --------------------------------------------------------------------------------


def test_system_shared_and_one_group_per_dedicated_tenant(prod: ProgramResult) -> None:
    groups = node_groups(prod)
    assert set(groups) == {"system", "shared", "tenant-beta-audit", "tenant-gamma-tax"}
    assert groups["tenant-gamma-tax"].inputs["instanceTypes"] == ["r7i.xlarge"]
    assert set(prod.outputs["node_group_names"]) == {
        "system",
        "shared",
        "tenant-beta-audit",
        "tenant-gamma-tax",
    }
    private = {r.urn for r in prod.by_type("aws:ec2/subnet:Subnet") if "-private-" in r.name}
    for group in groups.values():
        assert set(group.property_dependencies["subnetIds"]) == private
        assert "scalingConfig.desiredSize" in group.ignore_changes


def test_dedicated_node_groups_carry_their_tenant_taint_and_label(prod: ProgramResult) -> None:
    groups = node_groups(prod)
    for slug in ("beta-audit", "gamma-tax"):
        group = groups[f"tenant-{slug}"]
        assert group.inputs["labels"][LABEL_DEDICATED] == slug
        assert group.inputs["taints"] == [
            {"key": LABEL_DEDICATED, "value": slug, "effect": "NO_SCHEDULE"}
        ]
        assert group.inputs["tags"][TAG_TENANT] == slug
        assert prod.outputs["dedicated_node_selectors"][slug] == {LABEL_DEDICATED: slug}
        assert prod.outputs["dedicated_tolerations"][slug] == [
            {"key": LABEL_DEDICATED, "operator": "Equal", "value": slug, "effect": "NoSchedule"}
        ]
    for pool in ("system", "shared"):
        assert not groups[pool].inputs.get("taints")
        assert LABEL_DEDICATED not in groups[pool].inputs["labels"]
    assert "alpha-law" not in prod.outputs["dedicated_node_selectors"]


def test_launch_templates_require_imdsv2_and_encrypt_volumes(prod: ProgramResult) -> None:
    templates = prod.by_type(LAUNCH_TEMPLATE)
    assert len(templates) == len(node_groups(prod))
    for template in templates:
        metadata = template.inputs["metadataOptions"]
        assert metadata["httpTokens"] == "required"
        assert metadata["httpEndpoint"] == "enabled"
        assert metadata["httpPutResponseHopLimit"] == 1
        (device,) = template.inputs["blockDeviceMappings"]
        assert device["ebs"]["encrypted"] == "true"
        assert device["ebs"]["volumeType"] == "gp3"
        assert prod.outputs["node_sg"] in template.inputs["vpcSecurityGroupIds"]
        for spec in template.inputs["tagSpecifications"]:
            assert set(BASE_TAG_KEYS) <= set(spec["tags"])


def test_each_node_group_uses_its_own_launch_template(prod: ProgramResult) -> None:
    for pool, group in node_groups(prod).items():
        template = prod.named(f"k8s-lt-{pool}", LAUNCH_TEMPLATE)
        assert group.property_dependencies["launchTemplate"] == (template.urn,)
        assert group.inputs["launchTemplate"]["version"] == "1"


def test_a_new_tenant_adds_one_node_group_and_renames_nothing() -> None:
    def urns(tenants: list[dict[str, Any]]) -> set[str]:
        config = make_config(
            environment="dev", landing_zone={"availability_zones": 2}, tenants=tenants
        )
        result = declare(config)
        return {r.urn for r in result.resources if r.type.startswith(("aws:eks", "aws:ec2/l"))}

    before = urns(TENANTS[:2])
    after = urns([*TENANTS[:2], tenant("delta-hr")])
    assert before < after
    added = sorted(u.rsplit("::", 1)[-1] for u in after - before)
    assert added == ["k8s-lt-tenant-delta-hr", "k8s-ng-tenant-delta-hr"]
    assert urns([tenant("delta-hr"), *reversed(TENANTS[:2])]) == after


# --- IRSA and add-ons ---------------------------------------------------------------------------


def test_oidc_provider_for_irsa(prod: ProgramResult) -> None:
    issuer = prod.outputs["oidc_issuer_url"]
    assert issuer.startswith("https://oidc.eks.eu-west-1.amazonaws.com/id/")
    oidc = prod.named("k8s-oidc").inputs
    assert oidc["url"] == issuer
    assert oidc["clientIdLists"] == ["sts.amazonaws.com"]
    assert prod.outputs["oidc_provider_arn"].endswith(issuer.removeprefix("https://"))


def test_vpc_cni_enforces_network_policies(prod: ProgramResult) -> None:
    cni = addon(prod, "vpc-cni").inputs
    assert json.loads(cni["configurationValues"]) == {"enableNetworkPolicy": "true"}


@pytest.mark.parametrize("name", sorted(IRSA_ADDONS))
def test_addons_with_aws_access_have_their_own_irsa_role(prod: ProgramResult, name: str) -> None:
    role = prod.named(f"k8s-addon-{name}-role", ROLE)
    assert addon(prod, name).inputs["serviceAccountRoleArn"] == role.outputs["arn"]
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    issuer = prod.outputs["oidc_issuer_url"].removeprefix("https://")
    account = IRSA_ADDONS[name].service_account
    assert statement["Condition"]["StringEquals"] == {
        f"{issuer}:sub": f"system:serviceaccount:kube-system:{account}",
        f"{issuer}:aud": "sts.amazonaws.com",
    }
    assert statement["Principal"] == {"Federated": prod.outputs["oidc_provider_arn"]}


def test_addons_are_ordered_around_the_nodes(prod: ProgramResult) -> None:
    groups = {g.urn for g in node_groups(prod).values()}
    for name in ("vpc-cni", "kube-proxy"):
        assert not groups & set(addon(prod, name).dependencies)
    for group in node_groups(prod).values():
        assert addon(prod, "vpc-cni").urn in group.dependencies
    for name in ("coredns", "aws-ebs-csi-driver", "aws-efs-csi-driver"):
        assert groups <= set(addon(prod, name).dependencies)
    assert not addon(prod, "coredns").inputs.get("serviceAccountRoleArn")


# --- provider, storage classes ----------------------------------------------------------------


def test_kubeconfig_is_secret_and_authenticates_with_get_token(prod: ProgramResult) -> None:
    assert "kubeconfig" in prod.secret_outputs
    provider = prod.named("k8s-k8s", K8S_PROVIDER)
    assert provider.is_secret("kubeconfig")
    kubeconfig = json.loads(prod.outputs["kubeconfig"])
    (user,) = kubeconfig["users"]
    command = user["user"]["exec"]
    name = cluster(prod).outputs["name"]
    assert command["command"] == "aws"
    assert command["args"][:4] == ["eks", "get-token", "--cluster-name", name]
    assert "--region" in command["args"]
    assert kubeconfig["clusters"][0]["cluster"]["server"] == cluster(prod).outputs["endpoint"]


def test_kubernetes_provider_waits_for_nodes(prod: ProgramResult) -> None:
    provider = prod.named("k8s-k8s", K8S_PROVIDER)
    assert {g.urn for g in node_groups(prod).values()} <= set(provider.dependencies)


def _storage_classes(result: ProgramResult) -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: m for m in result.manifests() if m["kind"] == "StorageClass"}


@pytest.mark.parametrize("mode", ["prod", "existing"])
def test_storage_classes_gp3_default_and_efs_access_points(
    mode: str, request: pytest.FixtureRequest
) -> None:
    result: ProgramResult = request.getfixturevalue(mode)
    classes = _storage_classes(result)
    assert set(classes) == {"gp3", "efs-filestore"}
    gp3, efs = classes["gp3"], classes["efs-filestore"]
    assert gp3["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    assert gp3["provisioner"] == "ebs.csi.aws.com"
    assert gp3["parameters"]["type"] == "gp3"
    assert gp3["parameters"]["encrypted"] == "true"
    assert efs["provisioner"] == "efs.csi.aws.com"
    assert efs["parameters"]["provisioningMode"] == "efs-ap"
    assert efs["parameters"]["fileSystemId"] == result.outputs["efs_id"]
    assert efs["reclaimPolicy"] == "Retain"
    provider = result.named("k8s-k8s", K8S_PROVIDER).urn
    assert all(r.provider == provider for r in result.by_type(STORAGE_CLASS))
    for manifest in classes.values():
        assert manifest["metadata"]["labels"]["odoo-platform.io/environment"]
        kubernetes_validate.validate(manifest, "1.33.0", strict=True)


# --- existing-cluster mode -------------------------------------------------------------------


def test_existing_cluster_declares_no_aws_cluster_resources(existing: ProgramResult) -> None:
    assert not [r for r in existing.resources if r.type.startswith("aws:eks")]
    children = existing.descendants(component(existing))
    assert children
    assert not [r.name for r in children if r.type.startswith("aws:")]
    # None exports are dropped from the stack outputs
    assert existing.outputs.get("oidc_provider_arn") is None
    assert existing.outputs.get("oidc_issuer_url") is None
    assert not existing.outputs.get("node_group_names")


def test_existing_cluster_keeps_the_kubeconfig_secret(existing: ProgramResult) -> None:
    provider = existing.named("k8s-k8s", K8S_PROVIDER)
    assert provider.is_secret("kubeconfig")
    assert provider.inputs["kubeconfig"] == KUBECONFIG
    assert "kubeconfig" in existing.secret_outputs


def test_existing_cluster_still_pins_dedicated_tenants(existing: ProgramResult) -> None:
    assert existing.outputs["dedicated_node_selectors"] == {
        "beta-audit": {LABEL_DEDICATED: "beta-audit"},
        "gamma-tax": {LABEL_DEDICATED: "gamma-tax"},
    }


def test_arguments_must_choose_exactly_one_mode() -> None:
    settings = EksSettings(
        region="eu-west-1",
        subnet_ids=["subnet-1"],
        node_security_group_id="sg-1",
        secrets_kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/k",
    )

    with pytest.raises(ValueError, match="KubernetesClusterArgs: eks, kubeconfig: set exactly one"):
        KubernetesClusterArgs()
    with pytest.raises(ValueError, match="exactly one"):
        KubernetesClusterArgs(eks=settings, kubeconfig="x")


def test_eks_mode_from_config_needs_the_landing_zone_outputs() -> None:
    with pytest.raises(ValueError, match="subnet_ids"):
        cluster_args(make_config())


# --- platform-wide properties of both components --------------------------------------------


def test_every_taggable_resource_carries_the_required_tags(prod: ProgramResult) -> None:
    taggable = [r for r in prod.descendants(component(prod)) if is_taggable(r)]
    assert len(taggable) > 15
    for resource in taggable:
        tags = effective_tags(prod, resource)
        missing = [k for k in (*BASE_TAG_KEYS, TAG_TIER) if not tags.get(k)]
        assert not missing, f"{resource.name} lacks {missing}"


def test_no_ingress_rule_is_open_to_the_world(prod: ProgramResult) -> None:
    assert open_ingress(prod) == []


def test_every_child_is_parented_and_named_after_the_component(prod: ProgramResult) -> None:
    children = prod.descendants(component(prod))
    assert children
    assert all(r.name.startswith("k8s-") for r in children)
    aws_children = [r for r in children if r.type.startswith("aws:")]
    lz_provider = prod.named("lz-aws").urn
    assert all(r.provider == lz_provider for r in aws_children)
