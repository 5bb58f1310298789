#!/usr/bin/env bash
# Requests per second of the example servers on GET /hello/:name, with and without the SDK, side
# by side with sentry-python's ASGI integration on a Starlette hello route (uvicorn), in one run:
#
#   scripts/bench-frameworks.sh [--seconds N]     (default 10 s per server; about 3 minutes)
#
# Each server runs alone against wrk (1 thread, 32 connections, after a 2 s warm-up): the example
# with `--no-sentry` (the baseline), with the SDK and tracing off, with tracing at 100%; the same
# three for Starlette. Events and transactions go to a local nginx that answers every envelope
# with 200, so the transports do real HTTP. Release builds in .build-frameworks-release.
# Not part of the test command: figures depend on the machine; the closing notes quote them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_apt_deps wrk nginx-light
ensure_venv .venv/bench-frameworks sentry-sdk==2.75.0 starlette uvicorn

seconds=10
[ "${1:-}" = "--seconds" ] && seconds=$2
scratch=.build-frameworks-release
swiftpm=(-c release --disable-build-manifest-caching --traits Hummingbird,Vapor,AsyncHTTPClient --scratch-path "$scratch")
swift build "${swiftpm[@]}" --product sentry-example-hummingbird >/dev/null
swift build "${swiftpm[@]}" --product sentry-example-vapor >/dev/null
bin="$(swift build "${swiftpm[@]}" --show-bin-path)"

work="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The sink: nginx answering 200 {} to every request.
sink_port=$(free_port)
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  client_max_body_size 50m;
  server { listen 127.0.0.1:$sink_port; location / { client_body_buffer_size 1m; return 200 '{}'; } }
}
CONF
nginx -c "$work/nginx.conf" -p "$work"
export SENTRY_DSN="http://public@127.0.0.1:$sink_port/1"

wait_port() { # port
    for _ in $(seq 1 100); do
        python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "bench-frameworks.sh: nothing listens on port $1" >&2
    return 1
}

# run LABEL ENV_ASSIGNMENT COMMAND...: starts the server with PORT replaced by a free port and
# ENV_ASSIGNMENT (NAME=VALUE, or "-") in its environment, loads it, prints requests/s.
declare -A rps
run() {
    local label=$1 assignment=$2; shift 2
    local port
    port=$(free_port)
    local args=("${@//PORT/$port}")
    if [ "$assignment" = - ]; then "${args[@]}" >"$work/$label.log" 2>&1 &
    else env "$assignment" "${args[@]}" >"$work/$label.log" 2>&1 &
    fi
    local pid=$!
    pids+=("$pid")
    wait_port "$port"
    wrk -t1 -c32 -d2s "http://127.0.0.1:$port/hello/ada" >/dev/null
    local out
    out="$(wrk -t1 -c32 -d"${seconds}s" "http://127.0.0.1:$port/hello/ada")"
    rps[$label]="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    printf '%-28s %10s req/s\n' "$label" "${rps[$label]}"
}

py=.venv/bench-frameworks/bin/python
for server in hummingbird vapor; do
    exe="$bin/sentry-example-$server"
    run "$server without SDK" - "$exe" --port PORT --no-sentry
    run "$server tracing off" SENTRY_TRACES_SAMPLE_RATE=off "$exe" --port PORT
    run "$server tracing 100%" SENTRY_TRACES_SAMPLE_RATE=1.0 "$exe" --port PORT
done
run "starlette without SDK" - "$py" Benchmarks/frameworks/starlette_hello.py PORT none
run "starlette tracing off" - "$py" Benchmarks/frameworks/starlette_hello.py PORT off
run "starlette tracing 100%" - "$py" Benchmarks/frameworks/starlette_hello.py PORT traced

overhead() { python3 -c "print(f'{(1 - $2 / $1) * 100:5.1f} %')"; }
echo
printf '%-12s %14s %14s   (fewer requests/s than without the SDK)\n' server "tracing off" "tracing 100%"
for server in hummingbird vapor starlette; do
    base=${rps["$server without SDK"]}
    printf '%-12s %14s %14s\n' "$server" "$(overhead "$base" "${rps["$server tracing off"]}")" \
        "$(overhead "$base" "${rps["$server tracing 100%"]}")"
done
