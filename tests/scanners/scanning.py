"""Run checkov and parliament as programs on what the sample stacks declare.

The scanners live in their own virtualenv (`scripts/install-tools.sh`, `.tools/scanners/`):
checkov pins packages the project's venv cannot share. Missing there, the tests skip locally and
fail in CI (ODOO_PLATFORM_REQUIRE_SERVERS=1), like the real servers in tests/servers.py.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odoo_platform.policies.scanners import Allowance
from odoo_platform.testing import ProgramResult
from tests.servers import missing

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools" / "scanners" / "bin"
STACKS = sorted(
    p.name.removeprefix("Pulumi.").removesuffix(".yaml")
    for p in (ROOT / "stacks").glob("Pulumi.*.yaml")
)
# Where identity policies sit: (Pulumi type, property). parliament audits identity policies; it
# reads a trust or resource policy's Principal as malformed and expands every action of a
# `Deny s3:*` into a type mismatch, so those (KMS, bucket, topic, trust) are left to checkov.
POLICY_PROPERTIES = (
    ("aws:iam/rolePolicy:RolePolicy", "policy"),
    ("aws:iam/policy:Policy", "policy"),
    ("aws:iam/userPolicy:UserPolicy", "policy"),
    ("aws:iam/groupPolicy:GroupPolicy", "policy"),
)


@dataclass(frozen=True)
class Finding:
    check: str
    resource: str
    stack: str
    title: str

    def allowed_by(self, allowances: tuple[Allowance, ...]) -> Allowance | None:
        return next(
            (a for a in allowances if a.allows(self.check, self.resource, self.stack)), None
        )

    def __str__(self) -> str:
        return f"{self.stack}: {self.check} {self.resource} ({self.title})"


def tool(name: str) -> Path:
    path = TOOLS / name
    if not path.exists():
        missing(f"{name} is not installed: run scripts/install-tools.sh")
    return path


def checkov(plan: dict[str, Any], workdir: Path) -> list[Finding]:
    """checkov's failed checks on a plan JSON (`terraform show -json` shape)."""
    plan_file = workdir / "plan.json"
    plan_file.write_text(json.dumps(plan))
    done = subprocess.run(
        [
            str(tool("checkov")),
            *("-f", str(plan_file), "--framework", "terraform_plan", "-o", "json"),
            *("--quiet", "--skip-download"),  # offline: no guidelines from Prisma Cloud
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=workdir,
    )
    if done.returncode not in (0, 1):  # 1: some check failed
        raise AssertionError(f"checkov exited {done.returncode}: {done.stderr[-2000:]}")
    reports = json.loads(done.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    findings = []
    for report in reports:
        assert report["summary"]["parsing_errors"] == 0, report["summary"]
        for failed in report["results"]["failed_checks"]:
            stack, resource = "", failed["resource"]
            if resource.startswith("module."):  # one module per stack (stacks_plan)
                stack, _, resource = resource.removeprefix("module.").partition(".")
            findings.append(Finding(failed["check_id"], resource, stack, failed["check_name"]))
    return findings


def policy_documents(stack: str, result: ProgramResult) -> dict[str, str]:
    """`<stack>/<resource name>.<property>` -> the IAM policy JSON it declares."""
    found = {}
    for resource_type, prop in POLICY_PROPERTIES:
        for resource in result.by_type(resource_type):
            document = resource.inputs.get(prop)
            if isinstance(document, str):
                found[f"{stack}/{resource.name}.{prop}"] = document
    return found


def parliament(documents: dict[str, str], workdir: Path) -> list[Finding]:
    """parliament's findings on each document (its own auditors and the community ones)."""
    names = {}
    for index, (key, document) in enumerate(sorted(documents.items())):
        path = workdir / f"policy-{index}.json"
        path.write_text(document)
        names[str(path)] = key
    done = subprocess.run(
        [
            str(tool("parliament")),
            "--directory",
            str(workdir),
            "--json",
            "--include-community-auditors",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise AssertionError(f"parliament exited {done.returncode}: {done.stderr[-2000:]}")
    findings = []
    for line in done.stdout.splitlines():
        if not line.strip():
            continue
        issue = json.loads(line)
        stack, _, resource = names[issue["location"]["filepath"]].partition("/")
        findings.append(Finding(issue["issue"], resource, stack, issue.get("title") or ""))
    return findings
