"""The business scenarios as stacks: each is valid, says what it models, and plans without error.

- regional expansion: prod-eu-central-1 repeats prod-eu-west-1's pattern; prod-eu-west-2 holds
  the UK-resident unit;
- regulated client unit: prod-us-east-2;
- post-acquisition consolidation: prod-us-east-1 plus an acquired firm's tenants
  (tests/scenarios/acquisition.py), where nothing else may change;
- high-growth firm: prod-us-west-2, 40+ shared tenants on one server, the next on a second pool.

The URN-level tests run the stack program under the mocks harness; they compare whatever the
program declares, so they hold the composed platform to the same properties.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pulumi_aws as aws
import pulumi_random as random
import pytest
from typer.testing import CliRunner

from odoo_platform.cli import app
from odoo_platform.config import PlatformConfig, load_stack_file
from odoo_platform.config.capacity import SHARED_SERVER, connection_budgets, max_connections
from odoo_platform.config.catalog import REGION_RESIDENCY
from odoo_platform.config.defaults import dedicated_settings, immutability
from odoo_platform.config.models import DatabaseConfig
from odoo_platform.platform.program import load_config
from odoo_platform.synthesis.harness import Program
from odoo_platform.testing import ProgramResult, run_stack
from tests.scenarios.acquisition import (
    BASE_STACK_FILE,
    acquired_slugs,
    acquired_tenants,
    acquisition_problems,
    named_tenant,
    unexplained_changes,
    write_consolidated_stack,
)

STACKS = Path(__file__).resolve().parents[1] / "stacks"
STACK_FILES = sorted(STACKS.glob("Pulumi.*.yaml"))
SCENARIO_STACKS = ("prod-eu-central-1", "prod-eu-west-2", "prod-us-east-2", "prod-us-west-2")
MIN_HIGH_GROWTH_TENANTS = 40


def stack(name: str) -> PlatformConfig:
    return load_stack_file(STACKS / f"Pulumi.{name}.yaml")


@pytest.fixture(scope="module")
def consolidated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_consolidated_stack(tmp_path_factory.mktemp("acquisition"))


# Every stack file validates, as the CLI reports it.


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_stack_file_validates(path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "--config-file", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "valid (" in result.stdout


def test_the_consolidated_stack_validates(consolidated_file: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "--config-file", str(consolidated_file)])
    assert result.exit_code == 0, result.stderr


def test_every_scenario_file_says_what_it_models() -> None:
    for name in SCENARIO_STACKS:
        text = (STACKS / f"Pulumi.{name}.yaml").read_text()
        assert text.startswith("#") and "Scenario" in text.split("config:", 1)[0], name


# The estate as a whole: regions can be peered and tenants reached without clashes.


@pytest.mark.sample_data
def test_vpc_ranges_of_the_estate_never_overlap() -> None:
    networks = {p.name: load_stack_file(p).landing_zone.vpc_cidr for p in STACK_FILES}
    for name, network in networks.items():
        clashes = [o for o, n in networks.items() if o != name and network.overlaps(n)]
        assert clashes == [], f"{name} overlaps {clashes}"


@pytest.mark.sample_data
def test_host_names_are_unique_across_the_estate() -> None:
    """Every host name belongs to one stack; a DR site's names are its primary's on purpose (the
    failover records), so those it shares with its primary count once, any other clash counts."""
    stacks = {p.stem.removeprefix("Pulumi."): load_stack_file(p) for p in STACK_FILES}

    def names(config: PlatformConfig) -> set[str]:
        return {h for t in config.tenants for h in t.hostnames}

    def own(config: PlatformConfig) -> list[str]:
        hosts = [h for t in config.tenants for h in t.hostnames]
        if config.dr_site is None:
            return hosts
        primary = stacks[config.dr_site.primary_stack.rsplit("/", 1)[-1]]
        return [h for h in hosts if h not in names(primary)]

    assert any(c.dr_site is not None for c in stacks.values()), "the estate has a DR site"
    hosts = Counter(h for config in stacks.values() for h in own(config))
    assert [h for h, n in hosts.items() if n > 1] == []


# Regional expansion.


@pytest.mark.sample_data
def test_frankfurt_repeats_the_irish_tenant_pattern() -> None:
    ireland, frankfurt = stack("prod-eu-west-1"), stack("prod-eu-central-1")

    def pattern(config: PlatformConfig) -> Counter[tuple[str, bool, bool, bool]]:
        return Counter(
            (
                t.tier,
                t.regulated,
                bool(t.dedicated and t.dedicated.aws_account_role_arn),
                t.tier == "dedicated" and dedicated_settings(config, t).reporting_replica,
            )
            for t in config.tenants
            if t.state == "active"
        )

    assert set(pattern(frankfurt)) == set(pattern(ireland))
    assert frankfurt.multi_tenant == ireland.multi_tenant
    # Frankfurt dumps every 2 h: its pilot light's filestore comes back from the last archive
    # (Ireland's warm standby replicates it), and its RPO targets need the shorter interval
    assert frankfurt.backup.model_copy(update={"rpo_hours": ireland.backup.rpo_hours}) == (
        ireland.backup
    )
    assert frankfurt.backup.rpo_hours == 2 < ireland.backup.rpo_hours
    assert frankfurt.governance == ireland.governance


@pytest.mark.sample_data
def test_the_two_eu_regions_are_each_others_dr_region() -> None:
    ireland, frankfurt = stack("prod-eu-west-1"), stack("prod-eu-central-1")
    assert ireland.disaster_recovery and frankfurt.disaster_recovery
    assert ireland.disaster_recovery.dr_region == frankfurt.region
    assert frankfurt.disaster_recovery.dr_region == ireland.region


@pytest.mark.sample_data
def test_the_expansion_has_its_own_network_zone_and_host_names() -> None:
    ireland, frankfurt = stack("prod-eu-west-1"), stack("prod-eu-central-1")
    assert frankfurt.residency == ireland.residency == "eu"
    assert not frankfurt.landing_zone.vpc_cidr.overlaps(ireland.landing_zone.vpc_cidr)
    assert frankfurt.shared_services.tls != ireland.shared_services.tls
    assert not {t.slug for t in frankfurt.tenants} & {t.slug for t in ireland.tenants}


@pytest.mark.sample_data
def test_the_uk_unit_keeps_tenants_in_the_uk_and_records_its_dr_transfer() -> None:
    uk = stack("prod-eu-west-2")
    assert uk.residency == REGION_RESIDENCY[uk.region] == "uk"
    assert {t.residency for t in uk.tenants} == {"uk"}
    assert uk.disaster_recovery is not None
    assert REGION_RESIDENCY[uk.disaster_recovery.dr_region] != "uk"
    assert uk.disaster_recovery.transfer_basis


# Regulated client unit.


@pytest.mark.sample_data
def test_regulated_clients_are_dedicated_in_their_own_accounts_with_a_reporting_replica() -> None:
    unit = stack("prod-us-east-2")
    regulated = [t for t in unit.tenants if t.regulated]
    assert len(regulated) >= 1
    roles = set()
    for tenant in regulated:
        assert tenant.tier == "dedicated"
        assert tenant.dedicated and tenant.dedicated.aws_account_role_arn
        roles.add(tenant.dedicated.aws_account_role_arn.split(":")[4])
        assert dedicated_settings(unit, tenant).reporting_replica
    assert len(roles) == len(regulated)  # one AWS account per client


@pytest.mark.sample_data
def test_regulated_unit_backups_are_compliance_locked_with_a_warm_standby() -> None:
    unit = stack("prod-us-east-2")
    assert immutability(unit) == "compliance"
    assert unit.disaster_recovery is not None
    assert unit.disaster_recovery.mode == "warm-standby"
    assert REGION_RESIDENCY[unit.disaster_recovery.dr_region] == unit.residency


# High-growth firm.


def test_high_growth_tenants_fit_the_shared_servers_connection_budget() -> None:
    growth = stack("prod-us-west-2")
    assert sum(t.tier == "shared" for t in growth.tenants) >= MIN_HIGH_GROWTH_TENANTS
    shared = next(b for b in connection_budgets(growth) if b.server == SHARED_SERVER)
    assert shared.fits
    assert len(shared.tenants) >= MIN_HIGH_GROWTH_TENANTS


@pytest.mark.sample_data
def test_the_next_practice_is_on_a_second_pool_and_nobody_moved() -> None:
    growth = stack("prod-us-west-2")
    pools = {t.slug: t.database_pool for t in growth.tenants}
    assert list(growth.multi_tenant.database_pools) == ["west-2"]
    assert [slug for slug, pool in pools.items() if pool] == ["redwood-books"]
    assert all(b.fits for b in connection_budgets(growth))


def test_the_next_smaller_class_would_not_carry_the_high_growth_estate() -> None:
    growth = stack("prod-us-west-2")
    shared = next(b for b in connection_budgets(growth) if b.server == SHARED_SERVER)
    smaller = DatabaseConfig(instance_class="db.m7g.xlarge")
    assert shared.total > max_connections(smaller)


# Post-acquisition consolidation, at the configuration level.


def test_consolidation_only_appends_the_acquired_tenants(consolidated_file: Path) -> None:
    base, consolidated = load_stack_file(BASE_STACK_FILE), load_stack_file(consolidated_file)
    existing = len(base.tenants)
    assert consolidated.tenants[:existing] == base.tenants
    assert [t.slug for t in consolidated.tenants[existing:]] == [
        t["slug"] for t in acquired_tenants()
    ]
    assert consolidated.model_copy(update={"tenants": base.tenants}) == base


def test_consolidation_leaves_existing_dedicated_servers_alone(consolidated_file: Path) -> None:
    before = {b.server: b for b in connection_budgets(load_stack_file(BASE_STACK_FILE))}
    after = {b.server: b for b in connection_budgets(load_stack_file(consolidated_file))}
    for server, budget in before.items():
        if server != SHARED_SERVER:
            assert after[server] == budget
    assert after[SHARED_SERVER].fits


@pytest.mark.sample_data
def test_acquired_tenants_are_new_identities() -> None:
    base = load_stack_file(BASE_STACK_FILE)
    assert not acquired_slugs() & {t.slug for t in base.tenants}
    hosts = {h for t in base.tenants for h in t.hostnames}
    assert not hosts & {h for t in acquired_tenants() for h in t["hostnames"]}


# The URN assertion itself, on hand-made URN sets.

PREFIX = "urn:pulumi:prod-us-east-1::odoo-platform::"
PLATFORM = PREFIX + "odoo-platform:index:LandingZone::lz"
OLD_DB = PREFIX + "odoo-platform:index:TenantDatabase::nb-consulting-us-db"
NEW_DB = PREFIX + "odoo-platform:index:TenantDatabase::larkspur-cpa-db"
NEW_NS = PREFIX + "kubernetes:core/v1:Namespace::larkspur-cpa-ns"
NEW_SLUGS = {"larkspur-cpa", "fenwick-trust"}


def test_adding_only_new_tenants_resources_is_explained() -> None:
    after = {PLATFORM: None, OLD_DB: "nb-consulting-us", NEW_DB: None, NEW_NS: "larkspur-cpa"}
    assert unexplained_changes({PLATFORM, OLD_DB}, after, NEW_SLUGS) == []


def test_a_renamed_urn_of_an_existing_tenant_is_caught() -> None:
    renamed = OLD_DB.replace("nb-consulting-us-db", "nb-consulting-us-database")
    after = {PLATFORM: None, renamed: "nb-consulting-us", NEW_DB: None}
    problems = unexplained_changes({PLATFORM, OLD_DB}, after, NEW_SLUGS)
    assert problems == [
        f"gone or renamed: {OLD_DB}",
        f"new but not an acquired tenant's (tenant nb-consulting-us): {renamed}",
    ]


def test_a_new_platform_resource_is_caught() -> None:
    extra = PREFIX + "aws:rds/instance:Instance::mt-postgres-2"
    problems = unexplained_changes({PLATFORM}, {PLATFORM: None, extra: None}, NEW_SLUGS)
    assert problems == [f"new but not an acquired tenant's (tenant None): {extra}"]


def test_a_slug_is_matched_as_a_whole_name_part() -> None:
    slugs = {"nb-consulting", "nb-consulting-us", "cpa"}
    assert named_tenant(PREFIX + "x::nb-consulting-us-web", slugs) == "nb-consulting-us"
    assert named_tenant(PREFIX + "x::nb-consulting-web", slugs) == "nb-consulting"
    assert named_tenant(PREFIX + "x::pinecrest-cpa-web", {"cpa"}) == "cpa"
    assert named_tenant(PREFIX + "x::pinecrestcpa-web", {"cpa"}) is None


# The URN level, under the mocks harness.


@pytest.fixture(scope="module")
def base_run() -> ProgramResult:
    return run_stack(config_file=BASE_STACK_FILE, preview=True)


@pytest.fixture(scope="module")
def consolidated_run(consolidated_file: Path) -> ProgramResult:
    return run_stack(config_file=consolidated_file, preview=True)


def existing_slugs() -> set[str]:
    return {t.slug for t in load_stack_file(BASE_STACK_FILE).tenants}


def test_consolidation_changes_nothing_but_adds_the_acquired_tenants(
    base_run: ProgramResult, consolidated_run: ProgramResult
) -> None:
    problems = acquisition_problems(base_run, consolidated_run, existing_slugs(), acquired_slugs())
    assert problems == []


# The same checks against stand-in programs, so they are known to bite through the harness
# (tags, labels and names as the engine records them) before the composed platform lands.


def stand_in(*, name_shared_by_count: bool = False, tag_peer_count: bool = False) -> Program:
    """Per tenant a tagged bucket and a password; one shared bucket for the platform."""

    def program() -> None:
        config = load_config()
        count = len(config.tenants)
        shared = f"mt-files-{count}" if name_shared_by_count else "mt-files"
        aws.s3.Bucket(shared, tags={"Tier": "shared"})
        for tenant in config.tenants:
            tags = {"Tenant": tenant.slug, "Tier": tenant.tier}
            if tag_peer_count:
                tags["Peers"] = str(count)
            aws.s3.Bucket(f"{tenant.slug}-files", tags=tags)
            random.RandomPassword(f"{tenant.slug}-admin-password", length=24)

    return program


def stand_in_problems(program: Program, consolidated_file: Path) -> list[str]:
    base = run_stack(config_file=BASE_STACK_FILE, program=program)
    after = run_stack(config_file=consolidated_file, program=program)
    assert len(after.resources) > len(base.resources) > 0
    return acquisition_problems(base, after, existing_slugs(), acquired_slugs())


def test_a_well_named_program_passes_the_acquisition_checks(consolidated_file: Path) -> None:
    assert stand_in_problems(stand_in(), consolidated_file) == []


def test_a_shared_name_that_depends_on_the_tenant_list_is_caught(consolidated_file: Path) -> None:
    problems = stand_in_problems(stand_in(name_shared_by_count=True), consolidated_file)
    assert len(problems) == 2
    assert problems[0].startswith("gone or renamed:") and problems[0].endswith("::mt-files-4")
    assert problems[1].endswith("::mt-files-8")


def test_an_existing_tenant_input_that_depends_on_others_is_caught(
    consolidated_file: Path,
) -> None:
    problems = stand_in_problems(stand_in(tag_peer_count=True), consolidated_file)
    assert {p.split(":", 1)[0] for p in problems} == existing_slugs()
    assert all("inputs changed" in p for p in problems)


# Each scenario stack in stacks/ is planned (and must log no error) by
# tests/cli/test_policies.py::test_every_sample_stack_passes_every_mandatory_rule.


def test_the_consolidated_stack_plans_without_error(consolidated_run: ProgramResult) -> None:
    assert consolidated_run.errors() == []
