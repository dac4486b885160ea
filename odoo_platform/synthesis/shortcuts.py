"""Cheaper, equivalent versions of Pulumi SDK steps for runs under mocks, each checked first.

The SDK is written for a real engine behind gRPC; under the in-process mock monitor some of its
steps cost more than the work (docs/performance.md). Every replacement of an SDK symbol lives
here, and names the symbol and the shape it expects (coroutine or not, parameter names, the
other SDK symbols it uses). A shortcut applies only if the installed SDK is in `TESTED_SDK` and
the symbol has that shape; otherwise the harness takes the SDK's own path: slower, same results.
`ODOO_PLATFORM_SDK_SHORTCUTS=0` turns them all off (tests compare both ways).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import gc
import importlib.metadata
import inspect
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pulumi
from pulumi import _types as pulumi_types
from pulumi import output as pulumi_output
from pulumi.runtime import known_types, rpc, settings, sync_await
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import stack as pulumi_stack
from pulumi.runtime.proto import resource_pb2

from odoo_platform.synthesis import serialization, stack_traces
from odoo_platform.synthesis.translation import (
    translate_output_properties as _translate_output_properties,
)

ENV_VAR = "ODOO_PLATFORM_SDK_SHORTCUTS"
# The pulumi releases the shortcuts were run against (tests/testing, tests/test_golden_urns.py):
# the lowest the pinned providers admit and the pinned one. A release outside turns them off.
TESTED_SDK = ((3, 231, 0), (3, 272, 0))
_LEAVES = frozenset({str, int, float, bool, type(None)})


def sdk_version() -> tuple[int, ...]:
    text = importlib.metadata.version("pulumi")
    return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())


def requested() -> bool:
    """Whether shortcuts are wanted: not turned off, and an SDK release they were tested with."""
    lowest, highest = TESTED_SDK
    return os.environ.get(ENV_VAR, "1") != "0" and lowest <= sdk_version() <= highest


@dataclass(frozen=True)
class Shortcut:
    """`module.attribute` replaced by `replacement`, if it has the shape it was written for."""

    module: ModuleType
    attribute: str
    replacement: Callable[..., Any]
    parameters: tuple[str, ...]
    needs: tuple[tuple[Any, str], ...] = ()  # (object, attribute) the replacement uses
    # (object, attribute, parameters) the replacement calls, with those parameters
    calls: tuple[tuple[Any, str, tuple[str, ...]], ...] = ()

    @property
    def name(self) -> str:
        return f"{self.module.__name__}.{self.attribute}"

    def fits(self) -> bool:
        original = getattr(self.module, self.attribute, None)
        if original is None:
            return False
        if original is self.replacement:
            return True  # applied by a run in progress
        if _ORIGINALS.get(self.name, original) is not original:
            return False  # another function than the SDK's, which this one wraps, is installed
        try:
            parameters = tuple(inspect.signature(original).parameters)
        except (TypeError, ValueError):
            return False
        return (
            parameters == self.parameters
            and inspect.iscoroutinefunction(original)
            == inspect.iscoroutinefunction(self.replacement)
            and all(hasattr(owner, attribute) for owner, attribute in self.needs)
            and all(_parameters(owner, name) == shape for owner, name, shape in self.calls)
        )


def _parameters(owner: Any, attribute: str) -> tuple[str, ...] | None:
    try:
        return tuple(inspect.signature(getattr(owner, attribute)).parameters)
    except (AttributeError, TypeError, ValueError):
        return None


# --- the linear wait for outstanding outputs ---------------------------------------------------


async def _wait_for_rpcs_linearly(await_all_outstanding_tasks: bool = True) -> None:
    """Pulumi's `wait_for_rpcs`, awaiting the outstanding outputs one after another.

    The SDK re-waits on every pending output (`asyncio.wait(..., FIRST_COMPLETED)`) each time one
    completes, which is quadratic in the number of outputs. Awaiting them in turn waits for the
    same set, surfaces the same errors and is linear.
    """
    rpc_manager = settings._get_rpc_manager()
    while True:
        while rpc_manager.rpcs:
            await asyncio.sleep(0)
            try:
                await rpc_manager.rpcs.pop()
            except Exception as error:
                cause = rpc_manager.unhandled_exception
                if cause is not None:
                    raise error from cause.with_traceback(rpc_manager.exception_traceback)
                raise
        if rpc_manager.unhandled_exception is not None:
            raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
        if await_all_outstanding_tasks:
            while True:
                with settings.SETTINGS.lock:
                    pending = list(settings.SETTINGS.outputs)
                    settings.SETTINGS.outputs.clear()
                if not pending:
                    break
                for task in pending:
                    await task
        if not rpc_manager.rpcs:
            break


# --- no debug-channel messages -----------------------------------------------------------------


def _drop_debug_message(
    msg: str, resource: Any = None, stream_id: int | None = None, ephemeral: bool | None = None
) -> None:
    """The debug channel, which `pulumi up` shows only with `--debug`: the SDK sends a few
    messages per resource (RPCs begun, resources registered) that nothing here reads."""


# --- plain leaves pass through (de)serialization untouched -------------------------------------

_ORIGINALS: dict[str, Callable[..., Any]] = {
    "pulumi.runtime.rpc.contains_unknowns": rpc.contains_unknowns,
    "pulumi.runtime.rpc.deserialize_properties": rpc.deserialize_properties,
    "pulumi.runtime.rpc.serialize_property": rpc.serialize_property,
    "pulumi.runtime.rpc.translate_output_properties": rpc.translate_output_properties,
}


async def _serialize_property(  # noqa: PLR0917 - the SDK's signature
    value: Any,
    deps: Any,
    property_key: Any,
    resource_obj: Any = None,
    input_transformer: Any = None,
    typ: Any = None,
    keep_output_values: bool = False,
    exclude_resource_refs_from_deps: bool = False,
    return_protobuf_value: bool = False,
) -> Any:
    """`rpc.serialize_property`, answering a plain str/number/bool/None at once, and a dict or
    list of only those in one walk (`serialization.plain_value`).

    The SDK runs a leaf through a dozen type tests (sequence, unknown, resource, asset, archive,
    awaitable, output, input type, mapping) and unwraps its annotation, to return it unchanged.
    """
    if not return_protobuf_value:
        kind = type(value)
        if kind in _LEAVES:
            return value
        if kind is dict or kind is list:
            try:
                return serialization.plain_value(value, typ, input_transformer)
            except (serialization.NotPlainError, TypeError):  # TypeError: unhashable annotation
                pass  # the SDK's to serialize (its recursion comes back here for each part)
    return await _ORIGINALS["pulumi.runtime.rpc.serialize_property"](
        value,
        deps,
        property_key,
        resource_obj,
        input_transformer,
        typ,
        keep_output_values,
        exclude_resource_refs_from_deps,
        return_protobuf_value,
    )


_NOT_CACHED = object()


def _transfer_properties(res: Any, props: Any, custom: bool) -> dict[str, Any]:
    """`rpc.transfer_properties`: each output property of a new resource, with one future.

    The SDK gives each output four futures (value, known, secret, dependencies) and a task that
    awaits them in turn to build the output's data; a resource with 30 outputs schedules some 150
    loop callbacks. Here the resolver sets the output's data future at once, with the same data
    (`_OutputData`, which marks a value with unknowns unknown) or the same exception.
    """
    resolvers: dict[str, Any] = {}
    loop = asyncio.get_event_loop()
    for name in props:
        if name == "urn" or (name == "id" and custom):
            continue  # the SDK resolves these itself
        data = loop.create_future()
        resolvers[name] = functools.partial(_resolve_output, res, data)
        res.__dict__[name] = pulumi.Output._from_data(data)
    return resolvers


def _resolve_output(  # noqa: PLR0917 - the SDK's resolver signature
    res: Any,
    data: asyncio.Future[Any],
    value: Any,
    is_known: bool,
    is_secret: bool,
    deps: Any,
    failed: Exception | None,
) -> None:
    if data.done():
        # Resolved already: the SDK resolves every output with the error when a registration
        # fails after resolving some of them (`resolve_outputs_due_to_exception`), and an error
        # here would leave the rest unresolved, and the run waiting for them forever.
        return
    if failed is not None:
        data.set_exception(failed)
        return
    resources = {*deps, res} if deps else {res}
    data.set_result(
        pulumi_output._OutputData(
            resources=resources, value=value, is_known=is_known, is_secret=is_secret
        )
    )


def _contains_unknowns(val: Any) -> bool:
    """`rpc.contains_unknowns` (run on every output's value as it resolves, and each time an
    output is awaited): plain leaves pass at once, and dicts and lists (the bulk of a Kubernetes
    object or a policy) are walked without asking whether each is an unknown, which they are not.
    """
    if type(val) in _LEAVES:
        return False
    return _unknowns_in(val, set())


def _unknowns_in(item: Any, seen: set[int]) -> bool:
    kind = type(item)
    if kind is not dict and kind is not list:
        if known_types.is_unknown(item):
            return True
        if not isinstance(item, (dict, list)):
            return False  # as the SDK: only dicts and lists are looked into
    if id(item) in seen:
        return False  # a value met before (shared, or a cycle)
    seen.add(id(item))
    # as the SDK, a dict's values by `item[key]` (an output type is a dict subclass)
    values = item.values() if kind is dict else item if kind is list else _members(item)
    for value in values:  # noqa: SIM110 - a loop, not a generator per dict or list
        if type(value) not in _LEAVES and _unknowns_in(value, seen):
            return True
    return False


def _members(item: Any) -> Any:
    return [item[key] for key in item] if isinstance(item, dict) else item


# --- the harness's own steps: the monitor's calls and answers ----------------------------------


class _InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs the SDK's monitor calls on the event loop's own thread, as they are made.

    The SDK sends every RPC through `loop.run_in_executor` because a real monitor is a gRPC
    server. The mock monitor answers in microseconds, so the hop to a worker thread and back
    (and the GIL contention between worker threads and the loop) cost more than the answer.
    """

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # raised where the SDK awaits the call, as from a thread
            future.set_exception(error)
        return future


