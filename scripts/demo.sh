#!/usr/bin/env bash
# Runs the demo: simulated concurrent requests, each in its own isolation scope,
# capturing a message and an error. Without SENTRY_DSN the envelopes go to
# ./outbox/ and a summary is printed; with SENTRY_DSN they are sent.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_apt_deps
swift build --product sentry-demo -c release >/dev/null 2>&1 || swift build --product sentry-demo -c release
exec .build/release/sentry-demo "$@"
