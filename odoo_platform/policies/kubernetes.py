"""Kubernetes rules: Pod Security Standards, resources, probes, images, tenant guardrails.

The pod-template helpers (`pod_spec_of`, `restricted_violations`, `selector_matches`, ...) are
public: component tests reuse them on rendered manifests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ._props import dig, mapping, maps, number, strings
from .model import TENANT_LABEL, ResourceView, Rule, Severity, StackContext, StackRule, Violation

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota"
LIMIT_RANGE = "kubernetes:core/v1:LimitRange"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"

# Where each workload kind keeps its pod spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "kubernetes:core/v1:Pod": ("spec",),
    DEPLOYMENT: ("spec", "template", "spec"),
    STATEFUL_SET: ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:ReplicaSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
WORKLOADS = tuple(POD_SPEC_PATHS)

COMPONENT_LABEL = "app.kubernetes.io/component"
PSS_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
ODOO_CONTAINER = "odoo"

# Pod Security Standards, restricted profile (Kubernetes 1.30).
RESTRICTED_VOLUME_TYPES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
ALLOWED_ADD_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})
ALLOWED_PROFILE_TYPES = frozenset({"RuntimeDefault", "Localhost"})
ALLOWED_SELINUX_TYPES = frozenset(
    {"container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
)
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


# --- pod templates ---------------------------------------------------------------------------


def pod_spec_of(resource_type: str, props: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod spec of a workload (Pod, Deployment, ..., CronJob); None for other kinds."""
    path = POD_SPEC_PATHS.get(resource_type)
    if path is None:
        return None
    return mapping(dig(props, *path))


def pod_labels_of(resource_type: str, props: Mapping[str, Any]) -> Mapping[str, Any]:
    """The labels the workload's pods get."""
    path = POD_SPEC_PATHS.get(resource_type, ())
    return mapping(dig(props, *path[:-1], "metadata", "labels"))


