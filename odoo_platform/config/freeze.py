"""Change-freeze windows and their time-bound overrides, evaluated against an injectable date."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from odoo_platform.config.errors import ConfigIssue, key_path
from odoo_platform.config.models import FreezeOverride, FreezeWindow, PlatformConfig

MAX_FREEZE_DAYS = 400  # a longer run of frozen days is reported as ending there


def in_window(window: FreezeWindow, day: dt.date) -> bool:
    if window.start is not None and window.end is not None:
        return window.start <= day <= window.end
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    in_last_days = day.day > days_in_month - window.last_days_of_month
    return in_last_days or day.day <= window.first_days_of_month


def active_freeze(windows: Sequence[FreezeWindow], day: dt.date) -> FreezeWindow | None:
    """The first window that covers `day`, if any."""
    return next((w for w in windows if in_window(w, day)), None)


def frozen_until(windows: Sequence[FreezeWindow], day: dt.date) -> dt.date:
    """The last day of the run of frozen days that contains `day` (windows may chain)."""
    last = day
    for _ in range(MAX_FREEZE_DAYS):
        following = last + dt.timedelta(days=1)
        if active_freeze(windows, following) is None:
            break
        last = following
    return last


@dataclass(frozen=True)
class FreezeState:
    """The change freeze a prod stack is in on one day, and whether an override covers it."""

    window: str
    day: dt.date
    until: dt.date  # last frozen day, inclusive
    override: FreezeOverride | None  # a valid override covering this window on this day

    @property
    def update_blocked(self) -> bool:
        return self.override is None

    def notice(self) -> str:
        """What a preview says at the top: frozen, until when, and what `pulumi up` does."""
        frozen = (
            f"FROZEN: change freeze '{self.window}' is active on {self.day.isoformat()} until "
            f"{self.until.isoformat()} (inclusive)."
        )
        if self.override is not None:
            return (
                f"{frozen} Override {self.override.change_ref} (expires "
                f"{self.override.expires.isoformat()}) lets `pulumi up` through."
            )
        return (
            f"{frozen} This preview passes; `pulumi up` will stop until then unless "
            f"platform.governance.freeze_override covers the window."
        )


def freeze_state(config: PlatformConfig, day: dt.date) -> FreezeState | None:
    """The freeze of a prod stack on `day`, or None when updates may run."""
    governance = config.governance
    if config.environment != "prod":
        return None
    return window_state(governance.freeze_windows, governance.freeze_override, day)


def window_state(
    windows: Sequence[FreezeWindow], override: FreezeOverride | None, day: dt.date
) -> FreezeState | None:
    """The freeze `windows` put `day` in, with `override` if it covers that window that day."""
    window = active_freeze(windows, day)
    if window is None:
        return None
    covers = override is not None and override.window == window.name and day <= override.expires
    return FreezeState(window.name, day, frozen_until(windows, day), override if covers else None)


def freeze_stop_message(config: PlatformConfig, day: dt.date) -> str | None:
    """Why a prod update must not run on `day`, or None when it may."""
    state = freeze_state(config, day)
    if state is None or not state.update_blocked:
        return None
    return (
        f"change freeze '{state.window}' is active on {day.isoformat()} until "
        f"{state.until.isoformat()} for this prod stack (key platform.governance.freeze_windows). "
        f"Previews are allowed; to update anyway, set platform.governance.freeze_override with "
        f"change_ref (the approved change), reason, window ('{state.window}') and expires "
        f"(its last day, YYYY-MM-DD)."
    )


def override_issues(config: PlatformConfig, day: dt.date) -> list[ConfigIssue]:
    """An override must name a configured window and must not have expired by `day`."""
    override = config.governance.freeze_override
    if override is None:
        return []
    issues: list[ConfigIssue] = []
    names = [w.name for w in config.governance.freeze_windows]
    if override.window not in names:
        issues.append(
            ConfigIssue(
                key_path("governance", "freeze_override", "window"),
                f"'{override.window}' is not allowed: name one of the freeze windows "
                f"({', '.join(names) or 'none configured'})",
            )
        )
    if override.expires < day:
        issues.append(
            ConfigIssue(
                key_path("governance", "freeze_override", "expires"),
                f"{override.expires.isoformat()} is not allowed: the override expired before "
                f"{day.isoformat()}; remove it, or set a day on or after {day.isoformat()} "
                f"for a newly approved change",
            )
        )
    return issues
