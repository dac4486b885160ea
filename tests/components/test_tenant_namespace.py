"""TenantNamespace: restricted pod security, quota and limits from the profile, default deny."""

from __future__ import annotations

from typing import Any

import pytest

from odoo_platform.components.tenant_namespace import TenantNamespace
from odoo_platform.config.catalog import LABEL_ENVIRONMENT, LABEL_TENANT, LABEL_TIER, SIZE_PROFILES
from odoo_platform.synthesis.harness import ProgramResult, run_program
from tests.components.tenant_programs import ns_args, sample_config, tenant
from tests.k8s_validation import validate_manifest

K8S_VERSION = sample_config().cluster.kubernetes_version


@pytest.fixture(scope="module")
def result() -> ProgramResult:
    config = sample_config()

    def program() -> None:
        for slug in ("nb-tax-ie", "halden-law"):
            TenantNamespace(f"ns-{slug}", ns_args(config, tenant(config, slug)))

    return run_program(program)


def objects(result: ProgramResult, kind: str, namespace: str) -> list[dict[str, Any]]:
    return [
        m
        for m in result.manifests()
        if m["kind"] == kind
        and (m["metadata"].get("namespace") == namespace or m["metadata"].get("name") == namespace)
    ]


def test_every_object_is_valid(result: ProgramResult) -> None:
    for manifest in result.manifests():
        validate_manifest(manifest, K8S_VERSION)


def test_namespace_labels_and_restricted_pod_security(result: ProgramResult) -> None:
    (namespace,) = objects(result, "Namespace", "odoo-halden-law")
    labels = namespace["metadata"]["labels"]
    assert labels[LABEL_TENANT] == "halden-law"
    assert labels[LABEL_TIER] == "dedicated"
    assert labels[LABEL_ENVIRONMENT] == "prod"
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"


def test_quota_and_limits_follow_the_size_profile(result: ProgramResult) -> None:
    """The quota's amounts: tests/components/test_tenant_quota.py (every pod that may run at
    once, from the rendered pods)."""
    large = SIZE_PROFILES["l"]
    (quota,) = objects(result, "ResourceQuota", "odoo-nb-tax-ie")
    hard = quota["spec"]["hard"]
    assert hard["services.loadbalancers"] == "0" and hard["services.nodeports"] == "0"
    (big,) = objects(result, "ResourceQuota", "odoo-halden-law")
    assert int(big["spec"]["hard"]["requests.cpu"][:-1]) > int(hard["requests.cpu"][:-1])
    (limits,) = objects(result, "LimitRange", "odoo-halden-law")
    (container,) = limits["spec"]["limits"]
    assert container["max"] == {
        "cpu": f"{large.cpu_limit_m}m",
        "memory": f"{large.memory_limit_mib}Mi",
    }


def test_default_deny_for_ingress_and_egress(result: ProgramResult) -> None:
    for slug in ("nb-tax-ie", "halden-law"):
        (policy,) = objects(result, "NetworkPolicy", f"odoo-{slug}")
        assert policy["spec"]["podSelector"] == {}
        assert sorted(policy["spec"]["policyTypes"]) == ["Egress", "Ingress"]
        assert "ingress" not in policy["spec"] and "egress" not in policy["spec"]


def test_objects_are_children_of_the_component_and_named_by_slug(result: ProgramResult) -> None:
    components = result.by_type("odoo-platform:index:TenantNamespace")
    assert sorted(c.name for c in components) == ["ns-halden-law", "ns-nb-tax-ie"]
    for component in components:
        children = result.children(component)
        assert len(children) == 4
        assert all(child.name.startswith(component.name) for child in children)
