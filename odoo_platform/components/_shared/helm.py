"""Helm charts the way every component installs them: the chart's CRDs applied before the
release when Helm cannot keep them current, and one set of release options.

Helm installs a chart's `crds/` directory only on first install and never upgrades or deletes it
(helm.sh/docs/chart_best_practices/custom_resource_definitions), so a chart whose CRDs live there
(Karpenter, Traefik) gets them applied here from the chart's own tag, and the release skips them.
Charts that template their CRDs behind a value (KEDA `crds.install`, cert-manager `crds.enabled`)
upgrade them themselves and take no `crd_files`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from odoo_platform.components._shared.base import child_opts


@dataclass(frozen=True)
class HelmChart:
    """One chart release: which chart, where from, and the CRDs applied before it."""

    release_name: str
    """The Helm release's name (charts name their objects after it)."""
    chart: str
    """The chart's name in `repo`, or a full `oci://` reference when `repo` is None."""
    version: str
    """The chart version, pinned."""
    repo: str | None = None
    """The chart repository URL; None for an OCI reference in `chart`."""
    crd_files: Sequence[str] = ()
    """URLs of the chart's CRD manifests, applied before the release, which then skips its own
    `crds/`; empty: the chart installs (and upgrades) its CRDs itself."""
    protect_crds: bool = False
    """Pulumi `protect` on those CRDs (prod): deleting a CRD deletes every object of its kind."""


@dataclass(frozen=True)
class InstalledChart:
    """What `install_chart` declared."""

    release: k8s.helm.v3.Release
    crds: k8s.yaml.v2.ConfigGroup | None

    @property
    def crds_ready(self) -> list[pulumi.Resource]:
        """What an object of one of the chart's kinds waits for: the applied CRDs, or the release
        that installs them."""
        return [self.crds] if self.crds else [self.release]


def install_chart(
    parent: pulumi.Resource,
    name: str,
    chart: HelmChart,
    *,
    namespace: pulumi.Input[str],
    values: Mapping[str, Any],
) -> InstalledChart:
    """The chart's CRDs (`<name>-crds`, when it has `crd_files`) and then its release
    (`<name>-<release_name>`) in `namespace`, a child of `parent`."""
    crds = None
    after_crds = child_opts(parent)
    if chart.crd_files:
        crds = k8s.yaml.v2.ConfigGroup(
            f"{name}-crds",
            files=list(chart.crd_files),
            opts=child_opts(parent, protect=chart.protect_crds),
        )
        after_crds = child_opts(parent, depends_on=[crds])
    # A failed install or upgrade is rolled back and what it created removed; ten revisions are
    # kept for `helm rollback`; each Kubernetes operation may take ten minutes.
    release = k8s.helm.v3.Release(
        f"{name}-{chart.release_name}",
        name=chart.release_name,
        chart=chart.chart,
        version=chart.version,
        repository_opts={"repo": chart.repo} if chart.repo else None,
        namespace=namespace,
        values=dict(values),
        skip_crds=True if crds else None,
        atomic=True,
        cleanup_on_fail=True,
        max_history=10,
        timeout=600,
        opts=after_crds,
    )
    return InstalledChart(release, crds)
