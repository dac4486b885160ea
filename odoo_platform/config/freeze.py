"""Change-freeze windows, evaluated against an injectable date."""

from __future__ import annotations

import calendar
import datetime as dt

from odoo_platform.config.models import FreezeWindow


def in_window(window: FreezeWindow, day: dt.date) -> bool:
    if window.start is not None and window.end is not None:
        return window.start <= day <= window.end
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    in_last_days = day.day > days_in_month - window.last_days_of_month
    return in_last_days or day.day <= window.first_days_of_month


def active_freeze(windows: list[FreezeWindow], day: dt.date) -> FreezeWindow | None:
    """The first window that covers `day`, if any."""
    return next((w for w in windows if in_window(w, day)), None)
