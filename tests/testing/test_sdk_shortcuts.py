"""The harness's cheaper versions of SDK steps give what the SDK's own would."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import gc
import re
import subprocess
import threading
import tomllib
import typing
import weakref
from typing import Any, Optional

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random
import pytest
from google.protobuf import struct_pb2
from pulumi import output as pulumi_output
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import rpc
from pulumi_kubernetes.meta.v1 import _inputs as k8s_meta_inputs
from pulumi_kubernetes.meta.v1 import outputs as k8s_meta

from odoo_platform.synthesis import shortcuts
from odoo_platform.synthesis.stack_traces import stack_trace_of_call_sites
from odoo_platform.testing import ProgramResult, RecordedResource, run_program, run_stack
from tests.golden_urns import GOLDEN_DAY, ROOT
from tests.testing import golden_options


class _Base:
    def __init__(self, traces: list[Any]) -> None:  # stands in for pulumi.Resource
        traces.append((pulumi_resource._get_stack_trace(), stack_trace_of_call_sites()))


class _Custom(_Base):
    def __init__(self, traces: list[Any]) -> None:  # stands in for CustomResource
        super().__init__(traces)


class _Concrete(_Custom):
    def __init__(self, traces: list[Any]) -> None:  # a provider's resource class
        super().__init__(traces)


def _user_code(traces: list[Any]) -> None:
    _Concrete(traces)


def test_stack_traces_match_the_sdks() -> None:
    traces: list[Any] = []
    _user_code(traces)
    ((sdk, harness),) = traces
    assert len(sdk.frames) > 1
    assert harness == sdk


def test_stack_traces_of_each_call_site_match_the_sdks() -> None:
    traces: list[Any] = []
    for _ in range(2):  # one call site twice: the kept message
        _user_code(traces)
    _Concrete(traces)  # another call site
    (first_sdk, first), (second_sdk, second), (other_sdk, other) = traces
    assert first == first_sdk == second_sdk == second
    assert other == other_sdk != first
    assert other.frames[0].pc.line != first.frames[0].pc.line


def test_debug_messages_are_dropped_and_the_others_kept() -> None:
    def program() -> None:
        pulumi_random.RandomId("id", byte_length=4)
        pulumi.log.debug("chatter")
        pulumi.log.warn("look here")

    result = run_program(program)
    assert [(log.severity, log.message) for log in result.logs] == [("warning", "look here")]


def test_secret_outputs_stay_secret_and_invokes_answer() -> None:
    def program() -> None:
        password = pulumi_random.RandomPassword("pw", length=16)
        pulumi.export("password", password.result)
        pulumi.export("account", aws.get_caller_identity_output().account_id)

    result = run_program(program)
    assert "password" in result.secret_outputs
    assert len(result.outputs["password"]) == 16
    assert result.outputs["account"] == "123456789012"


# --- every shortcut checked, and none changes what a stack records -----------------------------


# What does not fit a tested release, which then takes the SDK's path (3.231 has no _OutputData,
# and its deserialize_property takes no keep_internal).
NOT_FITTING = {
    (3, 231, 0): [
        "pulumi.runtime.rpc.transfer_properties",
        "pulumi.runtime.rpc.deserialize_properties",
        "pulumi.runtime.rpc.serialize_property",
        "pulumi.runtime.rpc.translate_output_properties",
    ]
}


def test_every_shortcut_fits_each_tested_sdk_release() -> None:
    lowest, highest = shortcuts.TESTED_SDK
    assert lowest <= shortcuts.sdk_version() <= highest, "run the suite on a tested release"
    assert shortcuts.unavailable() == NOT_FITTING.get(shortcuts.sdk_version(), [])


def test_the_lowest_tested_release_is_the_lowest_pyproject_admits() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (bound,) = [d for d in pyproject["project"]["dependencies"] if d.startswith("pulumi>")]
    lowest = tuple(int(p) for p in re.search(r">=([\d.]+)", bound)[1].split("."))  # type: ignore[index]
    assert lowest + (0,) * (3 - len(lowest)) == shortcuts.TESTED_SDK[0]


def test_ci_runs_the_harness_on_the_lowest_release_too() -> None:
    """`make test` (what .ci/run calls) first runs `test-lowest-sdk`, which installs exactly the
    lowest release pyproject admits."""
    dry_run = subprocess.run(
        ["make", "-n", "-B", "test"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    lowest = ".".join(str(part) for part in shortcuts.TESTED_SDK[0])
    assert f"'pulumi=={lowest}'" in dry_run
    assert ".venv-lowest/bin/python -m pytest -q -p no:cacheprovider -n auto tests/testing" in (
        dry_run
    )


def _plain_and_shortcut_runs(stack: str) -> tuple[ProgramResult, ProgramResult]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(shortcuts.ENV_VAR, "0")
        plain = run_stack(stack, stacks_dir=ROOT / "stacks", today=GOLDEN_DAY)
    return plain, run_stack(stack, stacks_dir=ROOT / "stacks", today=GOLDEN_DAY)


def _comparable(resource: RecordedResource) -> RecordedResource:
    # a property's dependency list follows which output resolves first, as under the engine
    return dataclasses.replace(
        resource,
        dependencies=tuple(sorted(resource.dependencies)),
        property_dependencies={
            k: tuple(sorted(v)) for k, v in resource.property_dependencies.items()
        },
    )


def test_shortcuts_record_what_the_sdks_own_path_records() -> None:
    plain, fast = _plain_and_shortcut_runs(golden_options.STACK)
    assert len(fast.resources) > 800
    assert sorted(map(_comparable, fast.resources), key=str) == sorted(
        map(_comparable, plain.resources), key=str
    )
    assert (fast.outputs, fast.secret_outputs) == (plain.outputs, plain.secret_outputs)
    assert fast.logs == [log for log in plain.logs if log.severity != "debug"]
    assert any(log.severity == "debug" for log in plain.logs)  # the plain path was taken


def test_the_recorded_options_of_a_sample_stack_are_the_golden_ones() -> None:
    declared = golden_options.option_lines()
    assert declared == golden_options.GOLDEN.read_text(), (
        f"recorded options changed (intended? run `{golden_options.REGENERATE}`)"
    )


def test_an_sdk_symbol_of_another_shape_is_left_to_the_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    sdk_translate, sdk_serialize = rpc.translate_output_properties, rpc.serialize_property
    serialize_fits = "pulumi.runtime.rpc.serialize_property" not in shortcuts.unavailable()

    def translate(output: Any, *rest: Any, **named: Any) -> Any:  # a reshaped SDK function
        return sdk_translate(output, *rest, **named)

    monkeypatch.setattr(rpc, "translate_output_properties", translate)
    assert "pulumi.runtime.rpc.translate_output_properties" in shortcuts.unavailable()
    seen: list[Any] = []

    def program() -> None:
        seen.append((rpc.translate_output_properties, rpc.serialize_property))
        pulumi.export("id", pulumi_random.RandomId("id", byte_length=4).byte_length)

    result = run_program(program)
    assert seen == [(translate, shortcuts._serialize_property if serialize_fits else sdk_serialize)]
    assert result.outputs == {"id": 4}


def test_an_untested_sdk_release_takes_the_sdks_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shortcuts, "sdk_version", lambda: (3, 999, 0))
    sdk_serialize = rpc.serialize_property
    seen: list[Any] = []

    def program() -> None:
        seen.append(rpc.serialize_property)
        pulumi.log.debug("kept")

    result = run_program(program)
    assert seen == [sdk_serialize]
    assert ("debug", "kept") in [(log.severity, log.message) for log in result.logs]


class _Tier(enum.StrEnum):
    SHARED = "shared"


class _Size(enum.Enum):
    ONE = 1


LEAVES: list[Any] = ["x", "shared", 3, 3.0, 2.5, True, False, None, 1]
ANNOTATIONS: list[Any] = [
    None,
    Any,
    str,
    int,
    float,
    bool,
    _Tier,
    _Size,
]
ANNOTATIONS += [Optional[int], Optional[_Tier]]  # noqa: UP045 - as generated SDK code annotates


@pytest.mark.parametrize("typ", ANNOTATIONS, ids=str)
def test_leaves_translate_as_the_sdk_translates_them(typ: Any) -> None:
    for leaf in LEAVES:
        try:
            expected: Any = rpc.translate_output_properties(leaf, str, typ)
        except ValueError as error:  # e.g. an enum without that value
            with pytest.raises(type(error)):
                shortcuts._translate_output_properties(leaf, str, typ)
            continue
        got = shortcuts._translate_output_properties(leaf, str, typ)
        assert (got, type(got)) == (expected, type(expected)), (leaf, typ)


@pytest.mark.parametrize("typ", ANNOTATIONS, ids=str)
def test_leaves_serialize_as_the_sdk_serializes_them(typ: Any) -> None:
    for leaf in LEAVES:
        expected = asyncio.run(rpc.serialize_property(leaf, [], "key", typ=typ))
        got = asyncio.run(shortcuts._serialize_property(leaf, [], "key", typ=typ))
        assert (got, type(got)) == (expected, type(expected)), (leaf, typ)


# --- the garbage collector during a run --------------------------------------------------------


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_run_sets_aside_older_objects_and_collects_its_garbage_less_often() -> None:
    before = gc.get_threshold()
    older = _Cycle()  # made before the run: set aside, not collected, while it runs
    seen: dict[str, Any] = {}

    def program() -> None:
        seen["thresholds"], seen["frozen"] = gc.get_threshold(), gc.get_freeze_count()
        seen["older is frozen"] = not any(o is older for o in gc.get_objects())
        pulumi_random.RandomId("id", byte_length=4)

    run_program(program)
    assert seen["thresholds"] == shortcuts.GC_THRESHOLDS
    assert seen["frozen"] > 10_000  # the SDKs' modules, at least
    assert seen["older is frozen"]
    # everything is the collector's again, with the process's own settings
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)
    assert any(o is older for o in gc.get_objects())


def test_cyclic_garbage_of_a_run_is_collected_while_it_runs() -> None:
    freed: list[bool] = []

    def program() -> None:
        garbage = weakref.ref(_Cycle())  # unreachable at once, freed only by the collector
        keep = [[i] for i in range(3 * shortcuts.GC_THRESHOLDS[0])]  # new containers
        freed.append(garbage() is None)
        pulumi.export("kept", len(keep))

    run_program(program)
    assert freed == [True]


def test_without_shortcuts_the_collector_keeps_its_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(shortcuts.ENV_VAR, "0")
    seen: list[Any] = []
    run_program(lambda: seen.append((gc.get_threshold(), gc.get_freeze_count())))
    assert seen == [(gc.get_threshold(), 0)]


# --- plain fields read straight from the protobuf values ---------------------------------------

SECRET = {rpc._special_sig_key: rpc._special_secret_sig, "value": "s3cr3t"}
STRUCTS: list[dict[str, Any]] = [
    {"name": "web", "replicas": 2, "ratio": 0.5, "on": True, "off": False, "gone": None},
    {"spec": {"template": {"labels": {"app": "odoo"}, "empty": {}, "none": None}}},
    {"ports": [80, {"port": 443, "name": None}, None, [], ["a", ["b"]]], "no": []},
    {"__provider": "urn::id", "__internal": {"x": 1}, "env": [{"__name": "kept?"}]},
    {"later": rpc.UNKNOWN, "deep": {"later": [rpc.UNKNOWN]}, "plain": "x"},
    {"password": SECRET, "nested": {"password": SECRET, "user": "u"}, "list": ["a", SECRET]},
    {"asset": {rpc._special_sig_key: rpc._special_asset_sig, "path": "/etc/hosts"}},
]


def _struct(values: dict[str, Any]) -> Any:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _comparable_value(value: Any) -> Any:
    if isinstance(value, pulumi.FileAsset):
        return ("FileAsset", value.path)
    if isinstance(value, pulumi_output.Unknown):
        return ("Unknown",)
    if isinstance(value, dict):
        return {k: _comparable_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_comparable_value(v) for v in value]
    return (type(value).__name__, value)


@pytest.mark.parametrize("values", STRUCTS, ids=",".join)
@pytest.mark.parametrize("keep_internal", [True, False, None])
@pytest.mark.parametrize("keep_unknowns", [None, True])
def test_structs_deserialize_as_the_sdk_deserializes_them(
    values: dict[str, Any], keep_internal: bool | None, keep_unknowns: bool | None
) -> None:
    if "pulumi.runtime.rpc.deserialize_properties" in shortcuts.unavailable():
        pytest.skip("not applied on this SDK release: the harness takes the SDK's path")
    struct = _struct(values)
    expected = rpc.deserialize_properties(struct, keep_unknowns, keep_internal)
    got = shortcuts._deserialize_properties(struct, keep_unknowns, keep_internal)
    assert _comparable_value(got) == _comparable_value(expected)


def test_a_whole_struct_with_a_signature_is_the_sdks_to_read() -> None:
    struct = _struct({rpc._special_sig_key: rpc._special_asset_sig, "text": "hello"})
    got = shortcuts._deserialize_properties(struct)
    assert isinstance(got, pulumi.StringAsset)
    assert got.text == "hello"


def test_an_unset_value_fails_as_in_the_sdk() -> None:
    struct = _struct({"a": "x"})
    struct.fields["unset"].Clear()
    with pytest.raises(ValueError, match="Value not set") as sdk:
        rpc.deserialize_properties(struct)
    with pytest.raises(type(sdk.value), match="Value not set"):
        shortcuts._deserialize_properties(struct)


# --- output values translated by each annotation's rules ---------------------------------------

_META = {
    "name": "web",
    "labels": {"app": "odoo", "tier": "shared"},
    "generation": 3.0,
    "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": "u1"}],
}
_SECRET_INSIDE = {"plain": ["a", 1.0, None, {"deep": [2.5]}], "password": SECRET}
TRANSLATIONS: list[tuple[Any, Any]] = [
    (_META, k8s_meta.ObjectMeta),
    (_META, Optional[k8s_meta.ObjectMeta]),  # noqa: UP045 - as generated SDK code annotates
    ([_META, {"name": "other"}], typing.Sequence[k8s_meta.ObjectMeta]),
    ({"app": "odoo"}, typing.Mapping[str, str]),
    ({"replicas": 2.0}, typing.Mapping[str, int]),
    ({"any": {"nested": [1.0, {"x": None}]}}, typing.Mapping[str, Any]),
    (_SECRET_INSIDE, None),
    (_SECRET_INSIDE, Any),
    ({"m": _META, "n": [_META]}, dict),
    (SECRET, k8s_meta.ObjectMeta),
    ([SECRET, "x"], list[str]),
    # shapes the annotation does not admit: the SDK's error, with its path
    ({"name": "x"}, str),
    ([_META], k8s_meta.ObjectMeta),
    ({**_META, "labels": ["not", "a", "map"]}, k8s_meta.ObjectMeta),
    ({**_META, "ownerReferences": [{"apiVersion": {"a": 1}}]}, k8s_meta.ObjectMeta),
]


def _typed(value: Any) -> Any:
    """A value with the class of every dict (output types are dicts), list and leaf in it."""
    if isinstance(value, dict):
        return (type(value), [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return (list, [_typed(v) for v in value])
    return (type(value), value)


@pytest.mark.parametrize(("value", "typ"), TRANSLATIONS, ids=lambda v: str(v)[:40])
def test_output_values_translate_as_the_sdk_translates_them(value: Any, typ: Any) -> None:
    if "pulumi.runtime.rpc.translate_output_properties" in shortcuts.unavailable():
        pytest.skip("not applied on this SDK release: the harness takes the SDK's path")
    path = rpc._Path("spec", resource="web")
    try:
        expected = rpc.translate_output_properties(value, lambda k: k, typ, True, path)
    except AssertionError as error:
        with pytest.raises(AssertionError) as raised:
            shortcuts._translate_output_properties(value, lambda k: k, typ, True, path)
        assert str(raised.value) == str(error)
        return
    got = shortcuts._translate_output_properties(value, lambda k: k, typ, True, path)
    assert _typed(got) == _typed(expected)


def test_keys_of_untyped_output_dicts_go_through_the_callers_translation() -> None:
    value = {"someKey": {"innerKey": [{"deepKey": 1}]}}
    expected = rpc.translate_output_properties(value, str.upper, None, True)
    assert shortcuts._translate_output_properties(value, str.upper, None, True) == expected


# --- plain input values serialized in one walk -------------------------------------------------

_META_INPUT = {
    "name": "web",
    "labels": {"app": "odoo"},
    "owner_references": [{"api_version": "v1", "kind": "Pod", "name": "p", "uid": "u1"}],
    "generation": 3,
}
SERIALIZATIONS: list[tuple[Any, Any]] = [
    (_META_INPUT, k8s_meta_inputs.ObjectMetaArgs),  # Python names -> Pulumi names, nested
    (_META_INPUT, pulumi.Input[Optional[k8s_meta_inputs.ObjectMetaArgs]]),  # noqa: UP045
    ([_META_INPUT, {"name": "x"}], typing.Sequence[k8s_meta_inputs.ObjectMetaArgs]),
    ({"some_key": {"inner_key": [1, 2.5, None, True]}}, None),
    ({"some_key": {"inner_key": "x"}}, Any),
    ({"a_b": "c"}, typing.Mapping[str, str]),
    ({"a_b": {"c_d": 1}}, dict),
    ({"a_b": {"c_d": 1}}, str),
    ([["a"], {"b_c": None}], list),
    (["a", "b"], k8s_meta_inputs.ObjectMetaArgs),  # the SDK's error: a list for an object
    ({"name": ("a", "tuple")}, None),  # tuples, sets: the SDK's way
    ({"name": {"a", "set"}}, None),
]


def _serialized(function: Any, value: Any, typ: Any, transformer: Any) -> Any:
    deps: list[Any] = []
    try:
        got = asyncio.run(function(value, deps, "key", None, transformer, typ))
    except (AssertionError, ValueError) as error:
        return ("raised", type(error), str(error))
    return (_typed(got), deps)


@pytest.mark.parametrize(
    ("value", "typ"), SERIALIZATIONS, ids=[f"case{i}" for i in range(len(SERIALIZATIONS))]
)
@pytest.mark.parametrize("transformer", [None, str.upper])
def test_plain_inputs_serialize_as_the_sdk_serializes_them(
    value: Any, typ: Any, transformer: Any
) -> None:
    if "pulumi.runtime.rpc.serialize_property" in shortcuts.unavailable():
        pytest.skip("not applied on this SDK release: the harness takes the SDK's path")
    expected = _serialized(rpc.serialize_property, value, typ, transformer)
    got = _serialized(shortcuts._serialize_property, value, typ, transformer)
    assert got == expected


def test_an_output_inside_a_plain_input_keeps_its_dependencies() -> None:
    def program() -> None:
        first = pulumi_random.RandomId("first", byte_length=4)
        labels = {"plain": "b", "from-output": first.byte_length.apply(str)}  # two levels down
        k8s.core.v1.ConfigMap("second", metadata={"name": "cm", "labels": labels})

    result = run_program(program)
    second = result.named("second")
    assert second.inputs["metadata"] == {
        "name": "cm",
        "labels": {"plain": "b", "from-output": "4"},
    }
    assert second.property_dependencies["metadata"] == (result.named("first").urn,)


# --- unknowns, and a registration whose outputs fail part-way --------------------------------


class _OutputLike(dict[str, Any]):  # an output type is a dict subclass
    pass


_UNKNOWN = pulumi_output.Unknown()
_SHARED = {"a": "x"}
UNKNOWNS: list[Any] = [
    "text",
    None,
    3,
    _UNKNOWN,
    [],
    {},
    {"spec": {"template": {"labels": {"app": "odoo"}}, "ports": [80, 443]}},
    {"spec": {"ports": [80, {"later": _UNKNOWN}]}},
    [[["deep", _UNKNOWN]]],
    _OutputLike(spec=_OutputLike(later=_UNKNOWN)),
    _OutputLike(spec={"plain": ["x"]}),
    ("a tuple", _UNKNOWN),  # the SDK looks into dicts and lists only
    {"one": _SHARED, "two": _SHARED},
]


@pytest.mark.parametrize("value", UNKNOWNS, ids=lambda v: type(v).__name__)
def test_unknowns_are_found_as_the_sdk_finds_them(value: Any) -> None:
    assert shortcuts._contains_unknowns(value) is rpc.contains_unknowns(value)


def test_a_value_that_holds_itself_has_no_unknowns_unless_the_sdk_finds_one() -> None:
    cycle: dict[str, Any] = {"name": "x"}
    cycle["self"] = [cycle]
    assert shortcuts._contains_unknowns(cycle) is rpc.contains_unknowns(cycle) is False
    cycle["later"] = _UNKNOWN
    assert shortcuts._contains_unknowns(cycle) is rpc.contains_unknowns(cycle) is True


def test_a_registration_whose_outputs_fail_part_way_raises_instead_of_hanging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If resolving one output raises after others were resolved, the SDK resolves them all with
    the error; an output resolved already is left as it is, so the run ends with the error."""
    if not shortcuts.requested() or "pulumi.runtime.rpc.transfer_properties" in (
        shortcuts.unavailable()
    ):
        pytest.skip("not applied (off, or on this SDK release): the SDK's own resolvers")
    resolve, calls = shortcuts._resolve_output, []

    def failing_on_the_third(*args: Any) -> None:
        calls.append(args)
        if args[-1] is None and len(calls) == 3:
            raise RuntimeError("resolving an output failed")
        resolve(*args)

    monkeypatch.setattr(shortcuts, "_resolve_output", failing_on_the_third)

    def program() -> None:
        pulumi.export("hex", pulumi_random.RandomId("r", byte_length=8).hex)

    with pytest.raises(RuntimeError, match="resolving an output failed"):
        _within(program, seconds=60)


def _within(program: Any, seconds: float) -> None:
    """`run_program(program)`, failing the test (not hanging it) if it does not end in time
    (in a daemon thread, which a hung run does not keep from exiting)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            run_program(program)
        except BaseException as error:  # handed to the test's thread
            outcome.append(error)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if not outcome:
        pytest.fail(f"the run did not end within {seconds} s", pytrace=False)
    if outcome[0] is not None:
        raise outcome[0]
