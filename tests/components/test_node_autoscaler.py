"""NodeAutoscaler (Karpenter) in the composed platform under the mocks harness.

IAM scope, the interruption queue and its rules, the Helm release and CRDs, one NodePool per
pool with exactly the managed group's labels and taints (checked against the pod specs the tenant
component renders), the vendored CRD schemas, and `bring-your-own`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from odoo_platform.config import ConfigError, PlatformConfig, parse_platform
from odoo_platform.config.catalog import LABEL_DEDICATED
from odoo_platform.config.node_autoscaling import INSTANCE_SPECS, installs_karpenter
from odoo_platform.offline.cost import assumptions, estimate_cost
from odoo_platform.offline.placement import tenant_tiers
from odoo_platform.platform.regional import build_platform
from odoo_platform.testing import ProgramResult, RecordedResource, run_program
from tests.components.conftest import sample_config
from tests.k8s_validation import pod_spec_of, validate_helm_value_keys, validate_manifest
from tests.platform.composition import BASE, TODAY, config, plan, tenant

COMPONENT = "odoo-platform:index:NodeAutoscaler"
RELEASE = "kubernetes:helm.sh/v3:Release"
NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"
NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
QUEUE = "aws:sqs/queue:Queue"
SUBNET = "aws:ec2/subnet:Subnet"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DISCOVERY = "karpenter.sh/discovery"
NAME = "odoo-nodes"  # the component in the composed platform
EXISTING = {
    "mode": "existing",
    "oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/oidc.example/id/A1",
    "oidc_issuer_url": "https://oidc.example/id/A1",
}
TENANTS = [
    tenant("alpha-law"),
    tenant("gamma-audit", "dedicated", regulated=True),
    tenant(
        "delta-tax",
        "dedicated",
        dedicated={"node_group": {"instance_types": ["m7i.xlarge", "r7i.large"], "max_size": 4}},
    ),
]


def plan_existing(platform_config: PlatformConfig) -> ProgramResult:
    """The platform on an existing cluster, whose kubeconfig is a secret stack key."""
    key = "odoo-platform:kubeconfig"
    return run_program(
        lambda: build_platform(platform_config, TODAY),
        config={"aws:region": platform_config.region, key: json.dumps({"kind": "Config"})},
        secret_keys=[key],
        stack=f"{platform_config.environment}-{platform_config.region}",
        preview=True,
    )


@pytest.fixture(scope="module")
def prod() -> ProgramResult:
    return plan(config(tenants=TENANTS))


def _policy(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


def _statements(result: ProgramResult, suffix: str) -> list[dict[str, Any]]:
    [policy] = [r for r in result.by_type(ROLE_POLICY) if r.name == f"{NAME}-controller-{suffix}"]
    return list(_policy(policy.inputs["policy"])["Statement"])


def _listed(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _role(result: ProgramResult, suffix: str) -> RecordedResource:
    return result.named(f"{NAME}-{suffix}", "aws:iam/role:Role")


def _component(result: ProgramResult) -> RecordedResource:
    [component] = result.by_type(COMPONENT)
    return component


def _cluster_name(result: ProgramResult) -> str:
    [cluster] = result.by_type("aws:eks/cluster:Cluster")
    return str(cluster.inputs["name"])


def _by_key(resources: list[RecordedResource]) -> dict[str, Mapping[str, Any]]:
    return {r.inputs["metadata"]["name"]: r.inputs for r in resources}


# --- IAM: least privilege ---------------------------------------------------------------------


def test_controller_trusts_only_the_karpenter_service_account(prod: ProgramResult) -> None:
    role = _role(prod, "controller")
    [statement] = _policy(role.inputs["assumeRolePolicy"])["Statement"]
    conditions = statement["Condition"]["StringEquals"]
    assert [v for k, v in conditions.items() if k.endswith(":sub")] == [
        "system:serviceaccount:kube-system:karpenter"
    ]
    assert [v for k, v in conditions.items() if k.endswith(":aud")] == ["sts.amazonaws.com"]


def test_every_ec2_write_needs_the_cluster_ownership_tag(prod: ProgramResult) -> None:
    cluster = _cluster_name(prod)
    owned_keys = {
        f"aws:ResourceTag/kubernetes.io/cluster/{cluster}",
        f"aws:RequestTag/kubernetes.io/cluster/{cluster}",
    }
    statements = _statements(prod, "node-lifecycle")
    for statement in statements:
        for resource in _listed(statement["Resource"]):
            assert resource.startswith("arn:aws:ec2:eu-west-1:"), resource
        if statement["Sid"] == "AllowScopedEC2InstanceAccessActions":
            # images, snapshots, subnets, security groups: read-only inputs of RunInstances
            assert set(_listed(statement["Action"])) == {"ec2:RunInstances", "ec2:CreateFleet"}
            continue
        equals = statement["Condition"]["StringEquals"]
        assert owned_keys & set(equals), statement["Sid"]
        assert all(equals[k] == "owned" for k in owned_keys & set(equals))
        like = statement["Condition"]["StringLike"]
        assert (
            like.get("aws:ResourceTag/karpenter.sh/nodepool") == "*"
            or like.get("aws:RequestTag/karpenter.sh/nodepool") == "*"
        )
    deletion = next(s for s in statements if s["Sid"] == "AllowScopedDeletion")
    assert set(deletion["Action"]) == {"ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"}


def test_pass_role_queue_and_cluster_are_named_resources(prod: ProgramResult) -> None:
    node_role = _role(prod, "node-role")
    [queue] = prod.by_type(QUEUE)
    iam = {s["Sid"]: s for s in _statements(prod, "iam-integration")}
    passing = iam["AllowPassingInstanceRole"]
    assert passing["Resource"] == node_role.outputs["arn"]
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    for sid in ("AllowScopedInstanceProfileTagActions", "AllowScopedInstanceProfileActions"):
        equals = iam[sid]["Condition"]["StringEquals"]
        assert equals[f"aws:ResourceTag/kubernetes.io/cluster/{_cluster_name(prod)}"] == "owned"
        assert equals["aws:ResourceTag/topology.kubernetes.io/region"] == "eu-west-1"
    [sqs] = _statements(prod, "interruption")
    assert sqs["Resource"] == queue.outputs["arn"]
    assert set(sqs["Action"]) == {"sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"}
    [eks] = _statements(prod, "eks-integration")
    assert eks["Resource"].endswith(f":cluster/{_cluster_name(prod)}")
    assert eks["Action"] == "eks:DescribeCluster"


def test_unscoped_statements_are_reads_only(prod: ProgramResult) -> None:
    """`*` only where AWS has no resource-level scope, and EC2 reads only in the region."""
    everything = [
        s
        for suffix in (
            "node-lifecycle",
            "iam-integration",
            "eks-integration",
            "interruption",
            "resource-discovery",
        )
        for s in _statements(prod, suffix)
    ]
    unscoped = [s for s in everything if "*" in _listed(s["Resource"])]
    actions = {a for s in unscoped for a in _listed(s["Action"])}
    assert actions, "the discovery reads are expected"
    assert all(a.split(":")[1].startswith(("Describe", "Get", "List")) for a in actions), actions
    regional = next(s for s in unscoped if s["Sid"] == "AllowRegionalReadActions")
    assert regional["Condition"] == {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    # well under IAM's 10,240-character limit for a role's inline policies
    size = sum(
        len(json.dumps(json.loads(r.inputs["policy"]), separators=(",", ":")))
        for r in prod.by_type(ROLE_POLICY)
        if r.name.startswith(f"{NAME}-controller-")
    )
    assert size < 10240


def test_nodes_get_their_own_role_and_an_ec2_linux_access_entry(prod: ProgramResult) -> None:
    node_role = _role(prod, "node-role")
    [statement] = _policy(node_role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "ec2.amazonaws.com"}
    attached = {
        r.inputs["policyArn"].rsplit("/", 1)[1]
        for r in prod.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.name.startswith(f"{NAME}-node-")
    }
    assert attached == {"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"}
    entry = prod.named(f"{NAME}-node-access", "aws:eks/accessEntry:AccessEntry")
    assert entry.inputs["type"] == "EC2_LINUX"
    assert entry.inputs["principalArn"] == node_role.outputs["arn"]
    assert entry.inputs["clusterName"] == _cluster_name(prod)


# --- interruption queue ---------------------------------------------------------------------


def test_every_interruption_rule_targets_the_queue(prod: ProgramResult) -> None:
    [queue] = prod.by_type(QUEUE)
    assert queue.inputs["sqsManagedSseEnabled"] is True
    assert queue.inputs["messageRetentionSeconds"] == 300
    rules = {r.outputs["name"]: r for r in prod.by_type(RULE) if r.name.startswith(NAME)}
    patterns = {tuple(json.loads(r.inputs["eventPattern"])["detail-type"]) for r in rules.values()}
    assert patterns == {
        ("AWS Health Event",),
        ("EC2 Spot Instance Interruption Warning",),
        ("EC2 Instance Rebalance Recommendation",),
        ("EC2 Instance State-change Notification",),
        ("EC2 Capacity Reservation Instance Interruption Warning",),
    }
    targets = [t for t in prod.by_type(TARGET) if t.name.startswith(NAME)]
    assert {t.inputs["rule"] for t in targets} == set(rules)
    assert {t.inputs["arn"] for t in targets} == {queue.outputs["arn"]}


def test_queue_accepts_messages_only_from_its_rules_over_tls(prod: ProgramResult) -> None:
    [queue] = prod.by_type(QUEUE)
    [policy] = prod.by_type("aws:sqs/queuePolicy:QueuePolicy")
    statements = {s["Sid"]: s for s in _policy(policy.inputs["policy"])["Statement"]}
    events = statements["EventBridgeRules"]
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    assert events["Action"] == "sqs:SendMessage"
    assert events["Resource"] == queue.outputs["arn"]
    rule_arns = {r.outputs["arn"] for r in prod.by_type(RULE) if r.name.startswith(NAME)}
    assert set(events["Condition"]["ArnEquals"]["aws:SourceArn"]) == rule_arns
    assert statements["SqsService"]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"}
    }
    deny = statements["DenyHTTP"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# --- Helm release and CRDs ----------------------------------------------------------------


def test_release_is_pinned_after_its_crds_and_wired_to_queue_and_role(
    prod: ProgramResult,
) -> None:
    [release] = [r for r in prod.by_type(RELEASE) if r.inputs["chart"].endswith("/karpenter")]
    [crds] = [r for r in prod.by_type("kubernetes:yaml/v2:ConfigGroup") if r.name == f"{NAME}-crds"]
    assert release.inputs["chart"] == "oci://public.ecr.aws/karpenter/karpenter"
    assert release.inputs["version"] == "1.14.1"
    assert release.inputs["skipCrds"] is True
    assert release.inputs["namespace"] == "kube-system"
    assert crds.urn in release.dependencies
    assert all("/karpenter-provider-aws/v1.14.1/pkg/apis/crds/" in f for f in crds.inputs["files"])
    assert crds.protect  # prod: deleting the NodePool CRD would delete every NodePool
    values = release.inputs["values"]
    [queue] = prod.by_type(QUEUE)
    role = _role(prod, "controller")
    assert values["settings"] == {
        "clusterName": _cluster_name(prod),
        "interruptionQueue": queue.outputs["name"],
    }
    assert values["serviceAccount"]["name"] == "karpenter"
    assert values["serviceAccount"]["annotations"] == {
        "eks.amazonaws.com/role-arn": role.outputs["arn"]
    }
    # the controller runs on the system node group, never on a node it manages
    assert values["nodeSelector"]["odoo-platform.io/node-pool"] == "system"
    assert "affinity" not in values  # the chart's `karpenter.sh/nodepool DoesNotExist` stays
    assert values["replicas"] == 2


def test_values_are_keys_of_the_chart(prod: ProgramResult) -> None:
    [release] = [r for r in prod.by_type(RELEASE) if r.inputs["chart"].endswith("/karpenter")]
    validate_helm_value_keys("karpenter", "1.14.1", release.inputs["values"], ("nodeSelector",))


def test_value_key_check_catches_a_misspelt_key() -> None:
    with pytest.raises(AssertionError, match=r"settings\.interuptionQueue"):
        validate_helm_value_keys("karpenter", "1.14.1", {"settings": {"interuptionQueue": "q"}})


def test_custom_resources_wait_for_the_release(prod: ProgramResult) -> None:
    [release] = [r for r in prod.by_type(RELEASE) if r.inputs["chart"].endswith("/karpenter")]
    resources = [*prod.by_type(NODE_POOL), *prod.by_type(NODE_CLASS)]
    assert len(resources) == 6
    assert all(release.urn in r.dependencies for r in resources)


def test_every_karpenter_object_validates_against_the_vendored_crds(prod: ProgramResult) -> None:
    objects = [m for m in prod.manifests() if m["apiVersion"].startswith("karpenter.")]
    assert {m["kind"] for m in objects} == {"NodePool", "EC2NodeClass"}
    for obj in objects:
        validate_manifest(obj, "1.33")


def test_the_crd_check_catches_a_wrong_field(prod: ProgramResult) -> None:
    [pool] = [m for m in prod.manifests() if m["kind"] == "NodePool"][:1]
    pool["spec"]["disruption"]["consolidationPolicy"] = "WhenUnderutilized"  # the v1beta1 name
    with pytest.raises(AssertionError, match="consolidationPolicy"):
        validate_manifest(pool, "1.33")


# --- NodePools: the managed groups' labels and taints -----------------------------------------


def test_one_pool_for_the_shared_tier_and_one_per_dedicated_tenant(prod: ProgramResult) -> None:
    assert set(_by_key(prod.by_type(NODE_POOL))) == {
        "shared",
        "tenant-gamma-audit",
        "tenant-delta-tax",
    }
    assert set(_by_key(prod.by_type(NODE_CLASS))) == set(_by_key(prod.by_type(NODE_POOL)))


def test_pools_carry_exactly_the_managed_groups_labels_and_taints(prod: ProgramResult) -> None:
    pools = _by_key(prod.by_type(NODE_POOL))
    groups = {r.name.rsplit("-ng-", 1)[1]: r.inputs for r in prod.by_type(NODE_GROUP)}
    assert set(groups) == {"system", *pools}
    effects = {"NO_SCHEDULE": "NoSchedule"}
    for key, pool in pools.items():
        template = pool["spec"]["template"]
        assert template["metadata"]["labels"] == groups[key]["labels"], key
        managed = [
            {"key": t["key"], "value": t["value"], "effect": effects[t["effect"]]}
            for t in groups[key].get("taints") or []
        ]
        assert template["spec"].get("taints", []) == managed, key
    assert pools["tenant-delta-tax"]["spec"]["template"]["spec"]["taints"] == [
        {"key": LABEL_DEDICATED, "value": "delta-tax", "effect": "NoSchedule"}
    ]


def _fits(pod: Mapping[str, Any], pool: Mapping[str, Any]) -> bool:
    """Whether Karpenter may place the pod on the pool's nodes: the nodes carry every label the
    pod selects and the pod tolerates every taint of the nodes."""
    template = pool["spec"]["template"]
    labels = template["metadata"]["labels"]
    if any(labels.get(k) != v for k, v in (pod.get("nodeSelector") or {}).items()):
        return False

    def tolerated(taint: Mapping[str, str]) -> bool:
        return any(
            t.get("key") == taint["key"]
            and t.get("effect", taint["effect"]) == taint["effect"]
            and (t.get("operator") == "Exists" or t.get("value") == taint["value"])
            for t in pod.get("tolerations") or []
        )

    return all(tolerated(t) for t in template["spec"].get("taints") or [])


def test_each_tenant_pod_fits_only_its_own_pool(prod: ProgramResult) -> None:
    pools = _by_key(prod.by_type(NODE_POOL))
    seen = set()
    for obj in prod.manifests():
        spec = pod_spec_of(obj)
        slug = obj["metadata"].get("labels", {}).get("odoo-platform.io/tenant")
        if spec is None or slug is None or obj["kind"] != "Deployment":
            continue
        fitting = {key for key, pool in pools.items() if _fits(spec, pool)}
        tier = obj["metadata"]["labels"]["odoo-platform.io/tier"]
        expected = {f"tenant-{slug}"} if tier == "dedicated" else {"shared"}
        assert fitting == expected, (obj["metadata"]["name"], fitting)
        seen.add(slug)
    assert seen == {"alpha-law", "gamma-audit", "delta-tax"}


def test_limits_are_max_size_nodes_of_the_largest_type(prod: ProgramResult) -> None:
    pools = _by_key(prod.by_type(NODE_POOL))
    delta = pools["tenant-delta-tax"]["spec"]
    # m7i.xlarge: 4 vCPU 16 GiB; r7i.large: 2 vCPU 16 GiB -> 4 nodes x 4 vCPU, 4 x 16 GiB
    assert (INSTANCE_SPECS["m7i.xlarge"].vcpu, INSTANCE_SPECS["r7i.large"].memory_mib) == (4, 16384)
    assert delta["limits"] == {"cpu": "16", "memory": f"{4 * 16384}Mi"}
    requirements = {r["key"]: r for r in delta["template"]["spec"]["requirements"]}
    assert requirements["node.kubernetes.io/instance-type"]["values"] == ["m7i.xlarge", "r7i.large"]
    assert requirements["karpenter.sh/capacity-type"]["values"] == ["on-demand"]


def test_prod_consolidates_one_node_at_a_time_dev_faster() -> None:
    def disruption(result: ProgramResult) -> dict[str, Any]:
        return dict(_by_key(result.by_type(NODE_POOL))["shared"]["spec"]["disruption"])

    prod = disruption(plan(config(tenants=TENANTS[:1])))
    dev_config = dict(BASE, environment="dev", tenants=TENANTS[:1])
    dev_config.pop("disaster_recovery")
    dev = disruption(plan(parse_platform(dev_config)))
    assert prod == {
        "consolidationPolicy": "WhenEmptyOrUnderutilized",
        "consolidateAfter": "15m",
        "budgets": [
            {"nodes": "1"},
            # working hours default to 07:00-20:00 UTC, Monday to Friday
            {
                "nodes": "0",
                "reasons": ["Underutilized"],
                "schedule": "0 7 * * MON,TUE,WED,THU,FRI",
                "duration": "13h",
            },
        ],
    }
    assert dev["consolidationPolicy"] == "WhenEmptyOrUnderutilized"
    assert dev["consolidateAfter"] == "2m"
    assert dev["budgets"] == [{"nodes": "20%"}]


def test_node_classes_use_al2023_imdsv2_encrypted_gp3_and_discovery(prod: ProgramResult) -> None:
    classes = _by_key(prod.by_type(NODE_CLASS))
    node_role = _role(prod, "node-role")
    [cluster] = prod.by_type("aws:eks/cluster:Cluster")
    cluster_sg = cluster.outputs["vpcConfig"]["clusterSecurityGroupId"]
    name = _cluster_name(prod)
    for key, node_class in classes.items():
        spec = node_class["spec"]
        assert spec["role"] == node_role.outputs["name"]
        assert spec["amiSelectorTerms"] == [{"alias": "al2023@latest"}]
        assert spec["subnetSelectorTerms"] == [{"tags": {DISCOVERY: name}}]
        assert spec["securityGroupSelectorTerms"] == [
            {"tags": {DISCOVERY: name}},
            {"id": cluster_sg},
        ]
        assert spec["metadataOptions"]["httpTokens"] == "required"
        assert spec["metadataOptions"]["httpPutResponseHopLimit"] == 1
        [disk] = spec["blockDeviceMappings"]
        assert disk["ebs"] == {
            "volumeSize": "50Gi",
            "volumeType": "gp3",
            "encrypted": True,
            "deleteOnTermination": True,
        }
        tenant_tag = spec["tags"].get("Tenant")
        assert tenant_tag == (key.removeprefix("tenant-") if key != "shared" else None)
        assert {"Owner", "CostCentre", "Environment", "Tier"} <= set(spec["tags"])


def test_landing_zone_tags_private_subnets_and_node_group_for_discovery(
    prod: ProgramResult,
) -> None:
    name = _cluster_name(prod)
    tagged = {
        r.name: r.inputs["tags"].get(DISCOVERY)
        for r in [*prod.by_type(SUBNET), *prod.by_type(SECURITY_GROUP)]
    }
    assert {k for k, v in tagged.items() if v is not None} == {
        "odoo-network-private-az1",
        "odoo-network-private-az2",
        "odoo-network-private-az3",
        "odoo-network-nodes-sg",
    }
    assert {v for v in tagged.values() if v is not None} == {name}


# --- the sample stacks, bring-your-own, existing clusters ----------------------------------


@pytest.mark.parametrize("stack", ["prod-eu-west-1", "dev-eu-west-1"])
def test_sample_stacks_install_karpenter(stack: str) -> None:
    sample = sample_config(stack)
    assert sample.cluster.mode == "eks"
    assert installs_karpenter(sample)


def test_bring_your_own_declares_nothing_and_tags_nothing() -> None:
    cluster = {**BASE["cluster"], "node_autoscaler": "bring-your-own"}
    result = plan(config(cluster=cluster, tenants=TENANTS[:2]))
    assert not result.by_type(COMPONENT)
    assert not [r for r in result.urns() if "karpenter" in r.lower() or f"::{NAME}" in r]
    assert not [
        r
        for r in [*result.by_type(SUBNET), *result.by_type(SECURITY_GROUP)]
        if DISCOVERY in r.inputs["tags"]
    ]


def test_existing_cluster_brings_its_own_by_default() -> None:
    result = plan_existing(config(cluster=EXISTING, tenants=TENANTS[:1]))
    assert not result.by_type(COMPONENT)


def test_existing_cluster_with_karpenter_needs_its_name() -> None:
    with pytest.raises(ConfigError) as error:
        config(cluster={**EXISTING, "node_autoscaler": "karpenter"})
    [issue] = [i for i in error.value.issues if i.path == "platform.cluster.name"]
    assert "node_autoscaler 'karpenter'" in issue.message
    assert "bring-your-own" in issue.message


def test_existing_cluster_with_karpenter_selects_by_tag_only() -> None:
    cluster = {**EXISTING, "node_autoscaler": "karpenter", "name": "corp-eks"}
    result = plan_existing(config(cluster=cluster, tenants=TENANTS[:2]))
    classes = _by_key(result.by_type(NODE_CLASS))
    assert set(classes) == {"shared", "tenant-gamma-audit"}
    for node_class in classes.values():
        assert node_class["spec"]["securityGroupSelectorTerms"] == [
            {"tags": {DISCOVERY: "corp-eks"}}
        ]
    [release] = [r for r in result.by_type(RELEASE) if r.inputs["chart"].endswith("/karpenter")]
    assert release.inputs["values"]["settings"]["clusterName"] == "corp-eks"


def test_a_wrong_node_autoscaler_names_the_key_and_the_choices() -> None:
    with pytest.raises(ConfigError) as error:
        config(cluster={**BASE["cluster"], "node_autoscaler": "cluster-autoscaler"})
    text = str(error.value)
    assert "platform.cluster" in text and "node_autoscaler" in text
    assert "cluster-autoscaler" in text
    assert "karpenter" in text and "bring-your-own" in text


def test_an_instance_type_without_specs_is_refused_with_its_path() -> None:
    groups = {"shared": {"instance_types": ["m7i.xlarge", "zz9.mega"]}}
    with pytest.raises(ConfigError) as error:
        config(cluster={**BASE["cluster"], "node_groups": groups})
    paths = [i.path for i in error.value.issues]
    assert "platform.cluster.node_groups.shared.instance_types[1]" in paths


def test_cost_prices_the_baseline_groups_and_says_karpenter_nodes_are_left_out(
    prod: ProgramResult,
) -> None:
    platform_config = config(tenants=TENANTS)
    estimate = estimate_cost(prod, platform_config, prod.placements(tenant_tiers(platform_config)))
    priced = {line.type for line in estimate.lines}
    assert NODE_GROUP in priced  # the always-on baseline stays priced
    assert not {NODE_POOL, NODE_CLASS, QUEUE, RULE} & priced
    assert not [u for u in estimate.unpriced if "nodes" in u]
    [note] = [a for a in assumptions(estimate.prices) if "Karpenter" in a]
    assert "not included" in note and "max_size" in note


def test_backups_in_flight_keep_their_node(prod: ProgramResult) -> None:
    """Consolidation runs when load drops, at night, when backups run: Karpenter must not evict a
    dump, a restore check or a DR drill half-way (a failed backup, a drill that measures nothing),
    so their pods opt out of disruption."""
    cronjobs = [m for m in prod.manifests() if m["kind"] == "CronJob"]
    names = {m["metadata"]["name"] for m in cronjobs}
    assert names >= {"odoo-backup", "odoo-restore-check", "odoo-dr-drill"}
    for cronjob in cronjobs:
        template = cronjob["spec"]["jobTemplate"]["spec"]["template"]
        assert template["metadata"]["annotations"]["karpenter.sh/do-not-disrupt"] == "true"
