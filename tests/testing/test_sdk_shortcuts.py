"""The harness's cheaper versions of SDK steps give what the SDK's own would."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_random
from pulumi.runtime import resource as pulumi_resource

from odoo_platform.synthesis.harness import _stack_trace_without_source_lines
from odoo_platform.testing import run_program


class _Base:
    def __init__(self, traces: list[Any]) -> None:  # stands in for pulumi.Resource
        traces.append((pulumi_resource._get_stack_trace(), _stack_trace_without_source_lines()))


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
