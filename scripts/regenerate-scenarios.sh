#!/usr/bin/env bash
# Regenerates every Tests/Scenarios/NAME-expected.json from its NAME-scenarios.json by running
# the scenarios on the reference SDK, sentry-python (Tests/Scenarios/oracle/regenerate.py).
#
# Usage: scripts/regenerate-scenarios.sh            rewrite the expected files in place
#        scripts/regenerate-scenarios.sh --check    regenerate into a temp dir and compare with the
#                                                   committed files (Tests/Scenarios/compare.py);
#                                                   exit 1 on any difference or missing expected file
# Env:   ORACLE_VENV   the venv to use/create (default <repo>/.venv/oracle)
#
# The venv is created and sentry-sdk installed from PyPI only when it is missing or has another
# version; after that the script needs no network.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCENARIOS="$REPO/Tests/Scenarios"
VENV="${ORACLE_VENV:-$REPO/.venv/oracle}"
SDK_VERSION=2.75.0

CHECK=0
case "${1:-}" in
  "") ;;
  --check) CHECK=1 ;;
  -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

has_reference_sdk() {
  "$VENV/bin/python" -c "import sentry_sdk, sys; sys.exit(sentry_sdk.VERSION != '$SDK_VERSION')" 2>/dev/null
}

if ! has_reference_sdk; then
  echo "== installing sentry-sdk==$SDK_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "sentry-sdk==$SDK_VERSION"
  has_reference_sdk || { echo "sentry-sdk==$SDK_VERSION is not importable from $VENV" >&2; exit 1; }
fi

OUT="$SCENARIOS"
if [ "$CHECK" = 1 ]; then
  OUT="$(mktemp -d)"
  trap 'rm -rf "$OUT"' EXIT
fi

FAILED=0
shopt -s nullglob
for scenarios in "$SCENARIOS"/*-scenarios.json; do
  name="$(basename "$scenarios" -scenarios.json)"
  fresh="$OUT/$name-expected.json"
  if [ "$CHECK" = 0 ]; then
    "$VENV/bin/python" "$SCENARIOS/oracle/regenerate.py" "$scenarios" -o "$fresh"
    continue
  fi
  "$VENV/bin/python" "$SCENARIOS/oracle/regenerate.py" "$scenarios" -o "$fresh" >/dev/null
  committed="$SCENARIOS/$name-expected.json"
  # both directions: differing/missing scenarios, then scenarios the committed file lacks
  if [ ! -f "$committed" ]; then
    echo "FAIL $name: Tests/Scenarios/$name-expected.json is missing"
    FAILED=1
  elif python3 "$SCENARIOS/compare.py" "$committed" "$fresh" >"$OUT/$name.diff" &&
       python3 "$SCENARIOS/compare.py" "$fresh" "$committed" >>"$OUT/$name.diff"; then
    echo "ok   $name: $(head -n 1 "$OUT/$name.diff")"
  else
    echo "FAIL $name: the committed expected file differs from what sentry-python $SDK_VERSION produces:"
    sed 's/^/  /' "$OUT/$name.diff"
    FAILED=1
  fi
done

if [ "$CHECK" = 1 ] && [ "$FAILED" = 1 ]; then
  echo "(regenerate with scripts/regenerate-scenarios.sh, review the diff, commit)"
fi
exit "$FAILED"
