#!/bin/sh
# One-shot setup of the object store, safe to re-run: the buckets for MLflow's artifacts and the DVC remote,
# and the user longloop's services sign in with, which may use these two buckets and nothing else (the root
# credentials stay with MinIO and this script).
set -eu
mc alias set store http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
mc mb --ignore-existing store/mlflow-artifacts store/dvc-remote
mc admin policy create store longloop-buckets /setup/longloop-buckets-policy.json
mc admin user add store "$MINIO_LONGLOOP_ACCESS_KEY" "$MINIO_LONGLOOP_SECRET_KEY"
mc admin policy attach store longloop-buckets --user "$MINIO_LONGLOOP_ACCESS_KEY"
