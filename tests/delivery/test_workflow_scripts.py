"""The workflows' own shell steps, run as GitHub runs them (`bash -eo pipefail`), for real:
the GitOps render check against a committed rendering, and the drift step's handling of what
`pulumi preview --refresh --expect-no-changes --json` printed.

The Pulumi CLI and GitHub are not reachable here: the drift step gets a `pulumi` that prints a
recorded preview digest (tests/delivery/previews) with the exit code the real one has (non-zero on
drift), and the issue job a `gh` that answers `issue list` from a list of open issues (through the
script's own `--jq` filter, run by jq) and records every other call.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from odoo_platform.offline.render import HEADER

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
PREVIEWS = Path(__file__).resolve().parent / "previews"
STACK = "dev-eu-west-1"


def step_script(workflow: str, job: str, name: str) -> str:
    document: dict[str, Any] = yaml.safe_load((WORKFLOWS / workflow).read_text())
    steps = document["jobs"][job]["steps"]
    return str(next(s["run"] for s in steps if s.get("name") == name))


def workspace(tmp_path: Path) -> Path:
    """A checkout as the job sees it: the stack files and the .venv the setup steps made."""
    root = tmp_path / "checkout"
    root.mkdir()
    (root / ".venv").symlink_to(REPO / ".venv")
    (root / "stacks").symlink_to(REPO / "stacks")
    return root


def run_step(
    script: str, cwd: Path, tmp_path: Path, **env: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    files = {"GITHUB_STEP_SUMMARY": "summary.md", "GITHUB_OUTPUT": "output.txt"}
    for file in files.values():
        (runner_temp / file).touch()
    variables = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "STACK": STACK,
        "RUNNER_TEMP": str(runner_temp),
        **{key: str(runner_temp / file) for key, file in files.items()},
        **env,
    }
    run = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=variables,
        capture_output=True,
        text=True,
        check=False,
    )
    return run, runner_temp


RENDER_STEP = ("pull-request.yml", "check", "Rendering matches the committed rendering (GitOps)")


@pytest.fixture(scope="module")
def committed_rendering(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rendering") / STACK
    subprocess.run(
        [str(REPO / ".venv/bin/odoo-platform"), "render", "--stack", STACK, "--out", str(out)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return out


def test_render_check_skips_cleanly_without_a_committed_rendering(tmp_path: Path) -> None:
    run, _ = run_step(step_script(*RENDER_STEP), workspace(tmp_path), tmp_path)
    assert run.returncode == 0, run.stderr
    assert f"No rendered/{STACK} committed: render check skipped" in run.stdout


def test_render_check_fails_on_a_changed_or_stale_committed_file(
    tmp_path: Path, committed_rendering: Path
) -> None:
    root = workspace(tmp_path)
    committed = root / "rendered" / STACK
    shutil.copytree(committed_rendering, committed)
    edited = sorted(committed.rglob("*.yaml"))[-1]
    edited.write_text(edited.read_text() + "# edited by hand\n")
    stale = committed / "_cluster" / "99-Namespace-gone.yaml"
    stale.write_text(HEADER.format(stack=STACK) + "kind: Namespace\n")

    run, _ = run_step(step_script(*RENDER_STEP), root, tmp_path)

    assert run.returncode == 1
    assert f"::error::rendered/{STACK} differs from the stack" in run.stdout
    differing = [line for line in run.stdout.splitlines() if line.startswith(("diff ", "Only in"))]
    assert sorted(differing) == [
        f"Only in rendered/{STACK}/_cluster: {stale.name}",
        f"diff -ru {edited.relative_to(root)} {tmp_path}/runner-temp/rendered/{STACK}/"
        f"{edited.relative_to(committed)}",
    ]


DRIFT_STEP = ("drift.yml", "preview", "pulumi preview --refresh --expect-no-changes")


def drift_step(tmp_path: Path, preview: str, exit_code: int) -> tuple[int, Path]:
    """The drift step with a `pulumi` that prints `preview` and exits with `exit_code`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pulumi"
    fake.write_text(f'#!/bin/sh\ncat "{PREVIEWS / preview}" 2>/dev/null\nexit {exit_code}\n')
    fake.chmod(0o755)
    path = f"{bin_dir}:{os.environ['PATH']}"
    run, runner_temp = run_step(
        step_script(*DRIFT_STEP), workspace(tmp_path), tmp_path, PATH=path, PULUMI_ORG="acme"
    )
    return run.returncode, runner_temp


