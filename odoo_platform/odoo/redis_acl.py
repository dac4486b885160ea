"""Access strings for the Redis/Valkey ACL users of a shared cache (ElastiCache RBAC syntax).

Each tenant's user may touch only keys and pub/sub channels under `<slug>:`, plus its Odoo
sessions: the `session_redis` module always puts `session:` first and the configured prefix
second (`session:<slug>:<sid>`; `session::<slug>:<sid>` in older releases), so those two exact
prefixes are granted as well. `session` is reserved: a tenant of that name would own `session:*`.

Key patterns do not restrict commands that take no key argument, so the tenant gets the data
type categories only for their keyed commands: every key-less command it may run is on an explicit,
reviewed allow-list (`TENANT_KEYLESS_COMMANDS`), never granted through a category. That keeps out
KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB/FLUSHALL, PUBSUB CHANNELS, INFO, MONITOR, scripting, and the
whole CLIENT command: `CLIENT TRACKING ... BCAST` pushes `invalidate` messages for every key any
user writes (key patterns do not apply to broadcast tracking), i.e. other tenants' session ids.
ElastiCache access strings name whole commands (no `command|subcommand` rules are used), so CLIENT
is denied as a whole; redis-py ignores the refused `CLIENT SETINFO` it sends on connect.

Channel patterns need Redis >= 7 or Valkey, whose users start without channel access
(`acl-pubsub-default resetchannels`); ElastiCache does not accept the `reset` rule in an access
string, so none is used. The strings are tested with `ACL SETUSER` on a real server.
"""

from __future__ import annotations

import re
from typing import Final

from odoo_platform.config.catalog import RESERVED_TENANT_SLUGS

# Data types whose commands take keys, so that the key patterns bound them...
TENANT_CATEGORIES: Final = (
    "read", "write", "keyspace", "string", "hash", "list", "set", "sortedset", "bitmap",
    "hyperloglog", "geo", "stream",
)  # fmt: skip
# ...minus what administers the server or runs code, and the key-less commands those categories
# hold (COMMAND: no key specs) that would reveal other tenants' keys: DBSIZE counts them, SCAN and
# RANDOMKEY name them, LOLWUT is of no use.
TENANT_DENIED_CATEGORIES: Final = ("dangerous", "admin", "scripting")
TENANT_DENIED_COMMANDS: Final = ("scan", "randomkey", "dbsize", "lolwut")
# Every key-less command a tenant may run, reviewed one by one: connection set-up (HELLO may switch
# to RESP3: harmless without CLIENT TRACKING), transactions (WATCH takes keys), and pub/sub, whose
# channel arguments the `&<slug>:*` pattern bounds. Nothing here lists or observes other clients.
TENANT_KEYLESS_COMMANDS: Final = (
    "auth", "hello", "ping", "echo", "quit", "reset",
    "multi", "exec", "discard", "unwatch",
    "subscribe", "psubscribe", "unsubscribe", "punsubscribe", "publish",
)  # fmt: skip
# Keyed commands of the categories not granted above (transaction, pubsub) that Odoo may use.
TENANT_KEYED_EXTRAS: Final = ("watch",)
# Key-less HELP subcommands of granted keyed commands: usage text only.
HELP_SUBCOMMANDS: Final = ("object|help", "xgroup|help", "xinfo|help")

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SESSION_KEY_ROOT: Final = "session"


def key_prefix(slug: str) -> str:
    """`<slug>:`, the prefix of every key and channel of the tenant."""
    if not _SLUG.match(slug):
        # A glob character in a slug would widen the pattern to other tenants.
        raise ValueError(f"tenant slug {slug!r}: use lower-case letters, digits and '-'")
    if slug in RESERVED_TENANT_SLUGS:
        raise ValueError(f"tenant slug {slug!r} is reserved: its keys would hold every session")
    return f"{slug}:"


def session_redis_prefix(slug: str) -> str:
    """`ODOO_SESSION_REDIS_PREFIX` for the tenant (session_redis adds the `session:` root)."""
    return key_prefix(slug).removesuffix(":")


def session_key_prefixes(slug: str) -> tuple[str, str]:
    """The prefixes of the tenant's session keys in both session_redis layouts."""
    prefix = session_redis_prefix(slug)
    return f"{SESSION_KEY_ROOT}:{prefix}:", f"{SESSION_KEY_ROOT}::{prefix}:"


def tenant_access_string(slug: str) -> str:
    """`on ~<slug>:* ~session:<slug>:* ~session::<slug>:* &<slug>:* -@all +@<data types>
    -@dangerous ... +<key-less allow-list>`: the tenant's own keys, sessions and channels."""
    prefix = key_prefix(slug)
    rules = [
        "on",
        f"~{prefix}*",
        *(f"~{session}*" for session in session_key_prefixes(slug)),
        f"&{prefix}*",
        "-@all",
        *(f"+@{category}" for category in TENANT_CATEGORIES),
        *(f"-@{category}" for category in TENANT_DENIED_CATEGORIES),
        *(f"-{command}" for command in TENANT_DENIED_COMMANDS),
        *(f"+{command}" for command in (*TENANT_KEYLESS_COMMANDS, *TENANT_KEYED_EXTRAS)),
    ]
    return " ".join(rules)


def admin_access_string() -> str:
    """The platform administrator: every key, channel and command the service allows."""
    return "on ~* &* +@all"


def disabled_default_access_string() -> str:
    """The `default` user every ElastiCache user group must contain: switched off (connections
    that do not authenticate as a named user can run nothing) and without any permission."""
    return "off -@all"
