"""The estate: every stack of the repository, the order they deploy in, and one plan of each.

A stack is a `Pulumi.<name>.yaml` file in one of the stack folders (default `stacks/`; the
example tenant stack in `examples/tenant-stack/` joins when its folder is named too). A stack
that references another (a tenant stack its platform, a standby its primary) deploys after it.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from rich.console import Console
from rich.table import Table

from odoo_platform.config import CONFIG_KEY, ConfigError, read_stack_config
from odoo_platform.offline.check import check_stack
from odoo_platform.offline.plan import StackPlan, plan_stack

# Stack config keys whose value names the stack this one depends on: `org/project/stack`, or a
# bare stack name of the same project. (A standby's `dr_site.primary_stack` is found by its shape.)
REFERENCE_KEYS = ("odoo-tenant:platform_stack",)
# What `pulumi.StackReference` / `PlatformReference` take: organisation/project/stack.
STACK_REFERENCE = re.compile(r"^[A-Za-z0-9_.-]+/(?P<project>[A-Za-z0-9_.-]+)/(?P<stack>[\w.-]+)$")
# A change under these paths can change what every stack declares.
SHARED_PATHS = (
    "odoo_platform/",
    "stacks/__main__.py",
    "Pulumi.yaml",
    "pyproject.toml",
    "constraints.txt",
)
DEFAULT_STACK_DIRS = (Path("stacks"),)


class EstateError(ValueError):
    """The stacks cannot be ordered: a cycle, or two stacks of one name."""


@dataclass(frozen=True)
class Stack:
    name: str
    path: Path  # its stack file
    project: str  # the `name:` of the Pulumi.yaml that owns the folder
    references: tuple[str, ...]  # stack references found in its config (as written)

    @property
    def is_platform(self) -> bool:
        """A stack of the platform's own program (it has the `odoo-platform:platform` key)."""
        return CONFIG_KEY in read_stack_config(self.path)


def referenced_stacks(config: Mapping[str, Any]) -> list[str]:
    """Every stack a stack file's `config:` refers to: the values of `REFERENCE_KEYS`, and any
    other text anywhere in it shaped `org/project/stack`."""
    found = [str(config[key]) for key in REFERENCE_KEYS if isinstance(config.get(key), str)]
    found += [text for text in _texts(config) if STACK_REFERENCE.match(text)]
    return list(dict.fromkeys(found))


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def project_name(folder: Path) -> str:
    """The project of a stack folder: its own Pulumi.yaml, or its parent's (`stackConfigDir`)."""
    for candidate in (folder / "Pulumi.yaml", folder.parent / "Pulumi.yaml"):
        if candidate.is_file():
            text = candidate.read_text(encoding="utf-8")
            match = re.search(r"^name:\s*(\S+)", text, re.MULTILINE)
            if match:
                return match.group(1)
    return folder.resolve().name


def discover(folders: Sequence[Path]) -> list[Stack]:
    """The stacks in `folders`, by name; raises `ConfigError` for an unreadable stack file."""
    stacks: dict[str, Stack] = {}
    for folder in folders:
        project = project_name(folder)
        for path in sorted(folder.glob("Pulumi.*.yaml")):
            name = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
            if name in stacks:
                raise EstateError(f"two stacks named {name}: {stacks[name].path} and {path}")
            references = tuple(referenced_stacks(read_stack_config(path)))
            stacks[name] = Stack(name, path, project, references)
    return list(stacks.values())


def dependencies(stacks: Sequence[Stack]) -> dict[str, set[str]]:
    """Per stack, the stacks of this estate it references (references outside it are ignored)."""
    by_key = {(s.project, s.name): s.name for s in stacks}
    graph: dict[str, set[str]] = {}
    for stack in stacks:
        graph[stack.name] = set()
        for reference in stack.references:
            match = STACK_REFERENCE.match(reference)
            key = (match["project"], match["stack"]) if match else (stack.project, reference)
            if key in by_key and by_key[key] != stack.name:
                graph[stack.name].add(by_key[key])
    return graph


