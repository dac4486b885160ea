"""Run a Pulumi program under mocks and query everything it declared.

Plain Pulumi mocks see only a resource's inputs. `RecordingMonitor` also keeps what the engine is
told about each resource's options (parent, protect, dependencies, provider, retain-on-delete,
ignore-changes, aliases) and which inputs and stack outputs are secret, so tests and the offline
plan can check them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import functools
import json
import logging
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import rpc, settings, sync_await
from pulumi.runtime import stack as pulumi_stack
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import provider_pb2, resource_pb2
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _ensure_event_loop

from odoo_platform.config.clock import pinned_day
from odoo_platform.config.loader import read_stack_config, stack_file
from odoo_platform.policies.model import marked_tier_and_tenant
from odoo_platform.synthesis.mocks import PlatformMocks
from odoo_platform.synthesis.ownership import Placements, placements

Program = Callable[[], None]
STACK_TYPE = "pulumi:pulumi:Stack"
SECRET_PLACEHOLDER = "mock-secret-value"
DEFAULT_PROJECT = "odoo-platform"


@dataclass(frozen=True)
class RecordedResource:
    """One registration as the engine received it: inputs, outputs and options."""

    urn: str
    type: str
    name: str
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    parent: str | None
    protect: bool
    dependencies: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]]
    provider: str | None
    retain_on_delete: bool
    ignore_changes: tuple[str, ...]
    aliases: tuple[str, ...]
    delete_before_replace: bool
    additional_secret_outputs: tuple[str, ...]
    secret_inputs: frozenset[str] = field(default_factory=frozenset)
    id: str | None = (
        None  # the provider's id (the mocks'), which the engine keeps apart from outputs
    )

    def is_secret(self, key: str) -> bool:
        """Whether the top-level input `key` (or something inside it) was sent as a secret."""
        return key in self.secret_inputs

    @property
    def tenant(self) -> str | None:
        """The tenant its own tags or labels name; whose it is: `ProgramResult.placements()`."""
        return marked_tier_and_tenant(self.inputs)[1]


@dataclass
class LogRecord:
    severity: str
    message: str


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A mock monitor that records the full register request of every resource."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.recorded: dict[str, RecordedResource] = {}
        self.stack_outputs: dict[str, Any] = {}
        self.secret_outputs: frozenset[str] = frozenset()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # As the engine does: a child's type is qualified by its parent's whole type chain,
        # except for the root stack (plain mocks keep only the last type and add the stack).
        parent_type = parent.split("::")[2] if parent else STACK_TYPE
        if parent_type != STACK_TYPE:
            type_ = f"{parent_type}${type_}"
        return f"urn:pulumi:{settings.get_stack()}::{settings.get_project()}::{type_}::{name}"

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        """The SDK mock monitor's registration, in one pass over the request.

        The inputs are deserialized once (for the mocks and the record), the response is
        serialized without a nested event loop when it holds plain values, and outputs such as
        RandomPassword.result are marked secret before serializing rather than after.
        """
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()  # deserializing resource references needs one on this thread
        inputs = rpc.deserialize_properties(request.object)
        resource_id: Any
        resource_id, state = self.mocks.new_resource(
            pulumi_mocks.MockResourceArgs(
                typ=request.type,
                name=request.name,
                inputs=inputs,
                provider=request.provider,
                resource_id=request.importId,
                custom=request.custom or False,
                transforms=pulumi_mocks._resolve_callbacks(request.transforms),
            )
        )
        secret_keys = set(request.additionalSecretOutputs) & set(state)
        sent = {k: rpc.wrap_rpc_secret(v) if k in secret_keys else v for k, v in state.items()}
        response_object = _serialize(sent)
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, resource_id, state)
        self.recorded[urn] = self._record(request, urn, inputs, state, resource_id)
        return resource_pb2.RegisterResourceResponse(
            urn=urn, id=resource_id, object=response_object
        )

    def Invoke(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        """The SDK mock monitor's invoke, serializing the answer without a nested event loop."""
        if request.tok == "pulumi:pulumi:getResource":
            return super().Invoke(request)
        _ensure_event_loop()
        args = rpc.deserialize_properties(request.args)
        answer = self.mocks.call(
            pulumi_mocks.MockCallArgs(token=request.tok, args=args, provider=request.provider)
        )
        values, failures = (answer, []) if isinstance(answer, dict) else answer
        return resource_pb2.ResourceInvokeResponse(
            failures=[provider_pb2.CheckFailure(property=p, reason=r) for p, r in failures or []],
            **{"return": _serialize(values)},
        )

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        if f"::{STACK_TYPE}::" in request.urn:
            values, secret = _unwrap(rpc.deserialize_properties(request.outputs))
            self.stack_outputs, self.secret_outputs = values, secret
        return super().RegisterResourceOutputs(request)

    @staticmethod
    def _record(
        request: Any,
        urn: str,
        sent_inputs: dict[str, Any],
        state: dict[str, Any],
        resource_id: Any = None,
    ) -> RecordedResource:
        inputs, secret = _unwrap(sent_inputs)
        outputs = _plain(state)
        return RecordedResource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            inputs=inputs,
            outputs=outputs if isinstance(outputs, dict) else {},
            parent=request.parent or None,
            protect=bool(request.protect),
            dependencies=tuple(request.dependencies),
            property_dependencies={
                key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()
            },
            # a provider reference is `<provider urn>::<provider id>`
            provider=request.provider.rsplit("::", 1)[0] if request.provider else None,
            retain_on_delete=bool(request.retainOnDelete),
            ignore_changes=tuple(request.ignoreChanges),
            aliases=tuple(request.aliasURNs) + tuple(_alias_text(a) for a in request.aliases),
            delete_before_replace=bool(request.deleteBeforeReplace),
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
            secret_inputs=secret,
            id=None if resource_id is None else str(resource_id),
        )


