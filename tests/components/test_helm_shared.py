"""The shared Helm wiring: CRDs applied before a release that then skips its own, one set of
release options, restricted namespaces (the charts of Karpenter, Traefik, cert-manager, KEDA)."""

from __future__ import annotations

import pulumi
import pytest

from odoo_platform.components._shared.helm import HelmChart, install_chart
from odoo_platform.components._shared.k8s import pod_security_labels, restricted_namespace
from odoo_platform.testing import ProgramResult, run_program

RELEASE = "kubernetes:helm.sh/v3:Release"
CRDS = "kubernetes:yaml/v2:ConfigGroup"
CRD_FILES = ("https://example.test/v1.0.0/crds/a.yaml", "https://example.test/v1.0.0/crds/b.yaml")


def _program() -> None:
    parent = pulumi.ComponentResource("test:index:Charts", "charts")
    namespace = restricted_namespace(parent, "charts-namespace", "apps", {"team": "platform"})
    vendored = HelmChart("vendored", "oci://example.test/vendored", "1.0.0", None, CRD_FILES, True)
    own = HelmChart("own", "own", "2.0.0", "https://charts.example.test")
    first = install_chart(parent, "a", vendored, namespace="kube-system", values={"x": 1})
    second = install_chart(parent, "b", own, namespace=namespace.metadata.name, values={})
    pulumi.export("ready", [[r.urn for r in first.crds_ready], [r.urn for r in second.crds_ready]])


@pytest.fixture(scope="module")
def charts() -> ProgramResult:
    return run_program(_program)


def test_vendored_crds_are_applied_first_and_the_release_skips_its_own(
    charts: ProgramResult,
) -> None:
    crds, release = charts.named("a-crds", CRDS), charts.named("a-vendored", RELEASE)
    assert crds.inputs["files"] == list(CRD_FILES)
    assert crds.protect is True
    assert crds.urn in release.dependencies
    assert release.inputs["skipCrds"] is True
    assert release.inputs["chart"] == "oci://example.test/vendored"
    assert "repositoryOpts" not in release.inputs  # an OCI reference carries its registry
    assert charts.outputs["ready"][0] == [crds.urn]


def test_a_chart_that_installs_its_crds_gets_no_config_group(charts: ProgramResult) -> None:
    release = charts.named("b-own", RELEASE)
    assert [r.name for r in charts.by_type(CRDS)] == ["a-crds"]
    assert "skipCrds" not in release.inputs
    assert release.inputs["repositoryOpts"] == {"repo": "https://charts.example.test"}
    assert charts.outputs["ready"][1] == [release.urn]  # its kinds exist once it is installed


def test_every_release_rolls_back_on_failure_with_bounded_history(charts: ProgramResult) -> None:
    options = ("atomic", "cleanupOnFail", "maxHistory", "timeout")
    for release in charts.by_type(RELEASE):
        assert [release.inputs[key] for key in options] == [True, True, 10, 600]
    assert charts.named("a-vendored").inputs["name"] == "vendored"
    assert charts.named("b-own").inputs["namespace"] == "apps"


def test_the_namespace_enforces_the_restricted_standard(charts: ProgramResult) -> None:
    namespace = charts.named("charts-namespace")
    assert namespace.inputs["metadata"]["labels"] == {"team": "platform", **pod_security_labels()}
    assert namespace.urn in charts.named("b-own").dependencies
