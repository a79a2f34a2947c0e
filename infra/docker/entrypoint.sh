#!/bin/sh
# Entrypoint of the longloop image: point DVC's remote `local` (the name longloop pushes to) at the object
# store given in the environment, then run the container's command.
set -eu
if [ -n "${LONGLOOP_DVC_REMOTE_URL:-}" ]; then
    # --force replaces the whole remote section, so an endpoint left from an earlier start never lingers.
    dvc --cd /app remote add --local --default --force local "$LONGLOOP_DVC_REMOTE_URL"
    if [ -n "${LONGLOOP_DVC_REMOTE_ENDPOINT_URL:-}" ]; then
        dvc --cd /app remote modify --local local endpointurl "$LONGLOOP_DVC_REMOTE_ENDPOINT_URL"
    fi
fi
exec "$@"
