#!/usr/bin/env bash
# Builds the Swift package and runs its tests.
#
#   scripts/test-swift.sh [extra `swift test` arguments]
#
# Fails when the build log has a warning from our own Swift sources (Sources/, Tests/, Examples/, Benchmarks/):
# the package builds in Swift 6 language mode with zero warnings.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every integration (SentryLogging, ...) is built and tested: Package.swift turns all traits on
# when SENTRY_ALL_TRAITS is set (consumers get none by default).
export SENTRY_ALL_TRAITS="${SENTRY_ALL_TRAITS:-1}"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

swift build --build-tests 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
    echo "test-swift.sh: swift build failed" >&2
    exit "$status"
fi

root="$(pwd)"
warnings="$(grep -E "^(${root}/)?(Sources|Tests|Examples|Benchmarks)/[^:]*\.swift:[0-9]+:[0-9]+: warning:" "$log" | sort -u || true)"
if [ -n "$warnings" ]; then
    echo "test-swift.sh: warnings in our Swift sources:" >&2
    echo "$warnings" >&2
    exit 1
fi

# TracerRelayEnvelopeTests writes the envelopes SentryTracer produced (nested spans, every
# attribute type, links, events, errors, an http.server transaction with http.route) into
# SENTRY_TRACER_ENVELOPES; Relay's normalizer must take every one as it is (no rejection,
# nothing repaired or removed).
tracer_envelopes="$(mktemp -d)"
trap 'rm -f "$log"; rm -rf "$tracer_envelopes"' EXIT
SENTRY_TRACER_ENVELOPES="$tracer_envelopes" swift test "$@"
if [ $# -eq 0 ] || [ -n "$(ls "$tracer_envelopes")" ]; then
    relay_venv="${E2E_VENV:-$root/.venv/e2e}"
    if ! "$relay_venv/bin/python" -c 'import sentry_relay' 2>/dev/null; then
        echo "== installing sentry-relay into $relay_venv"
        python3 -m venv "$relay_venv"
        "$relay_venv/bin/pip" install -q sentry-relay
    fi
    count=$(find "$tracer_envelopes" -name '*.envelope' | wc -l)
    if [ "$count" -lt 4 ]; then
        echo "test-swift.sh: TracerRelayEnvelopeTests wrote $count envelopes (at least 4 expected)" >&2
        exit 1
    fi
    echo "== Relay's normalizer on SentryTracer's $count envelopes"
    "$relay_venv/bin/python" Tests/EndToEndTests/relay_check.py "$tracer_envelopes"/*.envelope
fi

# Swift processes that crash (force-unwrap, index out of range, fatalError, precondition,
# a NULL write, abort): the report written by the signal handler, then sent at the next start.
python3 Tests/CrashTests/test_swift_crashes.py "$(swift build --show-bin-path)"

# Prints a failed sanitizer run's reports (lines matching REPORT and what follows), swift test's
# exit status and its error lines, removes LOG and exits 1. Usage: LOG STATUS REPORT NAME.
sanitizer_run_failed() {
    grep -A 40 "$3" "$1" | head -n 160 >&2 || true
    echo "test-swift.sh: swift test exited with status $2; its error lines:" >&2
    grep -nE "error:|✘|failed|FAILED|Sanitizer|Fatal|fatal" "$1" | grep -v "passed after" | head -n 40 >&2 || true
    rm -f "$1"
    echo "test-swift.sh: the $4 run failed" >&2
    exit 1
}

# The whole suite again under ThreadSanitizer: captures share immutable JSON between threads
# (stack traces), scopes are written from many tasks. Built outside the repository (SwiftPM
# mistakes a second build folder inside it for sources).
tsan_scratch="${TMPDIR:-/tmp}/sentry-swift-tsan-$(id -u)-$(printf '%s' "$root" | cksum | cut -d' ' -f1)"
tsan_log="$(mktemp)"
set +e
SENTRY_SANITIZER_RUN=thread swift test --sanitize=thread --scratch-path "$tsan_scratch" >"$tsan_log" 2>&1
tsan_status=$?
set -e
tail -n 3 "$tsan_log"
if [ "$tsan_status" -ne 0 ] || grep -q "WARNING: ThreadSanitizer" "$tsan_log"; then
    sanitizer_run_failed "$tsan_log" "$tsan_status" "WARNING: ThreadSanitizer" "ThreadSanitizer"
fi
rm -f "$tsan_log"

# The whole suite again under AddressSanitizer with LeakSanitizer: no leak of ours (the callback
# contexts of every start() included). Tests/Sanitizers/lsan-swift.supp suppresses only what the
# Swift toolchain's XCTest and Foundation keep until exit. About 3.5 min from cold on 2 cores,
# 45 s when the build is up to date (the test run itself ~35 s).
asan_scratch="${TMPDIR:-/tmp}/sentry-swift-asan-$(id -u)-$(printf '%s' "$root" | cksum | cut -d' ' -f1)"
asan_log="$(mktemp)"
set +e
SENTRY_SANITIZER_RUN=address ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$root/Tests/Sanitizers/lsan-swift.supp" \
    swift test --sanitize=address --scratch-path "$asan_scratch" >"$asan_log" 2>&1
asan_status=$?
set -e
tail -n 3 "$asan_log"
if grep -q "LeakSanitizer does not work\|LeakSanitizer has encountered a fatal error" "$asan_log"; then
    echo "test-swift.sh: note: LeakSanitizer cannot run here (ptrace restrictions); AddressSanitizer only" >&2
    set +e
    SENTRY_SANITIZER_RUN=address ASAN_OPTIONS=detect_leaks=0 swift test --sanitize=address --scratch-path "$asan_scratch" >"$asan_log" 2>&1
    asan_status=$?
    set -e
fi
if [ "$asan_status" -ne 0 ] || grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer" "$asan_log"; then
    sanitizer_run_failed "$asan_log" "$asan_status" "ERROR: \(Address\|Leak\)Sanitizer" "AddressSanitizer/LeakSanitizer"
fi
rm -f "$asan_log"
