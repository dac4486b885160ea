"""`odoo-platform estate`: the deploy order of the repository's stacks, and one plan of each."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from odoo_platform.cli import Exit, app, estate_exit
from odoo_platform.config import CONFIG_KEY, read_stack_config
from odoo_platform.offline.estate import (
    SCHEMA_VERSION,
    EstateError,
    EstateFinding,
    Stack,
    dependencies,
    deploy_order,
    discover,
    estate_json,
    print_estate,
    referenced_stacks,
    standby_findings,
)

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE_FREEZE = "2026-11-18"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["estate", *args])
    return result.exit_code, result.stdout, result.stderr


# --- the order function on synthetic reference graphs ---------------------------------------


def test_a_referenced_stack_deploys_first_and_independent_ones_alphabetically() -> None:
    graph = {
        "b-tenants": {"prod-eu"},
        "a-tenants": {"prod-eu"},
        "prod-eu-standby": {"prod-eu"},
        "prod-eu": set(),
        "zeta": set(),
        "alpha": set(),
        "c-tenant-of-standby": {"prod-eu-standby"},
    }
    assert deploy_order(graph) == [
        "alpha",
        "prod-eu",
        "a-tenants",
        "b-tenants",
        "prod-eu-standby",
        "c-tenant-of-standby",
        "zeta",
    ]


def test_the_order_does_not_depend_on_how_the_graph_is_listed() -> None:
    graph = {"c": {"d"}, "b": {"d"}, "d": set(), "a": {"b", "c"}}
    reversed_graph = dict(reversed(list(graph.items())))
    assert deploy_order(graph) == deploy_order(reversed_graph) == ["d", "b", "c", "a"]


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        ({"a": {"b"}, "b": {"a"}}, "a -> b -> a"),
        ({"x": {"x2"}, "x2": {"y"}, "y": {"x"}, "z": set()}, "x -> x2 -> y -> x"),
        ({"leaf": {"p"}, "p": {"q"}, "q": {"p"}}, "p -> q -> p"),
    ],
    ids=["two stacks", "three stacks", "a stack hanging off a cycle"],
)
def test_a_cycle_is_an_error_naming_it(graph: dict[str, set[str]], cycle: str) -> None:
    with pytest.raises(EstateError, match="cycle") as raised:
        deploy_order(graph)
    assert str(raised.value).endswith(cycle)


def test_references_come_from_the_known_keys_and_any_org_project_stack_value() -> None:
    config = {
        "odoo-tenant:platform_stack": "platform-eu",  # a bare name: the same project
        "odoo-tenant:tenant": {"slug": "delta", "hostnames": ["a.example/b"]},
        "other:settings": {"nested": [{"primary": "acme/odoo-platform/prod-eu-west-1"}]},
        "odoo-tenant:note": "see docs/runbooks/x.md",  # two slashes but a path, not a stack
    }
    assert referenced_stacks(config) == ["platform-eu", "acme/odoo-platform/prod-eu-west-1"]


# --- a synthetic repository: stack files that reference each other --------------------------


def write_stack(folder: Path, name: str, config: dict[str, object]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}))


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    """A platform project (stacks/) with two stacks and a tenant project with two stacks."""
    (tmp_path / "Pulumi.yaml").write_text("name: odoo-platform\nruntime: python\n")
    write_stack(tmp_path / "stacks", "prod-a", {"aws:region": "eu-west-1"})
    write_stack(tmp_path / "stacks", "prod-b", {"aws:region": "eu-west-2"})
    tenants = tmp_path / "tenants"
    write_stack(tenants, "a-t1", {"odoo-tenant:platform_stack": "acme/odoo-platform/prod-b"})
    write_stack(tenants, "a-t2", {"odoo-tenant:platform_stack": "acme/odoo-platform/prod-a"})
    (tenants / "Pulumi.yaml").write_text("name: odoo-tenant\nruntime: python\n")
    (tenants / "__main__.py").write_text("")
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


EVERY = ["prod-a", "a-t2", "prod-b", "a-t1"]


def order(*args: str) -> tuple[int, list[str], str]:
    code, out, err = run("--order", "--stacks-dir", "stacks", "--stacks-dir", "tenants", *args)
    return code, out.split(), err


@pytest.mark.usefixtures("repo")
def test_order_puts_each_platform_before_its_tenant_stacks() -> None:
    assert order() == (0, ["prod-a", "a-t2", "prod-b", "a-t1"], "")


@pytest.mark.usefixtures("repo")
@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (["stacks/Pulumi.prod-b.yaml"], ["prod-b", "a-t1"]),  # and its tenant stack after it
        (["tenants/Pulumi.a-t2.yaml"], ["a-t2"]),
        (["./tenants/Pulumi.a-t2.yaml", "stacks/Pulumi.prod-b.yaml"], ["a-t2", "prod-b", "a-t1"]),
        (["tenants/__main__.py"], ["a-t2", "a-t1"]),  # the tenant project's own program
        (["odoo_platform/offline/plan.py"], EVERY),
        (["constraints.txt"], EVERY),
        (["stacks/__main__.py"], EVERY),
        (["docs/cli.md", "README.md"], []),
        ([], []),
    ],
    ids=[
        "platform",
        "tenant",
        "both",
        "tenant program",
        "library",
        "pins",
        "stack program",
        "docs only",
        "nothing",
    ],
)
def test_changed_keeps_the_affected_stacks_and_their_dependents(
    changed: list[str], expected: list[str]
) -> None:
    assert order("--changed", *changed) == (0, expected, "")


def test_a_cycle_between_stack_files_is_exit_2_naming_it(repo: Path) -> None:
    write_stack(repo / "stacks", "prod-a", {"x:primary": "acme/odoo-tenant/a-t2"})
    code, out, err = order()
    assert code == Exit.USAGE
    assert out == []
    assert "cycle: a-t2 -> prod-a -> a-t2" in err


def test_a_bare_stack_name_refers_to_the_same_project() -> None:
    stacks = [
        Stack("prod-a", Path("stacks/Pulumi.prod-a.yaml"), "odoo-platform", ()),
        Stack("t1", Path("tenants/Pulumi.t1.yaml"), "odoo-tenant", ("prod-a",)),
        Stack("t2", Path("tenants/Pulumi.t2.yaml"), "odoo-tenant", ("t1", "other/x/y")),
    ]
    assert dependencies(stacks) == {"prod-a": set(), "t1": set(), "t2": {"t1"}}


def test_two_stacks_of_one_name_are_refused(repo: Path) -> None:
    write_stack(repo / "tenants", "prod-a", {})
    code, _, err = order()
    assert code == Exit.USAGE
    assert "two stacks named prod-a" in err


def test_paths_without_changed_are_wrong_usage() -> None:
    code, _, err = run("--order", "stacks/Pulumi.prod-eu-west-1.yaml")
    assert code == Exit.USAGE
    assert "--changed" in err


def test_the_repository_orders_the_example_tenant_stack_after_its_platform() -> None:
    stacks = discover([ROOT / "stacks", ROOT / "examples" / "tenant-stack"])
    names = [s.name for s in stacks]
    assert "example" in names
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        code, out, _ = run(
            "--order", "--stacks-dir", "stacks", "--stacks-dir", "examples/tenant-stack"
        )
        default_code, default_out, _ = run("--order")
    finally:
        os.chdir(cwd)
    listed = out.split()
    assert code == default_code == 0
    assert sorted(listed) == sorted(names)
    assert listed.index("prod-eu-west-1") < listed.index("example")
    # the DR standby reads its primary's outputs (dr_site.primary_stack): it deploys after it
    assert listed.index("prod-eu-west-1") < listed.index("dr-eu-central-1")
    # by default only the platform's own stacks: the example is a template for other projects
    default = default_out.split()
    assert sorted(default) == sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for p in (ROOT / "stacks").glob("Pulumi.*.yaml")
    )
    assert default.index("prod-eu-west-1") < default.index("dr-eu-central-1")
    assert default.index("prod-us-east-2") < default.index("dr-us-west-2")
    assert default.index("prod-eu-central-1") < default.index("dr-eu-west-1")  # pilot light
    # independent stacks alphabetical
    standbys = {"dr-eu-central-1", "dr-us-west-2", "dr-eu-west-1"}
    assert [n for n in default if n not in standbys] == sorted(
        n for n in default if n not in standbys
    )


def test_the_table_plans_platform_stacks_and_reports_the_others(tmp_path: Path) -> None:
    """A valid stack is planned, an invalid one shows its errors, a tenant stack is listed."""
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    small = ROOT / "tests" / "stacks" / "Pulumi.prod-eu-west-1.yaml"
    (stacks / "Pulumi.prod-eu-west-1.yaml").write_text(small.read_text())
    write_stack(stacks, "broken", {"odoo-platform:platform": {"environment": "qa"}})
    (tmp_path / "Pulumi.yaml").write_text("name: odoo-platform\n")
    example = ROOT / "examples" / "tenant-stack"
    dirs = ["--stacks-dir", str(stacks), "--stacks-dir", str(example)]
    code, out, _ = run("--json", "--date", OUTSIDE_FREEZE, *dirs)
    assert code == Exit.INVALID_INPUT
    document = json.loads(out)
    rows = {row["stack"]: row for row in document["stacks"]}
    assert document["order"] == ["broken", "prod-eu-west-1", "example"]
    assert rows["example"]["depends_on"] == ["prod-eu-west-1"]
    assert rows["example"]["planned"] is False and rows["example"]["error"] is None
    assert rows["broken"]["planned"] is False
    assert "platform.environment" in rows["broken"]["error"]
    planned = rows["prod-eu-west-1"]
    assert planned["tenants"] == {"shared": 1, "dedicated": 0, "own_account": 0}
    assert planned["policy"] == {"result": "pass", "mandatory": 0, "advisory": 0}
    assert planned["freeze"] is None
    assert document["passed"] is False
    # in the freeze window the row says until when; the table shows the same
    wide = CliRunner().invoke(
        app, ["estate", "--date", "2026-11-30", *dirs], env={"COLUMNS": "300"}
    )
    code, out = wide.exit_code, wide.stdout
    assert code == Exit.INVALID_INPUT
    assert "frozen until 2026-12-03 (month-end-close)" in out
    assert "Deploy order: broken -> prod-eu-west-1 -> example" in out


# --- the estate itself, end to end over the real sample stacks (slow: plans all of them) ------


@pytest.mark.slow
def test_estate_json_plans_every_sample_stack() -> None:
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        code, out, _ = run("--json", "--date", OUTSIDE_FREEZE)
        _, order_out, _ = run("--order")
    finally:
        os.chdir(cwd)
    document = json.loads(out)
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["date"] == OUTSIDE_FREEZE
    rows = {row["stack"]: row for row in document["stacks"]}
    files = sorted((ROOT / "stacks").glob("Pulumi.*.yaml"))
    assert sorted(rows) == [p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in files]
    assert document["order"] == order_out.split()
    for name, row in rows.items():
        assert row["planned"] and row["error"] is None, (name, row["error"])
        config = yaml.safe_load((ROOT / row["file"]).read_text())["config"]
        platform = config["odoo-platform:platform"]
        assert (row["environment"], row["region"]) == (platform["environment"], platform["region"])
        tiers = [t["tier"] for t in platform["tenants"]]
        assert row["tenants"]["shared"] == tiers.count("shared")
        assert row["tenants"]["dedicated"] == tiers.count("dedicated")
        assert row["resources"] > 100
        assert row["cost"]["monthly"] > 0
        assert row["policy"]["result"] in ("pass", "warnings")
    assert code == Exit.OK and document["passed"] is True


# --- the estate's DR check: a warm-standby primary needs its standby stack ------------------

WARM_PRIMARY = {
    "region": "eu-west-1",
    "disaster_recovery": {"mode": "warm-standby", "dr_region": "eu-central-1"},
}


def standby(primary: str = "acme/odoo-platform/prod-a", **site: str) -> dict[str, object]:
    return {
        "region": "eu-central-1",
        "dr_site": {
            "primary_stack": primary,
            "primary_region": "eu-west-1",
            "mode": "warm-standby",
            "role": "standby",
            **site,
        },
    }


def estate_of(tmp_path: Path, **platforms: dict[str, object]) -> list[Stack]:
    (tmp_path / "Pulumi.yaml").write_text("name: odoo-platform\n")
    for name, platform in platforms.items():
        write_stack(tmp_path / "stacks", name, {CONFIG_KEY: platform})
    return discover([tmp_path / "stacks"])


def test_a_warm_standby_primary_without_a_standby_stack_is_a_finding_at_its_key(
    tmp_path: Path,
) -> None:
    stacks = estate_of(
        tmp_path,
        **{
            "prod-a": WARM_PRIMARY,
            "prod-b": {"disaster_recovery": {"mode": "pilot-light", "dr_region": "eu-west-1"}},
            "prod-c": {"region": "us-east-1"},
        },
    )
    findings = standby_findings(stacks)
    assert [(f.stack, f.key) for f in findings] == [("prod-a", "platform.disaster_recovery.mode")]
    text = str(findings[0])
    assert text.startswith("prod-a: platform.disaster_recovery.mode: 'warm-standby'")
    # what is missing, where, and the two ways out
    assert "no stack of this estate is its standby" in text
    assert "dr_site.primary_stack naming <org>/odoo-platform/prod-a" in text
    assert "eu-central-1" in text
    assert "stacks/Pulumi.dr-eu-central-1.yaml" in text and "pilot-light" in text


@pytest.mark.parametrize(
    ("site", "found"),
    [
        (standby(), False),
        (standby(role="primary"), False),  # failed over: the site exists and serves
        (standby(mode="pilot-light"), True),  # a DR site, but no warm standby
        (standby("acme/other-project/prod-a"), True),  # another project's stack of that name
        (standby("acme/odoo-platform/prod-z"), True),  # the standby of another stack
    ],
    ids=["standby", "failed over", "other mode", "other project", "other primary"],
)
def test_only_a_warm_standby_site_naming_the_primary_counts(
    tmp_path: Path, site: dict[str, object], found: bool
) -> None:
    stacks = estate_of(tmp_path, **{"prod-a": WARM_PRIMARY, "dr-a": site})
    assert [f.stack for f in standby_findings(stacks)] == (["prod-a"] if found else [])


def test_a_finding_fails_the_estate_as_invalid_input() -> None:
    finding = EstateFinding("prod-a", "platform.disaster_recovery.mode", "no standby")
    document = estate_json([], [], dt.date(2026, 11, 18), [finding])
    assert document["findings"] == [
        {"stack": "prod-a", "key": "platform.disaster_recovery.mode", "message": "no standby"}
    ]
    assert document["passed"] is False
    assert estate_json([], [], dt.date(2026, 11, 18), [])["passed"] is True
    assert estate_exit([], [finding]) == Exit.INVALID_INPUT
    console = Console(record=True, width=200)
    print_estate([], [], console, [finding])
    assert "prod-a: platform.disaster_recovery.mode: no standby" in console.export_text()


def test_estate_reports_the_finding_beside_the_rows(tmp_path: Path) -> None:
    # an invalid file plans in no time; the finding comes from the stack files alone
    stacks = estate_of(tmp_path, **{"prod-a": {**WARM_PRIMARY, "environment": "qa"}})
    code, out, _ = run("--json", "--date", OUTSIDE_FREEZE, "--stacks-dir", str(tmp_path / "stacks"))
    document = json.loads(out)
    assert code == Exit.INVALID_INPUT and document["passed"] is False
    assert [f["stack"] for f in document["findings"]] == [s.name for s in stacks]
    assert document["findings"][0]["key"] == "platform.disaster_recovery.mode"


def test_every_warm_standby_sample_stack_has_its_standby_in_the_estate() -> None:
    stacks = discover([ROOT / "stacks"])
    primaries = [
        s.name
        for s in stacks
        if (read_stack_config(s.path)[CONFIG_KEY].get("disaster_recovery") or {}).get("mode")
        == "warm-standby"
    ]
    assert {"prod-eu-west-1", "prod-us-east-2"} <= set(primaries)
    assert standby_findings(stacks) == []
