"""The deployment record a pipeline hands the stack program (`odoo-platform:deployment`).

The deploy job sets it from `odoo-platform evidence --record` (its `deployment` object) before
`pulumi up`; the program exports it as the `deployment` output, so the stack itself says which
commit is deployed, who approved it, from which run and when (docs/evidence.md).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from odoo_platform.config.errors import CONFIG_NAMESPACE, ConfigError, ConfigIssue
from odoo_platform.config.loader import parse_section

DEPLOYMENT_ROOT = "deployment"
DEPLOYMENT_KEY = f"{CONFIG_NAMESPACE}:{DEPLOYMENT_ROOT}"
COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
RUN_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~%/+-]*)?$")
APPROVER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@+-]{0,99}(\[bot\])?$")  # [bot]: GitHub apps


def _matching(pattern: re.Pattern[str], meaning: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"must be {meaning}")
        return value

    return AfterValidator(check)


def _utc(value: dt.datetime) -> dt.datetime:
    if value.utcoffset() != dt.timedelta(0):
        raise ValueError("must be a UTC time such as 2026-12-02T01:30:00Z")
    return value


class DeploymentRecord(BaseModel):
    """Which commit a deployment runs, who approved it, when it started and the pipeline run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    commit: Annotated[str, _matching(COMMIT, "a git commit SHA: 7 to 40 of 0-9 and a-f")]
    approver: Annotated[
        str,
        _matching(
            APPROVER,
            "a login or name: up to 100 letters, digits, spaces and ._@+- (a bot: [bot] after it)",
        ),
    ]
    time: Annotated[dt.datetime, AfterValidator(_utc)]
    # absent for a deployment made by hand (an emergency change, recorded all the same)
    run_url: (
        Annotated[
            str, _matching(RUN_URL, "the https URL of the pipeline run"), Field(max_length=500)
        ]
        | None
    ) = None

    def output(self) -> dict[str, str]:
        """The `deployment` stack output: the same keys, the time as ISO 8601 UTC."""
        record = {
            "commit": self.commit,
            "approver": self.approver,
            "time": self.time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        return record | ({"run_url": self.run_url} if self.run_url else {})


def parse_deployment(text: str | None, source: str) -> DeploymentRecord | None:
    """The key's value as the engine passes it (JSON text), checked; None when not set.

    Raises `ConfigError` naming `deployment.<key>`, the wrong value and what is allowed."""
    if text is None:
        return None
    try:
        data: Any = json.loads(text)
    except ValueError:
        data = text
    if not isinstance(data, dict):
        issue = ConfigIssue(
            DEPLOYMENT_ROOT,
            f"{text[:60]!r} is not allowed: must be a JSON object with commit, approver, "
            "time and run_url",
        )
        raise ConfigError([issue], source)
    try:
        return parse_section(DeploymentRecord, data, DEPLOYMENT_ROOT)
    except ConfigError as error:
        raise ConfigError(error.issues, source) from None
