#!/usr/bin/env bash
# Soak under faults (issue 14): a load generator drives soak_server (a small HTTP server on the C core,
# Tests/EndToEndTests/soak_server.c) while its Sentry endpoint (Tests/EndToEndTests/fault_server.py) flaps
# through up, 500s, refused connections, 429 with Retry-After / X-Sentry-Rate-Limits, a 10 s stall and a slow
# reader; then checks that captured == accepted + cached + reported per category, that memory stays bounded and
# that requests never wait on the SDK (Tests/EndToEndTests/soak.py states the rules and bounds).
#
# Usage: scripts/soak.sh [--seconds N] [--rate R] [--connections C] [--out FIGURES.json] [--keep]
#        (default 60 s at 100 requests/s; scripts/test-e2e.sh runs the 60 s soak)
# Builds soak_server into <repo>/build-e2e (as scripts/test-e2e.sh does); needs only python3.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$REPO/build-e2e${CSC_SANITIZE:+-$CSC_SANITIZE}"
source "$REPO/scripts/lib/deps.sh"
ensure_apt_deps
cmake -S "$REPO/Tests/EndToEndTests" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCSC_SANITIZE="${CSC_SANITIZE:-}" >/dev/null
cmake --build "$BUILD" --target soak_server -j2 >/dev/null
exec python3 "$REPO/Tests/EndToEndTests/soak.py" --server "$BUILD/soak_server" "$@"
