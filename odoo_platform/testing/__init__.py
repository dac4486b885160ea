"""Test Pulumi programs under mocks: run them and query what they declared.

    from odoo_platform.testing import run_program

    result = run_program(my_program)
    bucket = result.named("backups", "aws:s3/bucket:Bucket")
    assert bucket.protect

The pytest plugin (installed with the package) offers the same through the `pulumi_harness`
fixture; see docs/testing.md.
"""

from odoo_platform.testing.harness import (
    ProgramResult,
    RecordedResource,
    RecordingMonitor,
    manifest,
    run_program,
    run_stack,
    stack_config,
)
from odoo_platform.testing.mocks import PlatformMocks

__all__ = [
    "PlatformMocks",
    "ProgramResult",
    "RecordedResource",
    "RecordingMonitor",
    "manifest",
    "run_program",
    "run_stack",
    "stack_config",
]
