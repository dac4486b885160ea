"""`odoo-platform`: offline tools for stack files (no cloud account, no Pulumi CLI needed).

Works after a plain `pip install odoo-platform`: nothing here imports an optional extra
(`pulumi_policy`, from `[policy]`, is used only by the CrossGuard pack itself).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import IntEnum
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from odoo_platform.config import ConfigError, PlatformConfig, stack_file
from odoo_platform.config.clock import utc_today
from odoo_platform.config.schema import json_schema_text
from odoo_platform.config.validation import warnings as config_warnings
from odoo_platform.offline import check_report, drift, evidence_report, plan_report
from odoo_platform.offline import estate as estate_mod
from odoo_platform.offline import evidence as evidence_mod
from odoo_platform.offline.check import StackCheck, check_stack, load_for_day
from odoo_platform.offline.plan import plan_stack
from odoo_platform.offline.render import RenderError, check_out_dir, render_objects, write_files
from odoo_platform.policies.pack_config import facts_document

app = typer.Typer(
    help="Validate, plan and render odoo-platform stacks offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

PACK_DIR = Path(__file__).resolve().parent / "policy_pack"


class Exit(IntEnum):
    """Exit codes (docs/cli.md): each says what went wrong, so CI can tell them apart."""

    OK = 0
    INVALID_INPUT = 1  # the stack file is invalid (every problem listed, with its key path)
    DRIFT = 1  # drift-report: the preview found drift (the issue body is on stdout)
    USAGE = 2  # wrong options
    POLICY_FAILED = 3  # a mandatory policy finding
    FAILED = 4  # the program failed, or the output cannot be written


StackOption = Annotated[
    str | None, typer.Option("--stack", "-s", help="stack name: reads stacks/Pulumi.NAME.yaml")
]
ConfigFileOption = Annotated[
    Path | None, typer.Option("--config-file", "-c", help="any Pulumi.<stack>.yaml file")
]
StacksDirOption = Annotated[
    Path, typer.Option("--stacks-dir", help="where stack files live", show_default=True)
]
JsonOption = Annotated[bool, typer.Option("--json", help="machine-readable output on stdout")]
DateOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--date",
        formats=["%Y-%m-%d"],
        help="run as of this day (freezes, override expiry, offboarding); default: today (UTC)",
    ),
]
ProgramOption = Annotated[
    str | None,
    typer.Option(
        "--program",
        help="MODULE:FUNCTION of another Pulumi program to run instead of the stack program",
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"odoo-platform {metadata.version('odoo-platform')}")
        raise typer.Exit()


@app.callback()
def _main(
    _version_flag: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="print the version"),
    ] = False,
) -> None:
    """Validate, plan and render odoo-platform stacks offline."""


def fail(message: str, code: Exit = Exit.USAGE) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def resolve_stack_file(stack: str | None, config_file: Path | None, stacks_dir: Path) -> Path:
    """The stack file named by --stack or --config-file (exactly one of them)."""
    if (stack is None) == (config_file is None):
        fail("name exactly one of --stack NAME or --config-file PATH")
    return config_file if config_file is not None else stack_file(str(stack), stacks_dir)


def day_of(date: dt.datetime | None) -> dt.date:
    return date.date() if date else utc_today()


def invalid_input(error: ConfigError, json_output: bool) -> NoReturn:
    """Every problem on stderr, or as one JSON object on stdout; exit code INVALID_INPUT."""
    if json_output:
        document = {
            "error": "invalid-stack-file",
            "source": error.source,
            "errors": [{"path": i.path, "message": i.message} for i in error.issues],
        }
        typer.echo(json.dumps(document, indent=2, sort_keys=True))
    else:
        typer.echo(str(error), err=True)
    raise typer.Exit(Exit.INVALID_INPUT)


def load_or_exit(path: Path, today: dt.date, json_output: bool = False) -> PlatformConfig:
    """The configuration as the program sees it on `today`, or every error and exit code 1."""
    try:
        return load_for_day(path, today)
    except ConfigError as error:
        invalid_input(error, json_output)


@app.command()
def validate(
    stack: StackOption = None,
    config_file: ConfigFileOption = None,
    stacks_dir: StacksDirOption = Path("stacks"),
    json_output: JsonOption = False,
    date: DateOption = None,
) -> None:
    """Check a stack file; exit 0 when valid, 1 with every error otherwise."""
    path = resolve_stack_file(stack, config_file, stacks_dir)
    config = load_or_exit(path, day_of(date), json_output)
    shared = sum(t.tier == "shared" for t in config.tenants)
    warnings = [str(issue) for issue in config_warnings(config)]
    if json_output:
        document = {
            "valid": True,
            "source": str(path),
            "environment": config.environment,
            "region": config.region,
            "tenants": {"shared": shared, "dedicated": len(config.tenants) - shared},
            "warnings": warnings,
        }
        typer.echo(json.dumps(document, indent=2, sort_keys=True))
        return
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(
        f"{path}: valid ({config.environment} in {config.region}, "
        f"{shared} shared and {len(config.tenants) - shared} dedicated tenants)"
    )


def load_program(spec: str | None) -> Any:
    """The function named `module:function`, or None for the stack program."""
    if spec is None:
        return None
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        fail(f"--program must be MODULE:FUNCTION, not {spec!r}")
    try:
        program = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        fail(f"--program {spec}: {error}")
    if not callable(program):
        fail(f"--program {spec} is not a function")
    return program


@contextmanager
def progress(message: str) -> Iterator[None]:
    """A spinner on stderr while the program runs (shown only when stderr is a terminal)."""
    with Console(stderr=True).status(message, spinner="dots"):
        yield


def run_offline(
    path: Path, stack: str | None, date: dt.datetime | None, program: str | None, json_output: bool
) -> StackCheck:
    """The stack program run as a preview on `--date`, with the policy findings."""
    today = day_of(date)
    load_or_exit(path, today, json_output)
    function = load_program(program)
    with progress(f"Running the stack program for {path.name} under mocks..."):
        try:
            return check_stack(path, stack, today, function)
        except Exception as error:  # the program's own failure, reported without a traceback
            fail(f"the program failed: {type(error).__name__}: {error}", Exit.FAILED)


def print_freeze(check: StackCheck, console: Console) -> None:
    """A frozen stack says so first: which window, until when, and what `pulumi up` does."""
    if check.freeze is not None:
        console.print(f"[bold yellow]{check.freeze.notice()}[/]")


def exit_for(check: StackCheck) -> None:
    if check.mandatory_failures:
        raise typer.Exit(Exit.POLICY_FAILED)


@app.command()
def policies(
    *,
    stack: StackOption = None,
    config_file: ConfigFileOption = None,
    stacks_dir: StacksDirOption = Path("stacks"),
    json_output: JsonOption = False,
    date: DateOption = None,
    program: ProgramOption = None,
) -> None:
    """Run the stack under mocks and apply every policy rule; exit 3 on a mandatory failure."""
    path = resolve_stack_file(stack, config_file, stacks_dir)
    check = run_offline(path, stack, date, program, json_output)
    if json_output:
        typer.echo(json.dumps(check_report.policies_json(check), indent=2, sort_keys=True))
    else:
        out = console()
        print_freeze(check, out)
        check_report.print_policies(check, out)
    exit_for(check)


@app.command("policy-config")
def policy_config_command(
    stack: StackOption = None,
    config_file: ConfigFileOption = None,
    stacks_dir: StacksDirOption = Path("stacks"),
    date: DateOption = None,
) -> None:
    """Print the stack facts document for the CrossGuard pack (ODOO_PLATFORM_POLICY_FACTS).

    It holds the freeze windows, not the freeze of one day: the pack judges them on the day
    of each preview.
    """
    path = resolve_stack_file(stack, config_file, stacks_dir)
    config = load_or_exit(path, day_of(date))
    typer.echo(json.dumps(facts_document(config), indent=2, sort_keys=True))


@app.command("policy-pack-path")
def policy_pack_path() -> None:
    """Print the folder of the CrossGuard pack shipped in this package (for --policy-pack)."""
    typer.echo(str(PACK_DIR))


@app.command()
def plan(
    *,
    stack: StackOption = None,
    config_file: ConfigFileOption = None,
    stacks_dir: StacksDirOption = Path("stacks"),
    json_output: JsonOption = False,
    details: Annotated[
        bool, typer.Option("--details", help="every type, finding, chain and tenant")
    ] = False,
    date: DateOption = None,
    program: ProgramOption = None,
) -> None:
    """What the stack would declare, policy findings, dependency depth, cost estimate, warnings.

    Exit 3 on a mandatory policy failure, 1 on an invalid stack file.
    """
    path = resolve_stack_file(stack, config_file, stacks_dir)
    check = run_offline(path, stack, date, program, json_output)
    with progress("Grouping, measuring and pricing..."):
        stack_plan = plan_stack(check)
    if json_output:
        typer.echo(json.dumps(plan_report.plan_json(stack_plan), indent=2, sort_keys=True))
    else:
        out = console()
        print_freeze(check, out)
        plan_report.print_plan(stack_plan, out, details=details)
    exit_for(check)


@app.command()
def render(
    *,
    out: Annotated[Path, typer.Option("--out", "-o", help="folder for the YAML files")],
    stack: StackOption = None,
    config_file: ConfigFileOption = None,
    stacks_dir: StacksDirOption = Path("stacks"),
    date: DateOption = None,
    program: ProgramOption = None,
) -> None:
    """Write every Kubernetes object as YAML: one folder per namespace, in apply order.

    Secret values are redacted. Re-rendering an unchanged stack gives byte-identical files.
    Only files this command wrote before (they carry its header) are ever removed.
    """
    path = resolve_stack_file(stack, config_file, stacks_dir)
    try:
        check_out_dir(out)
    except RenderError as error:
        fail(str(error), Exit.FAILED)
    check = run_offline(path, stack, date, program, False)
    files = render_objects(check.result, check.stack)
    try:
        write_files(files, out)
    except (RenderError, OSError) as error:
        fail(str(error), Exit.FAILED)
    print_freeze(check, console())
    folders = len({f.path.parent for f in files})
    typer.echo(f"{len(files)} Kubernetes objects written to {out} in {folders} folders")


def console() -> Console:
    return Console(highlight=False)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the `odoo-platform:platform` stack key."""
    sys.stdout.write(json_schema_text())


