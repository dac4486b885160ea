"""Kubernetes objects a stack declares, as YAML files for review or a GitOps controller.

Layout: `<out>/<namespace>/<NN>-<kind>-<name>.yaml`, cluster-scoped objects in `<out>/_cluster/`.
`NN` is the kind's apply rank (CRDs, then Namespaces, then the rest in dependency order, as Helm
installs), so applying the files sorted by name across folders respects apply order; the rank
depends on the kind only, so adding a tenant never renames another file.

Secret values (`data` and `stringData`) are replaced by a placeholder and the object carries an
annotation saying so; any other object fed a secret input has that input's strings redacted too.
Output is deterministic: sorted keys, sorted files, no timestamps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from odoo_platform.synthesis.harness import ProgramResult, manifest

CLUSTER_FOLDER = "_cluster"
REDACTED = "<redacted>"
REDACTION_ANNOTATION = "odoo-platform.io/redacted"
REDACTION_NOTE = (
    "values of data and stringData are redacted: Pulumi writes them to the cluster from secret "
    "outputs; a GitOps flow must source them from a secret store, never from this file"
)
HEADER = "# Rendered by `odoo-platform render` from stack {stack}. Do not edit: re-render.\n"

# Apply order by kind (Helm's install order, CRDs and Namespaces first); unknown kinds go last.
APPLY_ORDER = (
    "CustomResourceDefinition",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinitionList",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
)
UNKNOWN_KIND_RANK = len(APPLY_ORDER)

CLUSTER_SCOPED = frozenset(
    {
        "CustomResourceDefinition",
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "StorageClass",
        "PersistentVolume",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
        "CSIDriver",
        "APIService",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ClusterIssuer",
    }
)


@dataclass(frozen=True)
class RenderedFile:
    path: Path  # relative to the output folder
    kind: str
    name: str
    namespace: str | None
    text: str


def apply_rank(kind: str) -> int:
    return APPLY_ORDER.index(kind) if kind in APPLY_ORDER else UNKNOWN_KIND_RANK


def redact_secret(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A Secret with every value of `data` and `stringData` replaced, and an annotation why."""
    redacted = dict(obj)
    for key in ("data", "stringData"):
        if isinstance(obj.get(key), Mapping):
            redacted[key] = dict.fromkeys(obj[key], REDACTED)
    metadata = dict(obj.get("metadata") or {})
    metadata["annotations"] = {
        **(metadata.get("annotations") or {}),
        REDACTION_ANNOTATION: REDACTION_NOTE,
    }
    redacted["metadata"] = metadata
    return redacted


def _redact_leaves(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _redact_leaves(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_redact_leaves(v) for v in value]
    return REDACTED if isinstance(value, str) else value


def redact_secret_inputs(obj: Mapping[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    """Any other object fed a secret: every string under the keys that hold it is redacted.

    The harness knows which top-level inputs hold a secret, not where inside them, so the whole
    key's strings go; such an object breaks invariant 2 and should carry the value in a Secret.
    """
    redacted = {k: _redact_leaves(v) if k in keys else v for k, v in obj.items()}
    metadata = dict(redacted.get("metadata") or {})
    note = f"{', '.join(sorted(keys))} held a secret and were redacted; move it to a Secret"
    metadata["annotations"] = {**(metadata.get("annotations") or {}), REDACTION_ANNOTATION: note}
    redacted["metadata"] = metadata
    return redacted


def _named(obj: dict[str, Any], fallback: str) -> dict[str, Any]:
    """Pulumi auto-names objects without `metadata.name`; the file shows the logical name."""
    metadata = dict(obj.get("metadata") or {})
    metadata.setdefault("name", fallback)
    return {**obj, "metadata": metadata}


def render_objects(result: ProgramResult, stack: str) -> list[RenderedFile]:
    """Every Kubernetes object as a file, in apply order; Secret values redacted."""
    files: list[RenderedFile] = []
    for resource in result.kubernetes_objects():
        obj = _named(manifest(resource), resource.name)
        kind = str(obj["kind"])
        if kind == "Secret":
            obj = redact_secret(obj)
        elif resource.secret_inputs - {"apiVersion", "kind"}:
            obj = redact_secret_inputs(obj, resource.secret_inputs - {"apiVersion", "kind"})
        name = str(obj["metadata"]["name"])
        namespace = None if kind in CLUSTER_SCOPED else obj["metadata"].get("namespace", "default")
        folder = CLUSTER_FOLDER if namespace is None else str(namespace)
        filename = f"{apply_rank(kind):02d}-{kind.lower()}-{name}.yaml"
        text = HEADER.format(stack=stack) + yaml.safe_dump(
            obj, sort_keys=True, default_flow_style=False, allow_unicode=True
        )
        files.append(RenderedFile(Path(folder) / filename, kind, name, namespace, text))
    return sorted(files, key=lambda f: (f.path.name, str(f.path)))


class RenderError(ValueError):
    """`render --out` cannot write where it was asked to, or would clobber foreign files."""


def check_out_dir(out: Path) -> None:
    """`out` must be a folder (or not exist yet) that can be created and written."""
    if out.exists() and not out.is_dir():
        raise RenderError(f"--out {out}: is a file, not a folder")
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise RenderError(f"--out {out}: {existing} is a file, not a folder")


def _ours(path: Path) -> bool:
    """Whether a file was written by this command (it starts with our header)."""
    try:
        with path.open(encoding="utf-8") as stream:
            first = stream.readline()
    except (OSError, UnicodeDecodeError):
        return False
    return first.startswith(HEADER.split("{stack}", 1)[0])


def write_files(files: list[RenderedFile], out: Path) -> list[Path]:
    """Write the files under `out`, removing files this command rendered before for objects no
    longer declared. Files it did not write (no header) are never touched.

    Raises RenderError when two objects would share one file (same kind, name and namespace) or
    a target exists and is not one of ours, before anything is written or removed.
    """
    check_out_dir(out)
    targets = [out / f.path for f in files]
    duplicates = sorted({str(t) for t in targets if targets.count(t) > 1})
    if duplicates:
        raise RenderError(f"two objects render to the same file: {', '.join(duplicates)}")
    foreign = sorted(str(t) for t in targets if t.exists() and not (t.is_file() and _ours(t)))
    if foreign:
        raise RenderError(
            f"--out {out}: refusing to overwrite files odoo-platform render did not write: "
            f"{', '.join(foreign[:5])}{' ...' if len(foreign) > 5 else ''}; choose an empty folder"
        )
    wanted = set(targets)
    for stale in sorted(out.glob("*/[0-9][0-9]-*.yaml")):
        if stale not in wanted and _ours(stale):
            stale.unlink()
    for file, target in zip(files, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.text, encoding="utf-8")
    return targets
