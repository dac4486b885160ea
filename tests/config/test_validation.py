"""Every configuration rule: a failing case that names key, value and what is allowed, and a
passing case next to it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from odoo_platform.config import load_stack_file, parse_platform, validation
from odoo_platform.config.catalog import (
    REPORT_ADDRESS_SPACE_MIB,
    SIZE_PROFILES,
    cron_resident_mib,
    web_resident_mib,
)
from tests.config.conftest import Errors, Mutation, assert_refused_at

STACKS_DIR = Path(__file__).resolve().parents[2] / "stacks"


def tenant(data: dict[str, Any], index: int) -> dict[str, Any]:
    result: dict[str, Any] = data["tenants"][index]
    return result


def test_base_configuration_is_valid(base: dict[str, Any], errors: Errors) -> None:
    assert errors(base) == []


# (mutation that breaks a rule, exact key path, words the message must contain)
FAILING: dict[str, tuple[Mutation, str, tuple[str, ...]]] = {
    "duplicate slug": (
        lambda d: tenant(d, 1).update(slug="alpha-law"),
        "platform.tenants[1].slug",
        ("'alpha-law'", "unique"),
    ),
    "duplicate host name": (
        lambda d: tenant(d, 1).update(hostnames=["alpha.erp.acme.example"]),
        "platform.tenants[1].hostnames[0]",
        ("'alpha.erp.acme.example'", "unique"),
    ),
    "slug format": (
        lambda d: tenant(d, 0).update(slug="Alpha_Law"),
        "platform.tenants[0].slug",
        ('"Alpha_Law"', "[a-z]"),
    ),
    "reserved slug": (
        lambda d: tenant(d, 0).update(slug="session"),
        "platform.tenants[0].slug",
        ('"session"', "reserved"),
    ),
    "image tagged latest": (
        lambda d: tenant(d, 0).update(image="odoo:latest"),
        "platform.tenants[0].image",
        ('"odoo:latest"', "never latest"),
    ),
    "image without tag": (
        lambda d: tenant(d, 0).update(image="odoo"),
        "platform.tenants[0].image",
        ('"odoo"', "pinned"),
    ),
    "regulated tenant in shared tier": (
        lambda d: tenant(d, 1).update(tier="shared"),
        "platform.tenants[1].tier",
        ("regulated", "'dedicated'", "'shared'"),
    ),
    "dedicated overrides on a shared tenant": (
        lambda d: tenant(d, 0).update(dedicated={"reporting_replica": True}),
        "platform.tenants[0].dedicated",
        ("'shared'", "only with tier 'dedicated'"),
    ),
    "tenant residency outside the region's zone": (
        lambda d: tenant(d, 0).update(residency="us"),
        "platform.tenants[0].residency",
        ("'us'", "eu-west-1", "'eu'"),
    ),
    "stack residency not the region's zone": (
        lambda d: d.update(residency="uk"),
        "platform.residency",
        ("'uk'", "eu-west-1", "'eu'"),
    ),
    "unknown residency zone": (
        lambda d: tenant(d, 0).update(residency="mars"),
        "platform.tenants[0].residency",
        ('"mars"', "au, ca, eu, uk, us"),
    ),
    "unsupported region": (
        lambda d: d.update(region="xx-east-9"),
        "platform.region",
        ('"xx-east-9"', "eu-west-1"),
    ),
    "prod with two AZs": (
        lambda d: d.update(landing_zone={"availability_zones": 2}),
        "platform.landing_zone.availability_zones",
        ("2", "at least 3"),
    ),
    "subnets do not fit the VPC": (
        lambda d: d.update(landing_zone={"vpc_cidr": "10.0.0.0/20"}),
        "platform.landing_zone.vpc_cidr",
        ("10.0.0.0/20", "27648", "4096"),
    ),
    "VPC CIDR not a network": (
        lambda d: d.update(landing_zone={"vpc_cidr": "10.0.0.1/16"}),
        "platform.landing_zone.vpc_cidr",
        ('"10.0.0.1/16"', "network"),
    ),
    "connection budget of the shared server": (
        lambda d: (
            tenant(d, 0).update(size="m"),
            d["multi_tenant"].update(database={"max_connections": 100}),
        ),
        "platform.multi_tenant.database.max_connections",
        ("'multi-tenant'", "232 connections", "alpha-law=222", "reserved=10", "is 100"),
    ),
    "connection budget of a dedicated server": (
        lambda d: tenant(d, 1).update(
            size="xl", dedicated={"database": {"instance_class": "db.t4g.micro"}}
        ),
        "platform.tenants[1].dedicated.database.max_connections",
        ("'dedicated:beta-audit'", "1822 connections", "beta-audit=1812", "is 112"),
    ),
    "sessions in redis with the official image": (
        lambda d: tenant(d, 0).update(sessions_in_redis=True),
        "platform.tenants[0].sessions_in_redis",
        ("not supported", "session_redis", "redis package", "use false"),
    ),
    "automated backup retention too short for prod": (
        lambda d: d.update(backup={"automated_backup_retention_days": 3}),
        "platform.backup.automated_backup_retention_days",
        ("3 days", "prod", "7 to 35"),
    ),
    "automated backup retention beyond AWS limit": (
        lambda d: d.update(environment="dev", backup={"automated_backup_retention_days": 40}),
        "platform.backup.automated_backup_retention_days",
        ("40 days", "1 to 35"),
    ),
    "object lock outlives lifecycle expiry": (
        lambda d: d.update(backup={"daily_retention_days": 7, "immutability_days": 14}),
        "platform.backup.immutability_days",
        ("14 days", "7 days", "at most 7"),
    ),
    "prod without immutable backups": (
        lambda d: d.update(backup={"immutability": "none"}),
        "platform.backup.immutability",
        ("'none'", "prod", "'governance' or 'compliance'"),
    ),
    "prod turning off Multi-AZ": (
        lambda d: d["multi_tenant"].update(database={"multi_az": False}),
        "platform.multi_tenant.database.multi_az",
        ("false", "prod"),
    ),
    "prod turning off deletion protection for a dedicated tenant": (
        lambda d: tenant(d, 1).update(dedicated={"database": {"deletion_protection": False}}),
        "platform.tenants[1].dedicated.database.deletion_protection",
        ("false", "prod"),
    ),
    "prod without disaster recovery": (
        lambda d: d.pop("disaster_recovery"),
        "platform.disaster_recovery",
        ("prod", "DR region"),
    ),
    "prod with one Traefik replica": (
        lambda d: d["shared_services"].update(traefik={"replicas": 1}),
        "platform.shared_services.traefik.replicas",
        ("1", "at least 2"),
    ),
    "DR region equals the stack region": (
        lambda d: d.update(disaster_recovery={"dr_region": "eu-west-1"}),
        "platform.disaster_recovery.dr_region",
        ("'eu-west-1'", "another"),
    ),
    "DR region outside the residency zone": (
        lambda d: d.update(disaster_recovery={"dr_region": "us-east-1"}),
        "platform.disaster_recovery.dr_region",
        ("'us-east-1'", "'us'", "'eu'"),
    ),
    "backup and maintenance windows overlap": (
        lambda d: d["multi_tenant"].update(
            database={"backup_window": "03:30-04:30", "maintenance_window": "sun:04:00-sun:05:00"}
        ),
        "platform.multi_tenant.database.maintenance_window",
        ("'sun:04:00-sun:05:00'", "'03:30-04:30'", "overlaps"),
    ),
    "backup window shorter than 30 minutes": (
        lambda d: d["multi_tenant"].update(database={"backup_window": "02:00-02:15"}),
        "platform.multi_tenant.database.backup_window",
        ("'02:00-02:15'", "30 minutes"),
    ),
    "offboarded tenant without offboarding block": (
        lambda d: tenant(d, 0).update(state="offboarded"),
        "platform.tenants[0].offboarding",
        ("'alpha-law'", "requested_on"),
    ),
    "offboarding block on an active tenant": (
        lambda d: tenant(d, 0).update(offboarding={"requested_on": "2026-11-01"}),
        "platform.tenants[0].offboarding",
        ("'active'", "'offboarded'"),
    ),
    "purge before the offboarding request": (
        lambda d: tenant(d, 0).update(
            state="offboarded",
            offboarding={"requested_on": "2026-11-01", "purge_after": "2026-10-01"},
        ),
        "platform.tenants[0].offboarding.purge_after",
        ("2026-10-01", "after", "2026-11-01"),
    ),
    "freeze window with neither dates nor monthly days": (
        lambda d: d.update(governance={"freeze_windows": [{"name": "close"}]}),
        "platform.governance.freeze_windows[0]",
        ("'close'", "start and end", "last_days_of_month"),
    ),
    "freeze window ending before it starts": (
        lambda d: d.update(
            governance={
                "freeze_windows": [{"name": "ye", "start": "2026-12-31", "end": "2026-12-20"}]
            }
        ),
        "platform.governance.freeze_windows[0].end",
        ("2026-12-20", "before", "2026-12-31"),
    ),
    "required tag no tag sets": (
        lambda d: d.update(governance={"required_tag_keys": ["DataController"]}),
        "platform.governance.required_tag_keys[0]",
        ("'DataController'", "platform.tags", "Owner"),
    ),
    "host name outside the Route53 zone": (
        lambda d: tenant(d, 0).update(hostnames=["alpha.other.example"]),
        "platform.tenants[0].hostnames[0]",
        ("'alpha.other.example'", "'erp.acme.example'"),
    ),
    "node group sizes out of order": (
        lambda d: d.update(
            cluster={"mode": "eks", "node_groups": {"shared": {"min_size": 4, "max_size": 2}}}
        ),
        "platform.cluster.node_groups.shared",
        ("4 <= 4 <= 2",),
    ),
    "unknown key": (
        lambda d: tenant(d, 0).update(tenat="x"),
        "platform.tenants[0].tenat",
        ("unknown key", "slug", "tier"),
    ),
    "unknown key inside a union member": (
        lambda d: d.update(cluster={"mode": "existing", "node_groups": {}}),
        "platform.cluster.node_groups",
        ("unknown key", "kubeconfig_secret_key", "oidc_provider_arn"),
    ),
    "wrong type": (
        lambda d: d.update(landing_zone={"availability_zones": "three"}),
        "platform.landing_zone.availability_zones",
        ('"three"', "valid integer"),
    ),
    "wrong literal": (
        lambda d: tenant(d, 0).update(tier="share"),
        "platform.tenants[0].tier",
        ('"share"', "'shared' or 'dedicated'"),
    ),
    "unsupported Odoo version": (
        lambda d: tenant(d, 0).update(odoo_version="15.0"),
        "platform.tenants[0].odoo_version",
        ('"15.0"', "'16.0'", "'19.0'"),
    ),
    "missing required key": (
        lambda d: d.pop("owner"),
        "platform.owner",
        ("is required",),
    ),
}


@pytest.mark.parametrize("case", list(FAILING))
def test_rule_rejects_bad_input_with_its_key_path(
    case: str, base: dict[str, Any], errors: Errors
) -> None:
    assert_refused_at(FAILING[case], base, errors)


PASSING: dict[str, Mutation] = {
    "distinct slugs and hosts": lambda d: tenant(d, 1).update(slug="gamma"),
    "image pinned by digest": lambda d: tenant(d, 0).update(image="odoo@sha256:" + "a" * 64),
    "image in a private registry with port": lambda d: tenant(d, 0).update(
        image="registry.acme.example:5000/erp/odoo:18.0-1"
    ),
    "regulated tenant dedicated": lambda d: tenant(d, 1).update(tier="dedicated"),
    "prod with six AZs": lambda d: d.update(landing_zone={"availability_zones": 6}),
    "small VPC with longer prefixes": lambda d: d.update(
        landing_zone={
            "vpc_cidr": "10.1.0.0/20",
            "subnet_prefixes": {"public": 27, "private": 24, "database": 27},
        }
    ),
    "explicit max_connections that fits": lambda d: d["multi_tenant"].update(
        database={"max_connections": 100}
    ),
    "dev may turn off Multi-AZ and deletion protection": lambda d: (
        d.update(environment="dev"),
        d["multi_tenant"].update(database={"multi_az": False, "deletion_protection": False}),
    ),
    "dev may skip DR and immutability": lambda d: (
        d.update(environment="dev", backup={"immutability": "none"}),
        d.pop("disaster_recovery"),
    ),
    "object lock equal to the daily expiry": lambda d: d.update(
        backup={"daily_retention_days": 14, "immutability_days": 14}
    ),
    "windows apart": lambda d: d["multi_tenant"].update(
        database={"backup_window": "23:30-00:30", "maintenance_window": "sun:01:00-sun:02:00"}
    ),
    "offboarded with a purge date": lambda d: tenant(d, 0).update(
        state="offboarded",
        offboarding={"requested_on": "2026-11-01", "purge_after": "2027-02-01"},
    ),
    "monthly and dated freeze windows": lambda d: d.update(
        governance={
            "freeze_windows": [
                {"name": "close", "last_days_of_month": 2, "first_days_of_month": 3},
                {"name": "ye", "start": "2026-12-20", "end": "2027-01-03"},
            ]
        }
    ),
    "required tag set by platform.tags": lambda d: d.update(
        tags={"DataController": "acme"}, governance={"required_tag_keys": ["DataController"]}
    ),
    "ACM certificate allows any host name": lambda d: (
        d["shared_services"].update(
            tls={
                "mode": "acm",
                "certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123",
            }
        ),
        tenant(d, 0).update(hostnames=["erp.alpha-law.example"]),
    ),
    "existing cluster": lambda d: d.update(cluster=EXISTING_CLUSTER),
}


EXISTING_CLUSTER = {
    "mode": "existing",
    "oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1."
    "amazonaws.com/id/ABC123",
    "oidc_issuer_url": "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123",
}


@pytest.mark.parametrize("case", list(PASSING))
def test_rule_accepts_good_input(case: str, base: dict[str, Any], errors: Errors) -> None:
    PASSING[case](base)
    assert errors(base) == []


def test_all_errors_are_reported_together(base: dict[str, Any], errors: Errors) -> None:
    tenant(base, 1).update(tier="shared")
    tenant(base, 0).update(residency="us")
    base["multi_tenant"] = {"database": {"multi_az": False}}
    paths = {e.split(":")[0] for e in errors(base)}
    assert {
        "platform.tenants[1].tier",
        "platform.tenants[0].residency",
        "platform.multi_tenant.database.multi_az",
    } <= paths


def test_memory_budget_names_resident_memory_and_the_report_floor(
    base: dict[str, Any], errors: Errors, monkeypatch: pytest.MonkeyPatch
) -> None:
    greedy = replace(SIZE_PROFILES["s"], memory_limit_mib=1280, limit_memory_hard_mib=1152)
    monkeypatch.setitem(SIZE_PROFILES, "s", greedy)
    found = [e for e in errors(base) if e.startswith("platform.tenants[0].size:")]
    assert found == [
        "platform.tenants[0].size: tenant 'alpha-law': a fully busy pod keeps about 1430 MiB "
        "resident (web 1356, cron 1430) but the pod memory limit is 1280 MiB",
        "platform.tenants[0].size: tenant 'alpha-law': limit_memory_hard 1152 MiB caps each "
        "process's address space, which wkhtmltopdf inherits: PDF reports crash below 2048 MiB "
        "(docs/capacity.md)",
        "platform.tenants[0].size: tenant 'alpha-law': limit_memory_soft 1536 MiB must be below "
        "limit_memory_hard 1152 MiB",
    ]


@pytest.mark.parametrize("size", list(SIZE_PROFILES))
def test_every_size_profile_is_sized_from_resident_memory(size: str) -> None:
    profile = SIZE_PROFILES[size]
    resident = max(web_resident_mib(profile), cron_resident_mib(profile))
    assert resident <= 0.85 * profile.memory_limit_mib
    assert profile.memory_request_mib >= web_resident_mib(profile)
    assert profile.limit_memory_soft_mib < profile.limit_memory_hard_mib
    assert profile.limit_memory_hard_mib >= REPORT_ADDRESS_SPACE_MIB


def test_a_series_upstream_no_longer_builds_is_a_warning_not_an_error(base: dict[str, Any]) -> None:
    base["tenants"][0].update(odoo_version="16.0", image="odoo:16.0-20250909")
    config = parse_platform(base)  # still valid
    assert [str(w) for w in validation.warnings(config)] == [
        "platform.tenants[0].odoo_version: tenant 'alpha-law' runs 16.0: odoo/docker stopped "
        "building 16.0 on 2025-09-18 (last image odoo:16.0-20250909); its image gets no fixes, "
        "plan the migration (docs/runbooks/odoo-tenant.md)"
    ]
    base["tenants"][0]["odoo_version"] = "18.0"
    assert validation.warnings(parse_platform(base)) == []


@pytest.mark.sample_data
@pytest.mark.parametrize("stack", sorted(p.name for p in STACKS_DIR.glob("Pulumi.*.yaml")))
def test_sample_stacks_pin_images_upstream_published(stack: str) -> None:
    # odoo/docker's releases of the built series around the samples' date (git log of its repo)
    published = {
        "16.0": {"20250909"},
        **{series: {"20251106", "20251121"} for series in ("17.0", "18.0", "19.0")},
    }
    for tenant in load_stack_file(STACKS_DIR / stack).tenants:
        name, tag = tenant.image.rsplit(":", 1)
        version, release = tag.split("-", 1)
        assert name == "odoo" and version == tenant.odoo_version
        assert release in published[version], f"{tenant.slug}: {tenant.image} was never published"
