"""Change-freeze windows, evaluated against an injectable date."""

from __future__ import annotations

import calendar
import datetime as dt

from odoo_platform.config.models import FreezeWindow, PlatformConfig


def in_window(window: FreezeWindow, day: dt.date) -> bool:
    if window.start is not None and window.end is not None:
        return window.start <= day <= window.end
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    in_last_days = day.day > days_in_month - window.last_days_of_month
    return in_last_days or day.day <= window.first_days_of_month


def active_freeze(windows: list[FreezeWindow], day: dt.date) -> FreezeWindow | None:
    """The first window that covers `day`, if any."""
    return next((w for w in windows if in_window(w, day)), None)


def freeze_stop_message(config: PlatformConfig, day: dt.date) -> str | None:
    """Why a prod update must not run on `day`, or None when it may.

    Only prod is frozen, and a recorded override (change reference and reason) lets it through.
    """
    window = active_freeze(config.governance.freeze_windows, day)
    if config.environment != "prod" or window is None:
        return None
    if config.governance.freeze_override is not None:
        return None
    return (
        f"change freeze '{window.name}' is active on {day.isoformat()} for this prod stack "
        f"(key platform.governance.freeze_windows). Previews are allowed; to update anyway, set "
        f"platform.governance.freeze_override with change_ref (the approved change) and reason."
    )
