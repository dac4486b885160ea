"""The sample stacks as configurations, and a helper to run one component under mocks."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest

from odoo_platform.config import PlatformConfig, load_stack_file

STACKS = Path(__file__).resolve().parents[2] / "stacks"


def sample_config(stack: str) -> PlatformConfig:
    return load_stack_file(STACKS / f"Pulumi.{stack}.yaml")


@pytest.fixture(scope="session")
def prod_config() -> PlatformConfig:
    return sample_config("prod-eu-west-1")


@pytest.fixture(scope="session")
def dev_config() -> PlatformConfig:
    return sample_config("dev-eu-west-1")


def assert_valid_kubernetes(manifests: list[dict[str, object]], version: str) -> None:
    """Built-in kinds against the strict schemas of the target Kubernetes version."""
    assert manifests, "no Kubernetes objects were declared"
    for manifest in manifests:
        kubernetes_validate.validate(manifest, f"{version}.0", strict=True)
