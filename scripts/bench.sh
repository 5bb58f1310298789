#!/usr/bin/env bash
# Runs the C core benchmark (Benchmarks/csc_bench.c), the Swift SDK benchmark (sentry-bench,
# release build), the Python SDK's equivalents (Benchmarks/python_bench.py, sentry-sdk 2.75.0) and
# the transport benchmark (Benchmarks/transport_bench.c) in one run, and prints one table:
# op | C core ns | Swift ns | Python SDK ns | ratio Python/Swift | target.
# Every figure is the median of 5 rounds (after a warm-up) of one process run.
# Then the tracer table (Benchmarks/TracerBench, a package of its own so that swift-otel stays out
# of the SDK's manifest): a span entered and exited inside a sampled root through SentryTracer,
# through swift-otel 1.6's tracer and through SentrySDK.withSpan, round-robin in one process.
# Its first release build takes minutes (swift-otel, AsyncHTTPClient, swift-protobuf); later runs
# rebuild nothing. `--no-tracer` leaves it out.
#
# Usage: scripts/bench.sh [--quick] [--no-tracer]
# Environment: BENCH_BUILD_DIR (CMake build, default build/bench),
#              SWIFT_SCRATCH_PATH (SwiftPM build, default .build: a path inside the
#              repository other than .build confuses SwiftPM on rebuilds),
#              TRACER_BENCH_SCRATCH_PATH (Benchmarks/TracerBench's build, default a folder in
#              $TMPDIR named after this checkout),
#              SWIFT (the swift driver, default: `swift` on PATH, else /opt/swift/usr/bin/swift).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_apt_deps
ensure_venv .venv/bench sentry-sdk==2.75.0

quick="" tracer=1
for a in "$@"; do
    [ "$a" = "--quick" ] && quick="--quick"
    [ "$a" = "--no-tracer" ] && tracer=0
done
build_dir=${BENCH_BUILD_DIR:-build/bench}
scratch=${SWIFT_SCRATCH_PATH:-.build}

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCSC_BUILD_TESTS=OFF -DCSC_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build_dir" -j2 --target csc_bench transport_bench >/dev/null

ours=$(mktemp) py=$(mktemp) sw=$(mktemp) tr=$(mktemp) tb=$(mktemp)
trap 'rm -f "$ours" "$py" "$sw" "$tr" "$tb"' EXIT

swift_bin=$(find_swift || true)
if [ -n "$swift_bin" ]; then
    echo "== building sentry-bench (release, $scratch)" >&2
    # every integration trait on: sentry-bench also measures the swift-log handler
    SENTRY_ALL_TRAITS=1 "$swift_bin" build -c release --scratch-path "$scratch" --product sentry-bench >/dev/null
    if [ "$tracer" = 1 ]; then
        tracer_scratch=${TRACER_BENCH_SCRATCH_PATH:-${TMPDIR:-/tmp}/sentry-tracer-bench-$(id -u)-$(printf '%s' "$PWD" | cksum | cut -d' ' -f1)}
        echo "== building Benchmarks/TracerBench (release, $tracer_scratch; the first build takes minutes)" >&2
        "$swift_bin" build -c release --package-path Benchmarks/TracerBench --scratch-path "$tracer_scratch" >/dev/null
    fi
else
    echo "== no Swift toolchain found (set SWIFT=...): the Swift column stays empty" >&2
    tracer=0
fi

echo "== C core" >&2
"$build_dir/Benchmarks/csc_bench" --json >"$ours"
if [ -n "$swift_bin" ]; then
    echo "== Swift SDK" >&2
    # a local sink answering 200, so the HTTP cases measure a transport that drains
    sinkport=$(mktemp)
    "$build_dir/Benchmarks/transport_bench" --sink >"$sinkport" &
    sinkpid=$!
    for _ in $(seq 50); do [ -s "$sinkport" ] && break; sleep 0.1; done
    SENTRY_BENCH_DSN="http://public@127.0.0.1:$(head -n1 "$sinkport")/1" "$scratch/release/sentry-bench" --json $quick >"$sw"
    kill "$sinkpid" 2>/dev/null; wait "$sinkpid" 2>/dev/null || true
    rm -f "$sinkport"
fi
if [ "$tracer" = 1 ]; then
    echo "== tracers (SentryTracer, swift-otel, SentrySDK.withSpan)" >&2
    "$tracer_scratch/release/TracerBench" --json $quick >"$tb"
