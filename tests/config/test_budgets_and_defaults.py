import datetime as dt
import json
from typing import Any

import pytest

from odoo_platform.config import connection_budgets, defaults, memory_budget, parse_platform
from odoo_platform.config.capacity import MAINTENANCE_CONNECTIONS, ServerKey, budgets_by_server
from odoo_platform.config.catalog import rds_default_max_connections
from odoo_platform.config.freeze import active_freeze
from odoo_platform.config.models import FreezeWindow


def test_rds_default_max_connections_follows_the_rds_formula() -> None:
    # LEAST(DBInstanceClassMemory / 9531392, 5000)
    assert rds_default_max_connections("db.t4g.micro") == 112
    assert rds_default_max_connections("db.m7g.large") == 901
    assert rds_default_max_connections("db.r7g.4xlarge") == 5000


def test_connection_budget_counts_every_process_at_max_scale(base: dict[str, Any]) -> None:
    config = parse_platform(base)
    shared, dedicated = connection_budgets(config)
    # s profile on 18.0: 2 replicas + 1 rollout surge pod, each 2 HTTP workers x 4 plus the
    # gevent pool of 16 = 3 x 24; 1 cron worker x 4; the init Job's odoo and odoo shell (4 each)
    # plus its psql/pg_dump; 3 maintenance sessions: the backup, the restore check and the DR
    # drill may all run at once (their schedules can meet), one session each at a time
    assert [(t.slug, t.web, t.cron, t.init_job, t.maintenance) for t in shared.tenants] == [
        ("alpha-law", 72, 4, 9, 3)
    ]
    assert shared.tenants[0].worst_case == 88
    assert MAINTENANCE_CONNECTIONS == 3
    assert shared.total == 88 + 10
    assert dedicated.server == "dedicated:beta-audit"
    assert [t.slug for t in dedicated.tenants] == ["beta-audit"]


def test_offboarded_tenants_leave_the_budget(base: dict[str, Any]) -> None:
    base["tenants"][0].update(state="offboarded", offboarding={"requested_on": "2026-11-01"})
    shared = connection_budgets(parse_platform(base))[0]
    assert shared.tenants == ()


def test_db_maxconn_override_changes_the_budget(base: dict[str, Any]) -> None:
    base["tenants"][0]["db_maxconn"] = 10
    shared = connection_budgets(parse_platform(base))[0]
    # web 3 pods x (2 x 10 + 16), cron 10, init Job 2 x 10 + 1, maintenance 3
    assert shared.tenants[0].worst_case == 108 + 10 + 21 + 3


def test_odoo_16_web_processes_all_get_the_gevent_pool(base: dict[str, Any]) -> None:
    base["tenants"][0].update(odoo_version="16.0", image="odoo:16.0-20250909")
    shared = connection_budgets(parse_platform(base))[0]
    # no db_maxconn_gevent in 16.0: 3 pods x 3 processes x 16
    assert shared.tenants[0].web == 3 * 3 * 16


def test_memory_budget_compares_resident_memory_with_the_pod_limit(base: dict[str, Any]) -> None:
    budget = memory_budget(parse_platform(base).tenants[0])
    # s: master 150 + 2 workers x 350 + gevent 250 + 1 report x 256; cron 150 + 1 x (1024 + 256)
    assert (budget.web_resident_mib, budget.cron_resident_mib) == (1356, 1430)
    assert (budget.resident_mib, budget.pod_limit_mib) == (1430, 1792)
    # the address-space cap is another number: far above what is resident, as reports need
    assert budget.limit_memory_hard_mib == 2048 and budget.prints_reports
    assert budget.headroom == pytest.approx(1 - 1430 / 1792)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ("prod", (True, True, True, True, "compliance", 14, 2)),
        ("staging", (False, False, True, False, "none", 7, 1)),
        ("dev", (False, False, False, False, "none", 3, 1)),
    ],
)
def test_environment_defaults(
    base: dict[str, Any], environment: str, expected: tuple[object, ...]
) -> None:
    base["environment"] = environment
    config = parse_platform(base)
    database = config.multi_tenant.database
    assert (
        defaults.nat_per_az(config),
        defaults.multi_az(config, database),
        defaults.deletion_protection(config, database),
        defaults.protect_stateful(config),
        defaults.immutability(config),
        defaults.automated_backup_retention_days(config),
        defaults.traefik_replicas(config),
    ) == expected


def test_dedicated_overrides_replace_only_what_they_name(base: dict[str, Any]) -> None:
    base["dedicated_defaults"] = {"reporting_replica": True}
    base["tenants"][1]["dedicated"] = {"database": {"instance_class": "db.r7g.large"}}
    config = parse_platform(base)
    settings = defaults.dedicated_settings(config, config.tenants[1])
    assert settings.database.instance_class == "db.r7g.large"
    assert settings.reporting_replica is True
    assert settings.redis == config.dedicated_defaults.redis


MONTH_END = FreezeWindow(name="close", last_days_of_month=2, first_days_of_month=3)
YEAR_END = FreezeWindow(name="ye", start=dt.date(2026, 12, 20), end=dt.date(2027, 1, 3))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 11, 29), "close"),
        (dt.date(2026, 11, 28), None),
        (dt.date(2026, 2, 27), "close"),  # February has 28 days in 2026
        (dt.date(2026, 12, 3), "close"),
        (dt.date(2026, 12, 4), None),
        (dt.date(2026, 12, 21), "ye"),
        (dt.date(2027, 1, 3), "close"),
    ],
)
def test_freeze_windows(day: dt.date, expected: str | None) -> None:
    window = active_freeze([MONTH_END, YEAR_END], day)
    assert (window.name if window else None) == expected


def test_server_keys_spell_the_servers_as_outputs_and_alarm_names_do(
    base: dict[str, Any],
) -> None:
    config = parse_platform(base)
    shared, dedicated = config.tenants
    assert ServerKey.of(shared) == ServerKey.shared() == "multi-tenant"
    assert ServerKey.of(dedicated) == ServerKey.dedicated("beta-audit") == "dedicated:beta-audit"
    assert ServerKey.shared().tenant is None
    assert ServerKey.of(dedicated).tenant == "beta-audit"
    budgets = budgets_by_server(config)
    assert list(budgets) == [b.server for b in connection_budgets(config)]
    assert json.dumps(sorted(budgets)) == '["dedicated:beta-audit", "multi-tenant"]'


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ("prod", (True, True, 2, True, 7, True, False)),
        ("staging", (False, False, 1, False, 1, False, True)),
        ("dev", (False, False, 1, False, 1, False, True)),
    ],
)
def test_environment_rules_of_alerts_ingress_and_caches(
    base: dict[str, Any], environment: str, expected: tuple[object, ...]
) -> None:
    base["environment"] = environment
    env = defaults.env_defaults(parse_platform(base))
    assert (
        env.paging_alerts,
        env.ingress_zone_spread,
        env.cert_manager_replicas,
        env.cache_multi_az,
        env.cache_snapshot_retention_days,
        env.cache_final_snapshot,
        env.apply_immediately,
    ) == expected
