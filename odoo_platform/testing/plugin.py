"""pytest plugin (entry point `pytest11`): the `pulumi_harness` fixture.

def test_bucket_is_protected(pulumi_harness):
    result = pulumi_harness.run(my_program, config={"aws:region": "eu-west-1"})
    assert result.named("backups").protect
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pulumi
import pytest

from odoo_platform.testing.harness import Program, ProgramResult, run_program, run_stack


class PulumiHarness:
    """Runs programs under mocks, each on a fresh event loop with fresh Pulumi settings."""

    def __init__(self, stacks_dir: Path) -> None:
        self.stacks_dir = stacks_dir

    def run(
        self,
        program: Program,
        *,
        config: Mapping[str, str] | None = None,
        secret_keys: list[str] | None = None,
        stack: str = "test",
        preview: bool = False,
        mocks: pulumi.runtime.Mocks | None = None,
    ) -> ProgramResult:
        return run_program(
            program,
            config=config,
            secret_keys=secret_keys,
            stack=stack,
            preview=preview,
            mocks=mocks,
        )

    def run_stack(
        self,
        stack: str | None = None,
        *,
        config_file: Path | None = None,
        preview: bool = True,
        mocks: pulumi.runtime.Mocks | None = None,
    ) -> ProgramResult:
        """This project's stack program with `stacks/Pulumi.<stack>.yaml` or any stack file."""
        return run_stack(
            stack, config_file=config_file, stacks_dir=self.stacks_dir, preview=preview, mocks=mocks
        )


@pytest.fixture
def pulumi_harness(request: pytest.FixtureRequest) -> PulumiHarness:
    """Run Pulumi programs under mocks; `stacks/` is looked up from the pytest root."""
    return PulumiHarness(Path(str(request.config.rootpath)) / "stacks")
