#!/usr/bin/env bash
# The main job on the embedded default (DuckDB, no server): set up, build the demo end to end, then serve
# the demo portal on http://127.0.0.1:8000/ until Ctrl-C (ATLAS_DEMO_SERVE=0 stops after the build).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
home="${ATLAS_HOME:-./atlas-data}"
.venv/bin/atlas demo run --home "$home" "$@"
if [ "${ATLAS_DEMO_SERVE:-1}" != "0" ]; then
  port="${ATLAS_PORT:-8000}"
  echo "Serving the demo portal at http://127.0.0.1:${port}/ (logins in ${home}/demo-logins.txt; Ctrl-C stops)"
  exec .venv/bin/atlas serve --home "$home" --port "$port"
fi
