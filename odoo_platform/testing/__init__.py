"""Test Pulumi programs under mocks: run them and query what they declared.

    from odoo_platform.testing import run_program

    result = run_program(my_program)
    bucket = result.named("backups", "aws:s3/bucket:Bucket")
    assert bucket.protect

The pytest plugin (installed with the package) offers the same through the `pulumi_harness`
fixture; see docs/testing.md. Names resolve lazily (PEP 562), so loading the plugin imports no
Pulumi module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "Placement",
    "Placements",
    "PlatformMocks",
    "ProgramResult",
    "PulumiProject",
    "RecordedResource",
    "RecordingMonitor",
    "UrnDiff",
    "manifest",
    "run_program",
    "run_stack",
    "stack_config",
    "urn_diff",
]

if TYPE_CHECKING:
    from odoo_platform.synthesis.harness import (
        ProgramResult,
        PulumiProject,
        RecordedResource,
        RecordingMonitor,
        manifest,
        run_program,
        run_stack,
        stack_config,
    )
    from odoo_platform.synthesis.mocks import PlatformMocks
    from odoo_platform.synthesis.ownership import Placement, Placements
    from odoo_platform.synthesis.urns import UrnDiff, urn_diff

# Where each name lives under odoo_platform.synthesis (the rest: harness).
_MODULES = {
    "PlatformMocks": "mocks",
    "Placement": "ownership",
    "Placements": "ownership",
    "UrnDiff": "urns",
    "urn_diff": "urns",
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'odoo_platform.testing' has no attribute {name!r}")
    module = _MODULES.get(name, "harness")
    value = getattr(importlib.import_module(f"odoo_platform.synthesis.{module}"), name)
    globals()[name] = value
    return value
