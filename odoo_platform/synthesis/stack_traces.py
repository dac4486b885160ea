"""The stack traces the SDK sends with each registration, built once per call site.

The SDK's `pulumi.runtime.resource._get_stack_trace` extracts the call stack with
`traceback.extract_stack()` (which stats every file and reads every line), keeps the frames above
the resource class's own `__init__` and turns each into a `StackFrame` (file URI and line). Under
the mocks this was 7 % of a 50-tenant plan (docs/performance.md), in proportion to how deep a
resource is declared: computing a frame's line number scans its function's line table, and a
`StackTrace` of twenty frames is built anew per resource. Resources declared from the same call
sites (every tenant's) have the same stack, so the message is kept per call-site chain: the
frames' code objects and instruction offsets, which determine file and line (the shortcut is
registered in `shortcuts.py`).
"""

from __future__ import annotations

import functools
import sys
import traceback
from types import CodeType, FrameType
from typing import Any

from pulumi.runtime import resource as pulumi_resource

# (id of each kept frame's code object, its instruction offset), innermost first -> the message
# and the code objects (held, so that their ids stay theirs while the entry lives).
_TRACES: dict[tuple[int, ...], tuple[Any, tuple[CodeType, ...]]] = {}
_MAX_TRACES = 16_384  # distinct call-site chains of a run are a few thousand


def stack_trace_of_call_sites() -> Any:
    """The SDK's `_get_stack_trace`: the same frames and messages, without source lines, and
    one `StackTrace` per chain of call sites."""
    frames = _frames_above_resource_init(sys._getframe(1))
    if not frames:
        return pulumi_resource.source_pb2.StackTrace()
    key = tuple(part for frame in frames for part in (id(frame.f_code), frame.f_lasti))
    cached = _TRACES.get(key)
    if cached is None:
        if len(_TRACES) >= _MAX_TRACES:
            _TRACES.clear()
        message = pulumi_resource.source_pb2.StackTrace(
            frames=[_stack_frame(f.f_code.co_filename, f.f_lineno) for f in frames]
        )
        cached = _TRACES[key] = (message, tuple(frame.f_code for frame in frames))
    return cached[0]


def _frames_above_resource_init(frame: FrameType | None) -> list[FrameType]:
    """The frames the SDK keeps, innermost first: those outside the third `__init__` from the
    top of the stack (Resource, Custom/ComponentResource, the concrete class), or none if there is
    no such frame or nothing outside it."""
    stack: list[FrameType] = []
    while frame is not None:
        stack.append(frame)
        frame = frame.f_back
    inits = 0
    for index, candidate in enumerate(stack):
        if candidate.f_code.co_name == "__init__":
            inits += 1
            if inits == 3:
                return stack[index + 1 :]
    return []


@functools.lru_cache(maxsize=4096)
def _stack_frame(filename: str, line: int | None) -> Any:
    frame = traceback.FrameSummary(filename, line, "", lookup_line=False)
    position = pulumi_resource._get_source_position_for_frame(frame)
    return pulumi_resource.source_pb2.StackFrame(pc=position)  # copied into each StackTrace
