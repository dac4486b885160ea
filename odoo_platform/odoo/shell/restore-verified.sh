#!/bin/sh
# restore-verified: after restore-check.sh succeeded, mark the backup it checked as verified:
# s3://$BACKUP_BUCKET/<class>/<tenant>/<stamp>/verified.json names the sha256 of its manifest.
# Replication copies it to the DR region with the backup; the DR restore and the DR drill
# (restore-fetch.sh with REQUIRE_VERIFIED=1) take only verified backups.
# Runs in the restore-check CronJob's `record` container (aws-cli image), after `check`.
set -eu

die() {
  echo "restore-verified: FAILED: $*" >&2
  exit 1
}

for var in BACKUP_BUCKET BACKUP_KMS_KEY_ID TENANT WORK_DIR; do
  eval "value=\${$var:-}"
  [ -n "$value" ] || die "environment variable $var is not set"
done

src="$WORK_DIR/restore"
[ -s "$src/checked" ] || die "$src/checked is missing: restore-check.sh did not succeed"
origin=$(cat "$src/checked")
prefix=${origin#"s3://$BACKUP_BUCKET/"}
case "$prefix" in
  daily/"$TENANT"/*/ | weekly/"$TENANT"/*/ | monthly/"$TENANT"/*/) ;;
  *) die "checked backup '$origin' is not under s3://$BACKUP_BUCKET/<class>/$TENANT/" ;;
esac
cat > "$src/verified.json" <<JSON
{
  "format": 1,
  "tenant": "$TENANT",
  "backup": "$origin",
  "manifest_sha256": "$(sha256sum "$src/manifest.json" | cut -d ' ' -f 1)",
  "verified_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "verified_by": "restore-check"
}
JSON
aws s3 cp "$src/verified.json" "s3://$BACKUP_BUCKET/${prefix}verified.json" --only-show-errors \
  --sse aws:kms --sse-kms-key-id "$BACKUP_KMS_KEY_ID" \
  || die "cannot write s3://$BACKUP_BUCKET/${prefix}verified.json"
echo "restore-verified: ok, $origin is verified"
