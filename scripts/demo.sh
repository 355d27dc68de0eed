#!/usr/bin/env bash
# The main job on the embedded default (DuckDB, no server): set up, then build the demo end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/atlas demo run --home "${ATLAS_HOME:-./atlas-data}" "$@"
