#!/bin/sh
# Installs the security scanners the test suite runs as programs (tests/scanners/): checkov and
# parliament, pinned, in a virtualenv of their own under .tools/scanners/ (git-ignored).
# checkov pins packaging<24, an old boto3 and networkx<2.7: it cannot share the project's venv.
# Idempotent: does nothing when the pinned versions are already there.
set -eu
cd "$(dirname "$0")/.."
CHECKOV_VERSION=3.3.30
PARLIAMENT_VERSION=1.6.4
VENV=.tools/scanners
PYTHON=${PYTHON:-python3}

if [ -x "$VENV/bin/checkov" ] && [ -x "$VENV/bin/parliament" ] \
    && [ "$(cat "$VENV/.pins" 2>/dev/null)" = "checkov==$CHECKOV_VERSION parliament==$PARLIAMENT_VERSION" ]; then
    exit 0
fi
echo "installing checkov $CHECKOV_VERSION and parliament $PARLIAMENT_VERSION into $VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet "checkov==$CHECKOV_VERSION" "parliament==$PARLIAMENT_VERSION"
echo "checkov==$CHECKOV_VERSION parliament==$PARLIAMENT_VERSION" > "$VENV/.pins"
