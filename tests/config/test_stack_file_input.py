"""Stack files the fuzzer broke: each gives a `ConfigError` naming a key path, never a traceback.

Every case edits a real sample stack file and runs the `odoo-platform validate` code path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from odoo_platform.config import ConfigError, load_stack_file

STACKS = Path(__file__).resolve().parents[2] / "stacks"
DEV = (STACKS / "Pulumi.dev-eu-west-1.yaml").read_text()
TENANTS = "    tenants:\n"
# where the display name stands in the sample (the sample may gain lines above it)
DISPLAY_LINE = 1 + DEV[: DEV.index("Developer main")].count("\n")


def before_tenants(extra: str) -> str:
    return DEV.replace(TENANTS, extra + TENANTS)


def issues_of(tmp_path: Path, content: str | bytes) -> list[str]:
    path = tmp_path / "Pulumi.fuzzed.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(ConfigError) as raised:
        load_stack_file(path)
    assert str(path) in str(raised.value)
    return [str(issue) for issue in raised.value.issues]


def only_issue(tmp_path: Path, content: str | bytes) -> str:
    issues = issues_of(tmp_path, content)
    assert len(issues) == 1, issues
    return issues[0]


LAUGHS = "".join(
    f"      l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10) if n else ', '.join('x' * 10)}]\n"
    for n in range(7)
)

BROKEN: dict[str, tuple[str | bytes, str, str]] = {
    # name: (file content, key path, words of the message)
    "nested 500 deep": (
        before_tenants("    tags: {a: " + "[" * 500 + "]" * 500 + "}\n"),
        "platform.tags.a[0][0]",
        "nested more than 32 levels",
    ),
    "binary value as a key": (
        before_tenants("    tags: {!!binary aGVsbG8=: a}\n"),
        "platform.tags",
        "!!binary is not supported",
    ),
    "null as a key": (before_tenants("    tags: {~: a}\n"), "platform.tags", "must be text"),
    "self-referencing alias": (
        before_tenants("    tags: &t {a: *t}\n"),
        "platform.tags.a",
        "alias *t refers to itself",
    ),
    "aliases that expand without bound": (
        before_tenants("    tags:\n" + LAUGHS),
        "platform.tags.l",
        "expand to more than 100000 values",
    ),
    "integer of 5000 digits": (
        DEV.replace("availability_zones: 2", "availability_zones: " + "9" * 5000),
        "platform.landing_zone.availability_zones",
        "5000 digits",
    ),
    "impossible unquoted date": (
        before_tenants("    governance: {freeze_windows: [{name: x, start: 2026-02-30}]}\n"),
        "platform.governance.freeze_windows[0].start",
        '"2026-02-30" is not allowed',
    ),
    "impossible unquoted time": (
        before_tenants(
            "    governance:\n"
            "      freeze_windows: [{name: x, start: 2026-12-01, end: 2026-12-31 25:61:00}]\n"
        ),
        "platform.governance.freeze_windows[0].end",
        '"2026-12-31 25:61:00" is not allowed',
    ),
    "duplicate key": (
        DEV.replace("    region: eu-west-1\n", "    region: eu-west-1\n    region: eu-west-2\n"),
        "platform.region",
        "duplicate key 'region' (first set on line 9)",
    ),
    "control character": (
        DEV.replace("Developer main", "Developer\x07main"),
        "platform.tenants[0].display_name",
        f"line {DISPLAY_LINE}, column 49: the control character U+0007",
    ),
    "invalid YAML names the line": (
        DEV.replace("residency: eu\n", "residency: [eu\n", 1),
        "platform.residency",
        "line 11, column 17: is not valid YAML",
    ),
    "latin-1 bytes": (
        DEV.replace("Developer main", "Développeur").encode("latin-1"),
        "platform.tenants[0].display_name",
        "the byte 0xe9 is not UTF-8",
    ),
    "UTF-16": (DEV.encode("utf-16"), "platform", "UTF-16 encoded; save it as UTF-8"),
}


@pytest.mark.parametrize("case", BROKEN, ids=str)
def test_broken_file_names_key_path_and_problem(tmp_path: Path, case: str) -> None:
    content, path, words = BROKEN[case]
    issue = only_issue(tmp_path, content)
    assert issue.startswith(path), issue
    assert words in issue
    assert "<unicode string>" not in issue


def test_a_valid_file_in_utf8_with_bom_loads(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + DEV.encode())
    assert load_stack_file(path).region == "eu-west-1"


def test_merge_keys_still_work_and_are_not_duplicates(tmp_path: Path) -> None:
    content = DEV.replace(
        "    landing_zone: {vpc_cidr: 10.42.0.0/16, availability_zones: 2}\n",
        "    landing_zone:\n      <<: {vpc_cidr: 10.42.0.0/16, availability_zones: 3}\n"
        "      availability_zones: 2\n",
    )
    path = tmp_path / "Pulumi.merge.yaml"
    path.write_text(content)
    assert load_stack_file(path).landing_zone.availability_zones == 2


@pytest.mark.parametrize(
    ("written", "read_as"),
    [("yes", "yes"), ("1:30", "1:30"), ("2026-12-20", "2026-12-20"), ("0o17", 15)],
)
def test_scalars_are_read_as_the_pulumi_cli_reads_them(
    tmp_path: Path, written: str, read_as: object
) -> None:
    """YAML 1.2 core schema (go-yaml v3): no `yes` booleans, base-60 numbers or dates."""
    from odoo_platform.config.stack_yaml import load_yaml  # noqa: PLC0415

    assert load_yaml(f"value: {written}\n".encode()) == {"value": read_as}
