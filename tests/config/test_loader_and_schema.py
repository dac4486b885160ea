import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from odoo_platform.config import CONFIG_KEY, ConfigError, json_schema, load_stack_file
from odoo_platform.config.loader import read_stack_config

STACKS = Path(__file__).resolve().parents[2] / "stacks"
SAMPLE_STACKS = sorted(STACKS.glob("Pulumi.*.yaml"))


def write_stack(tmp_path: Path, platform: Any) -> Path:
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(yaml.safe_dump({"config": {"aws:region": "eu-west-1", CONFIG_KEY: platform}}))
    return path


def test_loads_a_stack_file(tmp_path: Path, base: dict[str, Any]) -> None:
    config = load_stack_file(write_stack(tmp_path, base))
    assert [t.slug for t in config.tenants] == ["alpha-law", "beta-audit"]


def test_yaml_dates_are_read_as_dates(tmp_path: Path, base: dict[str, Any]) -> None:
    start, end = dt.date(2026, 12, 20), dt.date(2027, 1, 3)
    base["governance"] = {"freeze_windows": [{"name": "ye", "start": start, "end": end}]}
    path = write_stack(tmp_path, base)
    assert "start: 2026-12-20" in path.read_text()  # a YAML date, not a string
    window = load_stack_file(path).governance.freeze_windows[0]
    assert (window.start, window.end) == (start, end)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_stack_file(tmp_path / "Pulumi.nope.yaml")


def test_missing_key_names_it(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text("config:\n  aws:region: eu-west-1\n")
    with pytest.raises(ConfigError, match="'odoo-platform:platform' is missing"):
        load_stack_file(path)


def test_invalid_yaml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text("config: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_stack_file(path)


def test_a_list_instead_of_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="platform: must be a mapping"):
        load_stack_file(write_stack(tmp_path, ["not", "a", "mapping"]))


def test_error_names_the_source_file(tmp_path: Path, base: dict[str, Any]) -> None:
    base["environment"] = "production"
    path = write_stack(tmp_path, base)
    with pytest.raises(ConfigError) as raised:
        load_stack_file(path)
    assert str(path) in str(raised.value)
    assert 'platform.environment: "production" is not allowed' in str(raised.value)


@pytest.mark.parametrize("path", SAMPLE_STACKS, ids=lambda p: p.name)
def test_sample_stacks_validate(path: Path) -> None:
    config = load_stack_file(path)
    assert config.tenants


@pytest.mark.sample_data
def test_the_four_sample_estates_exist() -> None:
    names = {p.name for p in SAMPLE_STACKS}
    assert {
        "Pulumi.prod-eu-west-1.yaml",
        "Pulumi.prod-us-east-1.yaml",
        "Pulumi.staging-eu-west-1.yaml",
        "Pulumi.dev-eu-west-1.yaml",
    } <= names
    hybrid = load_stack_file(STACKS / "Pulumi.prod-eu-west-1.yaml")
    shared = [t for t in hybrid.tenants if t.tier == "shared"]
    dedicated = [t for t in hybrid.tenants if t.tier == "dedicated"]
    assert len(shared) >= 8
    assert len(dedicated) >= 2
    assert any(t.regulated for t in dedicated)


@pytest.mark.parametrize("path", SAMPLE_STACKS, ids=lambda p: p.name)
def test_json_schema_accepts_the_sample_stacks(path: Path) -> None:
    platform = read_stack_config(path)[CONFIG_KEY]
    jsonschema.validate(_as_json(platform), json_schema())


def test_json_schema_rejects_unknown_keys(base: dict[str, Any]) -> None:
    base["tenants"][0]["tenat"] = "x"
    with pytest.raises(jsonschema.ValidationError, match="tenat"):
        jsonschema.validate(base, json_schema())


def test_json_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json_schema())


def _as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
