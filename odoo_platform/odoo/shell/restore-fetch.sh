#!/bin/sh
# restore-fetch: find the newest complete backup of $TENANT (one that has a manifest.json) across
# the daily, weekly and monthly prefixes, download it to $WORK_DIR/restore/ and verify both files
# against the manifest's checksums. Exits non-zero when none is found or a checksum differs.
# Prefixes stamped in the future are ignored and listed in $WORK_DIR/restore/future.
# With REQUIRE_VERIFIED=1 (the DR restore and the DR drill, reading the DR-region replica), only a
# backup that restore-check verified counts: its prefix holds a verified.json (restore-verified.sh)
# naming this manifest's sha256; newer unverified backups are skipped and listed.
# Runs in the restore-check CronJob's `fetch` initContainer (aws-cli image), and in the DR restore's
# and the DR drill's.
set -eu
LC_ALL=C # byte order for sort and comm
export LC_ALL

die() {
  echo "restore-fetch: FAILED: $*" >&2
  exit 1
}

for var in BACKUP_BUCKET TENANT WORK_DIR; do
  eval "value=\${$var:-}"
  [ -n "$value" ] || die "environment variable $var is not set"
done

out="$WORK_DIR/restore"
rm -rf "$out"
mkdir -p "$out"

# Keys look like <class>/<tenant>/<YYYYmmddTHHMMSSZ>/manifest.json; the stamp sorts by time.
manifests="$out/manifests"
: > "$manifests"
: > "$out/verified"
for class in daily weekly monthly; do
  aws s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "$class/$TENANT/" \
    --query 'Contents[].Key' --output text > "$out/keys" \
    || die "cannot list s3://$BACKUP_BUCKET/$class/$TENANT/"
  tr '\t' '\n' < "$out/keys" \
    | grep -E "^$class/$TENANT/[0-9]{8}T[0-9]{6}Z/manifest\.json\$" >> "$manifests" || true
  tr '\t' '\n' < "$out/keys" \
    | grep -E "^$class/$TENANT/[0-9]{8}T[0-9]{6}Z/verified\.json\$" >> "$out/verified" || true
done
if [ "${REQUIRE_VERIFIED:-}" = 1 ]; then
  sed 's|verified\.json$|manifest.json|' "$out/verified" | sort > "$out/verified-manifests"
  sort "$manifests" | comm -23 - "$out/verified-manifests" > "$out/unverified"
  sort "$manifests" | comm -12 - "$out/verified-manifests" > "$manifests.tmp"
  mv "$manifests.tmp" "$manifests"
  while read -r key; do
    echo "restore-fetch: skipping unverified backup s3://$BACKUP_BUCKET/${key%manifest.json}" >&2
  done < "$out/unverified"
fi
# A prefix stamped after now cannot be a real backup (the writer stamps with its clock): it would
# hide every real one after it. Ignore it and say so; restore-check fails on it after checking the
# real newest backup, which raises the restore-check alert.
now=$(date -u +%Y%m%dT%H%M%SZ)
sed 's|^[a-z]*/[^/]*/\([^/]*\)/.*|\1 &|' "$manifests" | sort > "$out/stamped"
awk -v now="$now" '$1 > now { print $2 }' "$out/stamped" > "$out/future"
while read -r key; do
  echo "restore-fetch: ALERT: ignoring future-dated backup s3://$BACKUP_BUCKET/${key%manifest.json} (now $now)" >&2
done < "$out/future"
newest=$(awk -v now="$now" '$1 <= now { key = $2 } END { print key }' "$out/stamped")
kind=backup
[ "${REQUIRE_VERIFIED:-}" != 1 ] || kind="verified backup"
[ -n "$newest" ] || die "no $kind with a manifest.json under s3://$BACKUP_BUCKET/{daily,weekly,monthly}/$TENANT/"
prefix=${newest%manifest.json}

echo "restore-fetch: newest backup is s3://$BACKUP_BUCKET/$prefix"
for file in manifest.json db.dump filestore.tar.gz; do
  aws s3 cp "s3://$BACKUP_BUCKET/$prefix$file" "$out/$file" --only-show-errors \
    || die "cannot download s3://$BACKUP_BUCKET/$prefix$file"
done

for file in db.dump filestore.tar.gz; do
  expected=$(sed -n "s/.*\"$file\": *{\"sha256\": *\"\([0-9a-f]*\)\".*/\1/p" "$out/manifest.json")
  actual=$(sha256sum "$out/$file" | cut -d ' ' -f 1)
  [ -n "$expected" ] || die "s3://$BACKUP_BUCKET/${prefix}manifest.json has no sha256 for $file"
  [ "$expected" = "$actual" ] \
    || die "checksum mismatch for s3://$BACKUP_BUCKET/$prefix$file: manifest $expected, got $actual"
done
if [ "${REQUIRE_VERIFIED:-}" = 1 ]; then
  aws s3 cp "s3://$BACKUP_BUCKET/${prefix}verified.json" "$out/verified.json" --only-show-errors \
    || die "cannot download s3://$BACKUP_BUCKET/${prefix}verified.json"
  manifest_sha=$(sha256sum "$out/manifest.json" | cut -d ' ' -f 1)
  grep -q "\"manifest_sha256\": *\"$manifest_sha\"" "$out/verified.json" \
    || die "s3://$BACKUP_BUCKET/${prefix}verified.json does not name this manifest.json (sha256 $manifest_sha)"
fi
printf 's3://%s/%s\n' "$BACKUP_BUCKET" "$prefix" > "$out/source"
echo "restore-fetch: ok, checksums match"
