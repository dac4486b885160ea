"""The reusable pod-template helpers: restricted_violations, pod_spec_of, selectors, images."""

from __future__ import annotations

from typing import Any

import pytest
from policy_samples import BACKUP_JOB, DROP, WEB, WEB_POD, edit

from odoo_platform.policies import image_pin_problem, pod_spec_of, restricted_violations
from odoo_platform.policies.kubernetes import host_access_violations, selector_matches

C = "containers.0.securityContext"
UNCONFINED = "seccompProfile.type is Unconfined, not RuntimeDefault or Localhost"


def broken(changes: dict[str | tuple[str, ...], object]) -> list[str]:
    return restricted_violations(edit(WEB_POD, changes))


def test_compliant_pod_has_no_violations() -> None:
    assert restricted_violations(WEB_POD) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # Settings may live at pod level, container level, or both; the container wins.
        (
            {
                "securityContext": {},
                f"{C}.runAsNonRoot": True,
                f"{C}.seccompProfile": {"type": "Localhost", "localhostProfile": "odoo.json"},
            },
            [],
        ),
        ({f"{C}.runAsNonRoot": False}, ["container odoo: runAsNonRoot is not true"]),
        (
            {f"{C}.seccompProfile.type": "Unconfined"},
            ["container odoo: seccompProfile.type is Unconfined, not RuntimeDefault or Localhost"],
        ),
        ({"securityContext.runAsUser": 0}, ["securityContext.runAsUser is 0"]),
        (
            {"securityContext.runAsNonRoot": False, f"{C}.runAsNonRoot": True},
            ["securityContext.runAsNonRoot is false"],
        ),
        (
            {"securityContext.seccompProfile.type": "Unconfined"},
            [
                "securityContext.seccompProfile.type is Unconfined",
                f"container odoo: {UNCONFINED}",
            ],
        ),
        (
            {
                "securityContext.seccompProfile.type": "Unconfined",
                f"{C}.seccompProfile.type": "RuntimeDefault",
            },
            ["securityContext.seccompProfile.type is Unconfined"],
        ),
        ({f"{C}.runAsNonRoot": None}, []),
        ({f"{C}.runAsUser": 0.0}, ["container odoo: runAsUser is 0"]),
        (
            {f"{C}.allowPrivilegeEscalation": DROP},
            ["container odoo: allowPrivilegeEscalation is not false"],
        ),
        ({f"{C}.capabilities.add": ["NET_BIND_SERVICE"]}, []),
        (
            {f"{C}.capabilities.drop": ["NET_RAW"]},
            ["container odoo: capabilities.drop does not include ALL"],
        ),
        ({f"{C}.procMount": "Unmasked"}, ["container odoo: procMount is Unmasked"]),
        (
            {f"{C}.appArmorProfile.type": "Unconfined"},
            ["container odoo: appArmorProfile.type is Unconfined"],
        ),
        (
            {f"{C}.seLinuxOptions": {"type": "spc_t"}},
            ["container odoo: seLinuxOptions.type is spc_t"],
        ),
        (
            {"securityContext.seLinuxOptions": {"user": "root"}},
            ["securityContext.seLinuxOptions sets a user or role"],
        ),
        (
            {
                "securityContext.sysctls": [
                    {"name": "net.ipv4.tcp_syncookies", "value": "1"},
                    {"name": "kernel.msgmax", "value": "1"},
                ]
            },
            ["securityContext.sysctls kernel.msgmax is not a safe sysctl"],
        ),
        (
            {"volumes.0": {"name": "data", "awsElasticBlockStore": {"volumeID": "vol-1"}}},
            ["volume data has type awsElasticBlockStore, not allowed by the restricted profile"],
        ),
        (
            {"hostNetwork": True, "volumes.0": {"name": "root", "hostPath": {"path": "/"}}},
            ["hostNetwork is true", "volume root is a hostPath"],
        ),
        (
            {f"{C}.windowsOptions.hostProcess": True},
            ["container odoo: windowsOptions.hostProcess is true"],
        ),
    ],
)
def test_restricted_violations(
    changes: dict[str | tuple[str, ...], object], expected: list[str]
) -> None:
    assert broken(changes) == expected


def test_init_and_ephemeral_containers_are_checked() -> None:
    bare = {"name": "debug", "image": "busybox:1.36"}
    pod = {**WEB_POD, "initContainers": [{**bare, "name": "wait"}], "ephemeralContainers": [bare]}
    found = restricted_violations(pod)
    assert "initContainer wait: allowPrivilegeEscalation is not false" in found
    assert "ephemeralContainer debug: capabilities.drop does not include ALL" in found
    # runAsNonRoot and seccomp are inherited from the pod, so only the container-only controls fail.
    assert len(found) == 4


def test_host_access_is_a_subset_of_restricted() -> None:
    pod = edit(
        WEB_POD, {"hostPID": True, f"{C}.privileged": True, f"{C}.allowPrivilegeEscalation": True}
    )
    host = host_access_violations(pod)
    assert host == ["hostPID is true", "container odoo: privileged"]
    assert restricted_violations(pod)[: len(host)] == host
    assert "container odoo: allowPrivilegeEscalation is not false" in restricted_violations(pod)


@pytest.mark.parametrize(
    ("resource_type", "props", "expected"),
    [
        ("kubernetes:apps/v1:Deployment", WEB, WEB_POD),
        (
            "kubernetes:batch/v1:CronJob",
            BACKUP_JOB,
            BACKUP_JOB["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        ),
        ("kubernetes:core/v1:Pod", {"spec": WEB_POD}, WEB_POD),
        ("kubernetes:batch/v1:Job", {"spec": {"template": {"spec": WEB_POD}}}, WEB_POD),
        ("kubernetes:apps/v1:StatefulSet", {"spec": {}}, {}),
        ("kubernetes:core/v1:Service", {"spec": {"ports": []}}, None),
        ("kubernetes:helm.sh/v3:Release", {"values": {}}, None),
    ],
)
def test_pod_spec_of(resource_type: str, props: dict[str, Any], expected: object) -> None:
    assert pod_spec_of(resource_type, props) == expected


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        ("odoo:18.0", None),
        ("ghcr.io/acme/odoo:18.0-20250101", None),
        ("registry:5000/odoo@sha256:" + "0" * 64, None),
        ("odoo", "image odoo has no tag"),
        ("registry:5000/odoo", "image registry:5000/odoo has no tag"),
        (
            "docker.io/library/odoo:latest",
            "image docker.io/library/odoo:latest uses the mutable tag latest",
        ),
        (None, "has no image"),
    ],
)
def test_image_pin_problem(image: object, problem: str | None) -> None:
    assert image_pin_problem(image) == problem


LABELS = {"app": "odoo", "tier": "web"}


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ({}, True),  # an empty selector selects every pod
        (None, False),  # a null selector selects none
        ({"matchLabels": {"app": "odoo"}}, True),
        ({"matchLabels": {"app": "odoo", "tier": "cron"}}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "ws"]}]}, True),
        ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["web"]}]}, False),
        ({"matchExpressions": [{"key": "canary", "operator": "NotIn", "values": ["yes"]}]}, True),
        ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, True),
        ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, False),
        ({"matchExpressions": [{"key": "app", "operator": "Bogus"}]}, False),
    ],
)
def test_selector_matches(selector: object, matches: bool) -> None:
    assert selector_matches(selector, LABELS) is matches
