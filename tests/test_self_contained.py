"""A clone is all a user has: nothing on the test or build path reads outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# split so that this file does not match itself (nor the before-stop check's search)
OUTSIDE = re.compile(r"\.\./" "shared|" "shared" "/data")
CHECKED = ("odoo_platform", "tests", "stacks", "scripts", "benchmarks", "policy", ".ci")


def test_nothing_reads_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for top in CHECKED
        for path in sorted((REPO / top).rglob("*"))
        if path.is_file() and path.suffix in {".py", ".sh", ".yaml", ""} and path != Path(__file__)
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not offenders, f"these lines read outside the repository: {offenders}"
    assert not OUTSIDE.search((REPO / "Makefile").read_text())


def test_reference_data_is_vendored_with_its_sources() -> None:
    reference = REPO / "tests" / "reference"
    readme = (reference / "README.md").read_text()
    for path in sorted(reference.rglob("*.*")):
        if path.name == "README.md":
            continue
        # CRDs are listed by group (`crds/traefik.io_*.yaml`), other files by name.
        listed = f"crds/{path.name.split('_')[0]}_" if path.parent.name == "crds" else path.name
        assert listed in readme, f"{path.name}: upstream source not noted in {readme}"
