#!/bin/sh
# dr-drill STEP: a scheduled disaster-recovery drill of $TENANT, in three steps of one pod that
# share $WORK_DIR/drill/:
#   fetch    (aws-cli image, DR-region credentials) starts the clock, then restore-fetch.sh with
#            REQUIRE_VERIFIED=1 takes the newest verified backup from the DR-region replica;
#   restore  (postgres image, the tenant role) restore-check.sh restores it into the scratch
#            database, checks it and empties it again; the clock stops;
#   report   (aws-cli image) writes the result to s3://$BACKUP_BUCKET/drills/<tenant>/<stamp>.json
#            (the auditors' evidence, under the bucket's Object Lock) and publishes the measured
#            seconds (the data step's RTO) as OdooPlatform/DR RestoreSeconds {Tenant, Stack}.
#            With $METRIC_ROLE_ARN (a tenant in its own AWS account), the record still goes to
#            the tenant's bucket with the pod's own credentials, and the metric is published
#            with that role's (the platform account's, where the alarm is): publish only.
# fetch and restore record a failure instead of failing, so that report always records the run;
# report then fails the Job. A drill slower than $RTO_TARGET_SECONDS is reported `met: false`
# (the alarm on the metric fires); it is not a failed Job.
set -eu

namespace="OdooPlatform/DR"
metric="RestoreSeconds"
step=${1:-}

die() {
  echo "dr-drill: FAILED: $*" >&2
  exit 1
}

for var in WORK_DIR TENANT; do
  eval "value=\${$var:-}"
  [ -n "$value" ] || die "environment variable $var is not set"
done
out="$WORK_DIR/drill"
here=${0%/*}

# record_failure STEP LOG: the step's last error line, for the report.
record_failure() {
  line=$(grep 'FAILED' "$2" | tail -n 1)
  printf '%s: %s\n' "$1" "${line:-exit status $3}" > "$out/failed"
}

case "$step" in
  fetch)
    rm -rf "$out"
    mkdir -p "$out"
    date -u +%s > "$out/started"
    status=0
    REQUIRE_VERIFIED=1 sh "$here/restore-fetch.sh" 2> "$out/fetch.log" || status=$?
    cat "$out/fetch.log" >&2
    [ "$status" = 0 ] || record_failure fetch "$out/fetch.log" "$status"
    ;;
  restore)
    [ -s "$out/started" ] || die "$out/started is missing: did the fetch step run?"
    if [ ! -e "$out/failed" ]; then
      status=0
      sh "$here/restore-check.sh" > "$out/restore.log" 2>&1 || status=$?
      cat "$out/restore.log"
      [ "$status" = 0 ] || record_failure restore "$out/restore.log" "$status"
    fi
    date -u +%s > "$out/finished"
    ;;
  report)
    for var in BACKUP_BUCKET BACKUP_KMS_KEY_ID STACK; do
      eval "value=\${$var:-}"
      [ -n "$value" ] || die "environment variable $var is not set"
    done
    case "${RTO_TARGET_SECONDS:-}" in *[!0-9]*) die "RTO_TARGET_SECONDS='$RTO_TARGET_SECONDS': whole seconds or empty" ;; esac
    [ -s "$out/finished" ] || die "$out/finished is missing: did the restore step run?"
    started=$(cat "$out/started")
    finished=$(cat "$out/finished")
    seconds=$((finished - started))
    backup=$(cat "$WORK_DIR/restore/source" 2> /dev/null || true)
    target=${RTO_TARGET_SECONDS:-null}
    if [ -e "$out/failed" ]; then
      ok=false met=false error="\"$(sed 's/["\\]/\\&/g' "$out/failed")\""
    else
      ok=true error=null met=null
      [ "$target" = null ] || { [ "$seconds" -le "$target" ] && met=true || met=false; }
    fi
    iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
    stamp=$(date -u -d "@$started" +%Y%m%dT%H%M%SZ)
    cat > "$out/result.json" <<JSON
{
  "format": 1,
  "tenant": "$TENANT",
  "stack": "$STACK",
  "backup": "$backup",
  "started_at": "$(iso "$started")",
  "finished_at": "$(iso "$finished")",
  "seconds": $seconds,
  "target_seconds": $target,
  "ok": $ok,
  "met": $met,
  "error": $error
}
JSON
    key="drills/$TENANT/$stamp.json"
    aws s3 cp "$out/result.json" "s3://$BACKUP_BUCKET/$key" --only-show-errors \
      --sse aws:kms --sse-kms-key-id "$BACKUP_KMS_KEY_ID" \
      || die "cannot write the drill result to s3://$BACKUP_BUCKET/$key"
    echo "dr-drill: result in s3://$BACKUP_BUCKET/$key"
    [ "$ok" = true ] || die "the drill did not restore $TENANT: $(cat "$out/failed")"
    publish() {
      aws cloudwatch put-metric-data --namespace "$namespace" --metric-name "$metric" \
        --dimensions "Tenant=$TENANT,Stack=$STACK" --unit Seconds --value "$seconds"
    }
    if [ -n "${METRIC_ROLE_ARN:-}" ]; then
      # session names are at most 64 characters
      session=$(printf '%.64s' "dr-drill-$TENANT")
      keys=$(aws sts assume-role --role-arn "$METRIC_ROLE_ARN" --role-session-name "$session" \
        --duration-seconds 900 --output text \
        --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]') \
        || die "cannot assume $METRIC_ROLE_ARN to publish $namespace $metric"
      # in a subshell: only put-metric-data runs with the role's keys (env keys come first in
      # the CLI's credential chain, before the pod's web identity)
      (
        read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<KEYS
$keys
KEYS
        export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
        publish
      ) || die "cannot publish $namespace $metric as $METRIC_ROLE_ARN"
    else
      publish || die "cannot publish $namespace $metric"
    fi
    echo "dr-drill: ok, $TENANT restored from $backup in ${seconds}s (target ${RTO_TARGET_SECONDS:-none}s, met: $met)"
    ;;
  *) die "usage: dr-drill.sh fetch|restore|report (not '$step')" ;;
esac
