"""Values the fuzzer found accepted although AWS, Kubernetes or common sense refuse them, and
rejections that did not say where: each is now an error at its key path."""

from __future__ import annotations

from typing import Any

import pytest

from odoo_platform.config.catalog import (
    CACHE_INSTANCE_TYPES,
    CACHE_NODE_TYPES,
    EC2_INSTANCE_TYPES,
    INSTANCE_TYPES_SOURCE,
    RDS_CLASS_MEMORY_GIB,
    RDS_INSTANCE_CLASSES,
    REGION_RESIDENCY,
)
from tests.config.conftest import Errors, Mutation, assert_refused_at


def tenant(data: dict[str, Any], index: int = 0) -> dict[str, Any]:
    result: dict[str, Any] = data["tenants"][index]
    return result


def dedicated(data: dict[str, Any], **settings: Any) -> None:
    tenant(data, 1)["dedicated"] = settings


# (mutation, key path, words the message must contain)
REFUSED: dict[str, tuple[Mutation, str, tuple[str, ...]]] = {
    "true read as 1": (
        lambda d: d.update(landing_zone={"availability_zones": True}),
        "platform.landing_zone.availability_zones",
        ("true", "integer"),
    ),
    "a number as text": (
        lambda d: d.update(backup={"daily_retention_days": "7"}),
        "platform.backup.daily_retention_days",
        ('"7"', "integer", "write it without quotes: 7"),
    ),
    "yes as a boolean": (
        lambda d: tenant(d).update(regulated="yes"),
        "platform.tenants[0].regulated",
        ('"yes"', "write true or false"),
    ),
    "0 read as a date": (
        lambda d: tenant(d).update(state="offboarded", offboarding={"requested_on": 0}),
        "platform.tenants[0].offboarding.requested_on",
        ("0", "date"),
    ),
    "a float read as a number of days": (
        lambda d: d.update(backup={"daily_retention_days": 7.5}),
        "platform.backup.daily_retention_days",
        ("7.5", "integer"),
    ),
    "a log retention CloudWatch refuses": (
        lambda d: d.update(landing_zone={"flow_log_retention_days": 100}),
        "platform.landing_zone.flow_log_retention_days",
        ("100", "90", "365"),
    ),
    "true as a log retention of 1 day": (
        lambda d: d.update(landing_zone={"flow_log_retention_days": True}),
        "platform.landing_zone.flow_log_retention_days",
        ("true",),
    ),
    "hour 25 in the backup window": (
        lambda d: d.update(multi_tenant={"database": {"backup_window": "25:00-26:00"}}),
        "platform.multi_tenant.database.backup_window",
        ('"25:00-26:00"', "hours 00-23"),
    ),
    "Arabic-Indic digits in the backup window": (
        lambda d: d.update(multi_tenant={"database": {"backup_window": "٠٢:00-03:00"}}),
        "platform.multi_tenant.database.backup_window",
        ("02:00-03:00",),
    ),
    "Kawi digits (Unicode 15) in the maintenance window": (
        lambda d: d.update(
            multi_tenant={
                "database": {"maintenance_window": "sun:\U00011f50\U00011f54:00-sun:05:00"}
            }
        ),
        "platform.multi_tenant.database.maintenance_window",
        ("sun:04:00-sun:05:00",),
    ),
    "an unknown day in the maintenance window": (
        lambda d: d.update(
            multi_tenant={"database": {"maintenance_window": "sun:04:00-xyz:05:00"}}
        ),
        "platform.multi_tenant.database.maintenance_window",
        ("xyz",),
    ),
    "the whole internet as a VPC": (
        lambda d: d.update(landing_zone={"vpc_cidr": "0.0.0.0/0"}),
        "platform.landing_zone.vpc_cidr",
        ('"0.0.0.0/0"', "/16 to /28"),
    ),
    "a VPC larger than /16": (
        lambda d: d.update(landing_zone={"vpc_cidr": "10.0.0.0/8"}),
        "platform.landing_zone.vpc_cidr",
        ("/16 to /28",),
    ),
    "a public VPC range": (
        lambda d: d.update(landing_zone={"vpc_cidr": "8.8.0.0/16"}),
        "platform.landing_zone.vpc_cidr",
        ("private range", "10.0.0.0/8"),
    ),
    "a public own-account VPC": (
        lambda d: dedicated(
            d,
            aws_account_role_arn="arn:aws:iam::111122223333:role/x",
            account_vpc_cidr="100.64.0.0/16",
        ),
        "platform.tenants[1].dedicated.account_vpc_cidr",
        ("private range",),
    ),
    "an EC2 instance type that does not exist": (
        lambda d: d.update(
            cluster={"mode": "eks", "node_groups": {"system": {"instance_types": ["m7i.huge"]}}}
        ),
        "platform.cluster.node_groups.system.instance_types[0]",
        ('"m7i.huge"', "not an EC2 instance type"),
    ),
    "an RDS class not offered in the region": (
        lambda d: d.update(
            region="eu-west-3",
            disaster_recovery={"dr_region": "eu-west-1"},
            multi_tenant={"database": {"instance_class": "db.r7g.large"}},
        ),
        "platform.multi_tenant.database.instance_class",
        ("'db.r7g.large'", "eu-west-3"),
    ),
    "a tag with the reserved aws: prefix": (
        lambda d: d.update(tags={"aws:owner": "me"}),
        "platform.tags",
        ("aws:", "reserved"),
    ),
    "a tag the platform sets": (
        lambda d: d.update(tags={"Owner": "someone"}),
        "platform.tags",
        ("'Owner'", "set by the platform"),
    ),
    "a tag character AWS refuses": (
        lambda d: d.update(tags={"team#1": "x"}),
        "platform.tags",
        ("letters, digits",),
    ),
    "a tag value over 256 characters": (
        lambda d: d.update(tags={"Team": "x" * 257}),
        "platform.tags",
        ("up to 256",),
    ),
    "an owner AWS cannot tag with": (
        lambda d: d.update(owner="ops <ops@acme.example>"),
        "platform.owner",
        ("letters, digits",),
    ),
    "a control character in a display name": (
        lambda d: tenant(d).update(display_name="Alpha\x07Law"),
        "platform.tenants[0].display_name",
        ("control characters",),
    ),
    "a slug ending in a hyphen": (
        lambda d: tenant(d).update(slug="alpha-"),
        "platform.tenants[0].slug",
        ('"alpha-"', "pattern", "not ending with '-'"),
    ),
    "a tenant node group with min > desired > max": (
        lambda d: dedicated(d, node_group={"min_size": 5, "desired_size": 4, "max_size": 3}),
        "platform.tenants[1].dedicated.node_group",
        ("5 <= 4 <= 3",),
    ),
    "max_allocated_storage_gib below allocated_storage_gib": (
        lambda d: d.update(
            multi_tenant={
                "database": {"allocated_storage_gib": 500, "max_allocated_storage_gib": 100}
            }
        ),
        "platform.multi_tenant.database.max_allocated_storage_gib",
        ("100", "500", "at least"),
    ),
    "an unknown key spelled like a union tag": (
        lambda d: d.update(cluster={"mode": "eks", "eks": {"min_size": 1}}),
        "platform.cluster.eks",
        ("unknown key 'eks'", "node_groups"),
    ),
    "an unknown key spelled like the TLS tag": (
        lambda d: d["shared_services"]["tls"].update({"cert-manager": True}),
        "platform.shared_services.tls.cert-manager",
        ("unknown key 'cert-manager'", "acme_email"),
    ),
    "a union without its mode": (
        lambda d: d.update(cluster={"node_groups": {}}),
        "platform.cluster.mode",
        ("is required", "'eks', 'existing'"),
    ),
    "an unknown mode": (
        lambda d: d.update(cluster={"mode": "gke"}),
        "platform.cluster.mode",
        ('"gke"', "'eks', 'existing'"),
    ),
    "a typo suggests the key": (
        lambda d: d.update(multi_tenat={}),
        "platform.multi_tenat",
        ("did you mean `multi_tenant`?",),
    ),
    "an unquoted version": (
        lambda d: tenant(d).update(odoo_version=17.0),
        "platform.tenants[0].odoo_version",
        ('write it in quotes, "17.0"',),
    ),
}


