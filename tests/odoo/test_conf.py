"""`odoo.conf` rendering for every supported Odoo version."""

from __future__ import annotations

import configparser
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from odoo_platform.config.catalog import (
    SIZE_PROFILES,
    VERSIONS_WITH_GEVENT_MAXCONN,
    web_pod_connections,
)
from odoo_platform.config.defaults import tenant_profile
from odoo_platform.config.models import TenantConfig
from odoo_platform.odoo import conf as odoo_conf
from odoo_platform.odoo.conf import OdooConf, render
from odoo_platform.odoo.mail import SmtpSettings

VERSIONS = ("16.0", "17.0", "18.0", "19.0")
MIB = 1024 * 1024


def parse(text: str) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    assert parser.sections() == ["options"]
    return dict(parser["options"])


def make(version: str = "18.0", size: str = "m", **changes: object) -> OdooConf:
    conf = OdooConf.from_profile(version, "acme_law", SIZE_PROFILES[size])  # type: ignore[arg-type]
    return replace(conf, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("version", VERSIONS)
def test_web_settings_every_version(version: str) -> None:
    options = parse(render(make(version), "web"))
    assert options["proxy_mode"] == "True"
    assert options["list_db"] == "False"
    assert options["db_name"] == "acme_law"
    assert options["dbfilter"] == "^acme_law$"
    assert options["http_interface"] == "0.0.0.0"
    assert options["http_port"] == "8069"
    assert options["workers"] == str(SIZE_PROFILES["m"].http_workers)
    assert options["max_cron_threads"] == "0"
    assert options["db_sslmode"] == "require"
    assert options["data_dir"] == "/var/lib/odoo"


@pytest.mark.parametrize("version", VERSIONS)
def test_websocket_listens_on_gevent_port_and_no_deprecated_alias(version: str) -> None:
    options = parse(render(make(version), "web"))
    assert options["gevent_port"] == "8072"
    assert "longpolling_port" not in options


@pytest.mark.parametrize(
    ("version", "gevent_maxconn", "gevent_memory"),
    [("16.0", False, False), ("17.0", True, False), ("18.0", True, True), ("19.0", True, True)],
)
def test_version_specific_keys(version: str, gevent_maxconn: bool, gevent_memory: bool) -> None:
    options = parse(render(make(version), "web"))
    assert ("db_maxconn_gevent" in options) is gevent_maxconn
    assert ("limit_memory_hard_gevent" in options) is gevent_memory
    assert ("limit_memory_soft_gevent" in options) is gevent_memory


@pytest.mark.parametrize(
    ("version", "modules"),
    [("16.0", "base,web"), ("17.0", "base,web"), ("18.0", "base,web"), ("19.0", "base,rpc,web")],
)
def test_server_wide_modules_include_what_the_version_needs(version: str, modules: str) -> None:
    assert parse(render(make(version), "web"))["server_wide_modules"] == modules
    extra = replace(make(version), server_wide_modules=("web", "queue_job"))
    assert parse(render(extra, "job"))["server_wide_modules"] == f"{modules},queue_job"


@pytest.mark.parametrize(
    ("version", "key", "value"),
    [
        ("16.0", "without_demo", "all"),
        ("17.0", "without_demo", "all"),
        ("18.0", "without_demo", "all"),
        ("19.0", "with_demo", "False"),
    ],
)
def test_no_demo_data_in_each_versions_spelling(version: str, key: str, value: str) -> None:
    options = parse(render(make(version), "job"))
    assert options[key] == value
    other = "with_demo" if key == "without_demo" else "without_demo"
    assert other not in options


@pytest.mark.parametrize("version", VERSIONS)
def test_cron_variant_runs_only_cron_workers(version: str) -> None:
    conf = make(version, "l")
    options = parse(render(conf, "cron"))
    assert options["max_cron_threads"] == str(SIZE_PROFILES["l"].cron_workers)
    assert int(options["workers"]) >= 1, "cron workers only exist in prefork mode"
    assert parse(render(conf, "job"))["max_cron_threads"] == "0"


@pytest.mark.parametrize("size", sorted(SIZE_PROFILES))
def test_memory_caps_are_the_profiles_and_leave_room_for_reports(size: str) -> None:
    profile = SIZE_PROFILES[size]
    options = parse(render(make(size=size), "web"))
    hard, soft = int(options["limit_memory_hard"]), int(options["limit_memory_soft"])
    assert soft < hard
    assert hard == profile.limit_memory_hard_mib * MIB
    assert hard >= odoo_conf.REPORT_ADDRESS_SPACE_MIB * MIB


def test_a_hard_cap_that_would_crash_reports_is_refused() -> None:
    with pytest.raises(ValueError, match=r"limit_memory_hard 1152 MiB is below 2048 MiB"):
        render(make(limit_memory_hard_mib=1152, limit_memory_soft_mib=1024), "web")


def test_db_maxconn_comes_from_the_budget() -> None:
    tenant = TenantConfig(
        slug="acme",
        display_name="Acme",
        tier="shared",
        size="s",
        image="odoo:18.0-20251121",
        hostnames=["acme.example.com"],
        residency="eu",
        db_maxconn=5,
    )
    conf = OdooConf.from_profile("18.0", "acme", tenant_profile(tenant))
    options = parse(render(conf, "web"))
    assert options["db_maxconn"] == "5"
    # the websocket process shares its pool among all clients of the pod (one held by the bus)
    assert options["db_maxconn_gevent"] == "16"


@pytest.mark.parametrize("version", VERSIONS)
def test_gevent_pool_is_sized_on_its_own(version: str) -> None:
    conf = make(version, "s")
    web, cron = parse(render(conf, "web")), parse(render(conf, "cron"))
    if version == "16.0":
        # no db_maxconn_gevent: the gevent process uses db_maxconn, so web pods get the larger
        assert "db_maxconn_gevent" not in web
        assert web["db_maxconn"] == str(conf.db_maxconn_gevent)
    else:
        assert web["db_maxconn_gevent"] == str(conf.db_maxconn_gevent)
        assert web["db_maxconn"] == str(conf.db_maxconn)
    assert cron["db_maxconn"] == str(conf.db_maxconn)
    assert conf.db_maxconn_gevent >= 16


def test_no_secret_is_rendered_and_database_connection_comes_from_libpq_env() -> None:
    for version in VERSIONS:
        for role in ("web", "cron", "job"):
            options = parse(render(make(version, smtp=SmtpSettings("smtp.example.com")), role))
            assert not {"admin_passwd", "db_password", "smtp_password"} & set(options)
            assert not {"db_host", "db_port", "db_user"} & set(options)
    with pytest.raises(ValueError, match="admin_passwd must not be rendered"):
        render(make(extra=(("admin_passwd", "x"),)), "web")


def test_explicit_connection_settings_are_rendered_when_given() -> None:
    options = parse(render(make(db_host="db.internal", db_port=5433, db_user="acme"), "web"))
    assert (options["db_host"], options["db_port"], options["db_user"]) == (
        "db.internal",
        "5433",
        "acme",
    )


def test_hash_is_stable_and_follows_every_setting() -> None:
    web = render(make(), "web")
    assert odoo_conf.conf_hash(web) == odoo_conf.conf_hash(render(make(), "web"))
    assert odoo_conf.conf_hash(web) != odoo_conf.conf_hash(render(make(db_maxconn=7), "web"))
    assert odoo_conf.conf_hash(web) != odoo_conf.conf_hash(render(make("17.0"), "web"))


def test_unsupported_version_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Odoo 15.0 is not supported; use one of 16.0"):
        render(make(version="15.0"), "web")


@pytest.mark.parametrize(("version", "uid"), [("16.0", 101), ("17.0", 101), ("18.0", 100)])
def test_official_image_user(version: str, uid: int) -> None:
    traits = odoo_conf.traits(version)
    assert (traits.odoo_uid, traits.odoo_gid) == (uid, 101)


def test_admin_passwd_is_appended_at_runtime_into_the_options_section(tmp_path: Path) -> None:
    target = tmp_path / "odoo.conf"
    target.write_text(render(make(), "web"))
    env = {**os.environ, odoo_conf.ADMIN_PASSWD_ENV: "s3cr3t-%s-$x"}
    subprocess.run(
        ["/bin/sh", "-ec", f"{odoo_conf.admin_passwd_line()} >> {target}"], env=env, check=True
    )
    options = parse(target.read_text())
    assert options["admin_passwd"] == "s3cr3t-%s-$x"
    assert options["proxy_mode"] == "True"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("size", sorted(SIZE_PROFILES))
def test_rendered_pools_are_what_the_connection_budget_counts(version: str, size: str) -> None:
    profile = SIZE_PROFILES[size]
    web = parse(render(make(version, size), "web"))
    workers = int(web["workers"])
    gevent = int(web.get("db_maxconn_gevent", web["db_maxconn"]))
    assert workers * int(web["db_maxconn"]) + gevent == web_pod_connections(profile, version)
    assert odoo_conf.traits(version).gevent_maxconn is (version in VERSIONS_WITH_GEVENT_MAXCONN)