def test_drift_step_records_drift_for_the_issue_job_and_the_summary(tmp_path: Path) -> None:
    code, temp = drift_step(tmp_path, "drift.json", 255)
    assert code == 0  # the issue job fails the run, after opening the issue
    assert (temp / "drift" / "status").read_text() == "1\n"
    assert "status=1" in (temp / "output.txt").read_text().splitlines()
    body = (temp / "drift" / "body.md").read_text()
    assert body.startswith(f"## Drift in stack `{STACK}`")
    assert body in (temp / "summary.md").read_text()


def test_drift_step_records_no_drift(tmp_path: Path) -> None:
    code, temp = drift_step(tmp_path, "clean.json", 0)
    assert code == 0
    assert (temp / "drift" / "status").read_text() == "0\n"


def test_drift_step_fails_when_the_preview_failed(tmp_path: Path) -> None:
    """No digest on stdout (credentials, a program error): the check fails, it is not 'no drift'."""
    code, temp = drift_step(tmp_path, "absent.json", 255)
    assert code == 1
    assert (temp / "drift" / "status").read_text() == "2\n"


CHANGES_STEP = ("pull-request.yml", "changes", "Stacks the change touches, referenced stacks first")


def test_changed_stacks_step_fails_when_git_cannot_diff(tmp_path: Path) -> None:
    """A base commit the clone lacks is an error, never an empty list that skips every check."""
    root = workspace(tmp_path)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "base"], check=True)
    run, temp = run_step(step_script(*CHANGES_STEP), root, tmp_path, BASE_SHA="0" * 40)
    assert run.returncode != 0
    assert "bad revision" in run.stderr or "invalid" in run.stderr.lower()
    assert "stacks=" not in (temp / "output.txt").read_text()


FACTS_STEP = ("pull-request.yml", "preview", "Region and policy facts of the stack")


def test_facts_step_gives_the_region_and_the_policy_facts(tmp_path: Path) -> None:
    run, temp = run_step(step_script(*FACTS_STEP), workspace(tmp_path), tmp_path)
    assert run.returncode == 0, run.stderr
    assert (temp / "output.txt").read_text() == "region=eu-west-1\n"
    facts = yaml.safe_load((temp / "stack-facts.json").read_text())
    assert facts["region"] == "eu-west-1"


def test_facts_step_fails_on_a_stack_without_a_file(tmp_path: Path) -> None:
    """Never an empty region handed on to the credentials step."""
    root = workspace(tmp_path)
    run, temp = run_step(step_script(*FACTS_STEP), root, tmp_path, STACK="prod-xx-nowhere-1")
    assert run.returncode != 0
    assert (temp / "output.txt").read_text() == ""


ISSUE_STEP = ("drift.yml", "issue", "Open, update or close the stack's drift issue")
TITLE = f"Drift: {STACK}"


def issue_step(tmp_path: Path, status: str, open_issues: list[dict[str, Any]]) -> tuple[int, str]:
    """The issue job's script with a `gh` that answers `issue list` from `open_issues` (applying
    the script's own --jq filter with jq) and logs every call; returns the exit code and the log."""
    root = workspace(tmp_path)
    (root / "drift").mkdir()
    (root / "drift" / "status").write_text(f"{status}\n")
    (root / "drift" / "body.md").write_text("## Drift\n")
    (tmp_path / "issues.json").write_text(json.dumps(open_issues))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "gh"
    fake.write_text(
        "#!/bin/bash\n"
        'printf "%s\\n" "$*" >> "$GH_LOG"\n'
        'if [ "$1 $2" = "issue list" ]; then\n'
        "  while [ $# -gt 0 ]; do\n"
        '    if [ "$1" = --jq ]; then jq -r "$2" "$GH_ISSUES"; exit; fi; shift\n'
        "  done\n"
        "fi\n"
    )
    fake.chmod(0o755)
    log = tmp_path / "gh.log"
    run, _ = run_step(
        step_script(*ISSUE_STEP),
        root,
        tmp_path,
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        GH_LOG=str(log),
        GH_ISSUES=str(tmp_path / "issues.json"),
        TITLE=TITLE,
        GITHUB_SERVER_URL="https://github.com",
        GITHUB_REPOSITORY="acme/odoo-platform",
        GITHUB_RUN_ID="42",
    )
    return run.returncode, log.read_text() if log.exists() else ""


