"""The one helper that declares customer-managed KMS keys, and that nothing else declares one."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi

import odoo_platform
from odoo_platform.components._shared.kms import DELETION_WINDOW_DAYS, KeyAlias, customer_key
from odoo_platform.testing import run_program

PACKAGE = Path(odoo_platform.__file__).parent
KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
POLICY = json.dumps({"Version": "2012-10-17", "Statement": []})


def test_a_key_rotates_waits_before_deletion_and_its_alias_follows_it() -> None:
    def program() -> None:
        parent = pulumi.ComponentResource("test:index:Owner", "owner")
        customer_key(
            "data-key",
            description="data of tenant acme",
            policy=POLICY,
            tags={"Tenant": "acme"},
            opts=pulumi.ResourceOptions(parent=parent, protect=True),
            alias=KeyAlias("data-key-alias", "alias/odoo-platform/acme/data"),
        )

    result = run_program(program)
    key, alias = result.named("data-key", KEY), result.named("data-key-alias", ALIAS)
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == DELETION_WINDOW_DAYS == 30
    assert key.inputs["policy"] == POLICY
    assert key.inputs["tags"] == {"Tenant": "acme"}
    assert key.protect and key.parent == alias.parent == result.named("owner").urn
    assert alias.inputs["name"] == "alias/odoo-platform/acme/data"
    assert alias.inputs["targetKeyId"] == key.outputs["keyId"]
    assert not alias.protect  # an alias is a name: replacing it loses nothing


def test_a_key_without_an_alias_declares_only_the_key() -> None:
    def program() -> None:
        customer_key("logs-key", description="logs", policy=POLICY, tags={})

    assert [r.type for r in run_program(program).resources] == [KEY]


def test_no_module_declares_a_key_itself() -> None:
    helper = PACKAGE / "components" / "_shared" / "kms.py"
    declaring = sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p != helper and "kms.Key(" in p.read_text(encoding="utf-8")
    )
    assert declaring == []
