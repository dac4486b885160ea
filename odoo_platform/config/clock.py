"""The stack program's clock: the UTC day, unless a run pins another day.

Freeze windows, override expiry, offboarding and purge decisions all read this day, so a test
(`pulumi_harness.run_stack(..., today=)`) or `odoo-platform plan --date` sees the program exactly
as it would run on that day. No Pulumi import: the pytest plugin loads it at start.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar

_PINNED: ContextVar[dt.date | None] = ContextVar("odoo_platform_pinned_day", default=None)


def utc_today() -> dt.date:
    """The day the program runs on: the pinned day, else today in UTC."""
    return _PINNED.get() or dt.datetime.now(dt.UTC).date()


@contextlib.contextmanager
def pinned_day(day: dt.date | None) -> Iterator[None]:
    """Run the enclosed code (and the tasks it starts) as of `day`; None keeps the real clock."""
    token = _PINNED.set(day)
    try:
        yield
    finally:
        _PINNED.reset(token)
