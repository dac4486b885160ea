"""Backup and restore-check scripts (POSIX sh, package data in `shell/`) and the rules they encode.

The backup and restore-check CronJobs mount `script_text(name)` for every name in `SCRIPT_NAMES`
from one ConfigMap at `SCRIPTS_MOUNT_PATH` and run them with `sh`:

- backup: `backup-dump.sh` (postgres image) streams the dump and the filestore archive through
  named pipes in the shared work dir to `backup-upload.sh` (aws-cli image), which runs beside it
  (a sidecar) and streams them to S3: nothing is staged, whatever the size;
- restore-check: `restore-fetch.sh` (aws-cli image), `restore-check.sh` (postgres image), then
  `restore-verified.sh` (aws-cli image) marks the checked backup verified (`VERIFIED_MARKER`);
  `restore-lib.sh` holds the checks that every restore shares (sourced, not run);
- disaster recovery: on a DR site the init Job first runs `restore-fetch.sh` (`REQUIRE_VERIFIED=1`,
  the primary's DR-region replica) and `dr-restore.sh` (into the tenant database and volume);
  the DR drill CronJob runs `dr-drill.sh fetch|restore|report` (restore-fetch and restore-check
  into the scratch database, timed; the result to `drills/`, the seconds to CloudWatch);
- the init/upgrade Job: `db-state.sh` (postgres image) decides `install` or `upgrade` once, and
  the Job's later steps read its answer from `$WORK_DIR/db-state` (`DB_STATE_FILE`):
  `scale-workloads.sh` (odoo image) stops web and cron before an upgrade, `backup-dump.sh` with
  its `backup-upload.sh` sidecar back up, `odoo-init.sh` installs or upgrades; the resume Job runs
  `scale-workloads.sh` again to start the upgraded web and cron.

They read only the environment variables in `SCRIPT_ENV` (see docs/backup-and-restore.md).
`retention_class` and `backup_key_prefix` mirror what the scripts compute, for tests and docs.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from importlib import metadata, resources
from typing import Final, Literal

from odoo_platform.odoo.bootstrap import drill_database_name, restore_database_name

__all__ = [
    "RETENTION_CLASSES",
    "SCRIPT_NAMES",
    "backup_key_prefix",
    "backup_prefix",
    "drill_database_name",
    "restore_database_name",
    "retention_class",
    "script_text",
    "scripts",
]

RetentionClass = Literal["daily", "weekly", "monthly"]

RETENTION_CLASSES: Final[tuple[RetentionClass, ...]] = ("daily", "weekly", "monthly")
SCRIPT_NAMES: Final[tuple[str, ...]] = (
    "db-state.sh",
    "scale-workloads.sh",
    "odoo-init.sh",
    "backup-dump.sh",
    "backup-upload.sh",
    "restore-lib.sh",
    "restore-fetch.sh",
    "restore-check.sh",
    "restore-verified.sh",
    "dr-restore.sh",
    "dr-drill.sh",
)
# Package data folder of the scripts: not `scripts/`, which would shadow this module for mypy.
SCRIPTS_PACKAGE_DIR: Final = "shell"
SCRIPTS_MOUNT_PATH: Final = "/opt/odoo-platform/scripts"
BACKUP_FILES: Final = ("db.dump", "filestore.tar.gz", "manifest.json")
DB_STATE_FILE: Final = "db-state"  # under WORK_DIR: `install` or `upgrade`
# Table db-state.sh creates on `install`, dropped by odoo-init.sh with the admin password
FIRST_INSTALL_MARKER: Final = "odoo_platform_first_install"
MANIFEST: Final = "manifest.json"
# Written by restore-verified.sh beside a backup that restore-check verified
VERIFIED_MARKER: Final = "verified.json"
# Where dr-drill.sh writes its results in the tenant's (primary) backup bucket, and its metric
DRILL_PREFIX: Final = "drills/"
DRILL_METRIC_NAMESPACE: Final = "OdooPlatform/DR"
DRILL_METRIC: Final = "RestoreSeconds"
STAMP_FORMAT: Final = "%Y%m%dT%H%M%SZ"

# Every variable a script reads; the CronJobs set these and nothing else.
SCRIPT_ENV: Final[dict[str, tuple[str, ...]]] = {
    "db-state.sh": (
        "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE", "WORK_DIR",
    ),
    "scale-workloads.sh": (
        "KUBE_API", "NAMESPACE", "SCALE_TARGETS", "TOKEN_DIR", "WORK_DIR", "WHEN_STATE",
        "DRAIN_SECONDS", "KEDA_PAUSE",
    ),
    "odoo-init.sh": (
        "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE", "WORK_DIR",
        "ODOO_RC", "INIT_ENV", "ODOO_BIN", "ODOO_ADMIN_LOGIN_PASSWORD",
        # read from $INIT_ENV
        "SITE_URL", "REPORT_URL", "ADDONS", "ADMIN_LOGIN",
    ),
    "backup-dump.sh": (
        "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE",
        "FILESTORE_DIR", "WORK_DIR", "TENANT", "RETENTION_CLASS",
    ),
    "backup-upload.sh": (
        "BACKUP_BUCKET", "BACKUP_KMS_KEY_ID", "TENANT", "WORK_DIR", "AWS_REGION",
        "AWS_ENDPOINT_URL",
    ),
    "restore-lib.sh": ("WORK_DIR", "TENANT", "PGDATABASE"),
    "restore-fetch.sh": (
        "BACKUP_BUCKET", "TENANT", "WORK_DIR", "AWS_REGION", "AWS_ENDPOINT_URL", "REQUIRE_VERIFIED",
    ),
    "restore-check.sh": (
        "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE",
        "RESTORE_DATABASE", "WORK_DIR", "TENANT", "RPO_HOURS",
    ),
    "restore-verified.sh": (
        "BACKUP_BUCKET", "BACKUP_KMS_KEY_ID", "TENANT", "WORK_DIR", "AWS_REGION",
        "AWS_ENDPOINT_URL",
    ),
    "dr-restore.sh": (
        "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE", "WORK_DIR",
        "TENANT", "FILESTORE_DIR", "FILESTORE_UID", "DATABASE_FROM",
    ),
    # every step's variables (fetch: restore-fetch.sh's; restore: restore-check.sh's)
    "dr-drill.sh": (
        "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE", "RESTORE_DATABASE",
        "WORK_DIR", "TENANT", "RPO_HOURS", "BACKUP_BUCKET", "BACKUP_KMS_KEY_ID", "AWS_REGION",
        "AWS_ENDPOINT_URL", "STACK", "RTO_TARGET_SECONDS", "METRIC_ROLE_ARN",
    ),
}  # fmt: skip

_VERSION_PLACEHOLDER = "@ODOO_PLATFORM_VERSION@"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@functools.cache  # asked once per script of every tenant: read the metadata once
def package_version() -> str:
    """The installed odoo-platform version, recorded in every backup manifest."""
    try:
        return metadata.version("odoo-platform")
    except metadata.PackageNotFoundError:
        return "unknown"


@functools.cache  # the shipped scripts do not change while a program runs
def script_text(name: str) -> str:
    """The script as shipped, with the package version filled in (for the ConfigMap)."""
    if name not in SCRIPT_NAMES:
        raise ValueError(f"unknown script {name!r}: use one of {', '.join(SCRIPT_NAMES)}")
    text = (
        resources.files("odoo_platform.odoo").joinpath(SCRIPTS_PACKAGE_DIR, name).read_text("utf-8")
    )
    return text.replace(_VERSION_PLACEHOLDER, package_version())


def scripts() -> dict[str, str]:
    """`{name: text}` for all scripts: the ConfigMap's data."""
    return {name: script_text(name) for name in SCRIPT_NAMES}


