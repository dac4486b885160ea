#!/bin/sh
# scale-workloads: set the replicas of the tenant's own Deployments through the Kubernetes API's
# `deployments/scale` subresource (the Job's Role allows get/patch on exactly those names).
#   SCALE_TARGETS  "odoo-web=0 odoo-cron=0": name=replicas pairs
#   WHEN_STATE     if set, act only when db-state.sh decided this (`upgrade`); else always
#   DRAIN_SECONDS  after scaling to 0: wait until no replica is counted, then this long, for the
#                  terminating pods' grace period (they are no longer counted while they drain)
#   KEDA_PAUSE     hold: first pause the ScaledObject of the same name at those replicas
#                  (`autoscaling.keda.sh/paused-replicas`): KEDA would otherwise scale a stopped
#                  Deployment straight back to its minimum (or up, while a cron trigger is
#                  active); release: remove the pause, KEDA scales from the replicas set here.
#                  A Deployment without a ScaledObject (404) is scaled all the same.
# Runs in the odoo image (curl, python3) with a projected service account token in TOKEN_DIR.
set -eu

die() {
  echo "scale-workloads: FAILED: $*" >&2
  exit 1
}

for var in KUBE_API NAMESPACE SCALE_TARGETS TOKEN_DIR WORK_DIR; do
  eval "value=\${$var:-}"
  [ -n "$value" ] || die "environment variable $var is not set"
done
if [ -n "${WHEN_STATE:-}" ]; then
  state=$(cat "$WORK_DIR/db-state") || die "db-state.sh left no decision"
  if [ "$state" != "$WHEN_STATE" ]; then
    echo "scale-workloads: database state '$state': nothing to scale"
    exit 0
  fi
fi
token=$(cat "$TOKEN_DIR/token") || die "no service account token in $TOKEN_DIR"
body="$WORK_DIR/scale-response.json"

# call METHOD URL [JSON]: the HTTP status of one Kubernetes API call; the answer in $body
call() {
  method=$1
  url=$2
  if [ -n "${3:-}" ]; then
    set -- -H "Content-Type: application/merge-patch+json" --data "$3"
  else
    set --
  fi
  ca=""
  [ ! -f "$TOKEN_DIR/ca.crt" ] || ca="$TOKEN_DIR/ca.crt"
  curl --silent --show-error --max-time 30 ${ca:+--cacert "$ca"} -o "$body" -w '%{http_code}' \
    -H "Authorization: Bearer $token" -X "$method" "$url" "$@" || true # 000: no answer
}

# api METHOD NAME [JSON]: one call on NAME's scale subresource
api() {
  call "$1" "$KUBE_API/apis/apps/v1/namespaces/$NAMESPACE/deployments/$2/scale" "${3:-}"
}

# pause NAME REPLICAS: hold or release NAME's ScaledObject as KEDA_PAUSE says
pause() {
  case "${KEDA_PAUSE:-}" in
    "") return 0 ;;
    hold) value="\"$2\"" ;;
    release) value=null ;;
    *) die "KEDA_PAUSE is '$KEDA_PAUSE', not hold or release" ;;
  esac
  code=$(call PATCH "$KUBE_API/apis/keda.sh/v1alpha1/namespaces/$NAMESPACE/scaledobjects/$1" \
    "{\"metadata\":{\"annotations\":{\"autoscaling.keda.sh/paused-replicas\":$value}}}")
  case "$code" in
    200) echo "scale-workloads: ScaledObject $1: $KEDA_PAUSE" ;;
    404) echo "scale-workloads: no ScaledObject $1: nothing to $KEDA_PAUSE" ;;
    *) die "PATCH scaledobjects/$1 answered $code: $(cat "$body" 2>/dev/null)" ;;
  esac
}

counted() {
  python3 -c 'import json, sys; print(json.load(sys.stdin).get("status", {}).get("replicas", 0))' \
    <"$body"
}

for target in $SCALE_TARGETS; do
  name=${target%%=*}
  replicas=${target#*=}
  pause "$name" "$replicas"
  code=$(api PATCH "$name" "{\"spec\":{\"replicas\":$replicas}}")
  case "$code" in
    200) echo "scale-workloads: $name -> $replicas" ;;
    404) echo "scale-workloads: $name does not exist yet: nothing to scale" ;;
    *) die "PATCH $name/scale answered $code: $(cat "$body" 2>/dev/null)" ;;
  esac
  if [ "$replicas" = 0 ] && [ "$code" = 200 ]; then
    tries=0
    while :; do
      code=$(api GET "$name")
      [ "$code" = 200 ] || die "GET $name/scale answered $code: $(cat "$body" 2>/dev/null)"
      [ "$(counted)" = 0 ] && break
      tries=$((tries + 1))
      [ "$tries" -lt 120 ] || die "$name still runs replicas after 10 minutes"
      sleep 5
    done
  fi
done
case "$SCALE_TARGETS" in
  *=0*) sleep "${DRAIN_SECONDS:-0}" ;;
esac
