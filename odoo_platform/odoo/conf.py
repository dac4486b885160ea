"""Render `odoo.conf` for Odoo 16.0 to 19.0 from plain values (no Pulumi, no secrets).

What differs between versions lives in `VERSION_TRAITS` (checked against each branch's
`odoo/tools/config.py`):

- the gevent (websocket) listener is `gevent_port` from 16.0 on; `longpolling_port` became a
  deprecated alias in 16.0 and is gone in 18.0, so it is never written;
- `db_maxconn_gevent` exists from 17.0, `limit_memory_soft_gevent`/`..._hard_gevent` from 18.0;
  16.0's gevent process uses `db_maxconn`, so its web pods get the larger of the two pools;
- 19.0 needs `rpc` among `server_wide_modules` (XML-RPC/JSON-RPC moved into that module);
- demo data: up to 18.0 it loads unless `without_demo = all`; 19.0 replaced that with
  `with_demo`, off by default (we still write `with_demo = False` to be explicit);
- the official image's `odoo` user: uid 101 on 16.0 (Debian) and 17.0 (Ubuntu jammy, where
  `_apt` holds 100); uid 100 on 18.0/19.0 (Ubuntu noble). The group is 101 everywhere.

Secrets are never rendered. Odoo reads no environment variables of its own for the database;
when `db_host`, `db_port`, `db_user` and `db_password` are absent from the file and the command
line, Odoo passes nothing and libpq falls back to `PGHOST`, `PGPORT`, `PGUSER` and `PGPASSWORD`,
which the pods take from the tenant's database Secret (the same for every version). `--db_password`
on the command line would work too but shows in the process list, and the official image's
entrypoint adds `--db_password odoo` unless told otherwise, so pods run `/usr/bin/odoo` directly.
`admin_passwd` has no environment variable and no safe CLI form: an init container appends it
from the Secret to this rendered file in an in-memory emptyDir (see `admin_passwd_line`); the
SMTP password likewise (`odoo_platform.odoo.mail`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

from odoo_platform.config.catalog import REPORT_ADDRESS_SPACE_MIB, OdooVersion, SizeProfile
from odoo_platform.odoo.mail import SmtpSettings, smtp_options

MIB = 1024 * 1024
HTTP_PORT = 8069
GEVENT_PORT = 8072
DATA_DIR = "/var/lib/odoo"
WEBSOCKET_PATH = "/websocket"
HEALTH_PATH = "/web/health"
ADMIN_PASSWD_ENV = "ODOO_ADMIN_PASSWD"
Role = Literal["web", "cron", "job"]


@dataclass(frozen=True)
class VersionTraits:
    """How one Odoo series spells the settings that changed between releases."""

    odoo_uid: int
    odoo_gid: int
    demo_setting: tuple[str, str]
    gevent_maxconn: bool
    gevent_memory_limits: bool
    # Server-wide modules Odoo needs loaded; 19.0 moved XML-RPC/JSON-RPC into `rpc`, in its
    # default `base,rpc,web`, and force-adds only base and web (odoo/tools/config.py, 19.0).
    server_wide_modules: tuple[str, ...] = ("base", "web")


VERSION_TRAITS: dict[str, VersionTraits] = {
    "16.0": VersionTraits(101, 101, ("without_demo", "all"), False, False),
    "17.0": VersionTraits(101, 101, ("without_demo", "all"), True, False),
    "18.0": VersionTraits(100, 101, ("without_demo", "all"), True, True),
    "19.0": VersionTraits(100, 101, ("with_demo", "False"), True, True, ("base", "rpc", "web")),
}


def traits(version: str) -> VersionTraits:
    try:
        return VERSION_TRAITS[version]
    except KeyError:
        supported = ", ".join(VERSION_TRAITS)
        raise ValueError(f"Odoo {version} is not supported; use one of {supported}") from None


@dataclass(frozen=True)
class OdooConf:
    """Everything `odoo.conf` holds for one tenant; plain values only.

    `workers`, `cron_workers`, the pools and the memory caps come from the size profile (see
    `from_profile`). The caps are per process on address space, not on resident memory.
    """

    version: OdooVersion
    database: str
    workers: int
    cron_workers: int
    db_maxconn: int
    limit_memory_soft_mib: int
    limit_memory_hard_mib: int
    db_maxconn_gevent: int = 16
    db_sslmode: str = "require"
    db_host: str | None = None
    db_port: int | None = None
    db_user: str | None = None
    data_dir: str = DATA_DIR
    addons_path: tuple[str, ...] = ()
    # added to the version's own (VersionTraits.server_wide_modules)
    server_wide_modules: tuple[str, ...] = ()
    limit_time_cpu: int = 600
    limit_time_real: int = 1200
    limit_time_real_cron: int = 3600
    limit_request: int = 65536
    smtp: SmtpSettings | None = None
    log_level: str = "info"
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @classmethod
    def from_profile(
        cls, version: OdooVersion, database: str, profile: SizeProfile, **kwargs: object
    ) -> OdooConf:
        return cls(
            version=version,
            database=database,
            workers=profile.http_workers,
            cron_workers=profile.cron_workers,
            db_maxconn=profile.db_maxconn,
            limit_memory_soft_mib=profile.limit_memory_soft_mib,
            limit_memory_hard_mib=profile.limit_memory_hard_mib,
            db_maxconn_gevent=profile.db_maxconn_gevent,
            **kwargs,  # type: ignore[arg-type]
        )


def _check(conf: OdooConf, role: Role) -> None:
    traits(conf.version)
    if conf.workers < 1 or conf.cron_workers < 1:
        raise ValueError("prefork needs workers >= 1 and cron_workers >= 1")
    if conf.limit_memory_soft_mib > conf.limit_memory_hard_mib:
        raise ValueError("limit_memory_soft must not exceed limit_memory_hard")
    # The caps are on address space (RLIMIT_AS), which wkhtmltopdf inherits: below the floor
    # every PDF report crashes. Resident memory is budgeted by config.capacity, not here.
    if conf.limit_memory_hard_mib < REPORT_ADDRESS_SPACE_MIB:
        raise ValueError(
            f"limit_memory_hard {conf.limit_memory_hard_mib} MiB is below "
            f"{REPORT_ADDRESS_SPACE_MIB} MiB: wkhtmltopdf inherits it and PDF reports crash"
        )


def server_wide_modules(conf: OdooConf) -> tuple[str, ...]:
    """The version's required modules, then the tenant's own, each once."""
    modules = (*traits(conf.version).server_wide_modules, *conf.server_wide_modules)
    return tuple(dict.fromkeys(modules))


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    return str(value)


def settings(conf: OdooConf, role: Role) -> list[tuple[str, str]]:
    """The ordered `[options]` of one role: `web` serves HTTP, `cron` only runs scheduled jobs,
    `job` is the one-off init/upgrade run."""
    _check(conf, role)
    version = traits(conf.version)
    # 16.0 has no db_maxconn_gevent: its gevent process takes db_maxconn (odoo/sql_db.py
    # `db_connect`), so web pods get the websocket pool for every process.
    maxconn = conf.db_maxconn
    if role == "web" and not version.gevent_maxconn:  # as catalog.web_pod_connections
        maxconn = max(conf.db_maxconn, conf.db_maxconn_gevent)
    memory = [
        ("limit_memory_soft", conf.limit_memory_soft_mib * MIB),
        ("limit_memory_hard", conf.limit_memory_hard_mib * MIB),
    ]
    items: list[tuple[str, object]] = [
        ("proxy_mode", True),
        ("list_db", False),
        ("db_name", conf.database),
        ("dbfilter", f"^{conf.database}$"),
        ("db_sslmode", conf.db_sslmode),
        ("db_maxconn", maxconn),
        ("data_dir", conf.data_dir),
        ("server_wide_modules", server_wide_modules(conf)),
        ("http_interface", "0.0.0.0"),
        ("http_port", HTTP_PORT),
        ("gevent_port", GEVENT_PORT),
        ("workers", conf.workers),
        # web pods never run cron; the cron Deployment runs only cron workers (--no-http)
        ("max_cron_threads", conf.cron_workers if role == "cron" else 0),
        *memory,
        ("limit_time_cpu", conf.limit_time_cpu),
        ("limit_time_real", conf.limit_time_real),
        ("limit_time_real_cron", conf.limit_time_real_cron),
        ("limit_request", conf.limit_request),
        version.demo_setting,
        ("log_level", conf.log_level),
    ]
    # Unset, libpq takes them from PGHOST/PGPORT/PGUSER (the tenant's database Secret).
    items += [
        (key, value)
        for key, value in (("db_host", conf.db_host), ("db_port", conf.db_port))
        if value is not None
    ]
    if conf.db_user is not None:
        items.append(("db_user", conf.db_user))
    if conf.addons_path:
        items.append(("addons_path", conf.addons_path))
    if version.gevent_maxconn:
        items.append(("db_maxconn_gevent", conf.db_maxconn_gevent))
    if version.gevent_memory_limits:
        items += [(f"{key}_gevent", value) for key, value in memory]
    items += smtp_options(conf.smtp)
    items += list(conf.extra)
    return [(key, _value(value)) for key, value in items]


SECRET_KEYS = frozenset({"admin_passwd", "db_password", "smtp_password"})


def render(conf: OdooConf, role: Role) -> str:
    """The file's text; deterministic, so its hash only changes when a setting does."""
    lines = ["[options]"]
    for key, value in settings(conf, role):
        if key in SECRET_KEYS:
            raise ValueError(f"{key} must not be rendered into odoo.conf")
        lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def conf_hash(*texts: str) -> str:
    """sha256 of the rendered file(s): the pod annotation that rolls pods on a change."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def admin_passwd_line(env_var: str = ADMIN_PASSWD_ENV) -> str:
    """Shell that appends `admin_passwd` from the environment (a Secret) to the rendered file.

    Run by an init container: `[options]` is the file's only section, so the appended line
    belongs to it. The value never reaches the ConfigMap or the pod spec.
    """
    return f"printf 'admin_passwd = %s\\n' \"${env_var}\""
