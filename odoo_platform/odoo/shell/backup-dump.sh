#!/bin/sh
# backup-dump: dump the tenant database (pg_dump custom format) and archive its filestore into
# $WORK_DIR/backup/, then write manifest.json and the object key prefix for backup-upload.
# Runs in the backup CronJob's `dump` initContainer (postgres image) as the tenant role.
# The database is dumped first and the filestore archived after: Odoo only adds files while it
# runs (garbage collection of unreferenced files is delayed), so every attachment the dump
# references is in the archive. See docs/backup-and-restore.md for the contract.
set -eu

ODOO_PLATFORM_VERSION="@ODOO_PLATFORM_VERSION@"

die() {
  echo "backup-dump: FAILED: $*" >&2
  exit 1
}

for var in PGHOST PGUSER PGPASSWORD PGDATABASE FILESTORE_DIR WORK_DIR TENANT; do
  eval "value=\${$var:-}"
  [ -n "$value" ] || die "environment variable $var is not set"
done

now=$(date -u +%Y%m%dT%H%M%SZ)
created_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
if [ -n "${RETENTION_CLASS:-}" ]; then
  class=$RETENTION_CLASS
elif [ "$(date -u +%d)" = "01" ]; then
  class=monthly
elif [ "$(date -u +%u)" = "7" ]; then
  class=weekly
else
  class=daily
fi
case "$class" in
  daily | weekly | monthly) ;;
  *) die "RETENTION_CLASS='$class': use daily, weekly or monthly" ;;
esac

out="$WORK_DIR/backup"
rm -rf "$out"
mkdir -p "$out"

echo "backup-dump: dumping database $PGDATABASE"
pg_dump --format=custom --compress=6 --no-password --file="$out/db.dump" \
  || die "pg_dump of database $PGDATABASE failed"
pg_restore --list "$out/db.dump" > /dev/null || die "the dump just written does not read back"

files_root="$FILESTORE_DIR/filestore"
if [ ! -d "$files_root/$PGDATABASE" ]; then
  # A database without attachments has no filestore yet: archive an empty one, so that every
  # backup has the same shape.
  echo "backup-dump: no filestore at $files_root/$PGDATABASE; archiving an empty one" >&2
  files_root="$WORK_DIR/empty-filestore"
  mkdir -p "$files_root/$PGDATABASE"
fi
echo "backup-dump: archiving $files_root/$PGDATABASE"
tar -czf "$out/filestore.tar.gz" -C "$files_root" "$PGDATABASE" \
  || die "archiving the filestore failed"

sha() { sha256sum "$1" | cut -d ' ' -f 1; }
size() { wc -c < "$1" | tr -d ' '; }

# One file per line, so that the shell scripts can read it back with sed.
cat > "$out/manifest.json" <<JSON
{
  "format": 1,
  "tenant": "$TENANT",
  "database": "$PGDATABASE",
  "created_at": "$created_at",
  "retention_class": "$class",
  "odoo_platform_version": "$ODOO_PLATFORM_VERSION",
  "files": {
    "db.dump": {"sha256": "$(sha "$out/db.dump")", "bytes": $(size "$out/db.dump")},
    "filestore.tar.gz": {"sha256": "$(sha "$out/filestore.tar.gz")", "bytes": $(size "$out/filestore.tar.gz")}
  }
}
JSON
printf '%s/%s/%s/\n' "$class" "$TENANT" "$now" > "$out/key-prefix"
echo "backup-dump: ok, $(cat "$out/key-prefix")"
