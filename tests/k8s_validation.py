"""Validation of rendered Kubernetes objects against the real schemas, shared by component tests.

- Built-in kinds: `kubernetes-validate` in strict mode (unknown fields are errors) for the
  stack's Kubernetes version.
- Custom resources (Traefik, cert-manager, Prometheus): `jsonschema` against the
  `openAPIV3Schema` of the served CRD version in `tests/reference/crds`, tightened so that
  fields the schema does not know are errors (the API server would silently prune them).
- Helm values: `jsonschema` against the chart's own `values.schema.json`.
- Pods: the restricted Pod Security Standard through the policies' `restricted_violations`.

The reference data is vendored in `tests/reference/` (its README names each file's upstream source
and version); `reference_data_dir()` is the only place that knows where.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from odoo_platform.policies.kubernetes import restricted_violations

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DATA = Path(__file__).resolve().parent / "reference"

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")
_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
_POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def reference_data_dir() -> Path:
    """`tests/reference`: CRD schemas and chart values schemas (see its README)."""
    return REFERENCE_DATA


@functools.cache
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """`(apiVersion, kind)` -> the CRD's `openAPIV3Schema`, for every served version."""
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted((reference_data_dir() / "crds").glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if version.get("served", True):
                    key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                    schemas[key] = _closed(version["schema"]["openAPIV3Schema"])
    return schemas


def _closed(schema: Any) -> Any:
    """The schema with unknown properties forbidden wherever the CRD lists its properties."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    if (
        "properties" in closed
        and "additionalProperties" not in closed
        and not closed.get("x-kubernetes-preserve-unknown-fields")
    ):
        closed["additionalProperties"] = False
    return closed


def custom_resource_kinds() -> set[tuple[str, str]]:
    return set(crd_schemas())


def validate_manifest(obj: Mapping[str, Any], k8s_version: str) -> None:
    """Raise AssertionError naming the object and every problem when it is not valid."""
    what = f"{obj.get('kind')} {obj.get('metadata', {}).get('name')!r}"
    key = (str(obj.get("apiVersion")), str(obj.get("kind")))
    problems = _metadata_problems(obj)
    schema = crd_schemas().get(key)
    if schema is not None:
        problems += _jsonschema_problems(schema, obj, jsonschema.Draft7Validator)
    elif _is_custom_group(key[0]):
        raise AssertionError(f"{what}: no CRD schema for {key} in {reference_data_dir() / 'crds'}")
    else:
        problems += _builtin_problems(dict(obj), k8s_version)
    if problems:
        raise AssertionError(f"{what} is not valid:\n  " + "\n  ".join(problems))


def _is_custom_group(api_version: str) -> bool:
    """Built-in API groups are `v1`, single words (`apps`) or end in `.k8s.io`."""
    group = api_version.rpartition("/")[0]
    return "." in group and not group.endswith(".k8s.io")


def _builtin_problems(obj: dict[str, Any], k8s_version: str) -> list[str]:
    if kubernetes_validate.utils.major_minor(k8s_version) > kubernetes_validate.latest_version():
        raise AssertionError(
            f"kubernetes-validate {kubernetes_validate.version.__version__} knows Kubernetes up to "
            f"{kubernetes_validate.latest_version()}, not {k8s_version}: upgrade it"
        )
    try:
        kubernetes_validate.validate(obj, k8s_version, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.absolute_path) or "<root>"
        return [f"{path}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [error.message]
    return []


def _jsonschema_problems(
    schema: Mapping[str, Any], instance: Any, validator: type[jsonschema.protocols.Validator]
) -> list[str]:
    errors = validator(schema).iter_errors(instance)
    return [
        f"{'.'.join(str(part) for part in error.absolute_path) or '<root>'}: {error.message}"
        for error in sorted(errors, key=lambda e: list(map(str, e.absolute_path)))
    ]


def _metadata_problems(obj: Mapping[str, Any]) -> list[str]:
    """What CRD schemas leave open (`metadata: {type: object}`) but the API server checks."""
    metadata = obj.get("metadata") or {}
    problems = []
    name = metadata.get("name")
    if not isinstance(name, str) or not _DNS_SUBDOMAIN.match(name):
        problems.append(f"metadata.name {name!r} is not a DNS subdomain name")
    for field in ("labels", "annotations"):
        for label_key in metadata.get(field) or {}:
            if not _LABEL_KEY.match(label_key):
                problems.append(f"metadata.{field} key {label_key!r} is not a qualified name")
    for label_key, value in (metadata.get("labels") or {}).items():
        if not isinstance(value, str) or not _LABEL_VALUE.match(value):
            problems.append(f"metadata.labels[{label_key!r}] value {value!r} is not valid")
    return problems


@functools.cache
def _values_schema(chart: str, version: str) -> dict[str, Any]:
    path = reference_data_dir() / "helm-values-schemas" / f"{chart}-{version}.values.schema.json"
    if not path.is_file():
        raise FileNotFoundError(f"no values schema for chart {chart} {version} at {path}")
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def validate_helm_values(chart: str, version: str, values: Mapping[str, Any]) -> None:
    """Raise AssertionError listing every way `values` fails the chart's values schema."""
    schema = _values_schema(chart, version)
    problems = _jsonschema_problems(schema, values, jsonschema.Draft202012Validator)
    if problems:
        raise AssertionError(f"{chart} {version} values are not valid:\n  " + "\n  ".join(problems))


def pod_spec_of(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod spec of a Pod or a workload kind's pod template; None for other kinds."""
    path = _POD_SPEC_PATHS.get(str(obj.get("kind")))
    if path is None:
        return None
    node: Any = obj
    for part in path:
        node = (node or {}).get(part)
    return node if isinstance(node, Mapping) else None


def assert_restricted(pod_spec: Mapping[str, Any]) -> None:
    """Fail with every reason the pod spec does not meet the restricted Pod Security Standard."""
    violations = restricted_violations(copy.deepcopy(dict(pod_spec)))
    assert not violations, "restricted Pod Security Standard violated:\n  " + "\n  ".join(
        violations
    )


def validate_helm_value_keys(
    chart: str, version: str, values: Mapping[str, Any], free_form: tuple[str, ...] = ()
) -> None:
    """For a chart without a values.schema.json: every key we set is one of the chart's
    `values.yaml` (vendored in `helm-values/`), so a misspelt key cannot be silently ignored.

    The chart's empty maps (`annotations: {}`) and the dotted paths in `free_form` take any key.
    """
    path = reference_data_dir() / "helm-values" / f"{chart}-{version}.values.yaml"
    reference = yaml.safe_load(path.read_text())
    problems: list[str] = []

    def walk(ours: Mapping[str, Any], theirs: Mapping[str, Any], prefix: str) -> None:
        for key, value in ours.items():
            where = f"{prefix}{key}"
            if key not in theirs:
                problems.append(f"{where}: not a value of the chart")
            elif (
                isinstance(value, Mapping)
                and isinstance(theirs[key], Mapping)
                and theirs[key]
                and where not in free_form
            ):
                walk(value, theirs[key], f"{where}.")

    walk(values, reference, "")
    if problems:
        raise AssertionError(f"{chart} {version} values:\n  " + "\n  ".join(problems))
