"""The shared restricted pod security helpers meet the restricted Pod Security Standard."""

from __future__ import annotations

import pytest

from odoo_platform.components._shared.k8s import (
    pod_security_labels,
    restricted_container_security,
    restricted_pod_security,
)
from odoo_platform.policies.kubernetes import restricted_violations


def _pod(**container_security: int) -> dict[str, object]:
    return {
        "securityContext": restricted_pod_security(100, 101, fs_group=101),
        "containers": [
            {
                "name": "app",
                "image": "odoo:18.0",
                "securityContext": restricted_container_security(**container_security),
            }
        ],
    }


@pytest.mark.parametrize("container_user", [{}, {"uid": 70}])
def test_a_pod_built_from_the_helpers_is_restricted(container_user: dict[str, int]) -> None:
    assert restricted_violations(_pod(**container_user)) == []


def test_pod_and_container_users_and_groups() -> None:
    assert restricted_pod_security(70) == {
        "runAsNonRoot": True,
        "runAsUser": 70,
        "runAsGroup": 70,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert restricted_pod_security(100, 101, fs_group=101)["fsGroup"] == 101
    container = restricted_container_security(70)
    assert (container["runAsUser"], container["runAsGroup"]) == (70, 70)
    assert "runAsUser" not in restricted_container_security()


def test_root_is_refused() -> None:
    with pytest.raises(ValueError, match="uid 0"):
        restricted_pod_security(0)


def test_namespace_labels_enforce_audit_and_warn_the_latest_restricted_level() -> None:
    assert pod_security_labels() == {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": "latest",
    }
