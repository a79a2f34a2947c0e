#!/usr/bin/env bash
# Server mode on one machine, on loopback: PostgreSQL (Debian's packages), a Prefect server on it, and an
# MLflow tracking server on it with proxied artifact storage (a local folder here; S3 in production).
#
#   infra/local/server-stack.sh start   # starts what is not running; prints the variables to export
#   infra/local/server-stack.sh stop    # stops everything `start` started (and nothing else)
#
# The stack lives in $LONGLOOP_STACK_DIR (default .longloop-stack/); ports: PG_PORT, PREFECT_PORT, MLFLOW_PORT.
# PostgreSQL trusts connections from 127.0.0.1 only: fine for a test stack, not for production
# (infra/HARDENING.md, infra/compose/).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STACK=${LONGLOOP_STACK_DIR:-$ROOT/.longloop-stack}
PG_PORT=${PG_PORT:-55432}
PREFECT_PORT=${PREFECT_PORT:-4310}
MLFLOW_PORT=${MLFLOW_PORT:-5310}
BIN=${VENV_BIN:-$ROOT/.venv/bin}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

as_postgres() {  # PostgreSQL refuses to run as root
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

wait_http() {  # url, name: the server's pid and log are $STACK/<name>.pid and .log
    for _ in $(seq 1 180); do
        if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
        kill -0 "$(cat "$STACK/$2.pid")" 2>/dev/null || break
        sleep 1
    done
    echo "server-stack: the $2 server did not answer $1; last lines of $STACK/$2.log:" >&2
    tail -n 5 "$STACK/$2.log" >&2
    return 1
}

start_detached() {  # name, command...: its own session, so that stop can end the whole process group
    local name=$1; shift
    if [ -f "$STACK/$name.pid" ] && kill -0 "$(cat "$STACK/$name.pid")" 2>/dev/null; then return 0; fi
    setsid "$@" >"$STACK/$name.log" 2>&1 < /dev/null &
    echo $! >"$STACK/$name.pid"
}

start() {
    local PG
    PG=$(pg_bin)
    if [ -z "$PG" ]; then
        echo "server-stack: installing PostgreSQL from Debian's packages" >&2
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        PG=$(pg_bin)
    fi
    "$BIN/python" -c "import psycopg2" 2>/dev/null \
        || "$BIN/python" -m pip install --quiet --disable-pip-version-check -c "$ROOT/constraints.txt" -e "$ROOT[servers]"
    mkdir -p "$STACK/pgsock" "$STACK/mlflow-artifacts" "$STACK/prefect-home"
    if [ "$(id -u)" = 0 ]; then chown postgres "$STACK" "$STACK/pgsock"; fi
    if [ ! -f "$STACK/pg/PG_VERSION" ]; then
        as_postgres "$PG/initdb" -D "$STACK/pg" -A trust -U postgres --encoding UTF8 >"$STACK/initdb.log"
    fi
    if ! as_postgres "$PG/pg_ctl" -D "$STACK/pg" status >/dev/null 2>&1; then
        as_postgres "$PG/pg_ctl" -D "$STACK/pg" -l "$STACK/pg/server.log" -w -t 60 \
            -o "-p $PG_PORT -k $STACK/pgsock -c listen_addresses=127.0.0.1" start >/dev/null
    fi
    for db in prefect mlflow; do
        psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
            || psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $db"
    done

    PREFECT_HOME="$STACK/prefect-home" PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1 \
    PREFECT_API_DATABASE_CONNECTION_URL="postgresql+asyncpg://postgres@127.0.0.1:$PG_PORT/prefect" \
        start_detached prefect "$BIN/prefect" server start --host 127.0.0.1 --port "$PREFECT_PORT"
    PATH="$BIN:$PATH" MLFLOW_DISABLE_TELEMETRY=true start_detached mlflow "$BIN/mlflow" server \
        --backend-store-uri "postgresql+psycopg2://postgres@127.0.0.1:$PG_PORT/mlflow" \
        --artifacts-destination "$STACK/mlflow-artifacts" --serve-artifacts \
        --host 127.0.0.1 --port "$MLFLOW_PORT" --workers 1
    wait_http "http://127.0.0.1:$PREFECT_PORT/api/health" prefect
    wait_http "http://127.0.0.1:$MLFLOW_PORT/health" mlflow
    cat >"$STACK/env" <<EOF
export PREFECT_API_URL=http://127.0.0.1:$PREFECT_PORT/api
export MLFLOW_TRACKING_URI=http://127.0.0.1:$MLFLOW_PORT
export LONGLOOP_STACK_PG=postgresql://postgres@127.0.0.1:$PG_PORT
EOF
    cat "$STACK/env"
}

stop() {
    local name pid PG
    for name in mlflow prefect; do
        if [ -f "$STACK/$name.pid" ]; then
            pid=$(cat "$STACK/$name.pid")
            kill -TERM -- "-$pid" 2>/dev/null || true
            for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
            kill -KILL -- "-$pid" 2>/dev/null || true
            rm -f "$STACK/$name.pid"
        fi
    done
    PG=$(pg_bin)
    if [ -n "$PG" ] && [ -f "$STACK/pg/PG_VERSION" ]; then
        as_postgres "$PG/pg_ctl" -D "$STACK/pg" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
