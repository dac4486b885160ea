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

src="$WORK_DIR/restore"
[ -s "$src/source" ] || die "$src/source is missing or empty: did restore-fetch succeed?"
origin=$(cat "$src/source")
# check_backup, check_odoo, in_db
# shellcheck source=restore-lib.sh
. "${0%/*}/restore-lib.sh"
tenant_db() { in_db "$PGDATABASE" "$@"; }

check_backup
mark="odoo-platform dr-restore $origin"
current=$(tenant_db -c "SELECT coalesce(shobj_description(oid, 'pg_database'), '')
  FROM pg_database WHERE datname = current_database()" 2>&1) \
  || die "cannot read database '$PGDATABASE' on $PGHOST as $PGUSER: $current"
relations=$(tenant_db -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_to%'
    AND n.nspname NOT LIKE 'pg\_temp%'" 2>&1) || die "cannot inspect '$PGDATABASE': $relations"

case "$current" in
  "odoo-platform dr-restore "*)
    echo "dr-restore: $PGDATABASE was already restored by this Job (${current#odoo-platform dr-restore }): checking it"
    ;;
  *)
    [ "$relations" = 0 ] \
      || die "database $PGDATABASE is not empty ($relations relations) and was not restored by this Job: refusing to overwrite it (see docs/runbooks/dr-failover.md)"
    # The filestore first: the database's mark, committed last, says both are in place.
    files="$FILESTORE_DIR/filestore"
    mkdir -p "$files" || die "cannot create $files"
    echo "dr-restore: restoring the filestore of $origin into $files/$PGDATABASE"
    tar -xzf "$src/filestore.tar.gz" -C "$files" --no-same-owner "$PGDATABASE" \
      || die "cannot extract $origin filestore.tar.gz into $files"
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

# The restored filestore: Odoo's uid owns every file (on EFS the access point enforces it; a
# root restore, outside the cluster, gives them to it).
dir="$FILESTORE_DIR/filestore/$PGDATABASE"
[ -d "$dir" ] || die "$dir does not exist after the restore"
[ "$(id -u)" != 0 ] || chown -R "$FILESTORE_UID" "$dir" || die "cannot give $dir to uid $FILESTORE_UID"
foreign=$(find "$dir" ! -user "$FILESTORE_UID" | head -n 3)
[ -z "$foreign" ] || die "files in $dir are not owned by uid $FILESTORE_UID (Odoo could not write them), e.g. $foreign"
(cd "$dir" && find . -type f | sed 's|^\./||' | sort -u) > "$WORK_DIR/archived"
check_odoo "$PGDATABASE"

cat > "$WORK_DIR/dr-restore.json" <<JSON
{"tenant": "$TENANT", "database": "$PGDATABASE", "backup": "$origin", "created_at": "$created", "users": $users, "files": $referenced}
JSON
echo "dr-restore: ok, $PGDATABASE holds $origin: $users users, base installed, $referenced referenced files on the filestore"
