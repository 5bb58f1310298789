#!/usr/bin/env bash
# Regenerates Tests/Scenarios/sessions-expected.json: the request-mode session aggregates that
# sentry-python produces for Tests/Scenarios/sessions-scenario.json (Tests/Scenarios/oracle/
# sessions_oracle.py). test_health (ctest) runs the same requests through CScopeCore and compares.
#
# Usage: scripts/regenerate-sessions-oracle.sh [--check]   (--check: compare, exit 1 on a difference)
# Env:   ORACLE_VENV   the venv with sentry-sdk 2.75.0 (default <repo>/.venv/oracle; created when missing)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ORACLE_VENV:-$REPO/.venv/oracle}"
SDK_VERSION=2.75.0
if ! "$VENV/bin/python" -c "import sentry_sdk, sys; sys.exit(sentry_sdk.VERSION != '$SDK_VERSION')" 2>/dev/null; then
  echo "== installing sentry-sdk==$SDK_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "sentry-sdk==$SDK_VERSION"
fi
OUT="$REPO/Tests/Scenarios/sessions-expected.json"
NEW="$(mktemp)"
trap 'rm -f "$NEW"' EXIT
"$VENV/bin/python" "$REPO/Tests/Scenarios/oracle/sessions_oracle.py" "$REPO/Tests/Scenarios/sessions-scenario.json" >"$NEW"
if [ "${1:-}" = --check ]; then
  diff -u "$OUT" "$NEW" && echo "sessions-expected.json is up to date"
else
  cp "$NEW" "$OUT"
  echo "wrote $OUT"
fi
