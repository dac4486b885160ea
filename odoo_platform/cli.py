"""`odoo-platform`: offline tools for stack files (no cloud account, no Pulumi CLI needed)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from odoo_platform.config import ConfigError, PlatformConfig, load_stack_file, stack_file
from odoo_platform.config.schema import json_schema_text

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
    shared = sum(t.tier == "shared" for t in config.tenants)
    typer.echo(
        f"{path}: valid ({config.environment} in {config.region}, "
        f"{shared} shared and {len(config.tenants) - shared} dedicated tenants)"
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of the `odoo-platform:platform` stack key."""
    sys.stdout.write(json_schema_text())


def main() -> None:
    app()


if __name__ == "__main__":
    main()