_active = False


@contextlib.contextmanager
def applied(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Apply the shortcuts that fit (if `requested()`) for one run on `loop`."""
    global _active  # noqa: PLW0603 - one run at a time, as the SDK's own settings
    with contextlib.ExitStack() as patches:
        if requested():
            loop.set_default_executor(_InlineExecutor(max_workers=1))
            for shortcut in SHORTCUTS:
                if shortcut.fits():
                    patches.enter_context(
                        _patched(shortcut.module, shortcut.attribute, shortcut.replacement)
                    )
            _active = True
            patches.callback(_deactivate)
            patches.callback(_answers.clear)
            patches.enter_context(_collector_for_a_run())
        yield


# Collect the youngest generation every 20 000 new container objects, not 700 (CPython's default):
# a registration makes hundreds (futures, Outputs, dicts), almost all alive until the run ends.
GC_THRESHOLDS = (20_000, 10, 10)


@contextlib.contextmanager
def _collector_for_a_run() -> Iterator[None]:
    """The garbage collector tuned to a run, which keeps nearly everything it makes until it ends.

    With CPython's defaults the collector took about half of a plan's CPU (docs/performance.md):
    it examined each new object many times over, though almost none is garbage, and each full
    collection traversed every object of the process, hundreds of thousands this run did not make
    (the provider SDKs' modules, a warm-up's or earlier tests' objects). For the run, those are set
    aside (`gc.freeze()`) and the young generation is collected less often; reference counting
    still frees everything acyclic at once, and the defaults and the set-aside objects are back
    when the run ends.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _deactivate() -> None:
    global _active  # noqa: PLW0603
    _active = False


@contextlib.contextmanager
def _patched(target: Any, name: str, replacement: Any) -> Iterator[None]:
    original = getattr(target, name)
    setattr(target, name, replacement)
    try:
        yield
    finally:
        setattr(target, name, original)


def serialize(values: dict[str, Any]) -> Any:
    """`rpc.serialize_properties(values)` for the monitor's answers, as the SDK's mock monitor
    runs it (`_sync_await`), or with shortcuts driven to completion here when nothing in it awaits
    (mock values are plain), which saves an event loop round per answer."""
    if not _active:
        return sync_await._sync_await(rpc.serialize_properties(values, {}))
    return _run_to_completion(rpc.serialize_properties(values, {}), values)


def registration_response(
    urn: str, resource_id: Any, values: dict[str, Any], request_object: Any, inputs: dict[str, Any]
) -> Any:
    """The monitor's answer to a registration: the resource's `values` as a Struct.

    With shortcuts, a value the mocks echoed from the inputs (the same object) is not serialized
    again but copied from the request as the SDK sent it; and when the SDK deserializes the answer
    (`resolve_outputs`), it gets those inputs as the monitor deserialized them from that same
    request, instead of deserializing them a second time.
    """
    fields = request_object.fields
    echoed = {k: v for k, v in values.items() if k in fields and v is inputs.get(k, _NOT_CACHED)}
    if not _active or not echoed:
        return resource_pb2.RegisterResourceResponse(
            urn=urn, id=resource_id, object=serialize(values)
        )
    rest = serialize({k: v for k, v in values.items() if k not in echoed})
    response = resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=rest)
    for key in echoed:
        response.object.fields[key].CopyFrom(fields[key])
    _answers[id(response.object)] = (response.object, rest, echoed)
    return response


# id of an answer's Struct -> (that Struct, its serialized part, its echoed inputs)
_answers: dict[int, tuple[Any, Any, dict[str, Any]]] = {}


def _deserialize_properties(
    props_struct: Any, keep_unknowns: bool | None = None, keep_internal: bool | None = True
) -> Any:
    """`rpc.deserialize_properties`, reading a registration answer's echoed inputs as the monitor
    deserialized them (same request field, same function; its unknowns are kept as this run keeps
    them: in a preview, or when the caller drops them)."""
    answer = _answers.pop(id(props_struct), None)
    if (
        answer is None
        or answer[0] is not props_struct
        or (keep_unknowns and not settings.is_dry_run())
    ):
        return _deserialize_plain_fields(props_struct, keep_unknowns, keep_internal)
    _, rest, echoed = answer
    values = _deserialize_plain_fields(rest, keep_unknowns, keep_internal)
    values.update(
        (k, v)
        for k, v in echoed.items()
        if keep_internal is not False or not k.startswith("__") or k == "__provider"
    )
    return values


class _NotPlainError(Exception):
    """A value the SDK gives meaning to: unknown, secret, resource, asset, or an unset one."""


def _deserialize_plain_fields(
    props_struct: Any, keep_unknowns: bool | None, keep_internal: bool | None
) -> Any:
    """The SDK's `deserialize_properties`, reading plain fields (strings, numbers, booleans, nulls,
    objects and lists of them) straight from the protobuf `Value`s: the SDK converts each value to
    Python through `Struct.__getitem__`, compares it with the unknown marker and tests it for a
    secret, however plain. A field holding anything else is the SDK's to read, as it reads it."""
    sdk_deserialize = _ORIGINALS["pulumi.runtime.rpc.deserialize_properties"]
    fields = props_struct.fields
    if rpc._special_sig_key in fields:  # the whole object is an asset, a secret, ...
        return sdk_deserialize(props_struct, keep_unknowns, keep_internal)
    drop_internal = keep_internal is False
    values: dict[str, Any] = {}
    for key, value in fields.items():
        if drop_internal and key.startswith("__") and key != "__provider":
            continue
        try:
            plain = _plain_value(value, drop_internal)
        except _NotPlainError:
            plain = rpc.deserialize_property(props_struct[key], keep_unknowns, keep_internal)
        if plain is not None:
            values[key] = plain
    return values


def _plain_value(value: Any, drop_internal: bool) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        text = value.string_value
        if text == rpc.UNKNOWN:
            raise _NotPlainError
        return text
    if kind == "number_value":
        return value.number_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "null_value":
        return None
    if kind == "list_value":
        return [_plain_value(item, drop_internal) for item in value.list_value.values]
    if kind == "struct_value":
        fields = value.struct_value.fields
        if rpc._special_sig_key in fields:
            raise _NotPlainError
        plain = {}
        for key, item in fields.items():
            if drop_internal and key.startswith("__") and key != "__provider":
                continue
            if (converted := _plain_value(item, drop_internal)) is not None:
                plain[key] = converted  # as the SDK: a null member is left out of an object
        return plain
    raise _NotPlainError  # an unset value: the SDK raises


def _run_to_completion(coroutine: Any, values: dict[str, Any]) -> Any:
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()  # it awaited something (a resource reference): the SDK's way
    return sync_await._sync_await(rpc.serialize_properties(values, {}))


def is_active() -> bool:
    """Whether this run's harness steps take the shortcuts (the recorder shares echoed values)."""
    return _active


# What the per-annotation rules (serialization.py, translation.py) use of the SDK's type helpers;
# 3.231 has no `is_discriminated_union`: the SDK's own path there.
_TYPE_HELPERS = tuple(
    (pulumi_types, name)
    for name in (
        "input_type_py_to_pulumi_names",
        "input_type_types",
        "is_discriminated_union",
        "is_input_type",
        "is_output_type",
        "output_type_from_dict",
        "output_type_types",
        "unwrap_optional_type",
        "unwrap_type",
    )
)
_TYPE_HELPERS = (
    *_TYPE_HELPERS,
    (rpc, "_Path"),
    (rpc, "_get_list_element_type"),
    (rpc, "_special_sig_key"),
)

SHORTCUTS = (
    Shortcut(
        pulumi_stack,
        "wait_for_rpcs",
        _wait_for_rpcs_linearly,
        ("await_all_outstanding_tasks",),
        needs=((settings, "_get_rpc_manager"), (settings, "SETTINGS")),
    ),
    Shortcut(
        pulumi_resource,
        "_get_stack_trace",
        stack_traces.stack_trace_of_call_sites,
        (),
        needs=(
            (pulumi_resource, "_get_source_position_for_frame"),
            (pulumi_resource, "source_pb2"),
        ),
    ),
    Shortcut(
        pulumi.log, "debug", _drop_debug_message, ("msg", "resource", "stream_id", "ephemeral")
    ),
    Shortcut(rpc, "contains_unknowns", _contains_unknowns, ("val",)),
    Shortcut(
        rpc,
        "transfer_properties",
        _transfer_properties,
        ("res", "props", "custom"),
        needs=((pulumi.Output, "_from_data"), (pulumi_output, "_OutputData")),
    ),
    Shortcut(
        rpc,
        "deserialize_properties",
        _deserialize_properties,
        ("props_struct", "keep_unknowns", "keep_internal"),
        needs=((rpc, "_special_sig_key"), (rpc, "UNKNOWN")),
        # 3.231's takes no keep_internal (and its deserialize_properties drops internal fields
        # unless keep_internal is true, not only when it is False): the SDK's path there
        calls=((rpc, "deserialize_property", ("value", "keep_unknowns", "keep_internal")),),
    ),
    Shortcut(
        rpc,
        "serialize_property",
        _serialize_property,
        tuple(inspect.signature(_serialize_property).parameters),
        needs=_TYPE_HELPERS,
    ),
    Shortcut(
        rpc,
        "translate_output_properties",
        _translate_output_properties,
        tuple(inspect.signature(_translate_output_properties).parameters),
        needs=_TYPE_HELPERS,
    ),
)


def unavailable() -> list[str]:
    """The shortcuts whose SDK symbol is missing or has another shape (they are not applied)."""
    return [shortcut.name for shortcut in SHORTCUTS if not shortcut.fits()]