def _serialize(values: dict[str, Any]) -> Any:
    """`rpc.serialize_properties(values)`, run to completion here when nothing in it awaits.

    Mock states are plain values, for which the SDK's coroutine never suspends; driving it
    directly saves an event loop round (`_sync_await`) per registration. A value that does await
    (a resource reference) takes the SDK's way.
    """
    coroutine = rpc.serialize_properties(values, {})
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    return sync_await._sync_await(rpc.serialize_properties(values, {}))


def _alias_text(alias: Any) -> str:
    """An alias as `urn` or `key=value,...` from its spec, for assertions and reports."""
    if alias.urn:
        return str(alias.urn)
    spec = alias.spec
    parts = [f"{key}={getattr(spec, key)}" for key in ("name", "type", "stack", "project")]
    parent = "noParent" if spec.noParent else f"parent={spec.parentUrn}"
    return ",".join([p for p in parts if not p.endswith("=")] + [parent])


def _unwrap(props: Any) -> tuple[dict[str, Any], frozenset[str]]:
    """Plain values, and the names of the top-level keys that held a secret."""
    if not isinstance(props, dict):
        return {}, frozenset()
    secret = frozenset(key for key, value in props.items() if _holds_secret(value))
    return {key: _plain(value) for key, value in props.items()}, secret


def _holds_secret(value: Any) -> bool:
    if rpc.is_rpc_secret(value):
        return True
    if isinstance(value, dict):
        return any(_holds_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_secret(v) for v in value)
    return False


def _plain(value: Any) -> Any:
    """Secrets unwrapped, integral floats (protobuf numbers) turned back into ints."""
    if rpc.is_rpc_secret(value):
        return _plain(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, pulumi.Resource):
        return f"<resource {type(value).__name__}>"
    return value


class _RecordingEngine(pulumi_mocks.MockEngine):
    def __init__(self) -> None:
        super().__init__(logging.getLogger("odoo_platform.harness"))
        self.records: list[LogRecord] = []

    def Log(self, request: Any) -> None:  # noqa: N802 - gRPC method name
        severity = {0: "debug", 1: "info", 2: "warning", 3: "error"}.get(request.severity, "info")
        self.records.append(LogRecord(severity, request.message))
        super().Log(request)


@dataclass
class ProgramResult:
    """Everything one run declared, with queries tests and tools need."""

    resources: list[RecordedResource]
    outputs: dict[str, Any]
    secret_outputs: frozenset[str]
    logs: list[LogRecord]

    def by_type(self, type_token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str, type_token: str | None = None) -> RecordedResource:
        matches = [r for r in self.resources if r.name == name and type_token in (None, r.type)]
        if len(matches) != 1:
            known = ", ".join(sorted({r.name for r in self.resources})[:40])
            raise KeyError(f"{len(matches)} resources named {name!r}; declared: {known}")
        return matches[0]

    def get(self, urn: str) -> RecordedResource:
        found = next((r for r in self.resources if r.urn == urn), None)
        if found is None:
            raise KeyError(f"no resource with URN {urn!r} was declared")
        return found

    def children(self, parent: RecordedResource | str) -> list[RecordedResource]:
        urn = parent if isinstance(parent, str) else parent.urn
        return [r for r in self.resources if r.parent == urn]

    def descendants(self, parent: RecordedResource | str) -> list[RecordedResource]:
        found: list[RecordedResource] = []
        for child in self.children(parent):
            found += [child, *self.descendants(child)]
        return found

    def placements(self, tenant_tiers: Mapping[str, str] | None = None) -> Placements:
        """Each resource's tier and tenant or platform, by URN or resource (`ownership`);
        `tenant_tiers` (slug to tier) places tenants whose resources carry no tier."""
        return placements(self.resources, tenant_tiers)

    def by_tenant(self, slug: str) -> list[RecordedResource]:
        """The resources the tenant owns (`placements()`), in declaration order."""
        where = self.placements()
        return [r for r in self.resources if where[r].tenant == slug]

    def urns(self) -> set[str]:
        return {r.urn for r in self.resources}

    def kubernetes_objects(self) -> list[RecordedResource]:
        """The Kubernetes objects declared (not Helm releases, YAML groups or providers)."""
        return [r for r in self.resources if r.custom and _is_kubernetes_object(r.type)]

    def manifests(self) -> list[dict[str, Any]]:
        """Every Kubernetes object declared, as the manifest the provider would apply."""
        return [manifest(r) for r in self.kubernetes_objects()]

    def errors(self) -> list[str]:
        return [log.message for log in self.logs if log.severity == "error"]


