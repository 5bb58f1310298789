#!/usr/bin/env bash
# The example servers (sentry-example-hummingbird, sentry-example-vapor) end to end against real
# peers: a Python service (Flask + sentry-sdk 2.75.0 on waitress) joining their traces both ways,
# 200 concurrent failing requests, malformed and huge headers, clients that leave mid-request,
# graceful shutdown with flush, Relay's normalizer on everything they wrote, and Bugsink.
# See Tests/EndToEndTests/frameworks/test_frameworks.py for the checks. About a minute.
#
# Usage: scripts/test-frameworks-e2e.sh BIN_DIR [--servers hummingbird,vapor] [--keep]
#   BIN_DIR: the folder with both example binaries, e.g. after
#     swift build --disable-build-manifest-caching --traits Hummingbird,Vapor,AsyncHTTPClient \
#       --scratch-path .build-frameworks --product sentry-example-hummingbird   (and sentry-example-vapor)
#   that is .build-frameworks/debug (scripts/test-frameworks.sh passes it).
# Env: E2E_VENV (default <repo>/.venv/e2e): pip installs bugsink, sentry-relay, sentry-sdk==2.75.0,
#      flask, waitress, requests into it when missing.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
    sed -n '2,14p' "$0" >&2
    exit 2
fi
BIN_DIR="$(cd "$1" && pwd)"
shift
VENV="${E2E_VENV:-$REPO/.venv/e2e}"
export E2E_VENV="$VENV"
PY_SDK=2.75.0

need_install() {
    [ -x "$VENV/bin/python" ] || return 0
    "$VENV/bin/python" - "$PY_SDK" <<'EOF' 2>/dev/null && return 1 || return 0
import importlib.metadata as m, sys
import bugsink, sentry_relay, flask, waitress, requests  # noqa: F401
sys.exit(0 if m.version("sentry-sdk") == sys.argv[1] else 1)
EOF
}
if need_install; then
    echo "== installing bugsink, sentry-relay, sentry-sdk==$PY_SDK, flask, waitress, requests into $VENV"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q bugsink sentry-relay "sentry-sdk==$PY_SDK" flask waitress requests
fi

# A Bugsink of our own (not the default state dir another run may be using), stopped on exit.
export CSC_BUGSINK_DIR
CSC_BUGSINK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/csc-frameworks-bugsink-XXXXXX")"
cleanup() {
    "$REPO/Tests/EndToEndTests/bugsink_down.sh" --purge >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start=$SECONDS
echo "== starting Bugsink"
DSN="$("$REPO/Tests/EndToEndTests/bugsink_up.sh" | tail -n 1)"
echo "== the example servers in $BIN_DIR against a Python service, Relay and Bugsink"
status=0
# the driver bounds every wait itself; this bounds the whole run should one of them not be
timeout -k 10 600 "$VENV/bin/python" "$REPO/Tests/EndToEndTests/frameworks/test_frameworks.py" "$BIN_DIR" \
    --bugsink-dsn "$DSN" "$@" || status=$?
echo "== frameworks e2e: $([ "$status" = 0 ] && echo passed || echo FAILED) in $((SECONDS - start)) s"
exit "$status"
