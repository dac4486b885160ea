"""`odoo-platform plan`: human and JSON output, grouping, warnings and exit codes."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import yaml
from typer.testing import CliRunner

from odoo_platform.cli import Exit, app
from odoo_platform.config import load_stack_file
from odoo_platform.config.capacity import SHARED_SERVER, connection_budgets
from odoo_platform.offline.placement import capacity_warnings
from odoo_platform.offline.plan_report import SCHEMA_VERSION
from odoo_platform.testing import run_program
from tests.synthetic_platform import EXPECTED_DEPTH
from tests.synthetic_platform import program as synthetic_platform

STACKS = Path(__file__).resolve().parents[2] / "stacks"
TEST_STACKS = Path(__file__).resolve().parents[1] / "stacks"  # a one-tenant prod stack
SYNTHETIC = "tests.synthetic_platform:program"
OUTSIDE_FREEZE = "2026-11-18"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--stacks-dir", str(STACKS)])
    return result.exit_code, result.stdout, result.stderr


def plan_json(*extra: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(
        "plan", "--stack", "prod-eu-west-1", "--json", "--date", OUTSIDE_FREEZE, *extra
    )
    return code, json.loads(out)


def test_json_resources_list_every_resource_with_its_options() -> None:
    _, document = plan_json("--program", SYNTHETIC)
    declared = run_program(synthetic_platform, stack="prod-eu-west-1")
    assert {r["urn"] for r in document["resources"]} == declared.urns()
    by_name = {r["name"]: r for r in document["resources"]}
    assert set(by_name["mt-postgres"]) >= {"urn", "type", "parent", "protect", "dependencies"}
    assert by_name["mt-postgres"]["protect"] is True
    assert by_name["mt-postgres"]["parent"] == by_name["mt"]["urn"]
    assert by_name["mt-redis"]["protect"] is False
    assert by_name["nb-tax-ie-db"]["urn"] in by_name["nb-tax-ie-web"]["dependencies"]
    assert by_name["halden-law-web"]["group"] == "dedicated:halden-law"
    assert by_name["nb-tax-ie-web"]["tenant"] == "nb-tax-ie"


def test_json_groups_depth_cost_and_findings() -> None:
    code, document = plan_json("--program", SYNTHETIC)
    assert code == 3  # the synthetic platform breaks mandatory rules on purpose
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["passed"] is False
    assert document["policy"]["counts"]["mandatory"] > 0
    groups = {g["group"]: g for g in document["groups"]}
    assert list(groups) == ["platform", "multi-tenant", "dedicated:halden-law"]
    assert groups["dedicated:halden-law"]["tenant"] == "halden-law"
    assert groups["multi-tenant"]["resources_by_type"]["aws:rds/instance:Instance"] == 1
    assert document["totals"]["resources"] == sum(g["resources"] for g in groups.values())
    assert document["depth"]["overall"]["depth"] == EXPECTED_DEPTH
    assert len(document["depth"]["overall"]["chain"]) == EXPECTED_DEPTH
    assert set(document["depth"]["by_tenant"]) == {"nb-consulting", "nb-tax-ie", "halden-law"}
    cost = document["cost"]
    assert cost["estimate"] is True
    assert cost["retrieved"]
    assert cost["source"]
    assert cost["region_prices_derived"] is True
    assert cost["total_monthly"] > 0
    assert round(sum(line["monthly"] for line in cost["lines"]), 2) == cost["total_monthly"]
    assert cost["by_tenant_monthly"]["halden-law"] > 0


def test_details_show_each_section() -> None:
    code, out, _ = run(
        "plan",
        "--stack",
        "prod-eu-west-1",
        "--program",
        SYNTHETIC,
        "--date",
        OUTSIDE_FREEZE,
        "--details",
    )
    assert code == 3
    for text in (
        "Plan of stack prod-eu-west-1",
        "What would be declared",
        "dedicated:halden-law",
        "Policy findings",
        "FAILED",
        f"Dependency depth: {EXPECTED_DEPTH}",
        "ESTIMATED monthly cost",
        "price table dated",
        "730 hours per month",
        "tenant halden-law",
    ):
        assert text in out, text


def plan_text(*extra: str) -> list[str]:
    args = ["plan", "--stack", "prod-eu-west-1", "--date", OUTSIDE_FREEZE, *extra]
    result = CliRunner(env={"COLUMNS": "80"}).invoke(app, [*args, "--stacks-dir", str(STACKS)])
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()


def test_the_default_output_is_a_summary_on_one_screen() -> None:
    lines = plan_text()
    assert len(lines) <= 40
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    for group in ("platform", "multi-tenant", "dedicated:halden-law", "dedicated:meridian-audit"):
        assert f"│ {group} " in text, group
    assert text.count("Deepest chain") == 1
    assert "ESTIMATE" in text and "--details" in text


def test_details_never_wrap_a_type_token_mid_word() -> None:
    lines = plan_text("--details")
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    for token in ("aws:ec2:RouteTableAssociation", "kubernetes:networking.k8s.io/v1:NetworkPolicy"):
        assert token in text, token
    prices = [line for line in lines if line.startswith("Prices:")]
    assert prices and len(prices[0]) <= 80  # the price note wraps instead of one long line


def test_json_is_byte_stable_and_lists_resources_sorted() -> None:
    first = run("plan", "--stack", "dev-eu-west-1", "--json", "--date", OUTSIDE_FREEZE)[1]
    second = run("plan", "--stack", "dev-eu-west-1", "--json", "--date", OUTSIDE_FREEZE)[1]
    assert first == second
    urns = [r["urn"] for r in json.loads(first)["resources"]]
    assert urns == sorted(urns)


def test_a_stack_that_passes_every_mandatory_rule_exits_0() -> None:
    code, document = plan_json()
    assert code == 0
    assert document["passed"] is True
    # the sample keeps one tenant on 16.0, which upstream no longer builds: allowed, with a warning
    (warning,) = document["warnings"]
    assert warning.startswith("platform.tenants[5].odoo_version: tenant 'brightwater-hr' runs 16.0")
    # where each tenant's first login finds its generated password (never the password itself)
    logins = document["first_logins"]
    assert logins["nb-consulting"]["login"] == "erp-admin@northbridge-erp.com"
    assert logins["brightwater-hr"]["login"] == "admin"
    where = logins["nb-consulting"]["password"]
    assert (
        "tenant_admin_logins" in where and "odoo-admin" in where and "odoo-nb-consulting" in where
    )


def test_plan_warns_while_ses_is_in_the_sandbox() -> None:
    _, out, _ = run("plan", "--stack", "prod-eu-central-1", "--json", "--date", OUTSIDE_FREEZE)
    warnings = json.loads(out)["warnings"]
    assert any(w.startswith("mail: SES in eu-central-1 is in the sandbox") for w in warnings)


def test_a_mandatory_failure_exits_3() -> None:
    code, document = plan_json("--program", "tests.synthetic_platform:failing_program")
    assert code == 3
    rules = {f["rule"] for f in document["policy"]["findings"] if f["severity"] == "mandatory"}
    assert "rds-storage-encrypted" in rules


def test_invalid_config_exits_1_with_a_json_error_on_stdout(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text("config:\n  odoo-platform:platform:\n    environment: production\n")
    result = CliRunner().invoke(app, ["plan", "--config-file", str(bad), "--json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["error"] == "invalid-stack-file"
    paths = [e["path"] for e in document["errors"]]
    assert "platform.environment" in paths
    assert all(set(e) == {"path", "message"} for e in document["errors"])


def test_invalid_config_without_json_lists_errors_on_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text("config:\n  odoo-platform:platform:\n    environment: production\n")
    result = CliRunner().invoke(app, ["plan", "--config-file", str(bad)])
    assert result.exit_code == 1
    assert "platform.environment" in result.stderr
    assert result.stdout == ""


def test_a_malformed_program_option_is_a_usage_error() -> None:
    code, _, err = run("plan", "--stack", "prod-eu-west-1", "--program", "no-colon")
    assert code == 2
    assert "MODULE:FUNCTION" in err


def test_low_connection_headroom_is_a_warning() -> None:
    config = load_stack_file(STACKS / "Pulumi.prod-eu-west-1.yaml")
    assert capacity_warnings(config) == []
    [shared] = [b for b in connection_budgets(config) if b.server == SHARED_SERVER]
    tight = int(shared.total / 0.9)  # fits, with only 10 % headroom
    database = config.multi_tenant.database.model_copy(update={"max_connections": tight})
    tier = config.multi_tenant.model_copy(update={"database": database})
    [warning] = capacity_warnings(config.model_copy(update={"multi_tenant": tier}))
    assert SHARED_SERVER in warning
    assert f"max_connections {tight}" in warning


def test_untagged_children_take_their_component_group() -> None:
    result = run_program(synthetic_platform)
    where = result.placements()
    password = result.named("nb-consulting-db-password")
    assert password.tenant is None  # it carries no tags or labels of its own
    assert where[password.urn].tenant == "nb-consulting"
    assert where[result.named("eks-k8s").urn].group == "platform"
    assert where[result.named("mt").urn].group == "multi-tenant"
    assert where[result.named("mt").urn].tenant is None


def stray_tenant() -> None:
    bucket = aws.s3.Bucket("stray", tags={"Tier": "shared", "Tenant": "no-such-tenant"})
    # Compliant otherwise: only the unknown tenant should show.
    aws.s3.BucketPublicAccessBlock(
        "stray-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )


def test_resources_of_a_tenant_the_stack_file_lacks_are_a_warning() -> None:
    code, document = plan_json("--program", "tests.cli.test_plan:stray_tenant")
    assert code == 0
    assert any("no-such-tenant" in warning for warning in document["warnings"])


def broken_program() -> None:
    raise pulumi.RunError("the landing zone needs two availability zones")


def test_a_failing_program_exits_4_with_its_message_on_stderr() -> None:
    code, out, err = run(
        "plan", "--stack", "prod-eu-west-1", "--program", "tests.cli.test_plan:broken_program"
    )
    assert code == 4
    assert "two availability zones" in err
    assert out == ""


def offboarded_stack(tmp_path: Path) -> Path:
    document = yaml.safe_load((TEST_STACKS / "Pulumi.prod-eu-west-1.yaml").read_text())
    [tenant] = document["config"]["odoo-platform:platform"]["tenants"]
    tenant["state"] = "offboarded"
    tenant["offboarding"] = {"requested_on": "2026-11-01", "purge_after": "2026-11-20"}
    path = tmp_path / "Pulumi.prod-eu-west-1.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_date_is_the_day_of_the_programs_own_decisions(tmp_path: Path) -> None:
    stack_file = offboarded_stack(tmp_path)

    def protected(day: str) -> set[str]:
        result = CliRunner().invoke(
            app, ["plan", "--config-file", str(stack_file), "--json", "--date", day]
        )
        document = json.loads(result.stdout)
        assert document["date"] == day
        return {r["name"] for r in document["resources"] if r["protect"]}

    # the tenant's data is protected until its purge date, as the program decides on --date
    before, after = protected("2026-11-18"), protected("2026-11-21")
    assert after < before
    assert any("alpha-law" in name for name in before - after)


def test_a_plan_in_a_freeze_passes_and_says_so_first() -> None:
    lines = plan_text_on("2026-12-01")
    assert lines[0].startswith("FROZEN: change freeze 'month-end-close' is active on 2026-12-01")
    assert "until 2026-12-03" in " ".join(lines[:3])


def plan_text_on(day: str) -> list[str]:
    args = ["plan", "--stack", "prod-eu-west-1", "--date", day, "--stacks-dir", str(STACKS)]
    result = CliRunner(env={"COLUMNS": "80"}).invoke(app, args)
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()


def test_exit_codes_are_listed_in_the_cli_docs() -> None:
    docs = (STACKS.parent / "docs" / "cli.md").read_text()
    for code in Exit:
        assert f"| `{code.value}` |" in docs, code


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (
        0,
        f"odoo-platform {metadata.version('odoo-platform')}\n",
    )


class _TenantBox(pulumi.ComponentResource):
    """A tenant's component: one tagged bucket, and one that carries no tags of its own."""

    def __init__(self, slug: str) -> None:
        super().__init__("test:index:TenantBox", slug)
        child = pulumi.ResourceOptions(parent=self)
        aws.s3.Bucket(f"{slug}-files", tags={"Tier": "dedicated", "Tenant": slug}, opts=child)
        aws.s3.Bucket(f"{slug}-untagged", opts=child)
        self.register_outputs({})


