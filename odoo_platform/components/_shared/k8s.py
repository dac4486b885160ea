"""Kubernetes manifest pieces the components share: the restricted Pod Security Standard's
security contexts and namespace labels, as camelCase dicts (the project's manifest style)."""

from __future__ import annotations

from typing import Any

Manifest = dict[str, Any]
RUNTIME_DEFAULT_SECCOMP = {"type": "RuntimeDefault"}


def manifest(fragment: Manifest) -> Any:
    """A camelCase manifest fragment handed to pulumi-kubernetes as is (its typed dicts spell
    keys in snake_case, so a camelCase dict is typed as what the provider accepts: anything)."""
    return fragment


def restricted_pod_security(
    user: int | None = None, group: int | None = None, fs_group: int | None = None
) -> Manifest:
    """A pod security context of the restricted standard: non-root, the runtime's seccomp
    profile, and the given user, group and volume group (each left out when None)."""
    ids = {"runAsUser": user, "runAsGroup": group, "fsGroup": fs_group}
    return {
        "runAsNonRoot": True,
        **{key: value for key, value in ids.items() if value is not None},
        "seccompProfile": dict(RUNTIME_DEFAULT_SECCOMP),
    }


def restricted_container_security() -> Manifest:
    """A container security context of the restricted standard (no privilege escalation, every
    capability dropped) on a read-only root filesystem; the pod's context sets the rest."""
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


def pod_security_labels(level: str = "restricted", version: str | None = None) -> dict[str, str]:
    """The Pod Security admission labels of a namespace: enforce, audit and warn at `level`,
    pinned to a standard's `version` (e.g. `v1.30`) when given."""
    labels = {}
    for mode in ("enforce", "audit", "warn"):
        labels[f"pod-security.kubernetes.io/{mode}"] = level
        if version is not None:
            labels[f"pod-security.kubernetes.io/{mode}-version"] = version
    return labels
