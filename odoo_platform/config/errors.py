"""Configuration errors that name the stack file key, the wrong value and what is allowed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ROOT = "platform"
CONFIG_NAMESPACE = "odoo-platform"
CONFIG_KEY = f"{CONFIG_NAMESPACE}:{ROOT}"  # the stack file key that holds the configuration


def key_path(*parts: str | int, root: str = ROOT) -> str:
    """`key_path("tenants", 3, "tier")` -> `platform.tenants[3].tier`."""
    text = root
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


@dataclass(frozen=True)
class ConfigIssue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ConfigError(ValueError):
    """Every problem found in a stack configuration, reported together."""

    def __init__(self, issues: Sequence[ConfigIssue], source: str = "") -> None:
        self.issues = list(issues)
        self.source = source
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        super().__init__(f"{len(self.issues)} configuration error(s){where}:\n{lines}")
