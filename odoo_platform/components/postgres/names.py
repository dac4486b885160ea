"""The names a server's AWS and Kubernetes objects take: valid, unique and stable."""

from __future__ import annotations

import hashlib
import re

RDS_IDENTIFIER_MAX = 63


def admin_namespace_name(component_name: str) -> str:
    """`<component>-admin` as a DNS label: lower case, at most 63 characters."""
    text = re.sub(r"[^a-z0-9-]", "-", f"{component_name}-admin".lower())
    return re.sub(r"-{2,}", "-", text)[:63].strip("-")


def snapshot_identifier(name: str, suffix: str) -> str:
    """An RDS snapshot id from a logical name: letters, digits, single hyphens, letter first."""
    text = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", f"{name}-{suffix}".lower()))
    if not text[0].isalpha():
        text = "db-" + text
    return text[:255].strip("-")


def instance_identifier(stack: str, name: str) -> str:
    """The RDS identifier of logical `name` in `stack`: known before the instance exists (its log
    groups are named after it), unique per account and region, stable across runs."""
    text = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", f"{name}-{stack}".lower())).strip("-")
    if not text[0].isalpha():
        text = "db-" + text
    if len(text) > RDS_IDENTIFIER_MAX:
        digest = hashlib.sha256(text.encode()).hexdigest()[:6]
        text = f"{text[: RDS_IDENTIFIER_MAX - 7].rstrip('-')}-{digest}"
    return text
