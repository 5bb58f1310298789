#!/usr/bin/env bash
# End-to-end tests of the C core's HTTP transport (Tests/EndToEndTests/):
#   1. transport cases against a local fault server (down, 500, 429, rate limits, stall, flood, cache)
#   2. a real Bugsink: rich events sent through the public API, read back from its store, field by field
#   3. Relay's normalizer (sentry-relay) on every event produced: nothing repaired or dropped
#   4. the soak under faults (Tests/EndToEndTests/soak.py, 60 s; scripts/soak.sh --seconds N for longer)
# Installs bugsink + sentry-relay into <repo>/.venv/e2e (pip), builds Tests/EndToEndTests standalone into
# <repo>/build-e2e, starts/stops Bugsink with Tests/EndToEndTests/bugsink_{up,down}.sh.
#
# Usage: scripts/test-e2e.sh [CASE...]      CASE: a transport case name (see Tests/EndToEndTests/test_transport.py),
#                                           "bugsink" or "soak"; default all
# Env:   CSC_SANITIZE=address|thread        build the core and driver with sanitizers
#        E2E_VENV, CSC_BUGSINK_DIR           see Tests/EndToEndTests/bugsink_up.sh
#        SOAK_SECONDS                        the soak's length (default 60)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${E2E_VENV:-$REPO/.venv/e2e}"
BUILD="$REPO/build-e2e${CSC_SANITIZE:+-$CSC_SANITIZE}"
export E2E_VENV="$VENV"

if ! "$VENV/bin/python" -c 'import bugsink, sentry_relay' 2>/dev/null; then
  echo "== installing bugsink + sentry-relay into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q bugsink sentry-relay
fi

echo "== building Tests/EndToEndTests into $BUILD"
cmake -S "$REPO/Tests/EndToEndTests" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCSC_SANITIZE="${CSC_SANITIZE:-}" >/dev/null
cmake --build "$BUILD" --target e2e_driver soak_server -j2 >/dev/null
export E2E_DRIVER="$BUILD/e2e_driver"

CASES=(); RUN_BUGSINK=1; RUN_SOAK=1
if [ $# -gt 0 ]; then
  RUN_BUGSINK=0; RUN_SOAK=0
  for c in "$@"; do
    case "$c" in bugsink) RUN_BUGSINK=1 ;; soak) RUN_SOAK=1 ;; *) CASES+=("$c") ;; esac
  done
fi
FAILED=0
if [ $# -eq 0 ] || [ ${#CASES[@]} -gt 0 ]; then
  echo "== transport cases (fault server)"
  "$VENV/bin/python" "$REPO/Tests/EndToEndTests/test_transport.py" "${CASES[@]}" || FAILED=1
fi
if [ "$RUN_SOAK" = 1 ]; then
  echo "== soak under faults (${SOAK_SECONDS:-60} s: load on soak_server while the endpoint flaps)"
  "$VENV/bin/python" "$REPO/Tests/EndToEndTests/soak.py" --server "$BUILD/soak_server" \
    --seconds "${SOAK_SECONDS:-60}" --out "$BUILD/soak-figures.json" || FAILED=1
fi
if [ "$RUN_BUGSINK" = 1 ]; then
  echo "== Bugsink round trip"
  trap '"$REPO/Tests/EndToEndTests/bugsink_down.sh" >/dev/null' EXIT
  DSN="$("$REPO/Tests/EndToEndTests/bugsink_up.sh" | tail -n 1)"
  "$VENV/bin/python" "$REPO/Tests/EndToEndTests/test_bugsink.py" "$DSN" || FAILED=1
  echo "== crash report into Bugsink (sent at the next start)"
  CRASH_BUILD="$REPO/build-crash"
  if cmake -S "$REPO/Tests/CrashTests" -B "$CRASH_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
     cmake --build "$CRASH_BUILD" --target crash_child -j2 >/dev/null; then
    child="$(find "$CRASH_BUILD" -type f -name crash_child -perm -u+x | head -n 1)"
    "$VENV/bin/python" "$REPO/Tests/EndToEndTests/test_crash_bugsink.py" "$DSN" "$child" || FAILED=1
  else
    echo "could not build Tests/CrashTests"; FAILED=1
  fi
  echo "== Swift API into Bugsink (events, errors with stack traces, crashes)"
  if (cd "$REPO" && swift build --product sentry-e2e-driver >/dev/null && swift build --product sentry-demo >/dev/null); then
    SWIFT_BIN="$(cd "$REPO" && swift build --show-bin-path)"
    for t in test_swift_bugsink.py test_swift_crash_bugsink.py test_demo_tracing.py; do
      if [ -f "$REPO/Tests/EndToEndTests/$t" ]; then
        echo "-- $t"
        "$VENV/bin/python" "$REPO/Tests/EndToEndTests/$t" "$DSN" "$SWIFT_BIN" || FAILED=1
      fi
    done
  else
    echo "could not build the Swift products"; FAILED=1
  fi
fi
[ "$FAILED" = 0 ] && echo "== e2e: all passed" || echo "== e2e: FAILED"
exit "$FAILED"