def tenant_with_an_untagged_bucket() -> None:
    _TenantBox("halden-law")


def test_a_finding_on_an_untagged_resource_names_the_tenant_that_owns_it() -> None:
    _, document = plan_json("--program", "tests.cli.test_plan:tenant_with_an_untagged_bucket")
    findings = document["policy"]["findings"]
    untagged = [f for f in findings if f["resource"] == "halden-law-untagged"]
    assert untagged  # it lacks the required tags, at least
    assert {f["tenant"] for f in untagged} == {"halden-law"}


def test_plan_shows_which_database_pool_hosts_each_shared_tenant() -> None:
    _, out, _ = run(
        "plan", "--stack", "prod-us-west-2", "--json", "--date", OUTSIDE_FREEZE,
        "--program", SYNTHETIC,
    )  # fmt: skip
    pools = json.loads(out)["database_pools"]
    by_pool = {p["pool"]: p for p in pools["pools"]}
    assert list(by_pool) == ["default", "west-2"]
    assert by_pool["west-2"]["server"] == "multi-tenant:west-2"
    assert by_pool["west-2"]["tenants"] == ["redwood-books"]
    assert len(by_pool["default"]["tenants"]) == 44
    assert by_pool["west-2"]["max_connections"] == 5000
    assert by_pool["west-2"]["worst_case_connections"] == 20 + 88  # reserved + one size-s
    assert pools["tenant_pools"]["redwood-books"] == "west-2"
    assert pools["tenant_pools"]["copperline-mkt"] == "default"
    _, human, _ = run(
        "plan", "--stack", "prod-us-west-2", "--details", "--date", OUTSIDE_FREEZE,
        "--program", SYNTHETIC,
    )  # fmt: skip
    assert "Shared database pools" in human and "multi-tenant:west-2" in human


