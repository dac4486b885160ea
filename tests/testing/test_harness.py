"""The harness records what plain mocks drop: options, parents, dependencies and secrets."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random
import pytest

from odoo_platform.testing import ProgramResult, run_program, run_stack
from odoo_platform.testing.plugin import PulumiHarness

STACKS = Path(__file__).resolve().parents[2] / "stacks"


class Vault(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Vault", name, None, opts)
        self.password = random.RandomPassword(
            f"{name}-password", length=24, opts=pulumi.ResourceOptions(parent=self)
        )
        self.key = aws.kms.Key(
            f"{name}-key",
            enable_key_rotation=True,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=True,
                retain_on_delete=True,
                ignore_changes=["description"],
                aliases=[pulumi.Alias(name="old-key")],
            ),
        )
        self.secret = k8s.core.v1.Secret(
            f"{name}-secret",
            metadata={"name": "db", "labels": {"odoo-platform.io/tenant": "acme"}},
            string_data={"password": self.password.result},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.key]),
        )
        self.register_outputs({})


def vault_program() -> None:
    provider = aws.Provider("aws-eu", region="eu-west-1")
    vault = Vault("acme", pulumi.ResourceOptions(providers=[provider]))
    pulumi.export("password", vault.password.result)
    pulumi.export("key_arn", vault.key.arn)
    pulumi.export("replicas", 2)


@pytest.fixture(scope="module")
def result() -> ProgramResult:
    return run_program(vault_program, config={"aws:region": "eu-west-1"})


def test_parents_and_urns_follow_the_engine(result: ProgramResult) -> None:
    vault = result.named("acme")
    key = result.named("acme-key")
    assert key.parent == vault.urn
    assert key.urn == ("urn:pulumi:test::odoo-platform::test:index:Vault$aws:kms/key:Key::acme-key")
    assert {r.name for r in result.children(vault)} == {
        "acme-password",
        "acme-key",
        "acme-secret",
    }


def test_options_are_recorded(result: ProgramResult) -> None:
    key = result.named("acme-key")
    assert key.protect and key.retain_on_delete
    assert key.ignore_changes == ("description",)
    assert key.aliases == ("name=old-key,parent=",)
    assert key.provider == result.named("aws-eu").urn
    assert not result.named("acme-password").protect


def test_a_provider_implemented_component_is_recorded_as_remote(result: ProgramResult) -> None:
    assert not result.named("acme").remote  # a component of the program's own

    def program() -> None:
        k8s.yaml.v2.ConfigGroup("crds", objs=[{"apiVersion": "v1", "kind": "Namespace"}])

    remote = run_program(program)
    assert remote.named("crds").remote and not remote.named("crds").custom
    assert not any(r.remote for r in remote.resources if r.name != "crds")


def test_dependencies_are_recorded(result: ProgramResult) -> None:
    secret = result.named("acme-secret")
    assert result.named("acme-key").urn in secret.dependencies
    assert result.named("acme-password").urn in secret.dependencies


def test_secrets_stay_secret(result: ProgramResult) -> None:
    secret = result.named("acme-secret")
    assert secret.is_secret("stringData")
    assert not secret.is_secret("metadata")
    assert "password" in result.secret_outputs
    assert "key_arn" not in result.secret_outputs
    assert result.outputs["password"] == result.named("acme-password").outputs["result"]


def test_realistic_outputs(result: ProgramResult) -> None:
    arn = result.outputs["key_arn"]
    assert arn.startswith("arn:aws:kms:eu-west-1:123456789012:key/")
    assert len(result.outputs["password"]) == 24


def test_queries(result: ProgramResult) -> None:
    assert [r.name for r in result.by_type("aws:kms/key:Key")] == ["acme-key"]
    # the labelled secret, and the component and siblings its one tenant owns (placements())
    assert [r.name for r in result.by_tenant("acme")] == [
        "acme",
        "acme-password",
        "acme-key",
        "acme-secret",
    ]
    with pytest.raises(KeyError, match="0 resources named 'nope'"):
        result.named("nope")


def test_manifests_are_kubernetes_objects_with_ints() -> None:
    def program() -> None:
        k8s.apps.v1.Deployment(
            "web",
            metadata={"name": "web", "namespace": "t"},
            spec={
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "odoo:18.0"}]},
                },
            },
        )

    (deployment,) = run_program(program).manifests()
    assert deployment["apiVersion"] == "apps/v1"
    assert deployment["kind"] == "Deployment"
    assert deployment["spec"]["replicas"] == 2
    assert isinstance(deployment["spec"]["replicas"], int)


def test_each_run_is_independent() -> None:
    first = run_program(vault_program)
    second = run_program(vault_program)
    assert first.urns() == second.urns()
    assert len(second.resources) == len(first.resources)


def test_program_errors_propagate() -> None:
    def broken() -> None:
        raise pulumi.RunError("bad input")

    with pytest.raises(pulumi.RunError, match="bad input"):
        run_program(broken)


def test_config_reaches_the_program() -> None:
    seen: dict[str, str | None] = {}

    def program() -> None:
        seen["value"] = pulumi.Config("demo").get("name")
        seen["secret"] = str(pulumi.Config("demo").get_secret("token") is not None)

    run_program(program, config={"demo:name": "x", "demo:token": "t"}, secret_keys=["demo:token"])
    assert seen == {"value": "x", "secret": "True"}


def test_stack_program_runs_a_sample_stack() -> None:
    result = run_stack("dev-eu-west-1", stacks_dir=STACKS)
    assert result.outputs["region"] == "eu-west-1"
    assert set(result.outputs["tenants"]) == {"dev-main", "dev-v17"}


def test_stack_program_stops_on_bad_config_before_declaring_anything(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.bad.yaml"
    text = (STACKS / "Pulumi.dev-eu-west-1.yaml").read_text()
    bad.write_text(text.replace("tier: shared", "tier: share", 1))
    declared: list[str] = []

    with pytest.raises(pulumi.RunError, match=r"platform.tenants\[0\].tier") as raised:
        result = run_stack(config_file=bad)
        declared = [r.urn for r in result.resources]
    assert "1 configuration error" in str(raised.value)
    assert declared == []


def test_pytest_fixture(pulumi_harness: PulumiHarness) -> None:
    result = pulumi_harness.run(vault_program)
    assert result.named("acme-key").protect
    assert pulumi_harness.run_stack("dev-eu-west-1").outputs["environment"] == "dev"
