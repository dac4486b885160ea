"""Every sample stack declared once per session (scanning needs them all; it is slow)."""

from __future__ import annotations

import pytest

from odoo_platform.testing import ProgramResult, run_stack
from tests.scanners.scanning import STACKS


@pytest.fixture(scope="session")
def sample_stacks() -> dict[str, ProgramResult]:
    return {stack: run_stack(stack) for stack in STACKS}
