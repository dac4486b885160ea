"""What differs between the Pulumi SDK releases pyproject admits, in one place.

From 3.231 (the lowest the pinned providers admit) to the pinned release, the SDK changed how
mock settings learn the monitor's features, what a mock resource is told, and the collection of
outstanding outputs. The harness asks here instead of assuming one release.
"""

from __future__ import annotations

import inspect
from typing import Any

from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings
from pulumi.runtime.proto import provider_pb2, resource_pb2

_RESOURCE_ARGS = frozenset(inspect.signature(pulumi_mocks.MockResourceArgs.__init__).parameters)


def mock_settings(monitor: Any, **values: Any) -> Any:
    """Settings for a mock run, as the SDK's own `set_mocks` makes them.

    Releases whose mock monitor answers `GetDeploymentInfo` (3.24x on) are given the monitor's
    features up front (and no callback server); older ones ask `SupportsFeature` as they go.
    """
    if hasattr(monitor, "GetDeploymentInfo"):
        features = set(monitor.GetDeploymentInfo(None).supportedFeatures)
        values.update(monitor_features=features, callbacks=None)
    return pulumi_mocks.MockSettings(monitor=monitor, **values)


def no_outstanding_outputs() -> Any:
    """An empty collection of outstanding outputs of the kind this release's settings keep (a set
    from 3.24x, a deque before): a failed run leaves its pending tasks in the old one. (Not a new
    `Settings()`: its fields are context variables, which that would reset.)"""
    return type(settings.SETTINGS.outputs)()


def resource_args(request: Any, inputs: dict[str, Any]) -> Any:
    """What `Mocks.new_resource` is told about a registration (transforms only where known)."""
    extra: dict[str, Any] = {}
    if "transforms" in _RESOURCE_ARGS:
        extra["transforms"] = pulumi_mocks._resolve_callbacks(request.transforms)
    return pulumi_mocks.MockResourceArgs(
        typ=request.type,
        name=request.name,
        inputs=inputs,
        provider=request.provider,
        resource_id=request.importId,
        custom=request.custom or False,
        **extra,
    )


def invoke_response(**fields: Any) -> Any:
    """The monitor's answer to an invoke: `ResourceInvokeResponse` from 3.24x, the provider
    protocol's `InvokeResponse` before."""
    response = getattr(resource_pb2, "ResourceInvokeResponse", None) or provider_pb2.InvokeResponse
    return response(**fields)
