#!/bin/sh
# Installs the servers the test suite starts for real: PostgreSQL and Redis (Debian packages),
# openssl for the test SMTP relay's certificate, and Debian's wkhtmltopdf (with a font) for the
# PDF-under-RLIMIT_AS test of the size profiles; shellcheck, which actionlint runs on the workflows'
# `run:` scripts, and jq, which those scripts use (tests/delivery runs some of them).
# The tests start their own throw-away instances on free ports; the packages' own services are not used.
set -eu

missing=""
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$missing postgresql"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"  # the mail relay's test certificate
command -v wkhtmltopdf >/dev/null 2>&1 || missing="$missing wkhtmltopdf"
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
command -v shellcheck >/dev/null 2>&1 || missing="$missing shellcheck"
command -v jq >/dev/null 2>&1 || missing="$missing jq"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
echo "installing:$missing"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