def _is_kubernetes_object(type_token: str) -> bool:
    return type_token.startswith("kubernetes:") and not type_token.startswith(
        ("kubernetes:helm.sh/", "kubernetes:yaml", "kubernetes:kustomize")
    )


def manifest(resource: RecordedResource) -> dict[str, Any]:
    _, api_version, kind = resource.type.split(":")
    api_version = api_version.removeprefix("core/")
    body = {k: v for k, v in resource.inputs.items() if k not in ("apiVersion", "kind")}
    return {"apiVersion": api_version, "kind": kind, **body}


async def _wait_for_rpcs_linearly(await_all_outstanding_tasks: bool = True) -> None:
    """Pulumi's `wait_for_rpcs`, awaiting the outstanding outputs one after another.

    The SDK re-waits on every pending output (`asyncio.wait(..., FIRST_COMPLETED)`) each time one
    completes, which is quadratic in the number of outputs and dominated synthesis of large stacks
    under mocks. Awaiting them in turn waits for the same set, surfaces the same errors and is
    linear (see docs/performance.md).
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


def _stack_trace_without_source_lines() -> Any:
    """The SDK's `_get_stack_trace`, without reading source lines it never sends.

    The SDK sends each registration's call stack as file URIs and line numbers, but extracts it
    with `traceback.extract_stack()`, which stats every file and reads every line, and turns
    each frame's path into a URI anew: per resource, in proportion to the stack's depth.
    This keeps the same frames (up to the resource class's own `__init__`), without line text,
    and converts each file name and line once.
    """
    stack = traceback.StackSummary.extract(
        traceback.walk_stack(sys._getframe(1)), lookup_lines=False
    )
    stack.reverse()
    inits, cut = 0, 0
    for cut in range(len(stack) - 1, -1, -1):
        if stack[cut].name == "__init__":
            inits += 1
            if inits == 3:
                break
    if cut < 1:
        return pulumi_resource.source_pb2.StackTrace()
    frames = [_stack_frame(f.filename, f.lineno) for f in reversed(stack[:cut])]
    return pulumi_resource.source_pb2.StackTrace(frames=frames)


@functools.lru_cache(maxsize=4096)
def _source_position(filename: str, line: int | None) -> Any:
    frame = traceback.FrameSummary(filename, line, "", lookup_line=False)
    return pulumi_resource._get_source_position_for_frame(frame)


def _stack_frame(filename: str, line: int | None) -> Any:
    return pulumi_resource.source_pb2.StackFrame(pc=_source_position(filename, line))


def _drop_debug_message(*_args: Any, **_kwargs: Any) -> None:
    """The debug channel, which `pulumi up` shows only with `--debug`: the SDK sends a few
    messages per resource (RPCs begun, resources registered) that nothing here reads."""


@contextlib.contextmanager
def _patched(target: Any, name: str, replacement: Any) -> Iterator[None]:
    original = getattr(target, name)
    setattr(target, name, replacement)
    try:
        yield
    finally:
        setattr(target, name, original)


@contextlib.contextmanager
def _sdk_shortcuts() -> Iterator[None]:
    """Equivalent, cheaper versions of SDK steps whose cost grows with the program (see
    docs/performance.md): the linear wait for outstanding outputs, stack traces without source
    lines, and no debug-channel messages."""
    with (
        _patched(pulumi_stack, "wait_for_rpcs", _wait_for_rpcs_linearly),
        _patched(pulumi_resource, "_get_stack_trace", _stack_trace_without_source_lines),
        _patched(pulumi.log, "debug", _drop_debug_message),
    ):
        yield


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


@contextlib.contextmanager
def _fresh_loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    loop.set_default_executor(_InlineExecutor(max_workers=1))
    loop.set_exception_handler(_unless_left_behind)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        _cancel_pending(loop)
        loop.close()
        asyncio.set_event_loop(None)


def _unless_left_behind(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The loop's error report, without what a finished run leaves for the garbage collector:
    futures of a failed program whose error `run_program` already raised (the SDK's resolvers
    keep one per output), reported whenever they are collected, often after the session."""
    message = str(context.get("message", ""))
    if message.endswith("exception was never retrieved") or message.startswith(
        "Task was destroyed but it is pending"
    ):
        return
    loop.default_exception_handler(context)


def _cancel_pending(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what a failed (or careless) program left running, and let it unwind, so closing
    the loop leaves no task for the garbage collector to report as destroyed while pending."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def run_program(
    program: Program,
    *,
    config: Mapping[str, str] | None = None,
    secret_keys: list[str] | None = None,
    project: str = DEFAULT_PROJECT,
    stack: str = "test",
    preview: bool = False,
    mocks: pulumi.runtime.Mocks | None = None,
    today: dt.date | None = None,
) -> ProgramResult:
    """Run `program` (a function declaring resources) under mocks; raise what it raises.

    `project` qualifies config keys (`<project>:key`) and URNs, as the project's `Pulumi.yaml`
    name does under `pulumi up`; `today` pins the stack program's clock
    (`odoo_platform.config.clock`).
    """
    config = dict(config or {})
    monitor = RecordingMonitor(mocks or PlatformMocks(region=config.get("aws:region", "eu-west-1")))
    engine = _RecordingEngine()
    with _fresh_loop() as loop:
        settings.ROOT.set(None)
        set_all_config(config, secret_keys or [])
        settings.configure(
            pulumi_mocks.MockSettings(
                monitor=monitor,
                monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
                engine=engine,
                project=project,
                stack=stack,
                dry_run=preview,
                organization="organization",
                callbacks=None,
            )
        )
        # MockSettings renews the RPC manager but not the outstanding outputs: a program that
        # failed leaves its pending tasks there, and the next run would await them (their error,
        # or "attached to a different loop"). Every run starts with none.
        settings.SETTINGS.outputs = set()
        with _sdk_shortcuts(), pinned_day(today):
            loop.run_until_complete(run_in_stack(program))
    return ProgramResult(
        resources=list(monitor.recorded.values()),
        outputs=monitor.stack_outputs,
        secret_outputs=monitor.secret_outputs,
        logs=engine.records,
    )


def stack_config(path: Path) -> tuple[dict[str, str], list[str]]:
    """A stack file's config as the engine passes it: strings, objects as JSON, secrets masked.

    Secure values cannot be decrypted offline; they become a placeholder that stays secret.
    """
    flat: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in read_stack_config(path).items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            flat[key] = SECRET_PLACEHOLDER
            secret_keys.append(key)
        elif isinstance(value, str):
            flat[key] = value
        else:
            flat[key] = json.dumps(value, default=str)
    return flat, secret_keys


@dataclass(frozen=True)
class PulumiProject:
    """What a `Pulumi.yaml` says about where the project's stacks are."""

    name: str
    stack_config_dir: Path  # where `Pulumi.<stack>.yaml` files live

    @classmethod
    def at(cls, root: Path) -> PulumiProject:
        """The project in `root/Pulumi.yaml`; without one, this package's own layout."""
        path = root / "Pulumi.yaml"
        if not path.is_file():
            return cls(DEFAULT_PROJECT, root / "stacks")
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(document, dict) or not isinstance(document.get("name"), str):
            raise ValueError(f"{path}: a Pulumi project file needs a 'name'")
        # Pulumi's default: stack files beside Pulumi.yaml.
        return cls(document["name"], root / str(document.get("stackConfigDir") or "."))


def run_stack(
    stack: str | None = None,
    *,
    config_file: Path | None = None,
    stacks_dir: Path = Path("stacks"),
    project: str = DEFAULT_PROJECT,
    preview: bool = True,
    program: Program | None = None,
    mocks: pulumi.runtime.Mocks | None = None,
    today: dt.date | None = None,
) -> ProgramResult:
    """Run a stack program against a stack file, as `pulumi preview` would.

    `program` defaults to this package's stack program (`odoo_platform.platform.program.main`);
    `mocks` to `PlatformMocks` for the stack's region (pass one with `stack_outputs` to give the
    program the outputs of its previous deployment or of referenced stacks); `today` pins its clock.
    """
    if config_file is None:
        if stack is None:
            raise ValueError("name a stack or a config file")
        config_file = stack_file(stack, stacks_dir)
    stack_name = stack or config_file.name.removeprefix("Pulumi.").removesuffix(".yaml")
    config, secret_keys = stack_config(config_file)
    if program is None:
        # The whole platform: imported only when run (the pytest plugin loads this module).
        from odoo_platform.platform.program import main  # noqa: PLC0415

        program = main
    return run_program(
        program,
        config=config,
        secret_keys=secret_keys,
        project=project,
        stack=stack_name,
        preview=preview,
        mocks=mocks,
        today=today,
    )