OTHER = {"number": 7, "title": "Drift: prod-eu-west-1"}


def test_drift_opens_one_issue_for_the_stack_and_fails(tmp_path: Path) -> None:
    code, log = issue_step(tmp_path, "1", [OTHER])
    assert code == 1
    assert f"issue create --title {TITLE} --label drift --body-file drift/body.md" in log
    assert "issue edit" not in log


def test_drift_updates_the_open_issue_of_the_stack(tmp_path: Path) -> None:
    code, log = issue_step(tmp_path, "1", [OTHER, {"number": 12, "title": TITLE}])
    assert code == 1
    assert "issue edit 12 --body-file drift/body.md" in log
    assert "issue comment 12 --body Still drifting at https://github.com/acme/" in log
    assert "issue create" not in log


def test_no_drift_closes_the_open_issue_and_passes(tmp_path: Path) -> None:
    code, log = issue_step(tmp_path, "0", [{"number": 12, "title": TITLE}, OTHER])
    assert code == 0
    assert "issue close 12 --comment No drift found by https://github.com/" in log
    assert "issue close 7" not in log


def test_a_failed_check_fails_without_touching_issues(tmp_path: Path) -> None:
    code, log = issue_step(tmp_path, "4", [{"number": 12, "title": TITLE}])
    assert code == 1
    assert [line for line in log.splitlines() if not line.startswith("issue list")] == []


RECORD_STEP = (
    "deploy.yml",
    "deploy",
    "Deployment record on the stack (odoo-platform:deployment, exported as deployment)",
)


def record_step(tmp_path: Path, record: dict[str, Any]) -> tuple[int, list[str]]:
    """The step with an evidence record in place and a `pulumi` that logs its arguments."""
    evidence = tmp_path / "runner-temp" / "evidence"
    evidence.mkdir(parents=True)
    (evidence / f"{STACK}.json").write_text(json.dumps(record))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pulumi"
    fake.write_text('#!/bin/bash\nprintf "%s|" "$@" >> "$PULUMI_LOG"; echo >> "$PULUMI_LOG"\n')
    fake.chmod(0o755)
    log = tmp_path / "pulumi.log"
    run, _ = run_step(
        step_script(*RECORD_STEP),
        workspace(tmp_path),
        tmp_path,
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        PULUMI_ORG="acme",
        PULUMI_LOG=str(log),
    )
    return run.returncode, log.read_text().splitlines() if log.exists() else []


def test_the_deployment_object_of_the_evidence_record_is_set_key_by_key(tmp_path: Path) -> None:
    deployment = {
        "approver": "Jane Doe",
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "run_url": "https://github.com/acme/odoo-platform/actions/runs/42",
        "time": "2026-12-02T01:30:00Z",
    }
    code, calls = record_step(tmp_path, {"stack": STACK, "deployment": deployment})
    assert code == 0
    ref = f"acme/{STACK}"
    assert calls == [
        f"stack|select|--create|{ref}|",
        *(
            f"config|set|--stack|{ref}|--path|--type|string|odoo-platform:deployment.{key}|{value}|"
            for key, value in deployment.items()
        ),
    ]


def test_a_record_without_a_deployment_object_stops_before_pulumi_up(tmp_path: Path) -> None:
    code, calls = record_step(tmp_path, {"stack": STACK})
    assert code != 0
    assert not any(call.startswith("config|set") for call in calls)
