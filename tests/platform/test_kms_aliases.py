"""KMS alias names are unique per account and Region (AWS KMS developer guide, "Aliases in AWS
KMS": https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html): two stacks that
declare the same alias in the same account and Region cannot both deploy.

A primary keeps a tenant-in-its-own-account's DR-region data key in that account in the DR
region; its DR site runs there, in the same account, and declares the tenant's data key too."""

from __future__ import annotations

import json

import pytest

from tests.golden_urns import sample_result

PLATFORM = "platform account"
# each sample DR site with its primary (stacks/Pulumi.dr-*.yaml, dr_site.primary_stack)
PAIRS = [("prod-eu-west-1", "dr-eu-central-1"), ("prod-us-east-2", "dr-us-west-2")]


def aliases(stack: str) -> set[tuple[str, str, str]]:
    """(alias name, Region, account) of every KMS alias the sample stack declares."""
    result = sample_result(stack)
    providers = {p.urn: p for p in result.resources if p.type == "pulumi:providers:aws"}
    found = set()
    for alias in result.by_type("aws:kms/alias:Alias"):
        provider = providers[alias.provider] if alias.provider else None
        roles = json.loads(provider.inputs.get("assumeRoles") or "[]") if provider else []
        account = roles[0]["roleArn"].split(":")[4] if roles else PLATFORM
        region = provider.inputs["region"] if provider else stack.split("-", 1)[1]
        found.add((alias.inputs["name"], region, account))
    return found


@pytest.mark.parametrize(("primary", "site"), PAIRS, ids=[p[1] for p in PAIRS])
def test_a_dr_site_and_its_primary_declare_no_alias_twice(primary: str, site: str) -> None:
    declared_by_both = aliases(primary) & aliases(site)
    assert declared_by_both == set()


def test_each_own_account_tenant_keeps_its_data_aliases_in_both_regions() -> None:
    """The fix renames nothing on the primary: its keys keep `alias/odoo-platform/<slug>/data`
    in the tenant's account, in its region and in the DR region."""
    primary = aliases("prod-eu-west-1")
    account = "444455556666"  # halden-law's
    assert {
        (name, region)
        for name, region, owner in primary
        if owner == account and name.endswith("/data")
    } == {
        ("alias/odoo-platform/halden-law/data", "eu-west-1"),
        ("alias/odoo-platform/halden-law/data", "eu-central-1"),
    }
    site = {(n, r) for n, r, owner in aliases("dr-eu-central-1") if owner == account}
    assert ("alias/odoo-platform/dr-eu-central-1/halden-law/data", "eu-central-1") in site