def test_plan_shows_each_cache_pools_tenants_and_usage(tmp_path: Path) -> None:
    stack = "prod-us-west-2"
    document = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())
    platform = document["config"]["odoo-platform:platform"]
    platform["multi_tenant"]["cache_pools"] = {"west-c2": {"node_type": "cache.t4g.small"}}
    platform["tenants"][-1]["cache_pool"] = "west-c2"
    moved = platform["tenants"][-1]["slug"]
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document))
    common = ["plan", "--stack", stack, "--stacks-dir", str(tmp_path), "--date", OUTSIDE_FREEZE]
    out = CliRunner().invoke(app, [*common, "--json", "--program", SYNTHETIC]).stdout
    caches = json.loads(out)["cache_pools"]
    by_pool = {p["pool"]: p for p in caches["pools"]}
    assert list(by_pool) == ["default", "west-c2"]
    assert by_pool["west-c2"]["tenants"] == [moved]
    assert by_pool["west-c2"]["users"] == 3  # the tenant, the disabled default and the admin
    assert by_pool["west-c2"]["users_per_user_group"] == 100
    assert by_pool["west-c2"]["node_type"] == "cache.t4g.small"
    hosted = len(by_pool["default"]["tenants"])
    assert by_pool["default"]["users"] == hosted + 2
    assert caches["tenant_pools"][moved] == "west-c2"
    assert caches["account"]["users_quota"] == 1000
    human = CliRunner().invoke(app, [*common, "--details", "--program", SYNTHETIC]).stdout
    assert "Shared cache pools" in human and "west-c2" in human
    assert f"{hosted + 2} / 100" in human
