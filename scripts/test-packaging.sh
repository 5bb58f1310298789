#!/usr/bin/env bash
# Checks what a consumer of this package fetches (a stage of scripts/test.sh: it resolves and
# builds three small packages from scratch and resolves three more, about a minute on 2 cores).
#
#   scripts/test-packaging.sh
#
# The committed HEAD is cloned into a temporary bare repository and tagged 0.0.1, so that the
# consumers in Tests/PackagingTests depend on it "by URL + version" (a path dependency fetches
# every dependency of the manifest, whatever the traits). Then:
#   consumer-sentry-only (the `Sentry` product alone): `swift package resolve` must fetch
#     nothing but sentry-swift-server, and the consumer builds;
#   consumer-logging (trait `Logging`): resolves swift-log and builds SentryLogging;
#   consumer-tracing (trait `Tracing`): resolves swift-distributed-tracing and builds SentryTracing;
#   consumer-hummingbird, consumer-vapor, consumer-async-http-client (traits `Hummingbird`,
#     `Vapor`, `AsyncHTTPClient`): each fetches its framework and not the others' (a Hummingbird
#     app never fetches Vapor). They are only resolved here: building each framework from
#     scratch takes minutes, and scripts/test-frameworks.sh builds and tests the same code.
#     SENTRY_PACKAGING_BUILD_FRAMEWORKS=1 builds them too and reports the times.
# Where GitHub cannot be reached, SENTRY_SWIFTPM_MIRRORS=DIR maps each
# https://github.com/OWNER/NAME(.git) to the git repository DIR/OWNER+NAME/repo (a SwiftPM mirror).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

git clone -q --bare "$root" "$work/sentry-swift-server.git"
git -C "$work/sentry-swift-server.git" tag 0.0.1 HEAD
url="file://$work/sentry-swift-server.git"

mirror() { # consumer-dir
    [ -n "${SENTRY_SWIFTPM_MIRRORS:-}" ] || return 0
    # SwiftPM takes a package's identity from the URL's last component: each mirror is reached
    # through a link named NAME.git, not DIR/OWNER+NAME/repo.
    local repo name
    mkdir -p "$work/mirrors"
    for repo in "$SENTRY_SWIFTPM_MIRRORS"/*+*/repo; do
        [ -d "$repo" ] || continue
        name="$(basename "$(dirname "$repo")")"
        ln -sfn "$repo" "$work/mirrors/${name#*+}.git"
        (cd "$1" && swift package config set-mirror --original "https://github.com/${name/+//}.git" \
            --mirror "file://$work/mirrors/${name#*+}.git")
    done
}

status=0
consumers=(consumer-sentry-only consumer-logging consumer-tracing consumer-hummingbird consumer-vapor consumer-async-http-client)
for consumer in "${consumers[@]}"; do
    dir="$work/$consumer"
    cp -R "$root/Tests/PackagingTests/$consumer" "$dir"
    sed -i "s|SENTRY_PACKAGE_URL|$url|" "$dir/Package.swift"
    mirror "$dir"
    start=$(date +%s%N)
    (cd "$dir" && swift package resolve >/dev/null)
    resolved=$(date +%s%N)
    # The resolved pins' locations (the original URLs, also when a mirror served them).
    fetched="$(cd "$dir" && python3 -c 'import json,sys; print(" ".join(sorted(p["location"].rstrip("/").split("/")[-1].removesuffix(".git") for p in json.load(open("Package.resolved"))["pins"])))') "
    case "$consumer" in
    consumer-hummingbird | consumer-vapor | consumer-async-http-client) build="${SENTRY_PACKAGING_BUILD_FRAMEWORKS:-0}" ;;
    *) build=1 ;;
    esac
    if [ "$build" = 1 ]; then
        (cd "$dir" && swift build -q 2>&1 | grep -v "^warning: .*mirror" || true)
        [ -x "$dir/.build/debug/App" ] || { echo "test-packaging.sh: $consumer did not build" >&2; status=1; }
    fi
    built=$(date +%s%N)
    printf '%s: fetched [ %s] resolve %d ms, build %d ms\n' "$consumer" "$fetched" \
        $(((resolved - start) / 1000000)) $(((built - resolved) / 1000000))
    case "$consumer" in
    consumer-sentry-only)
        [ "$fetched" = "sentry-swift-server " ] || { echo "test-packaging.sh: a Sentry-only consumer fetched more than sentry-swift-server" >&2; status=1; } ;;
    consumer-logging)
        case "$fetched" in *swift-log*) ;; *) echo "test-packaging.sh: swift-log was not fetched with the Logging trait" >&2; status=1 ;; esac
        case "$fetched" in *swift-distributed-tracing* | *swift-service-lifecycle*) echo "test-packaging.sh: the Logging trait fetched another integration's package" >&2; status=1 ;; esac ;;
    consumer-tracing)
        case "$fetched" in *swift-distributed-tracing*) ;; *) echo "test-packaging.sh: swift-distributed-tracing was not fetched with the Tracing trait" >&2; status=1 ;; esac
        case "$fetched" in *swift-log* | *swift-service-lifecycle*) echo "test-packaging.sh: the Tracing trait fetched another integration's package" >&2; status=1 ;; esac ;;
    consumer-hummingbird)
        case "$fetched" in *" hummingbird "*) ;; *) echo "test-packaging.sh: hummingbird was not fetched with the Hummingbird trait" >&2; status=1 ;; esac
        case "$fetched" in *" vapor "*) echo "test-packaging.sh: a Hummingbird consumer fetched Vapor" >&2; status=1 ;; esac ;;
    consumer-vapor)
        case "$fetched" in *" vapor "*) ;; *) echo "test-packaging.sh: vapor was not fetched with the Vapor trait" >&2; status=1 ;; esac
        case "$fetched" in *hummingbird*) echo "test-packaging.sh: a Vapor consumer fetched Hummingbird" >&2; status=1 ;; esac ;;
    consumer-async-http-client)
        case "$fetched" in *async-http-client*) ;; *) echo "test-packaging.sh: async-http-client was not fetched with the AsyncHTTPClient trait" >&2; status=1 ;; esac
        case "$fetched" in *hummingbird* | *" vapor "*) echo "test-packaging.sh: an AsyncHTTPClient consumer fetched a web framework" >&2; status=1 ;; esac ;;
    esac
done
[ "$status" -eq 0 ] && echo "test-packaging.sh: ${#consumers[@]} consumers passed"
exit "$status"
