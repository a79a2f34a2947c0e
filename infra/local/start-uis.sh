#!/usr/bin/env bash
# Start the Prefect, MLflow and Evidently UIs on loopback over the embedded state folder (.longloop/).
# Ctrl-C stops all three.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/.venv/bin"
state="${LONGLOOP_STATE:-$root/.longloop}"
mkdir -p "$state/prefect" "$state/mlflow/artifacts" "$state/evidently"
export PREFECT_HOME="$state/prefect" PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1 MLFLOW_DISABLE_TELEMETRY=true
export PATH="$bin:$PATH"
# The Prefect UI page calls the API at this address; left unset it calls :4200 whatever the port.
export PREFECT_UI_API_URL="http://127.0.0.1:${PREFECT_PORT:-4200}/api"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
prefect server start --host 127.0.0.1 --port "${PREFECT_PORT:-4200}" & pids+=($!)
mlflow ui --host 127.0.0.1 --port "${MLFLOW_PORT:-5000}" \
  --backend-store-uri "sqlite:///$state/mlflow/mlflow.db" \
  --default-artifact-root "$state/mlflow/artifacts" & pids+=($!)
evidently ui --host 127.0.0.1 --port "${EVIDENTLY_PORT:-8000}" --workspace "$state/evidently" & pids+=($!)
echo "Prefect   http://127.0.0.1:${PREFECT_PORT:-4200}"
echo "MLflow    http://127.0.0.1:${MLFLOW_PORT:-5000}"
echo "Evidently http://127.0.0.1:${EVIDENTLY_PORT:-8000}"
wait