def containers_of(pod_spec: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(label, container) for every init, regular and ephemeral container."""
    for key in CONTAINER_LISTS:
        for index, container in enumerate(maps(pod_spec.get(key))):
            kind = key.removesuffix("s")
            yield f"{kind} {container.get('name', index)}", container


def _security(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return mapping(value.get("securityContext"))


# --- Pod Security Standards -------------------------------------------------------------------


def host_access_violations(pod_spec: Mapping[str, Any]) -> list[str]:
    """Ways a pod reaches into its node: host namespaces, hostPath, hostPort, privileged."""
    found = [
        f"{key} is true"
        for key in ("hostNetwork", "hostPID", "hostIPC")
        if pod_spec.get(key) is True
    ]
    found += [
        f"volume {v.get('name')} is a hostPath"
        for v in maps(pod_spec.get("volumes"))
        if "hostPath" in v
    ]
    if dig(pod_spec, "securityContext", "windowsOptions", "hostProcess") is True:
        found.append("windowsOptions.hostProcess is true")
    for label, container in containers_of(pod_spec):
        security = _security(container)
        if security.get("privileged") is True:
            found.append(f"{label}: privileged")
        if dig(security, "windowsOptions", "hostProcess") is True:
            found.append(f"{label}: windowsOptions.hostProcess is true")
        ports = [number(p.get("hostPort")) for p in maps(container.get("ports"))]
        found += [f"{label}: hostPort {port}" for port in ports if port]
    return found


def hardening_violations(pod_spec: Mapping[str, Any]) -> list[str]:
    """The restricted-profile controls other than host access."""
    pod_security = _security(pod_spec)
    found = _pod_level_violations(pod_spec, pod_security)
    for label, container in containers_of(pod_spec):
        found += [
            f"{label}: {problem}" for problem in _container_violations(container, pod_security)
        ]
    return found


def restricted_violations(pod_spec: Mapping[str, Any]) -> list[str]:
    """Every way a pod spec misses the restricted Pod Security Standard; [] when it meets it."""
    return host_access_violations(pod_spec) + hardening_violations(pod_spec)


def _pod_level_violations(pod_spec: Mapping[str, Any], security: Mapping[str, Any]) -> list[str]:
    found = [
        f"volume {v.get('name')} has type {kind}, not allowed by the restricted profile"
        for v in maps(pod_spec.get("volumes"))
        if (kind := _volume_type(v)) not in RESTRICTED_VOLUME_TYPES and kind != "hostPath"
    ]
    # Explicit pod-level settings are judged even where every container overrides them.
    if security.get("runAsNonRoot") is False:
        found.append("securityContext.runAsNonRoot is false")
    if number(security.get("runAsUser")) == 0:
        found.append("securityContext.runAsUser is 0")
    seccomp = dig(security, "seccompProfile", "type")
    if seccomp is not None and seccomp not in ALLOWED_PROFILE_TYPES:
        found.append(f"securityContext.seccompProfile.type is {seccomp}")
    found += [
        f"securityContext.sysctls {name} is not a safe sysctl"
        for name in (s.get("name") for s in maps(security.get("sysctls")))
        if name not in SAFE_SYSCTLS
    ]
    found += [f"securityContext.{problem}" for problem in _lsm_violations(security)]
    return found


def _volume_type(volume: Mapping[str, Any]) -> str:
    return next((key for key in volume if key != "name"), "unknown")


def _container_violations(container: Mapping[str, Any], pod: Mapping[str, Any]) -> Iterator[str]:
    security = _security(container)
    if _effective(security, pod, "runAsNonRoot") is not True:
        yield "runAsNonRoot is not true"
    if number(security.get("runAsUser")) == 0:
        yield "runAsUser is 0"
    if security.get("allowPrivilegeEscalation") is not False:
        yield "allowPrivilegeEscalation is not false"
    yield from _capability_violations(mapping(security.get("capabilities")))
    seccomp = dig(_effective(security, pod, "seccompProfile"), "type")
    if seccomp not in ALLOWED_PROFILE_TYPES:
        yield f"seccompProfile.type is {seccomp or 'unset'}, not RuntimeDefault or Localhost"
    if security.get("procMount") not in (None, "Default"):
        yield f"procMount is {security.get('procMount')}"
    yield from _lsm_violations(security)


def _effective(container: Mapping[str, Any], pod: Mapping[str, Any], key: str) -> Any:
    # A container setting overrides the pod's; unset (or null) inherits it.
    value = container.get(key)
    return pod.get(key) if value is None else value


def _capability_violations(capabilities: Mapping[str, Any]) -> Iterator[str]:
    if "ALL" not in strings(capabilities.get("drop")):
        yield "capabilities.drop does not include ALL"
    extra = sorted(set(strings(capabilities.get("add"))) - ALLOWED_ADD_CAPABILITIES)
    if extra:
        yield f"capabilities.add has {', '.join(extra)} (only NET_BIND_SERVICE is allowed)"


def _lsm_violations(security: Mapping[str, Any]) -> Iterator[str]:
    apparmor = dig(security, "appArmorProfile", "type")
    if apparmor is not None and apparmor not in ALLOWED_PROFILE_TYPES:
        yield f"appArmorProfile.type is {apparmor}"
    selinux = mapping(security.get("seLinuxOptions"))
    if selinux.get("type") and selinux.get("type") not in ALLOWED_SELINUX_TYPES:
        yield f"seLinuxOptions.type is {selinux.get('type')}"
    if selinux.get("user") or selinux.get("role"):
        yield "seLinuxOptions sets a user or role"


# --- resource rules -------------------------------------------------------------------------


def _pod_spec(view: ResourceView) -> Mapping[str, Any]:
    return pod_spec_of(view.type, view.props) or {}


def _pss_host_isolation(view: ResourceView) -> Iterator[str]:
    yield from host_access_violations(_pod_spec(view))


def _pss_restricted(view: ResourceView) -> Iterator[str]:
    yield from hardening_violations(_pod_spec(view))


_RESOURCE_KEYS = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")


def _resources(view: ResourceView) -> Iterator[str]:
    for label, container in containers_of(_pod_spec(view)):
        if label.startswith("ephemeralContainer"):  # the API forbids resources on these
            continue
        resources = mapping(container.get("resources"))
        missing = [key for key in _RESOURCE_KEYS if not dig(resources, *key.split("."))]
        if missing:
            yield f"{label}: missing {', '.join(missing)}"


def image_pin_problem(image: object) -> str | None:
    """Why an image reference is not pinned, or None when it has a version tag or a digest."""
    if not isinstance(image, str) or not image:
        return "has no image"
    if "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]  # a registry host may carry a ':port'
    if ":" not in last:
        return f"image {image} has no tag"
    if last.rsplit(":", 1)[1] == "latest":
        return f"image {image} uses the mutable tag latest"
    return None


def _images_pinned(view: ResourceView) -> Iterator[str]:
    for label, container in containers_of(_pod_spec(view)):
        problem = image_pin_problem(container.get("image"))
        if problem:
            yield f"{label}: {problem}"


def _component(view: ResourceView) -> object:
    labels = {
        **mapping(dig(view.props, "metadata", "labels")),
        **pod_labels_of(view.type, view.props),
    }
    return labels.get(COMPONENT_LABEL)


def _odoo_containers(view: ResourceView, component: str) -> Iterator[Mapping[str, Any]]:
    if _component(view) != component:
        return
    for container in maps(_pod_spec(view).get("containers")):
        if container.get("name") == ODOO_CONTAINER:
            yield container


def _web_probes(view: ResourceView) -> Iterator[str]:
    for container in _odoo_containers(view, "web"):
        missing = [p for p in ("livenessProbe", "readinessProbe") if not container.get(p)]
        if missing:
            yield f"container odoo (web) has no {' or '.join(missing)}"


def _cron_liveness(view: ResourceView) -> Iterator[str]:
    for container in _odoo_containers(view, "cron"):
        probe = mapping(container.get("livenessProbe"))
        if not probe:
            yield "container odoo (cron) has no livenessProbe"
        elif "httpGet" in probe:
            yield "container odoo (cron) probes HTTP, but cron runs with --no-http"


def _namespace_pss_label(view: ResourceView) -> Iterator[str]:
    labels = mapping(dig(view.props, "metadata", "labels"))
    if TENANT_LABEL in labels and labels.get(PSS_ENFORCE_LABEL) != "restricted":
        yield f"tenant namespace lacks label {PSS_ENFORCE_LABEL}=restricted"


# --- stack rules ----------------------------------------------------------------------------


def namespace_of(view: ResourceView) -> str:
    # The provider puts objects without a namespace into "default".
    return str(dig(view.props, "metadata", "namespace") or "default")


def _by_namespace(resources: Sequence[ResourceView], kind: str) -> dict[str, list[ResourceView]]:
    index: dict[str, list[ResourceView]] = defaultdict(list)
    for view in resources:
        if view.type == kind:
            index[namespace_of(view)].append(view)
    return index


def _denied(policy: ResourceView) -> set[str]:
    """The directions a NetworkPolicy denies for every pod of its namespace."""
    spec = mapping(policy.props.get("spec"))
    selector = mapping(spec.get("podSelector"))
    if selector.get("matchLabels") or selector.get("matchExpressions"):
        return set()
    types = strings(spec.get("policyTypes")) or ["Ingress"]  # the API's default
    return {t for t in types if not list(maps(spec.get(t.lower())))}


def _namespace_guardrails(
    resources: Sequence[ResourceView], _context: StackContext
) -> Iterator[Violation]:
    present = {kind: _by_namespace(resources, kind) for kind in _GUARDRAIL_KINDS}
    for view in resources:
        labels = mapping(dig(view.props, "metadata", "labels"))
        if view.type != NAMESPACE or TENANT_LABEL not in labels:
            continue
        name = dig(view.props, "metadata", "name")
        if not name:
            yield Violation("tenant namespace has no metadata.name to match guardrails by", view)
            continue
        gaps = _guardrail_gaps(str(name), present)
        if gaps:
            yield Violation(f"namespace {name} lacks {', '.join(gaps)}", view)


_GUARDRAIL_KINDS = (NETWORK_POLICY, RESOURCE_QUOTA, LIMIT_RANGE)


def _guardrail_gaps(
    namespace: str, present: Mapping[str, Mapping[str, list[ResourceView]]]
) -> list[str]:
    denied: set[str] = set().union(*map(_denied, present[NETWORK_POLICY].get(namespace, [])))
    gaps = (
        []
        if {"Ingress", "Egress"} <= denied
        else ["a default-deny NetworkPolicy (Ingress and Egress)"]
    )
    for kind in (RESOURCE_QUOTA, LIMIT_RANGE):
        if not present[kind].get(namespace):
            gaps.append("a " + kind.rsplit(":", 1)[1])
    return gaps


def selector_matches(selector: object, labels: Mapping[str, Any]) -> bool:
    """Whether a LabelSelector selects pods with these labels (a null selector selects nothing)."""
    if not isinstance(selector, Mapping):
        return False
    wanted = mapping(selector.get("matchLabels"))
    if any(labels.get(key) != value for key, value in wanted.items()):
        return False
    return all(_expression_matches(e, labels) for e in maps(selector.get("matchExpressions")))


def _expression_matches(expression: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    key, operator = str(expression.get("key")), expression.get("operator")
    values = strings(expression.get("values"))
    present = key in labels
    return {
        "In": present and labels.get(key) in values,
        "NotIn": not present or labels.get(key) not in values,
        "Exists": present,
        "DoesNotExist": not present,
    }.get(str(operator), False)


def _pdb_for_replicated(
    resources: Sequence[ResourceView], _context: StackContext
) -> Iterator[Violation]:
    budgets = _by_namespace(resources, PDB)
    for view in resources:
        replicas = number(dig(view.props, "spec", "replicas"))
        if view.type not in (DEPLOYMENT, STATEFUL_SET) or replicas is None or replicas < 2:
            continue
        labels = pod_labels_of(view.type, view.props)
        candidates = budgets.get(namespace_of(view), [])
        if not any(selector_matches(dig(b.props, "spec", "selector"), labels) for b in candidates):
            message = f"{replicas} replicas but no PodDisruptionBudget in {namespace_of(view)}"
            yield Violation(f"{message} selects its pods", view)


M, A = Severity.MANDATORY, Severity.ADVISORY

KUBERNETES_RULES: tuple[Rule | StackRule, ...] = (
    Rule(
        "k8s-pod-host-isolation",
        "Pods do not share the node's network, PID or IPC namespaces, mount hostPath volumes, "
        "bind hostPorts or run privileged (Pod Security Standards baseline; CIS EKS 4.2).",
        M,
        WORKLOADS,
        "Remove hostNetwork/hostPID/hostIPC, hostPath volumes, hostPort and privileged; use a "
        "PersistentVolumeClaim or CSI volume for storage.",
        _pss_host_isolation,
    ),
    Rule(
        "k8s-pod-security-restricted",
        "Pods meet the rest of the restricted Pod Security Standard: runAsNonRoot, no root UID, "
        "allowPrivilegeEscalation false, capabilities drop ALL (add only NET_BIND_SERVICE), "
        "seccomp RuntimeDefault or Localhost, allowed volume types, safe sysctls, no custom "
        "SELinux user/role or procMount (CIS EKS 4.2). Host access is k8s-pod-host-isolation.",
        M,
        WORKLOADS,
        "Set pod securityContext {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}} and "
        "per container {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}.",
        _pss_restricted,
    ),
    Rule(
        "k8s-container-resources",
        "Every container requests and limits CPU and memory, so tenants cannot starve each "
        "other and quotas can be enforced.",
        M,
        WORKLOADS,
        "Set resources.requests and resources.limits for cpu and memory (size profiles give them).",
        _resources,
    ),
    Rule(
        "k8s-image-pinned",
        "Container images are pinned by a version tag or a digest, never latest or untagged.",
        M,
        WORKLOADS,
        "Use name:version or name@sha256:<digest>.",
        _images_pinned,
    ),
    Rule(
        "k8s-odoo-web-probes",
        f"Odoo web containers (named {ODOO_CONTAINER}, workload labelled {COMPONENT_LABEL}=web) "
        "have liveness and readiness probes.",
        A,
        WORKLOADS,
        "Probe /web/health for liveness and readiness; add a generous startupProbe.",
        _web_probes,
    ),
    Rule(
        "k8s-odoo-cron-liveness",
        f"Odoo cron containers ({COMPONENT_LABEL}=cron) have a liveness probe that does not use "
        "HTTP, since cron runs with --no-http.",
        A,
        WORKLOADS,
        "Use an exec probe (e.g. a check of the Odoo process or its heartbeat).",
        _cron_liveness,
    ),
    Rule(
        "k8s-tenant-namespace-pss-enforced",
        f"Tenant namespaces (labelled {TENANT_LABEL}) enforce the restricted Pod Security "
        "Standard at admission, which also covers pods that other tools create.",
        M,
        (NAMESPACE,),
        f"Label the namespace {PSS_ENFORCE_LABEL}=restricted.",
        _namespace_pss_label,
    ),
    StackRule(
        "k8s-tenant-namespace-guardrails",
        "Every tenant namespace has a default-deny NetworkPolicy for ingress and egress (empty "
        "podSelector, no rules), a ResourceQuota and a LimitRange (CIS EKS 4.3.2).",
        M,
        (NAMESPACE, NETWORK_POLICY, RESOURCE_QUOTA, LIMIT_RANGE),
        "Declare the namespace with explicit metadata.name and create the three objects in it; "
        "allow traffic with further, narrower NetworkPolicies.",
        _namespace_guardrails,
    ),
    StackRule(
        "k8s-pdb-for-replicated-workloads",
        "Deployments and StatefulSets with two or more replicas have a PodDisruptionBudget in "
        "their namespace that selects their pods, so node drains keep them serving.",
        A,
        (DEPLOYMENT, STATEFUL_SET, PDB),
        "Add a PodDisruptionBudget (maxUnavailable 1) whose selector matches the pod labels.",
        _pdb_for_replicated,
    ),
)
