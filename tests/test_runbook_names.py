"""Every object a runbook names exists in what the sample stack renders, under that name.

The runbooks write tenant objects with `<slug>` (and `<tier>`); each command's namespace
(`kubectl -n`), Deployment, CronJob and Secret is checked against the rendered prod sample for
each of its tenants, and `odoo_platform.odoo.names` against what the components declare.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from odoo_platform.config import load_stack_file
from odoo_platform.odoo import names
from odoo_platform.testing import ProgramResult, manifest, run_stack

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "stacks" / "Pulumi.prod-eu-west-1.yaml"
DOCS = [*sorted((ROOT / "docs" / "runbooks").glob("*.md")), ROOT / "docs" / "backup-and-restore.md"]
KINDS = {"deploy": "Deployment", "cronjob": "CronJob", "secret": "Secret"}
# `kubectl ... deploy/NAME`, `deploy NAME`, `cronjob/NAME`, `secret/NAME`, "Secret `NAME`"
# (not a flag such as `--secret`, nor an AWS CLI command such as `rotate-secret`)
OBJECT = re.compile(
    r"(?<!-)\b(deploy|cronjob|secret)[/ ]([a-z0-9<>.-]+)|\bSecret `([a-z0-9<>.-]+)`"
)
NAMESPACE = re.compile(r"kubectl -n ([a-z0-9<>-]+)")


@pytest.fixture(scope="module")
def declared() -> ProgramResult:
    return run_stack(config_file=SAMPLE, today=dt.date(2026, 11, 18))


@pytest.fixture(scope="module")
def objects(declared: ProgramResult) -> set[tuple[str, str, str]]:
    """(namespace, kind, name) of every Kubernetes object, and of each Helm release's
    workload (a chart's Deployment is named after its release)."""
    found = set()
    for resource in declared.kubernetes_objects():
        metadata = manifest(resource)["metadata"]
        name = metadata.get("name", resource.name)  # auto-named: rendered under its logical name
        found.add((metadata.get("namespace", ""), resource.type.rsplit(":", 1)[1], name))
    for release in declared.by_type("kubernetes:helm.sh/v3:Release"):
        name = release.inputs.get("name", release.name)
        found.add((release.inputs.get("namespace", ""), "Deployment", name))
    return found


def tenants() -> list[tuple[str, str]]:
    return [(t.slug, t.tier) for t in load_stack_file(SAMPLE).tenants]


def mentions(text: str) -> Iterator[tuple[str | None, str, str]]:
    """(namespace or None, kind, name) for each object a line of the text names."""
    for line in text.splitlines():
        namespace = NAMESPACE.search(line)
        for match in OBJECT.finditer(line):
            kind = "Secret" if match.group(3) else KINDS[match.group(1)]
            yield (
                namespace.group(1) if namespace else None,
                kind,
                match.group(3) or match.group(2),
            )


def concrete(value: str, slug: str, tier: str) -> str | None:
    value = value.replace("<slug>", slug).replace("<tier>", tier)
    return None if "<" in value else value  # other placeholders (<job>, <pod>) are the reader's


def test_the_runbooks_name_objects_at_all() -> None:
    named = [m for doc in DOCS for m in mentions(doc.read_text())]
    assert {kind for _, kind, _ in named} == {"Deployment", "CronJob", "Secret"}


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_every_object_a_runbook_names_is_rendered(
    doc: Path, objects: set[tuple[str, str, str]]
) -> None:
    missing = []
    for slug, tier in tenants():
        for namespace, kind, name in mentions(doc.read_text()):
            where = concrete(namespace, slug, tier) if namespace else None
            what = concrete(name, slug, tier)
            if what is None or (namespace and where is None):
                continue
            if not any(k == kind and n == what and where in (None, ns) for ns, k, n in objects):
                missing.append(f"{kind} {what} in {where or 'any namespace'} ({slug})")
    assert missing == [], f"{doc.name} names objects the sample stack does not render"


def test_the_names_module_is_what_the_components_declare(
    objects: set[tuple[str, str, str]],
) -> None:
    for slug, tier in tenants():
        namespace = names.tenant_namespace(slug)
        expected = {
            ("Deployment", names.WEB_DEPLOYMENT),
            ("Deployment", names.CRON_DEPLOYMENT),
            ("Secret", names.ADMIN_SECRET),
            ("Secret", names.db_credentials_secret(tier, slug)),
            ("CronJob", names.BACKUP_CRONJOB),
            ("CronJob", names.RESTORE_CHECK_CRONJOB),
        }
        if slug == "nb-upgrade-lab":  # suspended: no workloads, its data and backups kept
            expected -= {
                ("Deployment", names.WEB_DEPLOYMENT),
                ("Deployment", names.CRON_DEPLOYMENT),
            }
        assert expected <= {(k, n) for ns, k, n in objects if ns == namespace}, slug