@app.command("drift-report")
def drift_report(
    preview: Annotated[
        Path, typer.Argument(help="the output of `pulumi preview --refresh --json`")
    ],
    stack: Annotated[
        str | None,
        typer.Option("--stack", "-s", help="stack name in the title (default: the URNs')"),
    ] = None,
) -> None:
    """Print drift found by a preview as markdown: exit 1 on drift, 0 on none.

    Exit 2 when the file is not a preview digest, 4 when the preview itself failed.
    """
    try:
        digest = drift.load_preview(preview.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, drift.DriftError) as error:
        fail(f"{preview}: {error}")
    if errors := drift.preview_errors(digest):
        fail("the preview failed, so drift is unknown:\n" + "\n".join(errors), Exit.FAILED)
    name = stack or drift.stack_of(digest)
    found = drift.differences(digest)
    typer.echo(drift.drift_markdown(name, found) if found else drift.no_drift_line(name))
    if found:
        raise typer.Exit(Exit.DRIFT)


StackDirsOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--stacks-dir",
        help="a folder of stack files; repeat for more (default: stacks). "
        "Add examples/tenant-stack to order the example tenant stack too",
    ),
]


@app.command()
def estate(
    *,
    stacks_dir: StackDirsOption = None,
    json_output: JsonOption = False,
    order: Annotated[
        bool, typer.Option("--order", help="print only the stacks to deploy, in order")
    ] = False,
    changed: Annotated[
        bool,
        typer.Option(
            "--changed", help="with --order: only the stacks the PATHS (from the repo root) affect"
        ),
    ] = False,
    paths: Annotated[list[str] | None, typer.Argument(help="the changed files")] = None,
    date: DateOption = None,
) -> None:
    """Every stack of the repository: plan each, one table, and the order they deploy in.

    `--order` prints only the stack names, one per line, a referenced stack first; `--order
    --changed PATH ...` only those the paths affect, and their dependents. A cycle is exit 2.
    """
    if paths and not changed:
        fail("name changed files after --changed (--order --changed PATH ...)")
    if changed and not order:
        fail("--changed goes with --order")
    try:
        stacks = estate_mod.discover(stacks_dir or list(estate_mod.DEFAULT_STACK_DIRS))
        deploy = estate_mod.order_for_change(stacks, (paths or []) if changed else None)
    except estate_mod.EstateError as error:
        fail(str(error))
    except ConfigError as error:
        invalid_input(error, json_output)
    if order:
        if json_output:
            typer.echo(json.dumps({"schema_version": estate_mod.SCHEMA_VERSION, "order": deploy}))
        else:
            typer.echo("\n".join(deploy))
        return
    today = day_of(date)
    findings = estate_mod.standby_findings(stacks)
    with progress(f"Planning {len(stacks)} stacks under mocks, one after the other..."):
        rows = estate_mod.plan_estate(stacks, today)
    if json_output:
        document = estate_mod.estate_json(rows, deploy, today, findings)
        typer.echo(json.dumps(document, indent=2, sort_keys=True))
    else:
        estate_mod.print_estate(rows, deploy, console(), findings)
    raise typer.Exit(estate_exit(rows, findings))