@pytest.mark.parametrize("case", REFUSED, ids=str)
def test_nonsense_is_refused_at_its_key_path(
    case: str, base: dict[str, Any], errors: Errors
) -> None:
    assert_refused_at(REFUSED[case], base, errors)


ACCEPTED: dict[str, Mutation] = {
    "a 172.16/12 VPC": lambda d: d.update(landing_zone={"vpc_cidr": "172.20.0.0/16"}),
    "a windows pair that spans midnight": lambda d: d.update(
        multi_tenant={
            "database": {
                "backup_window": "23:30-00:30",
                "maintenance_window": "sun:04:00-sun:05:00",
            }
        }
    ),
    "a Unicode tag value": lambda d: d.update(tags={"Team": "Comptabilité générale"}),
    "a FIFO SNS topic": lambda d: d["shared_services"].update(
        alerts={"sns_topic_arns": ["arn:aws:sns:eu-west-1:123456789012:alerts.fifo"]}
    ),
    "a real Graviton node type": lambda d: d.update(
        cluster={
            "mode": "eks",
            "admin_role_arns": ["arn:aws:iam::123456789012:role/platform-deployer"],
            "node_groups": {"shared": {"instance_types": ["m7g.xlarge", "m6g.xlarge"]}},
        }
    ),
}


