#!/bin/sh
# restore-check: restore the backup fetched into $WORK_DIR/restore/ into the scratch database
# $RESTORE_DATABASE (owned by the tenant role, so no administrator is needed), check that it is a
# working Odoo database and that the filestore archive reads, then empty the scratch database
# again, also on failure. Exits non-zero with a message saying what failed.
# Runs in the restore-check CronJob's `check` container (postgres image) as the tenant role.
set -eu

die() {
  echo "restore-check: FAILED: $*" >&2
  exit 1
}

for var in PGHOST PGUSER PGPASSWORD PGDATABASE RESTORE_DATABASE WORK_DIR; do
  eval "value=\${$var:-}"
  [ -n "$value" ] || die "environment variable $var is not set"
done
[ "$RESTORE_DATABASE" != "$PGDATABASE" ] || die "RESTORE_DATABASE must not be the tenant database"

src="$WORK_DIR/restore"
for file in db.dump filestore.tar.gz manifest.json; do
  [ -s "$src/$file" ] || die "$src/$file is missing or empty: did restore-fetch succeed?"
done
origin=$(cat "$src/source" 2> /dev/null || echo "$src")

scratch() {
  psql --no-psqlrc --quiet --no-align --tuples-only --set=ON_ERROR_STOP=1 \
    --dbname="$RESTORE_DATABASE" "$@"
}

# Drop every schema the tenant role owns (public belongs to it through pg_database_owner), with
# whatever is in them, and give back an empty public schema.
empty_scratch() {
  scratch <<'SQL'
DO $$
DECLARE s name;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
             AND pg_has_role(nspowner, 'USAGE')
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END
$$;
CREATE SCHEMA IF NOT EXISTS public;
SQL
}

cleanup() {
  status=$?
  empty_scratch > /dev/null || echo "restore-check: could not empty $RESTORE_DATABASE" >&2
  exit "$status"
}

pg_restore --list "$src/db.dump" > /dev/null \
  || die "$origin db.dump is not a readable pg_dump archive"
gzip -t "$src/filestore.tar.gz" 2> /dev/null \
  || die "$origin filestore.tar.gz is not a valid gzip file"
tar -tzf "$src/filestore.tar.gz" > "$WORK_DIR/filestore.list" \
  || die "$origin filestore.tar.gz does not list"
grep -q "^$PGDATABASE/" "$WORK_DIR/filestore.list" \
  || die "$origin filestore.tar.gz has no $PGDATABASE/ directory"

empty_scratch > /dev/null || die "cannot empty scratch database $RESTORE_DATABASE"
trap cleanup EXIT
echo "restore-check: restoring $origin into $RESTORE_DATABASE"
pg_restore --dbname="$RESTORE_DATABASE" --no-owner --no-acl --exit-on-error \
  --single-transaction --no-password "$src/db.dump" \
  || die "pg_restore of $origin into $RESTORE_DATABASE failed"

users=$(scratch -c "SELECT count(*) FROM res_users" 2>&1) \
  || die "cannot count res_users: $users"
[ "$users" -gt 0 ] 2> /dev/null || die "res_users is empty in the restored database"
base=$(scratch -c "SELECT state FROM ir_module_module WHERE name = 'base'" 2>&1) \
  || die "cannot read ir_module_module: $base"
[ "$base" = "installed" ] || die "module base is '${base:-missing}', not installed"

files=$(grep -c -v '/$' "$WORK_DIR/filestore.list" || true)
echo "restore-check: ok, $origin: $users users, base installed, $files filestore files"
