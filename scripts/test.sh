#!/usr/bin/env bash
# The test command (README, second line): installs what the tests need, then runs the whole suite.
# System packages (PostgreSQL, Chromium) come from Debian's packages so the persistence and browser tests run
# against real servers; set NHP_SKIP_SYSTEM_PACKAGES=1 to skip that step on a machine that has them.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install -q -e ".[test]"

if [ "${NHP_SKIP_SYSTEM_PACKAGES:-0}" != "1" ]; then
  bash scripts/system-packages.sh
fi
# PostgreSQL for the persistence tests: a throwaway cluster on a local socket, stopped when the tests end.
if [ -z "${NHP_TEST_POSTGRES_URL:-}" ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  source scripts/postgres.sh
  trap stop_test_postgres EXIT
  start_test_postgres
fi

set +e
python -m pytest -n 2 -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then echo "no tests ran"; exit 1; fi
exit "$status"