def deploy_order(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Every stack after the stacks it depends on, alphabetical among independent ones.

    `graph` maps a stack to the stacks it depends on. Raises `EstateError` naming a cycle."""
    needs = {name: set(deps) & set(graph) for name, deps in graph.items()}
    dependents: dict[str, set[str]] = {name: set() for name in graph}
    for name, deps in needs.items():
        for dep in deps:
            dependents[dep].add(name)
    ready = [name for name, deps in needs.items() if not deps]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for dependent in dependents[name]:
            needs[dependent].discard(name)
            if not needs[dependent]:
                heapq.heappush(ready, dependent)
    if len(order) < len(graph):
        raise EstateError(f"the stacks reference each other in a cycle: {_cycle(needs)}")
    return order


def _cycle(needs: Mapping[str, set[str]]) -> str:
    """One cycle among the stacks left unordered, as `a -> b -> a`."""
    start = min(name for name, deps in needs.items() if deps)
    path = [start]
    while True:
        following = min(needs[path[-1]])
        if following in path:
            loop = [*path[path.index(following) :], following]
            return " -> ".join(loop)
        path.append(following)


def is_shared(path: str) -> bool:
    posix = PurePosixPath(path.removeprefix("./")).as_posix()
    return any(posix == p or (p.endswith("/") and posix.startswith(p)) for p in SHARED_PATHS)


def changed_stacks(stacks: Sequence[Stack], changed: Sequence[str]) -> set[str]:
    """The stacks a change to `changed` (paths from the repository root) affects directly: all
    of them for a shared path; else those whose stack file changed, and those whose folder is a
    project of its own (the example tenant stack) when a file of its program changed."""
    if any(is_shared(path) for path in changed):
        return {s.name for s in stacks}
    touched = {Path(path).resolve() for path in changed}
    stack_files = {s.path.resolve() for s in stacks}
    affected = {s.name for s in stacks if s.path.resolve() in touched}
    for stack in stacks:
        folder = stack.path.parent.resolve()
        program = (folder / "Pulumi.yaml").is_file()
        if program and any(folder in p.parents and p not in stack_files for p in touched):
            affected.add(stack.name)
    return affected


def with_dependents(names: set[str], graph: Mapping[str, Iterable[str]]) -> set[str]:
    """`names` and every stack that depends on one of them, directly or not."""
    result = set(names)
    grew = True
    while grew:
        grew = False
        for name, deps in graph.items():
            if name not in result and result & set(deps):
                result.add(name)
                grew = True
    return result


def order_for_change(stacks: Sequence[Stack], changed: Sequence[str] | None = None) -> list[str]:
    """The stacks to deploy, in order: all of them, or those `changed` affects and their
    dependents (a platform change can affect its tenant stacks)."""
    graph = dependencies(stacks)
    order = deploy_order(graph)
    if changed is None:
        return order
    keep = with_dependents(changed_stacks(stacks, changed), graph)
    return [name for name in order if name in keep]


# --- cross-stack checks ---------------------------------------------------------------------

WARM_STANDBY = "warm-standby"
DR_MODE_KEY = "platform.disaster_recovery.mode"


@dataclass(frozen=True)
class EstateFinding:
    """A problem no single stack file shows: `key` is the key path in `stack`'s file."""

    stack: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.stack}: {self.key}: {self.message}"


def _platform(stack: Stack) -> Mapping[str, Any]:
    platform = read_stack_config(stack.path).get(CONFIG_KEY)
    return platform if isinstance(platform, Mapping) else {}


