"""docs/components/reference.md and index.md are generated from the code and the sample stacks;
every Args field is documented where it is declared."""

from __future__ import annotations

import dataclasses
import re
from typing import Annotated, Literal

import pytest

from odoo_platform.components._shared.base import Between, Matches, OneOf, Slug
from odoo_platform.offline import component_reference as ref
from odoo_platform.synthesis.harness import ProgramResult
from tests.golden_urns import GOLDEN_DAY, ROOT, STACKS, sample_result

DOCS = ROOT / "docs" / "components"
# Documented on their own branches (issue 15, helpers A and E); the integrator removes this set
# once those branches are merged.


def _checked_classes() -> list[type]:
    found: list[type] = []
    for component in ref.components():
        found += [c for c in ref.documented_classes(component.args) if c not in found]
    return found


def test_every_args_field_has_a_docstring() -> None:
    checked = _checked_classes()
    assert len(checked) >= 20, [c.__name__ for c in checked]
    missing = [
        f"{cls.__module__}.{cls.__name__}.{f.name}"
        for cls in checked
        for f in dataclasses.fields(cls)
        if not ref.field_docs(cls).get(f.name)
    ]
    assert missing == [], "fields without a docstring line below them:\n" + "\n".join(missing)


def test_every_component_has_its_own_docstring() -> None:
    missing = [c.name for c in ref.components() if not ref.own_docstring(c.cls)]
    assert missing == []


def test_committed_reference_matches_the_code() -> None:
    assert (DOCS / "reference.md").read_text() == ref.render_reference(), (
        f"docs/components/reference.md is stale: {ref.REGENERATE}"
    )


@dataclasses.dataclass(frozen=True)
class _Example:
    """An Args class the way components write them."""

    days: Annotated[int, Between(1, 35, " days")] = 7
    """Days to keep."""
    mode: Literal["a", "b"] = "a"
    retention: Annotated[int, OneOf((1, 7, 30))] = 30
    tenants: tuple[Slug, ...] = ()
    """Tenants,
    one per line."""
    label: Annotated[str, Matches("x+", "only x")] | None = None
    required: int = dataclasses.field(default_factory=lambda: 3)


def test_fields_are_read_from_the_annotations_and_the_source() -> None:
    rows = {f.name: f for f in ref.fields_of(_Example, {})}
    assert rows["days"] == ref.Field("days", "int", "`7`", "1 to 35 days", "Days to keep.")
    assert rows["mode"].allowed == "one of `a`, `b`"
    assert rows["mode"].doc == ""  # no docstring below it: the completeness test names it
    assert rows["retention"].allowed == "one of `1`, `7`, `30`"
    assert rows["tenants"].type == "tuple[str, ...]"
    assert rows["tenants"].allowed == "each: a tenant slug such as 'alpha-law'"
    assert rows["tenants"].doc == "Tenants, one per line."
    assert rows["label"].type == "str | None"
    assert rows["label"].allowed == "only x"
    assert rows["required"].default == "`3`"


def test_inputs_read_as_inputs_and_nested_classes_link_to_their_table() -> None:
    text = ref.render_reference()
    lines = text.splitlines()
    subnets = next(line for line in lines if line.startswith("| `subnet_ids` | Input[Sequence"))
    assert "Input[Sequence[Input[str]]]" in subnets
    assert "| `eks` | [EksSettings](#ekssettings) \\| None | `None` |" in text
    assert "### EksSettings" in text
    # a class shared by two components is shown once, the second points to it
    assert text.count("### TierArgs") == 1
    assert "Args: [TierArgs](#tierargs) (see DedicatedTier)." in text
    # allowed values come from the rules `check_args` enforces, not from a copy
    schedule = next(line for line in lines if line.startswith("| `schedule_hour_utc` |"))
    assert "| 0 to 23 |" in schedule


@pytest.fixture(scope="module")
def samples() -> dict[str, ProgramResult]:
    """Every sample stack on the golden URN lists' day, the same runs the golden URN test reads
    (once per session)."""
    return {stack: sample_result(stack) for stack in STACKS}


def test_the_index_is_planned_on_the_golden_day() -> None:
    assert ref.SAMPLE_DAY == GOLDEN_DAY
    assert sorted(ref.sample_stacks(ROOT / "stacks")) == STACKS


def test_committed_index_matches_the_sample_stacks(samples: dict[str, ProgramResult]) -> None:
    assert (DOCS / "index.md").read_text() == ref.render_index(samples), (
        f"docs/components/index.md is stale: {ref.REGENERATE}"
    )


def test_each_resource_type_is_listed_with_its_nearest_component(
    samples: dict[str, ProgramResult],
) -> None:
    declared = ref.declared_types(samples)
    prod = samples["prod-eu-west-1"]
    assert {r.type for r in prod.resources} <= set(declared)
    # an RDS instance belongs to PostgresServer (or, on a warm standby, CrossRegionReplica),
    # though both sit inside a tier
    assert set(declared["aws:rds/instance:Instance"]) == {"PostgresServer", "CrossRegionReplica"}
    # components are indexed too, under the component that composes them
    assert "MultiTenantTier" in declared["odoo-platform:index:OdooTenant"]
    assert set(declared["odoo-platform:index:RegionalPlatform"]) == {ref.STACK_PROGRAM}
    text = ref.render_index(samples)
    assert (
        "| `aws:rds/instance:Instance` | [CrossRegionReplica](reference.md#crossregionreplica), "
        "[PostgresServer](reference.md#postgresserver) |"
    ) in text


def test_every_index_link_has_a_reference_section(samples: dict[str, ProgramResult]) -> None:
    reference = ref.render_reference()
    anchors = {f"#{ref.anchor(line[3:])}" for line in reference.splitlines() if line[:3] == "## "}
    links = set(re.findall(r"\]\(reference\.md(#[a-z]+)\)", ref.render_index(samples)))
    assert links and links <= anchors, links - anchors


def test_the_docs_link_the_generated_files() -> None:
    for doc in ("README.md", "docs/architecture.md"):
        assert "components/reference.md" in (ROOT / doc).read_text(), doc
