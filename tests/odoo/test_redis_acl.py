"""The Redis access strings, applied with ACL SETUSER on a real redis-server."""

from __future__ import annotations

import contextlib
import re
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from odoo_platform.odoo import redis_acl
from tests.servers import RedisServer

pytestmark = pytest.mark.servers

PASSWORD = "s3cret-'\"-pw"


def setuser(admin: redis.Redis, name: str, access_string: str) -> None:
    """As ElastiCache does: a fresh user, the access string, the password set separately."""
    admin.execute_command("ACL", "DELUSER", name)
    admin.execute_command("ACL", "SETUSER", name, *access_string.split(), f">{PASSWORD}")


@pytest.fixture(scope="module", params=["redis", "valkey"])
def server(request: pytest.FixtureRequest) -> Iterator[RedisServer]:
    """Each session server (Redis 7, Valkey 9) with the platform's users; the default user is
    restored afterwards."""
    redis_srv: RedisServer = request.getfixturevalue(f"{request.param}_srv")
    root = redis.Redis(host=redis_srv.host, port=redis_srv.port)
    setuser(root, "platform-admin", redis_acl.admin_access_string())
    admin = client(redis_srv, "platform-admin")
    for slug in ("acme", "acme-law", "beta"):
        setuser(admin, slug, redis_acl.tenant_access_string(slug))
    admin.execute_command(
        "ACL", "SETUSER", "default", *redis_acl.disabled_default_access_string().split()
    )
    yield redis_srv
    admin.execute_command("ACL", "SETUSER", "default", "on", "nopass", "~*", "&*", "+@all")


def client(server: RedisServer, user: str | None, password: str = PASSWORD) -> redis.Redis:
    """No retries: a refused login must fail at once."""
    no_retry = Retry(NoBackoff(), 0)
    if user is None:
        return redis.Redis(host=server.host, port=server.port, retry=no_retry)
    return redis.Redis(
        host=server.host, port=server.port, username=user, password=password, retry=no_retry
    )


def denied(call: Callable[[], object]) -> None:
    with pytest.raises(redis.exceptions.NoPermissionError):
        call()


def test_tenant_reads_and_writes_only_its_own_keys(server: RedisServer) -> None:
    admin, acme, beta = (client(server, u) for u in ("platform-admin", "acme", "beta"))
    admin.set("beta:session:1", "beta-secret")
    assert acme.set("acme:session:1", "acme-data", ex=60)
    assert acme.get("acme:session:1") == b"acme-data"
    acme.hset("acme:h", mapping={"a": "1"})
    acme.rpush("acme:l", "x")
    assert acme.delete("acme:l") == 1
    with acme.pipeline(transaction=True) as pipe:
        assert pipe.incr("acme:n").expire("acme:n", 60).execute() == [1, True]
    denied(lambda: acme.get("beta:session:1"))
    denied(lambda: acme.set("beta:session:1", "overwritten"))
    denied(lambda: acme.delete("beta:session:1"))
    denied(lambda: acme.set("unprefixed", "x"))
    denied(lambda: acme.rename("acme:session:1", "beta:stolen"))
    denied(lambda: acme.copy("beta:session:1", "acme:copy"))
    denied(lambda: acme.sort("acme:l", by="beta:*"))  # SORT BY/GET patterns need all keys
    assert beta.get("beta:session:1") == b"beta-secret"


def test_a_resp3_client_works_on_its_own_keys(server: RedisServer) -> None:
    """redis-py with protocol=3 (HELLO 3 on connect), as a newer session store would use it."""
    resp3 = redis.Redis(
        host=server.host, port=server.port, username="acme", password=PASSWORD, protocol=3
    )
    assert resp3.set("session:acme:resp3", "{}", ex=60) and resp3.get("session:acme:resp3")
    denied(lambda: resp3.get("session:beta:resp3"))


def test_prefix_is_exact_so_similar_slugs_do_not_overlap(server: RedisServer) -> None:
    acme, acme_law = client(server, "acme"), client(server, "acme-law")
    acme_law.set("acme-law:k", "v")
    denied(lambda: acme.get("acme-law:k"))
    denied(lambda: acme_law.get("acme:k"))


def session_keys(slug: str, sid: str) -> list[str]:
    """The keys session_redis builds with `ODOO_SESSION_REDIS_PREFIX` as OdooTenant sets it:
    `session:<prefix>:<sid>`, and `session::<prefix>:<sid>` in older releases."""
    prefix = redis_acl.session_redis_prefix(slug)
    return [f"session:{prefix}:{sid}", f"session::{prefix}:{sid}"]


