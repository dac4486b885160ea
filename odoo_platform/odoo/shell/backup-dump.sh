#!/bin/sh
# backup-dump: stream the tenant database (pg_dump custom format) and then its filestore (tar.gz)
# to backup-upload through named pipes in $WORK_DIR/backup/, with their sha256 and size computed
# on the way, then write manifest.json and wait for backup-upload's verdict. Nothing is staged:
# the work dir holds only pipes and a few small files, whatever the size of the backup.
# Runs in the backup pods' `dump` container (postgres image) as the tenant role, beside the
# `upload` sidecar (aws-cli image), which streams each pipe to S3.
# The database is dumped first and the filestore archived after: Odoo only adds files while it
# runs (garbage collection of unreferenced files is delayed), so every attachment the dump
# references is in the archive. See docs/backup-and-restore.md for the contract.
set -eu

ODOO_PLATFORM_VERSION="@ODOO_PLATFORM_VERSION@"

die() {
  echo "backup-dump: FAILED: $*" >&2
  [ -z "${out:-}" ] || echo "$*" > "$out/dump-failed" 2> /dev/null || true
  exit 1
}

for var in PGHOST PGUSER PGPASSWORD PGDATABASE FILESTORE_DIR WORK_DIR TENANT; do
  eval "value=\${$var:-}"
  [ -n "$value" ] || die "environment variable $var is not set"
done

# One reading of the clock: the folder name, created_at (restore-check compares them) and the
# retention class must agree, even when a call lands on the next second or day.
read -r now created_at day_of_month weekday << EOF
$(date -u '+%Y%m%dT%H%M%SZ %Y-%m-%dT%H:%M:%SZ %d %u')
EOF
if [ -n "${RETENTION_CLASS:-}" ]; then
  class=$RETENTION_CLASS
elif [ "$day_of_month" = "01" ]; then
  class=monthly
elif [ "$weekday" = "7" ]; then
  class=weekly
else
  class=daily
fi
case "$class" in
  daily | weekly | monthly) ;;
  *) die "RETENTION_CLASS='$class': use daily, weekly or monthly" ;;
esac

query() {
  psql --no-psqlrc --quiet --no-align --tuples-only --set=ON_ERROR_STOP=1 -c "$1"
}

# An Odoo database that references stored files (ir_attachment.store_fname, read from
# <data_dir>/filestore/<db>/: odoo/addons/base/models/ir_attachment.py, _full_path) must have its
# filestore: archiving an empty one would make a backup that cannot restore the attachments.
stored=$(query "SELECT count(*) || ' ' || coalesce(sum(file_size), 0) FROM ir_attachment WHERE store_fname IS NOT NULL" 2>&1) \
  || die "cannot read ir_attachment of $PGDATABASE: $stored"
refs=${stored% *}
files_bytes=${stored#* }
db_bytes=$(query "SELECT pg_database_size(current_database())" 2>&1) \
  || die "cannot read the size of $PGDATABASE: $db_bytes"
files_root="$FILESTORE_DIR/filestore"
files="$files_root/$PGDATABASE"
if [ "$refs" -gt 0 ]; then
  [ -d "$files" ] || die "$PGDATABASE references $refs stored files but $files does not exist"
  [ -r "$files" ] && [ -x "$files" ] \
    || die "$PGDATABASE references $refs stored files but $files is not readable"
elif [ ! -d "$files" ]; then
  # No attachment stored yet: archive an empty directory, so that every backup has one shape.
  echo "backup-dump: no filestore at $files and no stored attachment; archiving an empty one" >&2
  files_root="$WORK_DIR/empty-filestore"
  mkdir -p "$files_root/$PGDATABASE"
fi

out="$WORK_DIR/backup"
rm -rf "$out"
mkdir -p "$out"
# Upper bounds for backup-upload's multipart sizing (a compressed dump is smaller than the
# database; tar adds a header per file; the attachments' sizes come from the database, as
# walking a large filestore on EFS twice would be slow).
{
  printf '%s/%s/%s/\n' "$class" "$TENANT" "$now"
  echo "db.dump $((db_bytes + 1048576))"
  echo "filestore.tar.gz $((files_bytes * 11 / 10 + refs * 1024 + 1048576))"
} > "$out/plan.tmp" && mv "$out/plan.tmp" "$out/plan" || die "cannot write $out/plan"
mkfifo "$out/db.dump" "$out/filestore.tar.gz" || die "cannot create the pipes in $out"
: > "$out/ready" || die "cannot write $out/ready"

# stream NAME COMMAND...: COMMAND's output into the pipe NAME (read by backup-upload); its sha256
# and byte count into NAME.sha256 and NAME.bytes. Fails when COMMAND or the pipe fails.
stream() {
  name=$1
  shift
  [ ! -e "$out/upload-failed" ] || die "backup-upload failed: $(cat "$out/upload-failed")"
  mkfifo "$out/.$name.sum" "$out/.$name.count"
  sha256sum < "$out/.$name.sum" > "$out/$name.sha256" &
  sum_pid=$!
  wc -c < "$out/.$name.count" > "$out/$name.bytes" &
  count_pid=$!
  status=0
  { "$@" || echo "$?" > "$out/.$name.status"; } \
    | tee "$out/.$name.sum" "$out/.$name.count" > "$out/$name" || status=$?
  wait "$sum_pid" || status=$?
  wait "$count_pid" || status=$?
  [ ! -e "$out/.$name.status" ] || status=$(cat "$out/.$name.status")
  [ "$status" = 0 ] || die "streaming $name failed (exit $status)"
  [ -s "$out/$name.sha256" ] && [ -s "$out/$name.bytes" ] \
    || die "cannot record the checksum of $name in $out (disk full?)"
}

echo "backup-dump: streaming database $PGDATABASE"
stream db.dump pg_dump --format=custom --compress=6 --no-password
echo "backup-dump: streaming $files"
stream filestore.tar.gz tar -czf - -C "$files_root" "$PGDATABASE"

sha() { cut -d ' ' -f 1 "$out/$1.sha256"; }
size() { tr -d ' ' < "$out/$1.bytes"; }

# One file per line, so that the shell scripts can read it back with sed.
{
  cat <<JSON
{
  "format": 1,
  "tenant": "$TENANT",
  "database": "$PGDATABASE",
  "created_at": "$created_at",
  "retention_class": "$class",
  "odoo_platform_version": "$ODOO_PLATFORM_VERSION",
  "attachments": $refs,
  "files": {
    "db.dump": {"sha256": "$(sha db.dump)", "bytes": $(size db.dump)},
    "filestore.tar.gz": {"sha256": "$(sha filestore.tar.gz)", "bytes": $(size filestore.tar.gz)}
  }
}
JSON
} > "$out/manifest.tmp" || die "cannot write manifest.json in $out (disk full?)"
mv "$out/manifest.tmp" "$out/manifest.json" || die "cannot write manifest.json in $out"

# backup-upload checks what it received against the manifest and uploads it last.
waited=0
until [ -e "$out/uploaded" ]; do
  [ ! -e "$out/upload-failed" ] || die "backup-upload failed: $(cat "$out/upload-failed")"
  [ "$waited" -lt 900 ] || die "no verdict from backup-upload within 900 s"
  sleep 1
  waited=$((waited + 1))
done
echo "backup-dump: ok, $(head -n 1 "$out/plan")"
