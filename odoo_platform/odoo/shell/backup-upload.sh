#!/bin/sh
# backup-upload: stream what backup-dump writes into the pipes of $WORK_DIR/backup/ to
# s3://$BACKUP_BUCKET/<class>/<tenant>/<stamp>/ with SSE-KMS under $BACKUP_KMS_KEY_ID, checking the
# sha256 and size of what it sent against backup-dump's manifest.json, which goes last: a backup
# without a manifest is incomplete and restores ignore it. Writes `uploaded` (or `upload-failed`)
# for backup-dump, which waits for that verdict.
# Runs in the backup pods' `upload` sidecar (aws-cli image) with the backup writer's IRSA role,
# started before backup-dump; it waits for backup-dump's plan.
set -eu

die() {
  echo "backup-upload: FAILED: $*" >&2
  if [ -n "${src:-}" ] && [ -d "$src" ]; then
    echo "$*" > "$src/upload-failed" 2> /dev/null || true
    # A writer blocked opening a pipe that nobody reads would wait forever: open and close each
    # pipe read-write (never blocks) so that it fails on SIGPIPE instead.
    for pipe in "$src/db.dump" "$src/filestore.tar.gz"; do
      if [ -p "$pipe" ]; then exec 3<> "$pipe" && exec 3>&-; fi
    done
  fi
  exit 1
}

for var in BACKUP_BUCKET BACKUP_KMS_KEY_ID TENANT WORK_DIR; do
  eval "value=\${$var:-}"
  [ -n "$value" ] || die "environment variable $var is not set"
done

src="$WORK_DIR/backup"
until [ -e "$src/ready" ]; do
  [ ! -e "$src/dump-failed" ] || die "backup-dump failed: $(cat "$src/dump-failed")"
  # the init Job on a new database: nothing to back up
  if [ -e "$src/skipped" ]; then echo "backup-upload: nothing to upload: $(cat "$src/skipped")"; exit 0; fi
  sleep 1
done
prefix=$(head -n 1 "$src/plan")
case "$prefix" in
  daily/"$TENANT"/*/ | weekly/"$TENANT"/*/ | monthly/"$TENANT"/*/) ;;
  *) die "key prefix '$prefix' is not under <class>/$TENANT/" ;;
esac

put() {
  aws s3 cp - "s3://$BACKUP_BUCKET/$prefix$1" --only-show-errors \
    --sse aws:kms --sse-kms-key-id "$BACKUP_KMS_KEY_ID" --expected-size "$2"
}

# send NAME: the pipe NAME to S3, recording the sha256 and size of what was sent.
send() {
  name=$1
  expected=$(sed -n "s/^$name \([0-9]*\)\$/\1/p" "$src/plan")
  [ -n "$expected" ] || die "the plan has no size for $name"
  mkfifo "$src/.sent-$name.sum" "$src/.sent-$name.count"
  sha256sum < "$src/.sent-$name.sum" | cut -d ' ' -f 1 > "$src/.sent-$name.sha256" &
  sum_pid=$!
  wc -c < "$src/.sent-$name.count" | tr -d ' ' > "$src/.sent-$name.bytes" &
  count_pid=$!
  echo "backup-upload: s3://$BACKUP_BUCKET/$prefix$name"
  status=0
  tee "$src/.sent-$name.sum" "$src/.sent-$name.count" < "$src/$name" | put "$name" "$expected" \
    || status=$?
  wait "$sum_pid" || status=$?
  wait "$count_pid" || status=$?
  [ "$status" = 0 ] || die "upload of $name to s3://$BACKUP_BUCKET/$prefix failed"
}

send db.dump
send filestore.tar.gz

until [ -e "$src/manifest.json" ]; do
  [ ! -e "$src/dump-failed" ] || die "backup-dump failed: $(cat "$src/dump-failed")"
  sleep 1
done
# What reached S3 must be what backup-dump read from pg_dump and tar.
for name in db.dump filestore.tar.gz; do
  line=$(grep "\"$name\":" "$src/manifest.json") || die "manifest.json has no entry for $name"
  sha=$(echo "$line" | sed -n 's/.*"sha256": *"\([0-9a-f]*\)".*/\1/p')
  bytes=$(echo "$line" | sed -n 's/.*"bytes": *\([0-9]*\).*/\1/p')
  [ "$sha" = "$(cat "$src/.sent-$name.sha256")" ] \
    || die "$name sent does not match its manifest checksum"
  [ "$bytes" = "$(cat "$src/.sent-$name.bytes")" ] \
    || die "$name sent is not the size in its manifest"
done
echo "backup-upload: s3://$BACKUP_BUCKET/${prefix}manifest.json"
put manifest.json 65536 < "$src/manifest.json" || die "upload of manifest.json failed"
: > "$src/uploaded" || die "cannot write $src/uploaded"
echo "backup-upload: ok, s3://$BACKUP_BUCKET/$prefix"
