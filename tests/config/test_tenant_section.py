"""A tenant stack's `tenant` key (`parse_tenant`) is checked as strictly as a platform stack."""

from __future__ import annotations

from typing import Any

import pytest

from odoo_platform.config import ConfigError
from odoo_platform.platform.external_tenant import parse_tenant
from tests.config.conftest import BASE

DEEP: Any = "x"
for _ in range(40):
    DEEP = [DEEP]


def tenant(**changes: Any) -> dict[str, Any]:
    return {**BASE["tenants"][0], **changes}


def issues(data: Any) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse_tenant(data)
    return [str(issue) for issue in raised.value.issues]


def test_a_valid_tenant_parses() -> None:
    assert parse_tenant(tenant()).slug == "alpha-law"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (tenant(regulated="yes"), 'tenant.regulated: "yes" is not allowed'),
        (tenant(db_maxconn=True), "tenant.db_maxconn: true is not allowed"),
        (tenant(odoo_version=17.0), 'write it in quotes, "17.0"'),
        (tenant(slgu="x"), "tenant.slgu: unknown key 'slgu'; did you mean `slug`?"),
        (tenant(addons=DEEP), "levels deep"),
        (["not", "a", "mapping"], "tenant: must be a mapping of settings"),
    ],
    ids=["yes", "true as a number", "unquoted version", "typo", "deep", "a list"],
)
def test_bad_tenant_settings_name_key_value_and_what_is_allowed(data: Any, expected: str) -> None:
    found = issues(data)
    assert any(expected in issue for issue in found), found
