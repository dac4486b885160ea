#!/bin/sh
# dr-restore: on a disaster-recovery site, recover $TENANT before Odoo starts, from the newest
# verified backup that restore-fetch.sh (REQUIRE_VERIFIED=1) fetched from the primary's DR-region
# replica into $WORK_DIR/restore/: the same checks as restore-check.sh (restore-lib.sh), then the
# filestore onto the tenant's volume ($FILESTORE_DIR/filestore/<db>/, owned by $FILESTORE_UID) and
# the dump into the tenant's database, in one transaction that also marks the database as restored
# by this Job (a COMMENT ON DATABASE naming the backup; pg_dump without --create never copies it).
# A rerun finds the mark and only checks. A non-empty database without the mark is refused: it
# holds data this Job did not write. Writes $WORK_DIR/dr-restore.json on success; the init Job's
# next steps (db-state.sh, then Odoo) run only after this step succeeded.
# DATABASE_FROM=point-in-time (pilot light): RDS restored the whole server from the primary's
# replicated automated backups, so the database already holds the data, newer than the backup.
# Only the backup's filestore is restored, after checking that the database exists and is a
# working Odoo database; the files it references that the (older) archive lacks were written
# after the archive: counted and listed ("missing" in dr-restore.json), not fatal. The mark
# ("point-in-time", the backup) is set once the filestore is in place; a rerun finds it and
# only checks.
# Runs in the init Job's `dr-restore` initContainer (postgres image) as the tenant role.
# shellcheck source-path=SCRIPTDIR
set -eu
LC_ALL=C # byte order for sort and comm
export LC_ALL

die() {
  echo "dr-restore: FAILED: $*" >&2
  exit 1
}

for var in PGHOST PGUSER PGPASSWORD PGDATABASE WORK_DIR TENANT FILESTORE_DIR FILESTORE_UID; do
  eval "value=\${$var:-}"
  [ -n "$value" ] || die "environment variable $var is not set"
done
case "$FILESTORE_UID" in *[!0-9]*) die "FILESTORE_UID='$FILESTORE_UID': a numeric uid" ;; esac
database_from=${DATABASE_FROM:-backup}
case "$database_from" in
  backup | point-in-time) ;;
  *) die "DATABASE_FROM='$database_from': backup (the dump) or point-in-time (RDS restored it)" ;;
esac

src="$WORK_DIR/restore"
[ -s "$src/source" ] || die "$src/source is missing or empty: did restore-fetch succeed?"
origin=$(cat "$src/source")
# check_backup, check_odoo, in_db
# shellcheck source=restore-lib.sh
. "${0%/*}/restore-lib.sh"
tenant_db() { in_db "$PGDATABASE" "$@"; }

check_backup
mark="odoo-platform dr-restore $origin"
[ "$database_from" = backup ] || mark="odoo-platform dr-restore point-in-time $origin"
current=$(tenant_db -c "SELECT coalesce(shobj_description(oid, 'pg_database'), '')
  FROM pg_database WHERE datname = current_database()" 2>&1) \
  || die "cannot read database '$PGDATABASE' on $PGHOST as $PGUSER: $current"
relations=$(tenant_db -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_to%'
    AND n.nspname NOT LIKE 'pg\_temp%'" 2>&1) || die "cannot inspect '$PGDATABASE': $relations"

# restore_filestore: the backup's filestore archive onto the tenant's volume.
restore_filestore() {
  files="$FILESTORE_DIR/filestore"
  mkdir -p "$files" || die "cannot create $files"
  echo "dr-restore: restoring the filestore of $origin into $files/$PGDATABASE"
  tar -xzf "$src/filestore.tar.gz" -C "$files" --no-same-owner "$PGDATABASE" \
    || die "cannot extract $origin filestore.tar.gz into $files"
}

if [ "$database_from" = point-in-time ]; then
  # The database came with the server (an RDS point-in-time restore of the primary's): a
  # missing or empty one means that restore did not bring it; nothing is loaded into it.
  [ "$relations" != 0 ] \
    || die "database $PGDATABASE on $PGHOST is empty: the point-in-time restore of the server did not bring the tenant's data (see docs/runbooks/dr-failover.md)"
  if [ "$current" = "$mark" ]; then
    echo "dr-restore: the filestore of $origin was already restored by this Job: checking it"
  else
    restore_filestore
  fi
else
  case "$current" in
    "odoo-platform dr-restore "*)
      echo "dr-restore: $PGDATABASE was already restored by this Job (${current#odoo-platform dr-restore }): checking it"
      ;;
    *)
      [ "$relations" = 0 ] \
        || die "database $PGDATABASE is not empty ($relations relations) and was not restored by this Job: refusing to overwrite it (see docs/runbooks/dr-failover.md)"
      # The filestore first: the database's mark, committed last, says both are in place.
      restore_filestore
      echo "dr-restore: restoring $origin into $PGDATABASE"
      quoted_db=$(printf '%s' "$PGDATABASE" | sed 's/"/""/g')
      {
        pg_restore --no-owner --no-acl --file=- "$src/db.dump" \
          || echo "SELECT 1/0 AS pg_restore_failed;"
        printf 'COMMENT ON DATABASE "%s" IS %s;\n' "$quoted_db" "'$mark'"
      } | in_db "$PGDATABASE" --single-transaction --file=- > /dev/null \
        || die "restore of $origin into $PGDATABASE failed (rolled back: the database is empty again)"
      ;;
  esac
fi

# The restored filestore: Odoo's uid owns every file (on EFS the access point enforces it; a
# root restore, outside the cluster, gives them to it).
dir="$FILESTORE_DIR/filestore/$PGDATABASE"
[ -d "$dir" ] || die "$dir does not exist after the restore"
[ "$(id -u)" != 0 ] || chown -R "$FILESTORE_UID" "$dir" || die "cannot give $dir to uid $FILESTORE_UID"
foreign=$(find "$dir" ! -user "$FILESTORE_UID" | head -n 3)
[ -z "$foreign" ] || die "files in $dir are not owned by uid $FILESTORE_UID (Odoo could not write them), e.g. $foreign"
(cd "$dir" && find . -type f | sed 's|^\./||' | sort -u) > "$WORK_DIR/archived"
if [ "$database_from" = backup ]; then
  check_odoo "$PGDATABASE"
else
  check_odoo "$PGDATABASE" newer
  # The database's mark, set last: the filestore is in place (a rerun only checks).
  quoted_db=$(printf '%s' "$PGDATABASE" | sed 's/"/""/g')
  tenant_db -c "COMMENT ON DATABASE \"$quoted_db\" IS '$mark'" > /dev/null \
    || die "cannot mark $PGDATABASE as restored"
fi

cat > "$WORK_DIR/dr-restore.json" <<JSON
{"tenant": "$TENANT", "database": "$PGDATABASE", "database_from": "$database_from", "backup": "$origin", "created_at": "$created", "users": $users, "files": $referenced, "missing": $missing}
JSON
if [ "$database_from" = backup ]; then
  echo "dr-restore: ok, $PGDATABASE holds $origin: $users users, base installed, $referenced referenced files on the filestore"
else
  [ "$missing" = 0 ] \
    || echo "dr-restore: WARNING: $missing of the $referenced files $PGDATABASE references are newer than the filestore of $origin (lost with the region, listed in $WORK_DIR/missing), e.g. $(head -n 3 "$WORK_DIR/missing" | tr '\n' ' ')" >&2
  echo "dr-restore: ok, $PGDATABASE restored to a point in time by RDS, the filestore of $origin: $users users, base installed, $((referenced - missing)) of $referenced referenced files on the filestore"
fi
