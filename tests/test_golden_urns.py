"""No sample stack's URNs move unnoticed: a renamed or re-parented resource would be replaced.

An intended change rewrites the golden files (`tests/golden_urns.py` says how); a resource that
must move carries `aliases`, which the golden file records beside its URN.
"""

from __future__ import annotations

import difflib

import pytest

from tests.golden_urns import REGENERATE, STACKS, golden_path, urn_lines


@pytest.mark.parametrize("stack", STACKS)
def test_the_stack_declares_exactly_its_golden_urns(stack: str) -> None:
    golden = golden_path(stack).read_text()
    declared = urn_lines(stack)
    diff = "".join(
        list(
            difflib.unified_diff(
                golden.splitlines(True), declared.splitlines(True), "golden", "now"
            )
        )[:40]
    )
    assert declared == golden, f"{stack}: URNs changed (intended? run `{REGENERATE}`):\n{diff}"


def test_every_sample_stack_has_a_golden_file() -> None:
    assert STACKS, "no sample stacks found"
    names = sorted(p.stem for p in golden_path(STACKS[0]).parent.glob("*.urns"))
    assert names == STACKS
