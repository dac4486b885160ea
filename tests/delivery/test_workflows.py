"""The GitHub workflows lint clean (actionlint, `zizmor --offline`) and keep the pipeline's rules:
actions pinned by commit, least-privilege permissions, OIDC only where a role is assumed, one
environment per stack for deploys, no `${{ }}` expression inside a shell script.

Each check is also run on a copy with a deliberate fault, so a check that cannot fail fails here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from odoo_platform.cli import app

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
VENV_BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+){0,2}\b")
OIDC_ACTION = "aws-actions/configure-aws-credentials@"


def tool(name: str) -> str:
    """A linter the test extra installs into this virtualenv's bin folder."""
    path = shutil.which(name, path=str(VENV_BIN))
    assert path, f"{name} is not installed in {VENV_BIN}: pip install -c constraints.txt -e .[test]"
    return path


def actionlint(folder: Path) -> subprocess.CompletedProcess[str]:
    files = sorted(str(p) for p in folder.glob("*.y*ml"))
    return subprocess.run(
        [tool("actionlint"), "-no-color", *files], capture_output=True, text=True, check=False
    )


def zizmor(folder: Path) -> list[dict[str, Any]]:
    """zizmor's findings (offline audits; inline ignores are not honoured)."""
    options = ["--offline", "--no-ignores", "--no-progress", "--format", "json"]
    run = subprocess.run(
        [tool("zizmor"), *options, str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode in (0, *range(10, 20)), run.stderr  # 1x: findings (zizmor's codes)
    findings: list[dict[str, Any]] = json.loads(run.stdout)
    return findings


def workflows(folder: Path) -> dict[str, dict[str, Any]]:
    return {p.name: yaml.safe_load(p.read_text()) for p in sorted(folder.glob("*.yml"))}


def uses_lines(folder: Path) -> Iterator[tuple[str, str, str]]:
    """(file, action reference, rest of the line) of every `uses:`."""
    for path in sorted(folder.glob("*.yml")):
        for line in path.read_text().splitlines():
            if match := re.match(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", line):
                yield path.name, match[1], match[2]


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps") or [])


def problems(folder: Path) -> list[str]:
    """Every breach of the pipeline's own rules in the workflows of `folder`."""
    found = []
    for name, reference, rest in uses_lines(folder):
        if not PINNED.match(reference):
            found.append(f"{name}: {reference} is not pinned by a 40-hex commit SHA")
        elif not VERSION_COMMENT.search(rest):
            found.append(f"{name}: {reference} has no `# vX.Y.Z` version comment")
    for name, workflow in workflows(folder).items():
        if workflow.get("permissions") not in ({}, {"contents": "read"}):
            found.append(f"{name}: top-level permissions must be {{}} or contents: read")
        for job_id, job in workflow["jobs"].items():
            found += job_problems(f"{name} {job_id}", job)
    return found


def job_problems(where: str, job: dict[str, Any]) -> list[str]:
    found = []
    permissions = job.get("permissions")
    if permissions is None:
        found.append(f"{where}: declares no permissions")
        permissions = {}
    scripts = [str(s.get("run", "")) for s in steps(job)]
    uses = [str(s.get("uses", "")) for s in steps(job)]
    assumes_role = any(
        u.startswith(OIDC_ACTION) and (s.get("with") or {}).get("role-to-assume")
        for u, s in zip(uses, steps(job), strict=True)
    )
    if permissions.get("id-token") == "write" and not assumes_role:
        found.append(f"{where}: id-token: write without assuming a role")
    if permissions.get("issues") == "write" and not any("gh issue" in s for s in scripts):
        found.append(f"{where}: issues: write but opens no issue")
    for step, reference in zip(steps(job), uses, strict=True):
        if (
            reference.startswith("actions/checkout@")
            and (step.get("with") or {}).get("persist-credentials") is not False
        ):
            found.append(f"{where}: checkout without persist-credentials: false")
    found += [f"{where}: ${{{{ }}}} in a run: script (use env:)" for s in scripts if "${{" in s]
    if any("pulumi up" in s for s in scripts):
        if job.get("environment") != "${{ matrix.stack }}":
            found.append(f"{where}: pulumi up outside the stack's environment")
        strategy = job.get("strategy") or {}
        if strategy.get("max-parallel") != 1 or strategy.get("fail-fast") is not True:
            found.append(f"{where}: deploys must run one at a time and stop at the first failure")
    return found


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of the workflows with an unpinned action and an injectable expression."""
    folder = tmp_path / ".github" / "workflows"
    shutil.copytree(WORKFLOWS, folder)
    deploy = folder / "deploy.yml"
    text = deploy.read_text()
    pinned = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
    assert pinned in text
    deploy.write_text(text.replace(pinned, "actions/checkout@v7", 1))
    pull = folder / "pull-request.yml"
    pull.write_text(
        pull.read_text().replace(
            'run: .venv/bin/odoo-platform validate --stack "$STACK"',
            'run: echo "${{ github.event.pull_request.title }}"',
        )
    )
    return folder


def test_the_three_workflows_exist() -> None:
    assert sorted(workflows(WORKFLOWS)) == ["deploy.yml", "drift.yml", "pull-request.yml"]


def test_actionlint_is_clean() -> None:
    run = actionlint(WORKFLOWS)
    assert (run.returncode, run.stdout + run.stderr) == (0, "")


def test_actionlint_sees_an_injected_expression(broken: Path) -> None:
    run = actionlint(broken)
    assert run.returncode == 1
    assert "github.event.pull_request.title" in run.stdout


def test_zizmor_offline_is_clean() -> None:
    """The workflows and .github/dependabot.yml (which keeps the pins current)."""
    assert [(f["ident"], f["desc"]) for f in zizmor(WORKFLOWS.parent)] == []


def test_zizmor_sees_an_unpinned_action_and_a_template_injection(broken: Path) -> None:
    assert {f["ident"] for f in zizmor(broken)} >= {"unpinned-uses", "template-injection"}


def test_the_pipeline_rules_hold() -> None:
    assert problems(WORKFLOWS) == []


def test_the_pipeline_rules_catch_an_unpinned_action_and_an_expression_in_a_script(
    broken: Path,
) -> None:
    assert problems(broken) == [
        "deploy.yml: actions/checkout@v7 is not pinned by a 40-hex commit SHA",
        "pull-request.yml check: ${{ }} in a run: script (use env:)",
    ]


def test_the_pipeline_rules_catch_widened_permissions(tmp_path: Path) -> None:
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS, folder)
    drift = folder / "drift.yml"
    text = drift.read_text()
    drift.write_text(
        text.replace(
            "    permissions:\n      contents: read\n    outputs:",
            "    permissions:\n      contents: read\n      id-token: write\n      issues: write\n"
            "    outputs:",
            1,
        ).replace("    environment: ${{ matrix.stack }}\n", "")
    )
    deploy = folder / "deploy.yml"
    deploy.write_text(deploy.read_text().replace("    environment: ${{ matrix.stack }}\n", ""))
    assert problems(folder) == [
        "deploy.yml deploy: pulumi up outside the stack's environment",
        "drift.yml stacks: id-token: write without assuming a role",
        "drift.yml stacks: issues: write but opens no issue",
    ]


def test_deploys_run_in_the_order_estate_prints() -> None:
    """The matrix is the `estate --order` list itself, never re-sorted."""
    deploy = workflows(WORKFLOWS)["deploy.yml"]["jobs"]
    assert "estate --order" in "".join(str(s.get("run", "")) for s in steps(deploy["order"]))
    assert deploy["deploy"]["needs"] == "order"
    assert deploy["deploy"]["strategy"]["matrix"] == {
        "stack": "${{ fromJSON(needs.order.outputs.stacks) }}"
    }


def invoked_commands() -> set[str]:
    text = "\n".join(p.read_text() for p in WORKFLOWS.glob("*.yml"))
    return set(re.findall(r"\.venv/bin/odoo-platform ([a-z-]+)", text))


@pytest.mark.parametrize("command", sorted(invoked_commands()))
def test_every_command_the_workflows_run_exists(command: str) -> None:
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    assert command in commands
