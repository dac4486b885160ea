"""`odoo-platform`: offline tools for stack files (no cloud account, no Pulumi CLI needed)."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from odoo_platform import plan_report, report
from odoo_platform.config import ConfigError, PlatformConfig, load_stack_file, stack_file
from odoo_platform.config.schema import json_schema_text
from odoo_platform.config.validation import warnings as config_warnings
from odoo_platform.offline import StackCheck, check_stack, stack_context
from odoo_platform.policies.crossguard import policy_config
from odoo_platform.render import render_objects, write_files
from odoo_platform.stack import utc_today
from odoo_platform.stack_plan import plan_stack
from odoo_platform.testing.harness import Program

app = typer.Typer(
    help="Validate, plan and render odoo-platform stacks offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

StackOption = Annotated[
    str | None, typer.Option("--stack", "-s", help="stack name: reads stacks/Pulumi.NAME.yaml")
]
ConfigFileOption = Annotated[
    Path | None, typer.Option("--config-file", "-c", help="any Pulumi.<stack>.yaml file")
]
StacksDirOption = Annotated[
    Path, typer.Option("--stacks-dir", help="where stack files live", show_default=True)
]


def resolve_stack_file(stack: str | None, config_file: Path | None, stacks_dir: Path) -> Path:
    """The stack file named by --stack or --config-file (exactly one of them)."""
    if (stack is None) == (config_file is None):
        fail("name exactly one of --stack NAME or --config-file PATH")
    return config_file if config_file is not None else stack_file(str(stack), stacks_dir)


def load_or_exit(path: Path) -> PlatformConfig:
    """The validated configuration, or the list of errors on stderr and exit code 1."""
    try:
        return load_stack_file(path)
    except ConfigError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@app.command()
def validate(
    stack: StackOption = None,
    config_file: ConfigFileOption = None,
    stacks_dir: StacksDirOption = Path("stacks"),
) -> None:
    """Check a stack file; exit 0 when valid, 1 with every error otherwise."""
    path = resolve_stack_file(stack, config_file, stacks_dir)
    config = load_or_exit(path)
    for issue in config_warnings(config):
        typer.echo(f"warning: {issue}", err=True)
    shared = sum(t.tier == "shared" for t in config.tenants)
    typer.echo(
        f"{path}: valid ({config.environment} in {config.region}, "
        f"{shared} shared and {len(config.tenants) - shared} dedicated tenants)"
    )


JsonOption = Annotated[bool, typer.Option("--json", help="machine-readable output on stdout")]
DateOption = Annotated[
    dt.datetime | None,
    typer.Option("--date", formats=["%Y-%m-%d"], help="judge change freezes as of this day"),
]


ProgramOption = Annotated[
    str | None,
    typer.Option(
        "--program",
        help="MODULE:FUNCTION of another Pulumi program to run instead of the stack program",
    ),
]


def load_program(spec: str | None) -> Program | None:
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
    path: Path, stack: str | None, date: dt.datetime | None, program: str | None
) -> StackCheck:
    load_or_exit(path)
    today = date.date() if date else utc_today()
    function = load_program(program)
    with progress(f"Running the stack program for {path.name} under mocks..."):
        try:
            return check_stack(path, stack, today, function)
        except Exception as error:  # the program's own failure, reported without a traceback
            typer.echo(f"error: the program failed: {type(error).__name__}: {error}", err=True)
            raise typer.Exit(1) from None


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
    """Run the stack under mocks and apply every policy rule; exit 1 on a mandatory failure."""
    path = resolve_stack_file(stack, config_file, stacks_dir)
    check = run_offline(path, stack, date, program)
    if json_output:
        typer.echo(json.dumps(report.policies_json(check), indent=2))
    else:
        report.print_policies(check, console())
    if check.mandatory_failures:
        raise typer.Exit(1)


@app.command("policy-config")
def policy_config_command(
    stack: StackOption = None,
    config_file: ConfigFileOption = None,
    stacks_dir: StacksDirOption = Path("stacks"),
    date: DateOption = None,
) -> None:
    """Print the `--policy-pack-config` document that gives CrossGuard this stack's facts."""
    path = resolve_stack_file(stack, config_file, stacks_dir)
    config = load_or_exit(path)
    today = date.date() if date else utc_today()
    typer.echo(json.dumps(policy_config(stack_context(config, today)), indent=2))


@app.command()
def plan(
    *,
    stack: StackOption = None,
    config_file: ConfigFileOption = None,
    stacks_dir: StacksDirOption = Path("stacks"),
    json_output: JsonOption = False,
    date: DateOption = None,
    program: ProgramOption = None,
) -> None:
    """What the stack would declare, policy findings, dependency depth, cost estimate, warnings.

    Exit 1 on a mandatory policy failure or an invalid stack file.
    """
    path = resolve_stack_file(stack, config_file, stacks_dir)
    check = run_offline(path, stack, date, program)
    with progress("Grouping, measuring and pricing..."):
        stack_plan = plan_stack(check)
    if json_output:
        typer.echo(json.dumps(plan_report.plan_json(stack_plan), indent=2, sort_keys=True))
    else:
        plan_report.print_plan(stack_plan, console())
    if check.mandatory_failures:
        raise typer.Exit(1)


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
    """
    path = resolve_stack_file(stack, config_file, stacks_dir)
    check = run_offline(path, stack, date, program)
    files = render_objects(check.result, check.stack)
    try:
        write_files(files, out)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    folders = len({f.path.parent for f in files})
    typer.echo(f"{len(files)} Kubernetes objects written to {out} in {folders} folders")


def console() -> Console:
    return Console(highlight=False, soft_wrap=True)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the `odoo-platform:platform` stack key."""
    sys.stdout.write(json_schema_text())


def main() -> None:
    app()


if __name__ == "__main__":
    main()
