#!/bin/sh
# backup-upload: upload what backup-dump wrote in $WORK_DIR/backup/ to
# s3://$BACKUP_BUCKET/<class>/<tenant>/<stamp>/ with SSE-KMS under $BACKUP_KMS_KEY_ID.
# manifest.json goes last: a backup without a manifest is incomplete and restores ignore it.
# Runs in the backup CronJob's `upload` container (aws-cli image) with the tenant's IRSA role.
set -eu

die() {
  echo "backup-upload: FAILED: $*" >&2
  exit 1
}

for var in BACKUP_BUCKET BACKUP_KMS_KEY_ID TENANT WORK_DIR; do
  eval "value=\${$var:-}"
  [ -n "$value" ] || die "environment variable $var is not set"
done

src="$WORK_DIR/backup"
for file in db.dump filestore.tar.gz manifest.json key-prefix; do
  [ -s "$src/$file" ] || die "$src/$file is missing or empty: did backup-dump succeed?"
done
prefix=$(cat "$src/key-prefix")
case "$prefix" in
  daily/"$TENANT"/*/ | weekly/"$TENANT"/*/ | monthly/"$TENANT"/*/) ;;
  *) die "key prefix '$prefix' is not under <class>/$TENANT/" ;;
esac

# Check the files against the manifest before they leave the pod.
for file in db.dump filestore.tar.gz; do
  expected=$(sed -n "s/.*\"$file\": *{\"sha256\": *\"\([0-9a-f]*\)\".*/\1/p" "$src/manifest.json")
  actual=$(sha256sum "$src/$file" | cut -d ' ' -f 1)
  [ -n "$expected" ] || die "manifest.json has no sha256 for $file"
  [ "$expected" = "$actual" ] || die "$file does not match its manifest checksum"
done

for file in db.dump filestore.tar.gz manifest.json; do
  echo "backup-upload: s3://$BACKUP_BUCKET/$prefix$file"
  aws s3 cp "$src/$file" "s3://$BACKUP_BUCKET/$prefix$file" --only-show-errors \
    --sse aws:kms --sse-kms-key-id "$BACKUP_KMS_KEY_ID" \
    || die "upload of $file to s3://$BACKUP_BUCKET/$prefix failed"
done
echo "backup-upload: ok, s3://$BACKUP_BUCKET/$prefix"
