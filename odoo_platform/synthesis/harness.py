"""Run a Pulumi program under mocks and query everything it declared.

Plain Pulumi mocks see only a resource's inputs. `RecordingMonitor` also keeps what the engine is
told about each resource's options (parent, protect, dependencies, provider, retain-on-delete,
ignore-changes, aliases) and which inputs and stack outputs are secret, so tests and the offline
plan can check them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import provider_pb2, resource_pb2
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _ensure_event_loop

from odoo_platform.config.clock import pinned_day
from odoo_platform.config.errors import ROOT as ROOT_KEY
from odoo_platform.config.loader import CONFIG_NAMESPACE, read_stack_config, stack_file
from odoo_platform.policies.model import marked_tier_and_tenant
from odoo_platform.synthesis import sdk, shortcuts
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
    custom_timeouts: dict[str, str] = field(default_factory=dict)  # create/update/delete, set ones
    secret_inputs: frozenset[str] = field(default_factory=frozenset)
    id: str | None = (
        None  # the provider's id (the mocks'), which the engine keeps apart from outputs
    )
    remote: bool = False  # a component its provider implements (`yaml/v2:ConfigGroup`)

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

    def __init__(
        self, mocks: pulumi.runtime.Mocks, project: str = DEFAULT_PROJECT, stack: str = "test"
    ) -> None:
        super().__init__(mocks)
        # kept here, not read from the SDK's settings: those are context variables, which
        # SDK releases before 3.24x do not carry to the thread pool that calls the monitor
        self.project, self.stack = project, stack
        self.recorded: dict[str, RecordedResource] = {}
        self.stack_outputs: dict[str, Any] = {}
        self.secret_outputs: frozenset[str] = frozenset()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # As the engine does: a child's type is qualified by its parent's whole type chain,
        # except for the root stack (plain mocks keep only the last type and add the stack).
        parent_type = parent.split("::")[2] if parent else STACK_TYPE
        if parent_type != STACK_TYPE:
            type_ = f"{parent_type}${type_}"
        return f"urn:pulumi:{self.stack}::{self.project}::{type_}::{name}"

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
        resource_id, state = self.mocks.new_resource(sdk.resource_args(request, inputs))
        secret_keys = set(request.additionalSecretOutputs) & set(state)
        sent = {k: rpc.wrap_rpc_secret(v) if k in secret_keys else v for k, v in state.items()}
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, resource_id, state)
        self.recorded[urn] = self._record(request, urn, inputs, state, resource_id)
        return shortcuts.registration_response(urn, resource_id, sent, request.object, inputs)

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
        return sdk.invoke_response(
            failures=[provider_pb2.CheckFailure(property=p, reason=r) for p, r in failures or []],
            **{"return": shortcuts.serialize(values)},
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
        if shortcuts.is_active():  # what the mocks echoed is recorded once, for both
            outputs = {
                k: inputs[k] if k in inputs and v is sent_inputs[k] else _plain(v)
                for k, v in state.items()
            }
        else:
            outputs = _plain(state)
        timeouts = request.customTimeouts
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
            custom_timeouts={
                k: v for k in ("create", "update", "delete") if (v := getattr(timeouts, k))
            },
            secret_inputs=secret,
            id=None if resource_id is None else str(resource_id),
            remote=bool(request.remote),
        )


def _alias_text(alias: Any) -> str:
    """An alias as `urn` or `key=value,...` from its spec, for assertions and reports."""
    if alias.urn:
        return str(alias.urn)
    spec = alias.spec
    parts = [f"{key}={getattr(spec, key)}" for key in ("name", "type", "stack", "project")]
    parent = "noParent" if spec.noParent else f"parent={spec.parentUrn}"
    return ",".join([p for p in parts if not p.endswith("=")] + [parent])


def _unwrap(props: Any) -> tuple[dict[str, Any], frozenset[str]]:
    """Plain values, and the names of the top-level keys that held a secret (one walk each)."""
    if not isinstance(props, dict):
        return {}, frozenset()
    values: dict[str, Any] = {}
    secret: list[str] = []
    for key, value in props.items():
        found: list[bool] = []
        values[key] = _plain(value, found)
        if found:
            secret.append(key)
    return values, frozenset(secret)


_AS_IS = frozenset({str, int, bool, type(None)})


def _plain(value: Any, secrets_found: list[bool] | None = None) -> Any:
    """Secrets unwrapped (noted in `secrets_found`), integral floats (protobuf numbers) turned back
    into ints; the commonest kinds are tested first, a recorded resource's inputs being mostly
    strings in dicts and lists."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is float:
        return int(value) if value.is_integer() else value
    if rpc.is_rpc_secret(value):
        if secrets_found is not None:
            secrets_found.append(True)
        return _plain(rpc.unwrap_rpc_secret(value), secrets_found)
    if isinstance(value, dict):
        return {key: _plain(v, secrets_found) for key, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, secrets_found) for v in value]
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


@contextlib.contextmanager
def _fresh_loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
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
    mocks = mocks or PlatformMocks(region=config.get("aws:region", "eu-west-1"))
    monitor = RecordingMonitor(mocks, project, stack)
    engine = _RecordingEngine()
    with _fresh_loop() as loop:
        settings.ROOT.set(None)
        set_all_config(config, secret_keys or [])
        settings.configure(
            sdk.mock_settings(
                monitor,
                engine=engine,
                project=project,
                stack=stack,
                dry_run=preview,
                organization="organization",
            )
        )
        # MockSettings renews the RPC manager but not the outstanding outputs: a program that
        # failed leaves its pending tasks there, and the next run would await them (their error,
        # or "attached to a different loop"). Every run starts with none.
        settings.SETTINGS.outputs = sdk.no_outstanding_outputs()
        with shortcuts.applied(loop), pinned_day(today):
            loop.run_until_complete(run_in_stack(program))
    return ProgramResult(
        resources=list(monitor.recorded.values()),
        outputs=monitor.stack_outputs,
        secret_outputs=monitor.secret_outputs,
        logs=engine.records,
    )


def _primary_outputs(
    config: Mapping[str, str], config_file: Path, project: str, today: dt.date | None
) -> dict[str, Any]:
    """`{primary_stack: outputs}` for a DR site whose primary's stack file is beside its own."""
    platform = json.loads(config.get(f"{CONFIG_NAMESPACE}:{ROOT_KEY}", "{}") or "{}")
    site = platform.get("dr_site") if isinstance(platform, dict) else None
    if not isinstance(site, dict) or not isinstance(site.get("primary_stack"), str):
        return {}
    primary = site["primary_stack"]
    primary_file = config_file.with_name(f"Pulumi.{primary.rsplit('/', 1)[-1]}.yaml")
    if not primary_file.is_file() or primary_file == config_file:
        return {}
    result = run_stack(config_file=primary_file, project=project, today=today)
    return {primary: result.outputs}


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
    By default a DR site (`dr_site`) reads its primary as planned from the primary's stack file
    beside its own, as a deployed primary would export it.
    """
    if config_file is None:
        if stack is None:
            raise ValueError("name a stack or a config file")
        config_file = stack_file(stack, stacks_dir)
    stack_name = stack or config_file.name.removeprefix("Pulumi.").removesuffix(".yaml")
    config, secret_keys = stack_config(config_file)
    if mocks is None:
        mocks = PlatformMocks(
            region=config.get("aws:region", "eu-west-1"),
            stack_outputs=_primary_outputs(config, config_file, project, today),
        )
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
