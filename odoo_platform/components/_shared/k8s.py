"""Kubernetes building blocks every component shares, as camelCase manifest fragments.

The restricted Pod Security Standard in one place: the namespace labels that enforce it and the
pod and container `securityContext` that meet it (DESIGN.md, invariant 4), as plain dicts, so they
fit a manifest as is and `policies.kubernetes.restricted_violations` can judge them; and
`restricted_namespace`, the Namespace that carries those labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from odoo_platform.components._shared.base import child_opts

Manifest = dict[str, Any]

PSS_LEVEL = "restricted"
PSS_VERSION = "latest"
RUNTIME_DEFAULT = {"type": "RuntimeDefault"}


def pod_security_labels(level: str = PSS_LEVEL) -> dict[str, str]:
    """Namespace labels that enforce, audit and warn at `level`, pinned to the latest version."""
    return {
        f"pod-security.kubernetes.io/{mode}{suffix}": value
        for mode in ("enforce", "audit", "warn")
        for suffix, value in (("", level), ("-version", PSS_VERSION))
    }


def restricted_pod_security(
    uid: int | None = None, gid: int | None = None, *, fs_group: int | None = None
) -> Manifest:
    """A pod `securityContext` that never runs as root, under the runtime's seccomp profile; as
    `uid`:`gid` (default: `uid`) when given, else as the image's user; `fs_group` owns the
    pod's volumes (omitted when None)."""
    if uid == 0:
        raise ValueError("uid 0: the restricted profile refuses root")
    security: Manifest = {"runAsNonRoot": True}
    if uid is not None:
        security |= {"runAsUser": uid, "runAsGroup": uid if gid is None else gid}
    security["seccompProfile"] = dict(RUNTIME_DEFAULT)
    if fs_group is not None:
        security["fsGroup"] = fs_group
    return security


def restricted_container_security(uid: int | None = None, gid: int | None = None) -> Manifest:
    """A container `securityContext`: no privilege escalation, no capabilities, a read-only root
    file system; `uid` (and `gid`, default `uid`) override the pod's user for this container."""
    security: Manifest = {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": dict(RUNTIME_DEFAULT),
    }
    if uid is not None:
        security |= {"runAsUser": uid, "runAsGroup": uid if gid is None else gid}
    return security


def manifest(fragment: Manifest) -> Any:
    """A camelCase manifest fragment handed to pulumi-kubernetes as is (its typed dicts spell
    keys in snake_case, so a camelCase dict is typed as what the provider accepts: anything)."""
    return fragment


def restricted_namespace(
    parent: pulumi.Resource, resource_name: str, namespace: str, labels: Mapping[str, str]
) -> k8s.core.v1.Namespace:
    """A namespace that enforces the restricted Pod Security Standard, with `labels`."""
    return k8s.core.v1.Namespace(
        resource_name,
        metadata=manifest({"name": namespace, "labels": {**labels, **pod_security_labels()}}),
        opts=child_opts(parent),
    )
