"""pytest plugin (entry point `pytest11`): the `pulumi_harness` fixture.

def test_bucket_is_protected(pulumi_harness):
    result = pulumi_harness.run(my_program, config={"mystack:tenant": "beta"})
    assert result.named("backups").protect

Loaded in every pytest session of a project that installs odoo-platform, so it imports neither
Pulumi nor the providers nor the platform until a test asks for the fixture's runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import pulumi

    from odoo_platform.synthesis.harness import Program, ProgramResult, PulumiProject


class PulumiHarness:
    """Runs programs under mocks as the project at `root` (its `Pulumi.yaml`) would.

    The project name qualifies config keys (`<project>:key`) and URNs; stack files are looked up
    in the project's `stackConfigDir` (default: beside `Pulumi.yaml`).
    """

    def __init__(self, root: Path, project: str | None = None) -> None:
        self.root = root
        self._project = project

    @property
    def project(self) -> PulumiProject:
        from odoo_platform.synthesis.harness import PulumiProject  # noqa: PLC0415 - lazy (module doc)

        found = PulumiProject.at(self.root)
        return (
            found if self._project is None else PulumiProject(self._project, found.stack_config_dir)
        )

    @property
    def stacks_dir(self) -> Path:
        return self.project.stack_config_dir

    def run(
        self,
        program: Program,
        *,
        config: Mapping[str, str] | None = None,
        secret_keys: list[str] | None = None,
        stack: str = "test",
        project: str | None = None,
        preview: bool = False,
        mocks: pulumi.runtime.Mocks | None = None,
        today: dt.date | None = None,
    ) -> ProgramResult:
        """Run `program` under mocks; `today` pins the stack program's clock."""
        from odoo_platform.synthesis.harness import run_program  # noqa: PLC0415

        return run_program(
            program,
            config=config,
            secret_keys=secret_keys,
            project=project or self.project.name,
            stack=stack,
            preview=preview,
            mocks=mocks,
            today=today,
        )

    def run_stack(
        self,
        stack: str | None = None,
        *,
        config_file: Path | None = None,
        program: Program | None = None,
        project: str | None = None,
        preview: bool = True,
        mocks: pulumi.runtime.Mocks | None = None,
        today: dt.date | None = None,
    ) -> ProgramResult:
        """`program` (default: odoo-platform's stack program) with `Pulumi.<stack>.yaml` from
        the project's stack config folder, or any stack file; `today` pins its clock."""
        from odoo_platform.synthesis.harness import run_stack  # noqa: PLC0415

        return run_stack(
            stack,
            config_file=config_file,
            stacks_dir=self.stacks_dir,
            project=project or self.project.name,
            preview=preview,
            program=program,
            mocks=mocks,
            today=today,
        )


# pulumi_aws warns while importing its own modules (class bodies of its deprecated resources);
# that says nothing about a user's program. Using a deprecated resource still warns.
PROVIDER_IMPORT_NOTICES = "ignore:.*has been deprecated in favor of:DeprecationWarning:pulumi_aws"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", PROVIDER_IMPORT_NOTICES)


@pytest.fixture
def pulumi_harness(request: pytest.FixtureRequest) -> PulumiHarness:
    """Run Pulumi programs under mocks as the project whose `Pulumi.yaml` is at the pytest root."""
    return PulumiHarness(Path(str(request.config.rootpath)))