def estate_exit(
    rows: list[estate_mod.EstateRow], findings: Sequence[estate_mod.EstateFinding] = ()
) -> Exit:
    """The worst of the stacks: an invalid file or a cross-stack finding (both name a key of a
    stack file), then a failed program, then a policy failure."""
    if findings or any(r.invalid for r in rows):
        return Exit.INVALID_INPUT
    if any(r.error for r in rows):
        return Exit.FAILED
    if any(r.plan and r.plan.check.mandatory_failures for r in rows):
        return Exit.POLICY_FAILED
    return Exit.OK


@app.command()
def evidence(
    *,
    stack: StackOption = None,
    config_file: ConfigFileOption = None,
    stacks_dir: StacksDirOption = Path("stacks"),
    json_output: JsonOption = False,
    record: Annotated[
        Path | None,
        typer.Option("--record", help="also write the deployment evidence record (JSON) here"),
    ] = None,
    approver: Annotated[
        str | None,
        typer.Option("--approver", help="who approved the deployment (default: GITHUB_ACTOR)"),
    ] = None,
    date: DateOption = None,
) -> None:
    """The controls the stack meets and the declared resources that prove each, for an auditor.

    Offline, from what the stack program declares under mocks. Exit 3 on a mandatory policy
    failure (the record is written first), 1 on an invalid stack file.
    """
    path = resolve_stack_file(stack, config_file, stacks_dir)
    check = run_offline(path, stack, date, None, json_output)
    with progress("Collecting the evidence..."):
        stack_plan = plan_stack(check)
        found = evidence_mod.controls(stack_plan)
    if record is not None:
        time = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            document = evidence_report.deployment_record(
                stack_plan, found, approver=approver, time=time
            )
            record.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        except evidence_report.RecordError as error:
            fail(str(error))
        except OSError as error:
            fail(f"cannot write {record}: {error}", Exit.FAILED)
    if json_output:
        document = evidence_report.evidence_json(stack_plan, found)
        typer.echo(json.dumps(document, indent=2, sort_keys=True))
    else:
        evidence_report.print_evidence(stack_plan, found, console())
    exit_for(check)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
