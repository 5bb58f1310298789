#!/usr/bin/env bash
# Builds the DocC documentation of the `Sentry` module (Sources/Sentry/Sentry.docc and the doc
# comments) and fails on any warning: unresolved symbol or article links, bad curation, ...
#
#   scripts/test-docs.sh
#
# The swift-docc-plugin is a dependency of the package only while SENTRY_DOCC is set (see
# Package.swift), so the `Sentry` product depends on no Swift package for its users. The build
# uses its own scratch path (.build-docc) and leaves the main .build alone. Output:
# .build-docc/plugins/Swift-DocC/outputs/Sentry.doccarchive
set -uo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || { echo "test-docs.sh: swift is not on PATH" >&2; exit 1; }

log="$(mktemp)"
# Resolving the plugin writes Package.resolved (git-ignored); leave none behind when there was
# none, so the plain build keeps its own state.
had_resolved=0; [ -e Package.resolved ] && had_resolved=1
cleanup() { rm -f "$log"; [ "$had_resolved" -eq 1 ] || rm -f Package.resolved; }
trap cleanup EXIT

start=$SECONDS
SENTRY_DOCC=1 swift package --scratch-path .build-docc \
    generate-documentation --target Sentry --warnings-as-errors >"$log" 2>&1
status=$?
elapsed=$((SECONDS - start))

# Everything but the build's progress lines: DocC's diagnostics, the archive's path.
grep -v -E '^\[[0-9]+/[0-9]+\] ' "$log" | sed '/^$/d' || true

# --warnings-as-errors turns DocC's warnings into errors; a warning of the Swift build that
# produces the symbol graph would not fail the command, so look for warnings too.
warnings="$(grep -c -E '(^|[^a-z])warning:' "$log" || true)"
if [ "$status" -ne 0 ] || [ "$warnings" -ne 0 ]; then
    echo "test-docs.sh: the documentation build failed (exit $status, $warnings warnings) after ${elapsed} s" >&2
    exit 1
fi
echo "test-docs.sh: documentation built without warnings in ${elapsed} s"