@pytest.mark.parametrize("case", ACCEPTED, ids=str)
def test_sensible_values_stay_valid(case: str, base: dict[str, Any], errors: Errors) -> None:
    ACCEPTED[case](base)
    assert errors(base) == []


def test_cross_key_rules_report_with_the_schema_errors(
    base: dict[str, Any], errors: Errors
) -> None:
    """One pass: the README promises every problem at once, not one layer after another."""
    third = {**tenant(base), "display_name": "Gamma", "slug": "alpha-law"}
    base["tenants"].append(third)  # duplicate slug and host name of tenants[0]
    tenant(base, 1)["image"] = "odoo:latest"  # a required setting: this tenant is left out
    tenant(base, 0)["size"] = "huge"  # an optional one: its default takes over for the rules
    base["multi_tenant"] = {"database": {"backup_window": "25:00-26:00"}}
    base["backup"] = {"immutability": "none"}  # prod forbids it (a cross-key rule)

    found = errors(base)

    assert sorted(e.split(":")[0] for e in found) == [
        "platform.backup.immutability",
        "platform.multi_tenant.database.backup_window",
        "platform.tenants[0].hostnames[0]",
        "platform.tenants[0].size",
        "platform.tenants[0].slug",
        "platform.tenants[1].image",
        "platform.tenants[2].hostnames[0]",
        "platform.tenants[2].slug",
    ], found


def test_rules_about_a_replaced_setting_are_not_reported(
    base: dict[str, Any], errors: Errors
) -> None:
    base["governance"] = {"freeze_windows": [{"name": "ye", "start": "2026-02-30"}]}
    assert [e.split(":")[0] for e in errors(base)] == [
        "platform.governance.freeze_windows[0].start"
    ]


def test_a_wrong_required_platform_setting_still_reports_without_crashing(
    base: dict[str, Any], errors: Errors
) -> None:
    base["region"] = "mars-1"
    tenant(base, 1)["slug"] = "alpha-law"
    assert [e.split(":")[0] for e in errors(base)] == ["platform.region"]


def test_the_vendored_catalog_holds_every_class_the_platform_sizes() -> None:
    """The RDS classes with known memory and the cache types we offer exist in AWS's lists."""
    rds = set().union(*RDS_INSTANCE_CLASSES.values())
    assert set(RDS_CLASS_MEMORY_GIB) <= rds
    for region, offered in CACHE_INSTANCE_TYPES.items():
        assert set(CACHE_NODE_TYPES) <= offered, region
    assert set(EC2_INSTANCE_TYPES) == set(REGION_RESIDENCY)
    assert "retrieved" in INSTANCE_TYPES_SOURCE


def test_a_wrong_owner_does_not_hide_the_cross_key_rules(
    base: dict[str, Any], errors: Errors
) -> None:
    """No rule reads organisation, owner or cost_centre: a stand-in lets the rules run."""
    base["owner"] = "ops <ops@acme.example>"
    tenant(base, 1)["slug"] = "alpha-law"
    assert [e.split(":")[0] for e in errors(base)] == [
        "platform.owner",
        "platform.tenants[0].slug",
        "platform.tenants[1].slug",
    ]
