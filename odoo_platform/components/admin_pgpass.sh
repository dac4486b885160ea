#!/bin/sh
# Init container of the PostgreSQL admin Jobs: the administrator's CURRENT password, read from
# Secrets Manager (rotated on a schedule), as a libpq password file for the Job's psql.
# Needs: ADMIN_SECRET_ARN, PGPASSFILE (in a memory-backed emptyDir), AWS credentials (IRSA).
# The rotation function and the first password exclude '"' and '\', so the JSON string needs no
# unescaping; ':' and '\' are escaped as the password file requires.
set -eu
secret=$(aws secretsmanager get-secret-value --secret-id "$ADMIN_SECRET_ARN" \
    --query SecretString --output text)
password=$(printf '%s' "$secret" | sed -n 's/.*"password": *"\([^"]*\)".*/\1/p')
if [ -z "$password" ]; then
    echo "no password in the Secrets Manager value of $ADMIN_SECRET_ARN" >&2
    exit 1
fi
umask 077
printf '*:*:*:*:%s\n' "$(printf '%s' "$password" | sed 's/[\\:]/\\&/g')" > "$PGPASSFILE"
