#!/bin/sh
# odoo-init: the init/upgrade Job's Odoo step (odoo image), after db-state.sh decided once:
#   install  `-i base,<addons>`, then the admin login and its generated password: only here, so a
#            password the firm changed later is never overwritten;
#   upgrade  `-u all` (and `-i` of new addons): web and cron were stopped, a backup taken.
# Then the public URL is pinned and PDF rendering pointed at the web Service. Settings come from
# $INIT_ENV (the init ConfigMap, updated in place: a new host name does not re-run the Job), the
# generated password from the environment (a Secret), never from this file or argv.
set -eu

die() {
  echo "odoo-init: FAILED: $*" >&2
  exit 1
}

for var in PGDATABASE WORK_DIR ODOO_RC INIT_ENV; do
  eval "value=\${$var:-}"
  [ -n "$value" ] || die "environment variable $var is not set"
done
# SITE_URL, REPORT_URL, ADDONS (comma-separated), ADMIN_LOGIN (may be empty: keep `admin`)
. "$INIT_ENV"
export SITE_URL REPORT_URL ADMIN_LOGIN
odoo=${ODOO_BIN:-/usr/bin/odoo}
state=$(cat "$WORK_DIR/db-state") || die "db-state.sh left no decision in $WORK_DIR/db-state"

run() {
  "$odoo" -c "$ODOO_RC" -d "$PGDATABASE" --no-http --stop-after-init "$@"
}
odoo_shell() {
  "$odoo" shell -c "$ODOO_RC" -d "$PGDATABASE" --no-http
}

case "$state" in
  install)
    [ -n "${ODOO_ADMIN_LOGIN_PASSWORD:-}" ] || die "ODOO_ADMIN_LOGIN_PASSWORD is not set"
    run -i "base${ADDONS:+,$ADDONS}"
    # base/data/res_users_data.xml creates base.user_admin as admin/admin
    odoo_shell <<'PY'
import os
admin = env.ref("base.user_admin")
values = {"password": os.environ["ODOO_ADMIN_LOGIN_PASSWORD"]}
if os.environ.get("ADMIN_LOGIN"):
    values.update(login=os.environ["ADMIN_LOGIN"], email=os.environ["ADMIN_LOGIN"])
admin.write(values)
# db-state.sh's first-install marker goes in the same transaction as the password
env.cr.execute("DROP TABLE IF EXISTS public.odoo_platform_first_install")
env.cr.commit()
print("odoo-init: admin login %s has its generated password" % admin.login)
PY
    ;;
  upgrade)
    if [ -n "${ADDONS:-}" ]; then run -u all -i "$ADDONS"; else run -u all; fi
    ;;
  *) die "unknown decision '$state' in $WORK_DIR/db-state" ;;
esac

odoo_shell <<'PY'
import os
params = env["ir.config_parameter"].sudo()
params.set_param("web.base.url", os.environ["SITE_URL"])
params.set_param("web.base.url.freeze", "True")
params.set_param("report.url", os.environ["REPORT_URL"])
env.cr.commit()
PY
echo "odoo-init: $state done"
