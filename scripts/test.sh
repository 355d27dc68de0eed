#!/usr/bin/env bash
# The whole test suite: set up (Python deps, Debian packages the tests need), then run pytest on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "test,spark,bench" || exit 1
bash scripts/services.sh || exit 1
.venv/bin/python -m pytest -n "${ATLAS_TEST_WORKERS:-2}" --timeout 900 "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$rc"