def test_tenant_reads_and_writes_its_odoo_sessions_only(server: RedisServer) -> None:
    admin, acme, acme_law = (client(server, u) for u in ("platform-admin", "acme", "acme-law"))
    for key in session_keys("beta", "s1") + session_keys("acme-law", "s1"):
        admin.set(key, "other-tenant")
    for key in session_keys("acme", "s1"):
        assert acme.set(key, "{}", ex=60)
        assert acme.expire(key, 120)
        assert acme.get(key) == b"{}"
        assert acme.delete(key) == 1
    for key in session_keys("beta", "s1") + session_keys("acme-law", "s1"):
        denied(lambda key=key: acme.get(key))
        denied(lambda key=key: acme.set(key, "stolen"))
    for key in session_keys("acme", "s2"):
        denied(lambda key=key: acme_law.set(key, "x"))
    denied(lambda: acme.set("session:unprefixed", "x"))


def test_session_is_not_a_tenant_slug() -> None:
    """A tenant called `session` would own `session:*`: every tenant's sessions."""
    with pytest.raises(ValueError, match="reserved"):
        redis_acl.tenant_access_string("session")


@pytest.mark.parametrize(
    "command",
    [
        ("KEYS", "*"),
        ("SCAN", "0"),
        ("RANDOMKEY",),
        ("DBSIZE",),
        ("FLUSHDB",),
        ("FLUSHALL",),
        ("INFO", "keyspace"),
        ("CLIENT", "LIST"),
        ("CONFIG", "GET", "*"),
        ("PUBSUB", "CHANNELS"),
        ("ACL", "LIST"),
        ("EVAL", "return redis.call('get', KEYS[1])", "1", "acme:x"),
        ("SAVE",),
        ("MONITOR",),
        ("SWAPDB", "0", "1"),
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_tenant_cannot_list_flush_or_administer(
    server: RedisServer, command: tuple[str, ...]
) -> None:
    acme = client(server, "acme")
    denied(lambda: acme.execute_command(*command))


def test_pubsub_is_limited_to_the_tenant_channels(server: RedisServer) -> None:
    acme, admin = client(server, "acme"), client(server, "platform-admin")
    assert acme.publish("acme:bus", "hello") == 0
    denied(lambda: acme.publish("beta:bus", "spoofed"))
    sub = acme.pubsub()
    sub.subscribe("acme:bus")
    assert sub.get_message(timeout=2)["type"] == "subscribe"
    admin.publish("acme:bus", "from-admin")
    message = sub.get_message(timeout=2)
    assert message and message["data"] == b"from-admin"
    sub.close()
    for command in (("SUBSCRIBE", "beta:bus"), ("PSUBSCRIBE", "*"), ("PSUBSCRIBE", "beta:*")):
        fresh = client(server, "acme")
        denied(lambda fresh=fresh, command=command: fresh.execute_command(*command))


def test_default_user_can_do_nothing(server: RedisServer) -> None:
    anonymous = client(server, None)
    for call in (
        lambda: anonymous.get("acme:session:1"),
        lambda: anonymous.set("x", "y"),
        lambda: anonymous.execute_command("KEYS", "*"),
        anonymous.ping,
    ):
        with pytest.raises(redis.exceptions.AuthenticationError):
            call()
    with pytest.raises(redis.exceptions.AuthenticationError):
        client(server, "default").ping()


def test_admin_can_do_everything(server: RedisServer) -> None:
    admin = client(server, "platform-admin")
    admin.set("acme:by-admin", "1")
    admin.set("beta:by-admin", "1")
    assert {b"acme:by-admin", b"beta:by-admin"} <= set(admin.keys("*"))
    assert admin.dbsize() >= 2
    assert admin.execute_command("ACL", "WHOAMI") == b"platform-admin"


def test_access_strings_use_only_elasticache_syntax() -> None:
    for text in (
        redis_acl.tenant_access_string("acme"),
        redis_acl.admin_access_string(),
        redis_acl.disabled_default_access_string(),
    ):
        rules = text.split()
        assert rules[0] in {"on", "off"}  # ElastiCache needs one of them
        assert not {"reset", "nopass"} & set(rules) and not any(r.startswith(">") for r in rules)
        # whole commands and categories only: no `command|subcommand` or selector rules
        for rule in rules[1:]:
            assert re.fullmatch(r"[~&]\S+|[+-]@?[a-z]+", rule), rule
    with pytest.raises(ValueError, match="slug"):
        redis_acl.tenant_access_string("acme*")


class RawResp:
    """A bare socket speaking RESP: every byte the server pushes is seen, nothing is parsed away."""

    def __init__(self, server: RedisServer, user: str) -> None:
        self.sock = socket.create_connection((server.host, server.port), timeout=2)
        self.call("AUTH", user, PASSWORD)

    def send(self, *args: str) -> None:
        frame = f"*{len(args)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args)
        self.sock.sendall(frame.encode())

    def read(self, wait: float = 0.5) -> bytes:
        """Everything that arrives within `wait` seconds."""
        self.sock.settimeout(wait)
        data = b""
        with contextlib.suppress(TimeoutError):
            while chunk := self.sock.recv(65536):
                data += chunk
        return data

    def call(self, *args: str) -> bytes:
        self.send(*args)
        return self.read(0.3)

    def close(self) -> None:
        self.sock.close()


TRACKING_ATTEMPTS = {
    "resp3-bcast": (("HELLO", "3"), ("CLIENT", "TRACKING", "ON", "BCAST")),
    "resp3-bcast-prefix": (
        ("HELLO", "3"),
        ("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "session:"),
    ),
    "resp3-bcast-own-prefix": (
        ("HELLO", "3"),
        ("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "acme:"),
    ),
    "resp3-default": (("HELLO", "3"), ("CLIENT", "TRACKING", "ON"), ("GET", "acme:probe")),
    "resp2-default": (("CLIENT", "TRACKING", "ON"), ("GET", "acme:probe")),
    "resp2-subscribe-invalidate": (("SUBSCRIBE", "__redis__:invalidate"),),
}


@pytest.mark.parametrize("attempt", TRACKING_ATTEMPTS, ids=str)
def test_another_tenants_writes_never_reach_a_tenant_connection(
    server: RedisServer, attempt: str
) -> None:
    """Broadcast tracking ignores key patterns: an allowed CLIENT TRACKING would push the other
    tenant's session key names (sid = session cookie) to this connection."""
    beta = client(server, "beta")
    spy = RawResp(server, "acme")
    try:
        for command in TRACKING_ATTEMPTS[attempt]:
            spy.call(*command)
        beta.set("beta:probe", "x")  # what the default mode would track, if it leaked
        for key in session_keys("beta", "leaked-sid"):
            beta.set(key, "{}")
        assert b"beta:" not in spy.read(1.0)
    finally:
        spy.close()


def test_resp2_redirect_to_a_subscribed_connection_gets_nothing(server: RedisServer) -> None:
    beta = client(server, "beta")
    sink, tracker = RawResp(server, "acme"), RawResp(server, "acme")
    try:
        sink_id = sink.call("CLIENT", "ID").decode().strip(":\r\n")
        sink.call("SUBSCRIBE", "__redis__:invalidate")
        tracker.call("CLIENT", "TRACKING", "ON", "BCAST", "REDIRECT", sink_id or "0")
        for key in session_keys("beta", "redirected-sid"):
            beta.set(key, "{}")
        assert b"beta:" not in sink.read(1.0) + tracker.read(0.2)
    finally:
        sink.close()
        tracker.close()


def _dryrun_args(entry: list[Any]) -> list[str]:
    """Name (and subcommand) plus filler arguments that satisfy the arity of `entry`."""
    name, arity = str(entry[0]), int(entry[1])
    words = name.split("|")
    needed = abs(arity) - len(words)
    return [*words, *(["x"] * max(needed, 0))]


def _keyless_commands(admin: redis.Redis) -> list[list[Any]]:
    """Every command and subcommand the server knows that takes no key (COMMAND's key specs)."""
    raw = admin.execute_command("COMMAND", **{redis.client.NEVER_DECODE: True})

    def walk(entries: list[Any]) -> Iterator[list[Any]]:
        for entry in entries:
            yield [entry[0].decode(), entry[1], *entry[2:]]
            yield from walk(entry[9])

    # a container (CLIENT, OBJECT, ...) is judged by its subcommands
    return [entry for entry in walk(raw) if not entry[8] and not entry[9]]


def test_every_keyless_command_a_tenant_may_run_is_on_the_allow_list(
    server: RedisServer,
) -> None:
    """Key patterns do not limit a command without keys: each one the tenant may run must be
    reviewed and listed (redis_acl.TENANT_KEYLESS_COMMANDS), whatever the categories hold."""
    admin = client(server, "platform-admin")
    admin.response_callbacks.pop("COMMAND", None)
    allowed = set()
    for entry in _keyless_commands(admin):
        verdict = admin.execute_command("ACL", "DRYRUN", "acme", *_dryrun_args(entry))
        if verdict in (b"OK", "OK"):
            allowed.add(str(entry[0]))
    assert allowed
    assert allowed <= set(redis_acl.TENANT_KEYLESS_COMMANDS) | set(redis_acl.HELP_SUBCOMMANDS), (
        sorted(allowed - set(redis_acl.TENANT_KEYLESS_COMMANDS))
    )
    assert "client|tracking" not in allowed and "ping" in allowed
