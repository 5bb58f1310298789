#!/usr/bin/env bash
# The web-framework integrations (SentryHummingbird, SentryVapor, SentryAsyncHTTPClient) and
# their example servers: a stage of scripts/test.sh.
#
#   scripts/test-frameworks.sh
#
# Their packages (Hummingbird, Vapor, AsyncHTTPClient, SwiftNIO, swift-crypto, ...) take about
# 5 minutes to build on 2 cores, so this stage builds them once, in a scratch path of its own
# (.build-frameworks, with the traits Hummingbird, Vapor and AsyncHTTPClient on), and nothing else
# builds them: the sanitizer runs of scripts/test-swift.sh leave these traits off. Then:
#   1. the three test targets (in process: HummingbirdTesting, VaporTesting, a loopback server);
#   2. scripts/test-frameworks-e2e.sh against the example binaries: a real Python service with
#      sentry-sdk joins their traces both ways, concurrent requests, Relay, Bugsink, bad input.
# Fails on a warning from our own sources, as scripts/test-swift.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=.build-frameworks
traits=Hummingbird,Vapor,AsyncHTTPClient
# --disable-build-manifest-caching: SwiftPM 6.3 otherwise fails with "unknown build description"
# after an interrupted or failed build in this scratch path.
swiftpm=(--disable-build-manifest-caching --traits "$traits" --scratch-path "$scratch")

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
start=$SECONDS
status=0
swift build --build-tests "${swiftpm[@]}" >"$log" 2>&1 || status=$?
grep -E "error|warning: " "$log" | grep -v "/checkouts/" | sort -u || true
if [ "$status" -ne 0 ]; then
    echo "test-frameworks.sh: swift build failed" >&2
    tail -n 40 "$log" >&2
    exit 1
fi
echo "test-frameworks.sh: built in $((SECONDS - start)) s"
root="$(pwd)"
warnings="$(grep -E "^(${root}/)?(Sources|Tests|Examples)/[^:]*\.swift:[0-9]+:[0-9]+: warning:" "$log" | sort -u || true)"
if [ -n "$warnings" ]; then
    echo "test-frameworks.sh: warnings in our Swift sources:" >&2
    echo "$warnings" >&2
    exit 1
fi

status=0
swift test --skip-build "${swiftpm[@]}" \
    --filter "SentryHummingbirdTests|SentryVaporTests|SentryAsyncHTTPClientTests" >"$log" 2>&1 || status=$?
grep -vE "codes\.vapor\.application|^\[|started\.$" "$log" || true
if [ "$status" -ne 0 ]; then
    echo "test-frameworks.sh: the framework tests failed" >&2
    exit 1
fi

if [ -x scripts/test-frameworks-e2e.sh ]; then
    bash scripts/test-frameworks-e2e.sh "$(swift build "${swiftpm[@]}" --show-bin-path)"
fi
