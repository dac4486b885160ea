"""`odoo-platform render`: valid YAML per namespace, apply order, no secret values, byte-stable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pulumi
import pulumi_kubernetes as k8s
import yaml
from click.testing import Result
from typer.testing import CliRunner

from odoo_platform.cli import app
from odoo_platform.offline.render import CLUSTER_FOLDER, HEADER, REDACTED, REDACTION_ANNOTATION
from odoo_platform.testing import run_program
from tests.synthetic_platform import SECRET_TEXT
from tests.synthetic_platform import program as synthetic_platform

STACKS = Path(__file__).resolve().parents[2] / "stacks"
SYNTHETIC = "tests.synthetic_platform:program"
KUBERNETES_VERSION = "1.33"


def render(out: Path, program: str = SYNTHETIC) -> str:
    args = ["render", "--stack", "prod-eu-west-1", "--out", str(out), "--program", program]
    result = CliRunner().invoke(app, [*args, "--stacks-dir", str(STACKS)])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def rendered(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.yaml"))}


def objects(out: Path) -> list[tuple[Path, dict[str, Any]]]:
    return [(p, yaml.safe_load(p.read_text())) for p in sorted(out.rglob("*.yaml"))]


def test_one_folder_per_namespace_and_cluster_scoped_objects_apart(tmp_path: Path) -> None:
    out = render(tmp_path)
    assert "12 Kubernetes objects" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        CLUSTER_FOLDER,
        "halden-law",
        "nb-consulting",
        "nb-tax-ie",
        "traefik",
    ]
    for path, obj in objects(tmp_path):
        namespace = obj["metadata"].get("namespace")
        assert path.parent.name == (namespace or CLUSTER_FOLDER)


def test_every_file_is_a_valid_kubernetes_object(tmp_path: Path) -> None:
    render(tmp_path)
    for _, obj in objects(tmp_path):
        checked = obj
        if obj["kind"] == "Secret":
            # redacted values are not base64; validate the shape with real values
            checked = {**obj, "data": dict.fromkeys(obj["data"], "cmVkYWN0ZWQ=")}
        kubernetes_validate.validate(checked, KUBERNETES_VERSION, strict=True)


def test_secret_values_never_reach_the_files(tmp_path: Path) -> None:
    render(tmp_path)
    text = "\n".join(p.read_text() for p in tmp_path.rglob("*.yaml"))
    assert SECRET_TEXT not in text
    declared = run_program(synthetic_platform)
    for password in declared.by_type("random:index/randomPassword:RandomPassword"):
        assert password.outputs["result"] not in text
    assert "bm90LWZvci1naXQ=" not in text
    secrets = [obj for _, obj in objects(tmp_path) if obj["kind"] == "Secret"]
    assert len(secrets) == 3
    for secret in secrets:
        assert set(secret["stringData"].values()) == {REDACTED}
        assert set(secret["data"].values()) == {REDACTED}
        assert "redacted" in secret["metadata"]["annotations"][REDACTION_ANNOTATION]


def test_files_sort_in_apply_order(tmp_path: Path) -> None:
    render(tmp_path)
    ordered = sorted(tmp_path.rglob("*.yaml"), key=lambda p: (p.name, str(p)))
    kinds = [yaml.safe_load(p.read_text())["kind"] for p in ordered]
    assert kinds[0] == "CustomResourceDefinition"
    assert kinds[1:5] == ["Namespace"] * 4
    assert kinds.index("Secret") < kinds.index("Deployment")
    assert all(p.name[:2].isdigit() and p.name[2] == "-" for p in ordered)


def test_re_rendering_gives_byte_identical_files(tmp_path: Path) -> None:
    render(tmp_path / "a")
    render(tmp_path / "b")
    first = rendered(tmp_path / "a")
    assert first == rendered(tmp_path / "b")
    render(tmp_path / "a")
    assert rendered(tmp_path / "a") == first


def test_objects_no_longer_declared_are_removed_on_re_render(tmp_path: Path) -> None:
    render(tmp_path)
    stale = tmp_path / "old-tenant" / "01-namespace-old.yaml"
    stale.parent.mkdir()
    stale.write_text(HEADER.format(stack="prod-eu-west-1") + "kind: Namespace\n")
    render(tmp_path)
    assert not stale.exists()


def render_result(out: Path) -> Result:
    args = ["render", "--stack", "prod-eu-west-1", "--out", str(out), "--program", SYNTHETIC]
    return CliRunner().invoke(app, [*args, "--stacks-dir", str(STACKS)])


def test_files_render_did_not_write_are_never_removed(tmp_path: Path) -> None:
    theirs = [
        tmp_path / "apps" / "10-configmap-mine.yaml",
        tmp_path / ".github" / "01-workflow.yaml",
        tmp_path / "notes" / "00-readme.yaml",
    ]
    for path in theirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("kind: ConfigMap\n")
    render(tmp_path)
    assert all(path.read_text() == "kind: ConfigMap\n" for path in theirs)


def test_a_foreign_file_in_the_way_is_refused_before_anything_changes(tmp_path: Path) -> None:
    render(tmp_path / "first")
    [target, *_] = sorted((tmp_path / "first").rglob("*.yaml"))
    out = tmp_path / "out"
    blocker = out / target.relative_to(tmp_path / "first")
    blocker.parent.mkdir(parents=True)
    blocker.write_text("kind: Mine\n")
    result = render_result(out)
    assert result.exit_code == 4
    assert "refusing to overwrite" in result.stderr and str(blocker) in result.stderr
    assert blocker.read_text() == "kind: Mine\n"
    assert sorted(out.rglob("*.yaml")) == [blocker]


def test_an_out_path_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    file = tmp_path / "out.txt"
    file.write_text("")
    for out in (file, file / "sub"):
        result = render_result(out)
        assert result.exit_code == 4
        assert result.stderr.startswith(f"error: --out {out}: ")
        assert "Traceback" not in result.stderr + result.stdout


def leaky_config_map() -> None:
    k8s.core.v1.ConfigMap(
        "leaky",
        metadata={"name": "leaky", "namespace": "apps"},
        data={"odoo.conf": pulumi.Output.secret(SECRET_TEXT), "plain": "visible"},
    )


def test_a_secret_fed_to_another_kind_is_redacted_too(tmp_path: Path) -> None:
    render(tmp_path, "tests.cli.test_render:leaky_config_map")
    [(path, obj)] = objects(tmp_path)
    assert SECRET_TEXT not in path.read_text()
    assert obj["data"] == {"odoo.conf": REDACTED, "plain": REDACTED}
    assert "data held a secret" in obj["metadata"]["annotations"][REDACTION_ANNOTATION]


def test_a_render_in_a_freeze_writes_and_says_so_first(tmp_path: Path) -> None:
    args = ["render", "--stack", "prod-eu-west-1", "--out", str(tmp_path), "--program", SYNTHETIC]
    result = CliRunner().invoke(app, [*args, "--stacks-dir", str(STACKS), "--date", "2026-12-01"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("FROZEN: change freeze 'month-end-close' is active")
    assert "12 Kubernetes objects" in result.stdout
