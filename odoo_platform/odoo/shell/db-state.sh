#!/bin/sh
# db-state: decide once what the init/upgrade Job does with the tenant database, and write the
# answer to $WORK_DIR/db-state for the Job's next steps (backup, stop web and cron, Odoo):
#   install  no Odoo schema (no ir_module_module table), base never finished installing, or a
#            first install whose admin password step has not committed yet;
#   upgrade  base is installed: back up, stop web and cron, then `-u`.
# Runs in the Job's first initContainer (postgres image) as the tenant role. A failure to connect
# or to query (wrong password, the role at its CONNECTION LIMIT, a failover, a missing database)
# fails the Job: it is never read as "new database", which would skip the backup and `-i base`
# an installed database.
set -eu

die() {
  echo "db-state: FAILED: $*" >&2
  exit 1
}

for var in PGHOST PGUSER PGDATABASE WORK_DIR; do
  eval "value=\${$var:-}"
  [ -n "$value" ] || die "environment variable $var is not set"
done

psql_value() {
  psql --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 -c "$1" ||
    die "cannot read database '$PGDATABASE' on $PGHOST as $PGUSER (psql's error above); not guessing"
}

# A first install is marked until odoo-init.sh sets the admin password (it drops the marker in
# the same transaction): a retry after `-i base` succeeded still sets it.
marker=odoo_platform_first_install

# to_regclass is NULL for a missing table, not an error: only real failures fail.
schema=$(psql_value "SELECT to_regclass('public.ir_module_module') IS NOT NULL")
pending=$(psql_value "SELECT to_regclass('public.$marker') IS NOT NULL")
state=install
if [ "$pending" = t ]; then
  echo "db-state: a first install has not finished (its admin password is not set yet)"
elif [ "$schema" = t ]; then
  installed=$(psql_value "SELECT count(*) FROM public.ir_module_module
    WHERE name = 'base' AND state IN ('installed', 'to upgrade', 'to remove')")
  [ "$installed" = 0 ] || state=upgrade
elif [ "$schema" != f ]; then
  die "unexpected answer '$schema'"
fi

if [ "$state" = install ]; then
  psql_value "CREATE TABLE IF NOT EXISTS public.$marker ()" >/dev/null
fi
printf '%s\n' "$state" >"$WORK_DIR/db-state"
echo "db-state: $state"