fi
echo "== Python SDK" >&2
.venv/bench/bin/python Benchmarks/python_bench.py $quick >"$py"
echo "== transport" >&2
"$build_dir/Benchmarks/transport_bench" --json $quick >"$tr"

python3 - "$ours" "$sw" "$py" "$tr" "$tb" <<'PY'
import json, sys

def load(path):
    out = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            d = json.loads(line); out[d["op"]] = d
    return out

c, sw, py, tr, tb = (load(p) for p in sys.argv[1:6])

# label, C key, Swift key, Python key, target ns (None: no target)
rows = [
    ("scope.setTag (same key)", "set_tag_same_key", "scope_set_tag_same_key", "scope_set_tag_same_key", 50),
    ("SentrySDK.setTag (same key)", None, "sdk_set_tag_same_key", "set_tag_same_key", 70),
    ("addBreadcrumb, 2 data fields", "add_breadcrumb", "add_breadcrumb", "add_breadcrumb", 200),
    ("withScope {} (Py new_scope)", "push_pop_current", "with_scope", "push_pop_current", 300),
    ("withScope {} async", None, "with_scope_async", None, None),
    ("withIsolationScope {} (Py isolation_scope)", "push_pop_isolation", "with_isolation_scope", "push_pop_isolation", 500),
    ("withIsolationScope {} async", None, "with_isolation_scope_async", None, None),
    ("capture(message:) returns, HTTP transport", None, "capture_message_http", "capture_message_http", 10_000),
    ("capture(message:), no-op/serializing transport", "capture_e2e", "capture_message_noop_transport", "capture_e2e", 10_000),
    ("capture(message:), attachStacktrace off", None, "capture_message_no_stacktrace", None, None),
    ("capture(message:), 30-frame stack", None, "capture_message_30_frames", None, None),
    ("capture(error:), 30 frames, first call", None, "capture_error_first", None, None),
    ("capture(error:), 30 frames, repeated", None, "capture_error_repeated", None, None),
    ("tracing: start child + finish, sampled", "span_child_finish_sampled", "with_span_sampled", "span_child_finish_sampled", 250),
    ("tracing: outgoing headers", "trace_headers_in_span", "trace_headers", "trace_headers_in_span", 300),
    ("tracing: continueTrace, 8 baggage items", "continue_trace_8_baggage_items", "continue_trace", "continue_trace_8_baggage_items", 500),
    ("tracing: unsampled transaction + 1 span", "unsampled_tx_one_span", "unsampled_tx_one_span", "unsampled_tx_one_span", 150),
    ("tracing: transaction, 10 spans, serialized", "tx_10_spans_serialized", None, "tx_10_spans_serialized", None),
    ("tracing: 10-span transaction, finish returns", None, "tx_10_spans_finish_http", None, 3_000),
    ("server middleware per request, tracing 100% (Py ASGI)", None, "http_server_request_traced", "http_server_request_traced", None),
    ("server middleware per request, tracing off (Py ASGI)", None, "http_server_request_off", "http_server_request_off", None),
    ("release health: request session bookkeeping", "request_session", None, "request_session", 100),
    ("withRequestSession {} (Py isolation_scope+track_session)", None, "request_session", "with_request_session", None),
    ("captureCheckIn returns", "check_in", "check_in_http", "check_in", 5_000),
    ("logs: SentrySDK.logger.info, plain line", "log_plain", "log_sdk_logger_plain", "log_sdk_logger_plain", 500),
    ("logs: logger.info, template + 2 params + 1 attr", "log_template", "log_sdk_logger_template", "log_sdk_logger_template", None),
    ("swift-log line -> breadcrumb (Py logging)", None, "log_handler_breadcrumb", "log_stdlib_breadcrumb", 300),
    ("swift-log line -> Sentry Log (Py logging)", None, "log_handler_sentry_log", "log_stdlib_sentry_log", 500),
    ("swift-log line below every threshold (Py logging)", None, "log_handler_below_threshold", "log_stdlib_below_threshold", 10),
    ("disabled: setTag", "disabled_set_tag", "disabled_set_tag", "disabled_set_tag", 20),
    ("disabled: addBreadcrumb", None, "disabled_add_breadcrumb", "disabled_add_breadcrumb", 20),
    ("disabled: capture(message:)", None, "disabled_capture_message", "disabled_capture_message", 20),
    ("disabled: withScope {}", None, "disabled_with_scope", "disabled_with_scope", 20),
    ("disabled: withIsolationScope {}", None, "disabled_with_isolation_scope", None, 20),
    ("disabled: withTransaction { withSpan {} }", None, "disabled_with_transaction_span", None, 20),
    ("disabled: traceHeaders(for:)", None, "disabled_trace_headers", None, 20),
]

