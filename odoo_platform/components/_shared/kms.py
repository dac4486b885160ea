"""Customer-managed KMS keys, declared one way: rotated yearly, recoverable for the longest
window after a deletion is scheduled, with the caller's key policy and tags and, if asked,
an alias."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

DELETION_WINDOW_DAYS = 30
"""Days a key scheduled for deletion can still be recovered: the most AWS allows (7 to 30)."""


@dataclass(frozen=True)
class KeyAlias:
    """An alias of a key: the Pulumi resource name and the alias (`alias/...`)."""

    resource_name: str
    name: str


def customer_key(
    resource_name: str,
    *,
    description: str,
    policy: pulumi.Input[str],
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions | None = None,
    alias: KeyAlias | None = None,
) -> aws.kms.Key:
    """A key with automatic rotation; its alias (if any) shares its options except `protect`:
    an alias is only a name, so replacing it loses nothing."""
    key = aws.kms.Key(
        resource_name,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=DELETION_WINDOW_DAYS,
        policy=policy,
        tags=dict(tags),
        opts=opts,
    )
    if alias is not None:
        alias_opts = copy.copy(opts) if opts is not None else pulumi.ResourceOptions()
        alias_opts.protect = None
        aws.kms.Alias(
            alias.resource_name, name=alias.name, target_key_id=key.key_id, opts=alias_opts
        )
    return key
