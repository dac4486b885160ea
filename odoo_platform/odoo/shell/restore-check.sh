#!/bin/sh
# restore-check: prove that the backup fetched into $WORK_DIR/restore/ recovers $TENANT: it is
# this tenant's and database's backup, not older than the RPO allows, it restores into the scratch
# database $RESTORE_DATABASE (owned by the tenant role, so no administrator is needed) as a
# working Odoo database, and its filestore archive holds every file the database references.
# The scratch database is emptied completely before and after (also on failure).
# Exits non-zero with a `restore-check: FAILED: ...` line saying what failed.
# Runs in the restore-check CronJob's `check` container (postgres image) as the tenant role.
# shellcheck source-path=SCRIPTDIR
set -eu
LC_ALL=C # byte order for sort and comm
export LC_ALL

die() {
  echo "restore-check: FAILED: $*" >&2
  exit 1
}

for var in PGHOST PGUSER PGPASSWORD PGDATABASE RESTORE_DATABASE WORK_DIR TENANT RPO_HOURS; do
  eval "value=\${$var:-}"
  [ -n "$value" ] || die "environment variable $var is not set"
done
[ "$RESTORE_DATABASE" != "$PGDATABASE" ] || die "RESTORE_DATABASE must not be the tenant database"
case "$RPO_HOURS" in *[!0-9]*) die "RPO_HOURS='$RPO_HOURS': a whole number of hours" ;; esac

src="$WORK_DIR/restore"
[ -s "$src/source" ] || die "$src/source is missing or empty: did restore-fetch succeed?"
origin=$(cat "$src/source")
# check_backup, check_odoo, in_db
# shellcheck source=restore-lib.sh
. "${0%/*}/restore-lib.sh"

scratch() { in_db "$RESTORE_DATABASE" "$@"; }

# Drop everything the tenant role owns in the scratch database, whatever its kind or schema
# (pg_shdepend lists it: tables, functions, types, extensions, large objects, schemas, ...; on
# PostgreSQL <= 14 `public` itself belongs to the bootstrap superuser and stays, emptied), then
# check that nothing is left and give back a `public` schema.
empty_scratch() {
  scratch <<'SQL'
SET search_path = pg_catalog;
DO $$
DECLARE
  o record;
  left_over text;
BEGIN
  FOR pass IN 1..3 LOOP
    FOR o IN
      SELECT d.classid, d.objid, i.type, i.identity
      FROM pg_shdepend d, pg_identify_object(d.classid, d.objid, 0) i
      WHERE d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND d.deptype = 'o' AND pg_has_role(d.refobjid, 'USAGE')
      ORDER BY i.type IN ('extension', 'schema') DESC, i.type = 'index'
    LOOP
      BEGIN
        IF o.type = 'large object' THEN
          PERFORM lo_unlink(o.objid);
        ELSE
          EXECUTE format('DROP %s IF EXISTS %s CASCADE',
                         CASE o.type WHEN 'composite type' THEN 'type' ELSE o.type END, o.identity);
        END IF;
      EXCEPTION WHEN others THEN
        NULL;  -- gone with an earlier CASCADE, or dropped with its owner object in a later pass
      END;
    END LOOP;
  END LOOP;
  SELECT string_agg(i.type || ' ' || i.identity, ', ') INTO left_over
  FROM pg_shdepend d, pg_identify_object(d.classid, d.objid, 0) i
  WHERE d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND d.deptype = 'o' AND pg_has_role(d.refobjid, 'USAGE');
  IF left_over IS NOT NULL THEN
    RAISE EXCEPTION 'cannot drop %', left_over;
  END IF;
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

# Whose backup is this (and readable)? Sets `created`.
check_backup

empty_scratch > /dev/null || die "cannot empty scratch database $RESTORE_DATABASE"
trap cleanup EXIT
# The server's clock judges the age (created_at is UTC, ISO 8601).
age=$(echo "SELECT floor(extract(epoch FROM now() - :'created'::timestamptz) / 60)" \
  | scratch -v created="$created" 2>&1) || die "cannot read created_at '$created' of $origin: $age"
# One hour of grace for the backup's own run and the schedules' jitter.
[ "$age" -le $(((RPO_HOURS + 1) * 60)) ] \
  || die "newest backup $origin is $((age / 60))h$((age % 60))m old: older than the ${RPO_HOURS}h RPO allows"

echo "restore-check: restoring $origin into $RESTORE_DATABASE"
pg_restore --dbname="$RESTORE_DATABASE" --no-owner --no-acl --exit-on-error \
  --single-transaction --no-password "$src/db.dump" \
  || die "pg_restore of $origin into $RESTORE_DATABASE failed"

# Every file the restored database references must be in the archive.
sed -n "s|^$PGDATABASE/||p" "$WORK_DIR/filestore.list" | sort -u > "$WORK_DIR/archived"
check_odoo "$RESTORE_DATABASE"

files=$(grep -c -v '/$' "$WORK_DIR/filestore.list" || true)
echo "restore-check: ok, $origin: $users users, base installed, $referenced referenced files all in the archive ($files filestore files), $((age / 60))h$((age % 60))m old"
if [ -s "$src/future" ]; then
  die "the newest real backup is fine, but future-dated backup prefixes hide it: $(tr '\n' ' ' < "$src/future")(written with the backup role: investigate, then delete them)"
fi
# restore-verified.sh (the next step) marks this backup verified: DR restores take only those.
echo "$origin" > "$src/checked"