def med(table, key):
    return table.get(key, {}).get("median") if key else None

def num(v):
    if v is None:
        return "-"
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"

print(f"{'op':<48} {'C core ns':>11} {'Swift ns':>11} {'Python SDK ns':>14} {'Py/Swift':>9} {'target ns':>10}")
for label, ck, sk, pk, target in rows:
    cv, sv, pv = med(c, ck), med(sw, sk), med(py, pk)
    ratio = f"{pv / sv:,.0f}x" if pv and sv else "-"
    tgt = "-"
    if target is not None:
        tgt = f"<= {target:,}"
        if sv is not None:
            tgt += " ok" if sv <= target else " MISS"
    print(f"{label:<48} {num(cv):>11} {num(sv):>11} {num(pv):>14} {ratio:>9} {tgt:>10}")

print()
print("C core only:")
for key in ("set_tag_cycle_32_keys", "fork_populated", "fork_then_write", "merge_json_cached_crumbs",
            "merge_json_new_crumbs_incl_100_adds"):
    if key in c:
        print(f"  {key:<46} {num(c[key]['median']):>11} ns")
rss = c.get("rss_100k_captures_kb")
if rss:
    print(f"  peak RSS over 100,000 captures (C core): {rss['before']} KB -> {rss['after']} KB")
rss = c.get("rss_100k_transactions_kb")
if rss:
    print(f"  peak RSS over 100,000 transactions of 10 spans (C core): {rss['before']} KB -> {rss['after']} KB")
eb = c.get("event_bytes")
if eb:
    print(f"  representative event JSON: {eb['median']} bytes")

if tr:
    print()
    print("transport (HTTP worker -> local C sink, keep-alive; issue #4 targets: >= 10,000 ev/s, p99 <= 20 us):")
    for key, d in tr.items():
        if key.startswith("throughput"):
            print(f"  {d.get('label', key):<60} {d['events_per_s']:>10,.0f} ev/s  "
                  f"({d['delivered']:,}/{d['captured']:,} delivered, {d['seconds']:.2f} s; "
                  f"worker alone after the last capture {d.get('drain_rate', 0):,.0f} ev/s)")
    rt = tr.get("round_trip")
    if rt:
        print(f"  {rt['label']:<60} {rt['per_s']:>10,.0f} req/s  ({rt['us']:.1f} us each: one connection's ceiling)")
    for key, d in tr.items():
        if key.startswith("latency"):
            print(f"  {d.get('label', key):<60} p50 {d['p50']:,.1f} us  p99 {d['p99']:,.1f} us  "
                  f"max {d['max']:,.1f} us  (n={d['n']:,})")

if tb:
    print()
    print("tracers (Benchmarks/TracerBench; one span entered and exited inside a sampled root, round-robin in one process;")
    print("issue #11 targets: SentryTracer <= 500 ns and at least 2x faster than swift-otel):")
    otel = med(tb, "tracer_otel")
    print(f"  {'op':<62} {'ns':>9} {'swift-otel/this':>16} {'target':>20}")
    for key, label, target in (
        ("tracer_sentry", "Tracer.withSpan {} through SentryTracer", 500),
        ("tracer_sentry_bound", "SentryTracer.withSpan {} (also binds the SDK's span)", None),
        ("tracer_otel", "Tracer.withSpan {} through swift-otel 1.6 (no-op exporter)", None),
        ("tracer_floor", "floor: a Tracer that only keeps its span in the context", None),
        ("tracer_sdk_with_span", "SentrySDK.withSpan {} in a sampled transaction", None),
        ("tracer_sdk_with_span_in_tracer", "SentrySDK.withSpan {} inside a SentryTracer span", None),
    ):
        v = med(tb, key)
        if v is None:
            continue
        ratio = f"{otel / v:,.1f}x" if otel else "-"
        tgt = "-"
        if target is not None:
            tgt = f"<= {target} " + ("ok" if v <= target else "MISS")
            if otel:
                tgt += ", 2x " + ("ok" if otel / v >= 2 else "MISS")
        print(f"  {label:<62} {num(v):>9} {ratio:>16} {tgt:>20}")
PY