def retention_class(day: dt.date) -> RetentionClass:
    """The class a backup taken on `day` (UTC) goes to: monthly on the 1st, weekly on Sundays,
    daily otherwise (the same rule as backup-dump.sh)."""
    if day.day == 1:
        return "monthly"
    if day.isoweekday() == 7:
        return "weekly"
    return "daily"


def backup_key_prefix(retention_class: str, tenant: str) -> str:
    """`<class>/<tenant>/`: where a tenant's backups of one class live (the data branch's
    `backup_bucket.backup_key_prefix`, which the tenant's IAM policy is built from)."""
    if retention_class not in RETENTION_CLASSES:
        raise ValueError(f"retention class {retention_class!r}: use one of {RETENTION_CLASSES}")
    if not _SLUG.match(tenant):
        raise ValueError(f"tenant {tenant!r}: use a slug of [a-z0-9-]")
    return f"{retention_class}/{tenant}/"


def backup_prefix(retention_class: str, tenant: str, taken_at: dt.datetime) -> str:
    """`<class>/<tenant>/<YYYYmmddTHHMMSSZ>/`: one backup's objects (`BACKUP_FILES`)."""
    stamp = taken_at.astimezone(dt.UTC).strftime(STAMP_FORMAT)
    return f"{backup_key_prefix(retention_class, tenant)}{stamp}/"
