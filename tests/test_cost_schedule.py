"""The estimate charges a sleeping RDS server its running hours, not 730 (issue 16)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from odoo_platform.config import PlatformConfig, load_stack_file
from odoo_platform.offline.cost import CostEstimate, CostLine, assumptions, estimate_cost
from odoo_platform.offline.placement import tenant_tiers
from odoo_platform.platform.regional import build_platform
from odoo_platform.testing import run_program

STACKS = Path(__file__).resolve().parents[1] / "stacks"
RDS = "aws:rds/instance:Instance"


def estimate(config: PlatformConfig) -> CostEstimate:
    result = run_program(
        lambda: build_platform(config, dt.date(2026, 11, 18)),
        config={"aws:region": config.region},
        stack="dev-eu-west-1",
        preview=True,
    )
    return estimate_cost(result, config, result.placements(tenant_tiers(config)))


def rds_line(cost: CostEstimate) -> CostLine:
    (line,) = [line for line in cost.lines if line.type == RDS]
    return line


@pytest.fixture(scope="module")
def dev() -> PlatformConfig:
    return load_stack_file(STACKS / "Pulumi.dev-eu-west-1.yaml")


def test_a_dev_servers_instance_hours_are_its_working_hours(dev: PlatformConfig) -> None:
    hours = dev.capacity.working_hours
    always = dev.model_copy(
        update={
            "capacity": dev.capacity.model_copy(
                update={"working_hours": hours.model_copy(update={"enabled": False})}
            )
        }
    )
    sleeping, awake = estimate(dev), estimate(always)
    database = dev.multi_tenant.database
    storage = database.allocated_storage_gib * sleeping.prices.get("rds_gp3_gb_month", "single_az")
    hourly = sleeping.prices.get("rds_postgres_hour", database.instance_class, "single_az")
    assert storage and hourly
    running = hours.hours_per_week * 52 / 12
    assert rds_line(awake).monthly == pytest.approx(hourly * 730 + storage, abs=0.01)
    assert rds_line(sleeping).monthly == pytest.approx(hourly * running + storage, abs=0.01)
    # Only the instance hours shrink, by exactly the share of the month it runs.
    fraction = (rds_line(sleeping).monthly - storage) / (rds_line(awake).monthly - storage)
    assert fraction == pytest.approx(running / 730, abs=1e-4)
    assert "stopped outside working hours" in rds_line(sleeping).what
    assert sleeping.total < awake.total
    assert any("52/12" in line for line in assumptions(sleeping.prices))