def _section(platform: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = platform.get(key)
    return value if isinstance(value, Mapping) else {}


def standby_findings(stacks: Sequence[Stack]) -> list[EstateFinding]:
    """Every warm-standby primary that no stack of the estate stands by for.

    The plan credits warm standby's RPO and RTO (config/recovery.py) from the mode alone, but
    only a standby stack (a `dr_site` naming the primary, in warm-standby mode) has the replicas
    and the idle workloads that meet them; failed over (`role: primary`) it still counts."""
    sites = set()
    for stack in stacks:
        site = _section(_platform(stack), "dr_site")
        match = STACK_REFERENCE.match(str(site.get("primary_stack", "")))
        if match and site.get("mode") == WARM_STANDBY:
            sites.add((match["project"], match["stack"]))
    findings = []
    for stack in stacks:
        platform = _platform(stack)
        dr = _section(platform, "disaster_recovery")
        if dr.get("mode") != WARM_STANDBY or (stack.project, stack.name) in sites:
            continue
        region = dr.get("dr_region", "its dr_region")
        findings.append(
            EstateFinding(
                stack.name,
                DR_MODE_KEY,
                f"'{WARM_STANDBY}' but no stack of this estate is its standby, so nothing "
                f"meets the RPO and RTO the plan credits to warm standby: add the standby stack "
                f"in {region} (dr_site.primary_stack naming <org>/{stack.project}/{stack.name}, "
                f"mode {WARM_STANDBY}; like stacks/Pulumi.dr-eu-central-1.yaml) or choose the "
                "mode that runs without one: pilot-light or backup-restore",
            )
        )
    return findings


@dataclass(frozen=True)
class EstateRow:
    """One stack of the estate: its plan, or why it has none."""

    stack: Stack
    depends_on: tuple[str, ...]
    plan: StackPlan | None
    error: str | None  # an invalid stack file or a failed program
    invalid: bool = False


def plan_estate(stacks: Sequence[Stack], today: dt.date) -> list[EstateRow]:
    """Plan every platform stack, one after the other in this process (the harness runs one
    program at a time); other programs' stacks (a tenant stack) are listed, not planned."""
    graph = dependencies(stacks)
    rows = []
    for stack in stacks:
        depends_on = tuple(sorted(graph[stack.name]))
        if not stack.is_platform:
            rows.append(EstateRow(stack, depends_on, None, None))
            continue
        try:
            plan = plan_stack(check_stack(stack.path, stack.name, today))
        except ConfigError as error:
            rows.append(EstateRow(stack, depends_on, None, str(error), invalid=True))
            continue
        except Exception as error:  # the program's own failure, reported in its row
            rows.append(EstateRow(stack, depends_on, None, f"{type(error).__name__}: {error}"))
            continue
        rows.append(EstateRow(stack, depends_on, plan, None))
    return rows


# --- report ---------------------------------------------------------------------------------

SCHEMA_VERSION = 1


def policy_result(plan: StackPlan) -> str:
    """`pass`, `warnings` (advisory findings only) or `fail` (a mandatory finding)."""
    if plan.check.mandatory_failures:
        return "fail"
    return "warnings" if plan.check.findings else "pass"


def tenant_counts(plan: StackPlan) -> dict[str, int]:
    tenants = plan.check.config.tenants
    return {
        "shared": sum(t.tier == "shared" for t in tenants),
        "dedicated": sum(t.tier == "dedicated" for t in tenants),
        "own_account": sum(bool(t.dedicated and t.dedicated.aws_account_role_arn) for t in tenants),
    }


def freeze_text(plan: StackPlan) -> str:
    state = plan.check.freeze
    if state is None:
        return "-"
    text = f"frozen until {state.until.isoformat()} ({state.window})"
    return f"{text}, override {state.override.change_ref}" if state.override else text


def row_json(row: EstateRow) -> dict[str, Any]:
    """One stack of `estate --json` (docs/cli.md); a stack without a plan has nulls."""
    document: dict[str, Any] = {
        "stack": row.stack.name,
        "project": row.stack.project,
        "file": row.stack.path.as_posix(),
        "depends_on": list(row.depends_on),
        "planned": row.plan is not None,
        "error": row.error,
        "environment": None,
        "region": None,
        "tenants": None,
        "resources": None,
        "cost": None,
        "policy": None,
        "freeze": None,
    }
    plan = row.plan
    if plan is None:
        return document
    check = plan.check
    state = check.freeze
    mandatory = len(check.mandatory_failures)
    document.update(
        environment=check.config.environment,
        region=check.config.region,
        tenants=tenant_counts(plan),
        resources=sum(r.custom for r in check.result.resources),
        cost={
            "estimate": True,
            "currency": plan.cost.prices.currency,
            "monthly": round(plan.cost.total, 2),
        },
        policy={
            "result": policy_result(plan),
            "mandatory": mandatory,
            "advisory": len(check.findings) - mandatory,
        },
        freeze=(
            {
                "window": state.window,
                "until": state.until.isoformat(),
                "update_blocked": state.update_blocked,
                "override": state.override.change_ref if state.override else None,
            }
            if state
            else None
        ),
    )
    return document


def estate_json(
    rows: Sequence[EstateRow],
    order: Sequence[str],
    today: dt.date,
    findings: Sequence[EstateFinding] = (),
) -> dict[str, Any]:
    """`odoo-platform estate --json` (schema in docs/cli.md, versioned by `schema_version`)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "date": today.isoformat(),
        "order": list(order),
        "passed": not findings
        and all(
            r.error is None and (r.plan is None or policy_result(r.plan) != "fail") for r in rows
        ),
        "findings": [{"stack": f.stack, "key": f.key, "message": f.message} for f in findings],
        "stacks": [row_json(r) for r in rows],
    }


def _policy_cell(plan: StackPlan) -> str:
    check = plan.check
    mandatory = len(check.mandatory_failures)
    advisory = len(check.findings) - mandatory
    result = policy_result(plan)
    if result == "fail":
        return f"[bold red]fail[/] ({mandatory} mandatory, {advisory} advisory)"
    return f"[yellow]warnings[/] ({advisory} advisory)" if advisory else "[green]pass[/]"


def print_estate(
    rows: Sequence[EstateRow],
    order: Sequence[str],
    console: Console,
    findings: Sequence[EstateFinding] = (),
) -> None:
    """One table of every stack, the deploy order, then what the stacks miss together."""
    table = Table(title="Estate", title_justify="left")
    for column in ("stack", "env", "region", "tenants s/d/own", "resources", "cost/month"):
        table.add_column(column, no_wrap=True, justify="right" if column[0] in "rc" else "left")
    table.add_column("policy", overflow="fold")
    table.add_column("freeze", overflow="fold")
    table.add_column("after", overflow="fold")
    for row in rows:
        after = ", ".join(row.depends_on) or "-"
        plan = row.plan
        if plan is None:
            why = row.error or f"not planned: a stack of project {row.stack.project}"
            table.add_row(
                row.stack.name,
                "",
                "",
                "",
                "",
                "",
                f"[red]{why}[/]" if row.error else why,
                "",
                after,
            )
            continue
        counts = tenant_counts(plan)
        config = plan.check.config
        table.add_row(
            row.stack.name,
            config.environment,
            config.region,
            f"{counts['shared']}/{counts['dedicated']}/{counts['own_account']}",
            str(sum(r.custom for r in plan.check.result.resources)),
            f"{plan.cost.total:,.0f} {plan.cost.prices.currency}",
            _policy_cell(plan),
            freeze_text(plan),
            after,
        )
    console.print(table)
    console.print("Deploy order: " + (" -> ".join(order) or "(no stacks)"))
    for finding in findings:
        console.print(f"[bold red]error[/] {finding}", markup=True, highlight=False)
    console.print("[dim]Cost: an estimate from list prices (odoo-platform plan --stack NAME).[/]")
