#!/bin/sh
# MinIO first-start set-up for docker-compose.yml (the minio-init one-shot).
#
# Idempotent: runs on every `docker compose up` and changes nothing the second
# time. Creates the attachments bucket (no anonymous access) and the services'
# own user, whose policy allows object reads and writes in that bucket only;
# the root user never leaves this script.
set -eu

: "${MINIO_ROOT_USER:?MINIO_ROOT_USER is not set}"
: "${MINIO_ROOT_PASSWORD:?MINIO_ROOT_PASSWORD is not set}"
: "${S3_BUCKET:?S3_BUCKET is not set}"
: "${S3_ACCESS_KEY:?S3_ACCESS_KEY is not set}"
: "${S3_SECRET_KEY:?S3_SECRET_KEY is not set}"

mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "local/$S3_BUCKET"
mc anonymous set none "local/$S3_BUCKET"

# Shell built-ins only below: the mc image is minimal (no grep, no sed).
policy=/tmp/tiepdan-attachments-policy.json
printf '%s\n' \
    '{"Version": "2012-10-17", "Statement": [' \
    "  {\"Effect\": \"Allow\", \"Action\": [\"s3:GetBucketLocation\", \"s3:ListBucket\"]," \
    "   \"Resource\": [\"arn:aws:s3:::$S3_BUCKET\"]}," \
    "  {\"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\", \"s3:PutObject\", \"s3:DeleteObject\"]," \
    "   \"Resource\": [\"arn:aws:s3:::$S3_BUCKET/*\"]}" \
    ']}' > "$policy"
mc admin policy create local tiepdan-attachments "$policy"
# `user add` also resets the secret of an existing user: S3_SECRET_KEY wins.
mc admin user add local "$S3_ACCESS_KEY" "$S3_SECRET_KEY"
# Attaching an already attached policy is an error; check first.
info=$(mc admin user info local "$S3_ACCESS_KEY")
case "$info" in
    *tiepdan-attachments*) ;;
    *) mc admin policy attach local tiepdan-attachments --user "$S3_ACCESS_KEY" ;;
esac
echo "bucket $S3_BUCKET ready for $S3_ACCESS_KEY"
