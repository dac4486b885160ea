#!/bin/sh
# restore-lib: the checks every restore makes of a backup fetched by restore-fetch.sh into $src
# (restore-check.sh into a scratch database, dr-restore.sh into the tenant's database, the DR
# drill through restore-check.sh). Sourced with `.`; the caller defines die() and sets src,
# origin, WORK_DIR, TENANT and PGDATABASE, and reads back `created`, `users` and `referenced`.
# shellcheck shell=sh disable=SC2154,SC2034
set -eu

# manifest KEY: a top-level value of manifest.json (one key per line, as backup-dump.sh writes it).
manifest() {
  sed -n "s/^  \"$1\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$src/manifest.json"
}

# check_backup: the files are there, it is this tenant's and database's backup, the manifest's
# created_at is its prefix's stamp, the dump is a readable pg_dump archive of this database and the
# filestore archive lists a <database>/ directory (into $WORK_DIR/filestore.list). Sets `created`.
check_backup() {
  for file in db.dump filestore.tar.gz manifest.json source; do
    [ -s "$src/$file" ] || die "$src/$file is missing or empty: did restore-fetch succeed?"
  done
  [ "$(manifest tenant)" = "$TENANT" ] \
    || die "$origin manifest.json is tenant '$(manifest tenant)', not $TENANT"
  [ "$(manifest database)" = "$PGDATABASE" ] \
    || die "$origin manifest.json is database '$(manifest database)', not $PGDATABASE"
  created=$(manifest created_at)
  stamp=$(echo "$created" | tr -d ':-')
  case "$origin" in
    */"$stamp"/) ;;
    *) die "$origin manifest.json says created_at '$created', which is not its prefix's stamp" ;;
  esac
  pg_restore --list "$src/db.dump" > "$WORK_DIR/dump.list" 2> /dev/null \
    || die "$origin db.dump is not a readable pg_dump archive"
  dumped=$(sed -n 's/^; *dbname: //p' "$WORK_DIR/dump.list")
  [ "$dumped" = "$PGDATABASE" ] || die "$origin db.dump is a dump of '$dumped', not $PGDATABASE"
  gzip -t "$src/filestore.tar.gz" 2> /dev/null \
    || die "$origin filestore.tar.gz is not a valid gzip file"
  tar -tzf "$src/filestore.tar.gz" > "$WORK_DIR/filestore.list" \
    || die "$origin filestore.tar.gz does not list"
  grep -q "^$PGDATABASE/" "$WORK_DIR/filestore.list" \
    || die "$origin filestore.tar.gz has no $PGDATABASE/ directory"
}

# check_odoo DATABASE [newer]: a working Odoo database (users, base installed) whose every
# referenced file (<sha1[:2]>/<sha1>, ir.attachment._full_path in
# odoo/addons/base/models/ir_attachment.py) is in the sorted list $WORK_DIR/archived. With
# `newer` (a database newer than the archive: a point-in-time restore) the files it lacks are
# counted in `missing`, listed in $WORK_DIR/missing, and not fatal. Sets `users`, `referenced`
# and `missing`.
check_odoo() {
  users=$(in_db "$1" -c "SELECT count(*) FROM res_users" 2>&1) \
    || die "cannot count res_users: $users"
  [ "$users" -gt 0 ] 2> /dev/null || die "res_users is empty in the restored database"
  base=$(in_db "$1" -c "SELECT state FROM ir_module_module WHERE name = 'base'" 2>&1) \
    || die "cannot read ir_module_module: $base"
  [ "$base" = "installed" ] || die "module base is '${base:-missing}', not installed"
  in_db "$1" -c "SELECT DISTINCT store_fname FROM ir_attachment WHERE store_fname IS NOT NULL" \
    > "$WORK_DIR/referenced" || die "cannot read ir_attachment in the restored database"
  LC_ALL=C sort -u "$WORK_DIR/referenced" | LC_ALL=C comm -23 - "$WORK_DIR/archived" \
    > "$WORK_DIR/missing"
  referenced=$(wc -l < "$WORK_DIR/referenced" | tr -d ' ')
  missing=$(wc -l < "$WORK_DIR/missing" | tr -d ' ')
  if [ -s "$WORK_DIR/missing" ] && [ "${2:-}" != newer ]; then
    die "$origin filestore.tar.gz lacks $(wc -l < "$WORK_DIR/missing" | tr -d ' ') of the $referenced files the database references, e.g. $(head -n 3 "$WORK_DIR/missing" | tr '\n' ' ')"
  fi
}

# in_db DATABASE PSQL-ARGS...: psql into DATABASE, values only, stopping at the first error.
in_db() {
  db=$1
  shift
  psql --no-psqlrc --quiet --no-align --tuples-only --set=ON_ERROR_STOP=1 --dbname="$db" "$@"
}
