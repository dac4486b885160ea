"""`odoo-platform:deployment`: the record a pipeline hands the program, checked at its key path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from odoo_platform.config import ConfigError
from odoo_platform.config.deployment import parse_deployment

GOOD: dict[str, Any] = {
    "commit": "6a13505f0c2d4e1b8a9f7e6d5c4b3a2918171615",
    "approver": "maria.lopez",
    "run_url": "https://github.com/acme/odoo-platform/actions/runs/123456789",
    "time": "2026-12-02T01:30:00Z",
}
SOURCE = "stack prod-eu-west-1 (key odoo-platform:deployment)"


def errors(value: Any) -> list[str]:
    text = value if isinstance(value, str) else json.dumps(value)
    try:
        parse_deployment(text, SOURCE)
    except ConfigError as error:
        assert error.source == SOURCE
        return [str(issue) for issue in error.issues]
    return []


def test_a_valid_record_reads_back_as_the_output() -> None:
    record = parse_deployment(json.dumps(GOOD), SOURCE)
    assert record is not None
    assert record.output() == GOOD


def test_unset_is_no_record() -> None:
    assert parse_deployment(None, SOURCE) is None


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"commit": "HEAD"}, "deployment.commit", ('"HEAD"', "git commit SHA")),
        ({"commit": 1234567}, "deployment.commit", ("1234567",)),
        ({"approver": ""}, "deployment.approver", ("login or name",)),
        ({"run_url": "http://ci/run/1"}, "deployment.run_url", ("https URL",)),
        ({"time": "2026-12-02T02:30:00+01:00"}, "deployment.time", ("UTC",)),
        ({"time": "yesterday"}, "deployment.time", ("yesterday",)),
        ({"approved_by": "x"}, "deployment.approved_by", ("unknown key", "approver")),
        ({"commit": None}, "deployment.commit", ()),
    ],
    ids=[
        "not a sha",
        "a number",
        "empty approver",
        "plain http",
        "not UTC",
        "no time",
        "typo",
        "null",
    ],
)
def test_bad_values_are_refused_at_their_key_path(
    change: dict[str, Any], path: str, words: tuple[str, ...]
) -> None:
    found = [e for e in errors({**GOOD, **change}) if e.startswith(path + ":")]
    assert found, errors({**GOOD, **change})
    assert all(word in found[0] for word in words), found[0]


def test_a_missing_key_is_required() -> None:
    record = dict(GOOD)
    del record["approver"]
    assert errors(record) == ["deployment.approver: is required"]


def test_a_deployment_by_hand_has_no_run_url() -> None:
    record = {k: v for k, v in GOOD.items() if k != "run_url"}
    parsed = parse_deployment(json.dumps(record), SOURCE)
    assert parsed is not None and parsed.output() == record


@pytest.mark.parametrize("value", ["not json", "[1, 2]", '"a string"'])
def test_not_an_object_is_refused_at_the_key(value: str) -> None:
    (message,) = errors(value)
    assert message.startswith("deployment: ")
    assert "JSON object with commit, approver, time and run_url" in message


def test_a_bot_login_may_approve() -> None:
    """GitHub's bot accounts (`github-actions[bot]`) trigger deploys without reviewers."""
    record = parse_deployment(json.dumps({**GOOD, "approver": "github-actions[bot]"}), SOURCE)
    assert record is not None and record.approver == "github-actions[bot]"
    assert errors({**GOOD, "approver": "x[admin]"})
