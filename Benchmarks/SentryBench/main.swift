// sentry-bench: ns/op of the Swift SDK's hot calls, with csc_bench's methodology
// (warm-up of iters/5+1 calls, 5 rounds, min/median/max ns/op) and fixture (Benchmarks/csc_bench.c,
// Benchmarks/python_bench.py).
//
// Usage: sentry-bench            -> table
//        sentry-bench --json     -> one SentryJSON line per op (for scripts/bench.sh)
//        sentry-bench --quick    -> a tenth of the iterations
import CScopeCore
import Sentry

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Fixture

@inline(__always)
func addCrumb() {
    SentrySDK.addBreadcrumb(
        Breadcrumb(
            message: "Clicked checkout button", category: "ui.click", level: .info,
            data: ["url": "/checkout?step=2", "status_code": 200]))
}

func populate(_ scope: Scope) {
    for i in 0..<10 { scope.setTag("tag_\(i)", "representative-tag-value-\(i)") }
    for _ in 0..<100 {
        scope.addBreadcrumb(
            Breadcrumb(
                message: "Clicked checkout button", category: "ui.click", level: .info,
                data: ["url": "/checkout?step=2", "status_code": 200]))
    }
    scope.setUser(User(id: "12345", email: "jane.doe@example.com", username: "jane.doe", ipAddress: "203.0.113.7"))
    scope.setContext("checkout", ["cart_id": "cart-8842", "items": 3, "total": 99.5])
    scope.setContext("feature_flags", ["new_ui": true, "beta": false])
}

struct CheckoutError: Error {
    var order: Int
}

/// Calls `body` `depth` frames deeper than the caller.
@inline(never)
func recurse(_ depth: Int, _ body: () -> Void) {
    if depth <= 0 { body() } else { recurse(depth - 1, body) }
    blackHole(depth)
}
@inline(never) func blackHole<T>(_ x: T) {}

/// A transport that drops every envelope (the caller-side cost of capture, nothing else).
struct NoopTransport: SentryTransport {
    func send(envelope: Envelope) {}
}

func start(
    transport: (any SentryTransport)?, attachStacktrace: Bool = true,
    configure: (inout SentryOptions) -> Void = { _ in }
) {
    SentrySDK.start { o in
        // The sink of scripts/bench.sh when there is one; else nobody listens on port 9
        // (discard): the HTTP transport queues, fails to connect in the background and never
        // blocks the caller.
        o.dsn = sinkDSN ?? "http://public@127.0.0.1:9/1"
        o.release = "bench@1.0.0"
        o.environment = "production"
        o.maxBreadcrumbs = 100
        o.maxQueueSize = 100_000
        o.enableCrashHandler = false
        o.cacheDirectory = nil  // unsent envelopes are dropped at close, not written to ~/.cache
        o.sendClientReports = false
        o.shutdownTimeout = .milliseconds(10)
        o.attachStacktrace = attachStacktrace
        o.transport = transport
        configure(&o)
    }
}

// MARK: - Benchmarks

if !jsonOutput { print(pad("op", 60) + lpad("min", 11) + lpad("median", 11) + lpad("max", 11)) }

start(transport: nil)
let iso = SentrySDK.isolationScope
bench("scope_set_tag_same_key", "scope.setTag, same key", 5_000_000) { iso.setTag("key_00", "value-00") }
bench("sdk_set_tag_same_key", "SentrySDK.setTag, same key", 5_000_000) { SentrySDK.setTag("key_00", "value-00") }
bench("add_breadcrumb", "SentrySDK.addBreadcrumb (msg, category, level, 2 data)", 2_000_000) { addCrumb() }
iso.clear()
populate(iso)
bench("with_scope", "SentrySDK.withScope {} (populated scopes)", 2_000_000) { SentrySDK.withScope { _ in } }
bench("with_isolation_scope", "SentrySDK.withIsolationScope {}", 2_000_000) { SentrySDK.withIsolationScope { _ in } }
await runAsyncBenches()

let msg = "Something went wrong while processing order 12345"
// HTTP transport to a closed port; the queue (100,000) holds every event of the run, so each
// capture really is merged, serialized, enveloped and queued.
paced("capture_message_http", "capture(message:) returns (HTTP transport)", 3_000) {
    SentrySDK.capture(message: msg, level: .error)
}
// Errors: a ~30-frame stack. The first call pays for symbolication caches.
let err = CheckoutError(order: 12345)
var firstErrorNs = 0.0
recurse(28) {
    let t0 = nowNs()
    SentrySDK.capture(error: err)
    firstErrorNs = nowNs() - t0
}
report("capture_error_first", "capture(error:), first call, 30-frame stack (1 call)", [firstErrorNs])
recurse(28) {
    paced("capture_error_repeated", "capture(error:), repeated, 30-frame stack", 3_000) {
        SentrySDK.capture(error: err)
    }
}
recurse(28) {
    paced("capture_message_30_frames", "capture(message:), 30-frame stack (HTTP transport)", 3_000) {
        SentrySDK.capture(message: msg, level: .error)
    }
}
SentrySDK.close()

// The same with a custom no-op Transport (the envelope is handed to Swift and dropped).
start(transport: NoopTransport())
bench("capture_message_noop_transport", "capture(message:) returns (no-op Transport)", 10_000) {
    SentrySDK.capture(message: msg, level: .error)
}
SentrySDK.close()
// Release health and crons (HTTP transport: the check-in is queued for the worker).
start(transport: nil)
bench("request_session", "withRequestSession {} (release health on)", 1_000_000) {
    SentrySDK.withRequestSession { _ in }
}
paced("check_in_http", "captureCheckIn returns (HTTP transport)", 3_000) {
    _ = try? SentrySDK.captureCheckIn(monitorSlug: "nightly-backup", status: .ok, duration: .milliseconds(1500))
}
SentrySDK.close()
start(transport: nil, attachStacktrace: false)
paced("capture_message_no_stacktrace", "capture(message:), attachStacktrace = false (HTTP)", 3_000) {
    SentrySDK.capture(message: msg, level: .error)
}
SentrySDK.close()

runTracingBenches()
runLogBenches()
await runHTTPServerBenches()

// MARK: - Disabled SDK (closed: no DSN)
bench("disabled_set_tag", "disabled: SentrySDK.setTag", 20_000_000) { SentrySDK.setTag("k", "v") }
bench("disabled_add_breadcrumb", "disabled: SentrySDK.addBreadcrumb", 20_000_000) { addCrumb() }
bench("disabled_capture_message", "disabled: capture(message:)", 20_000_000) {
    SentrySDK.capture(message: msg, level: .error)
}
bench("disabled_with_scope", "disabled: SentrySDK.withScope {}", 20_000_000) { SentrySDK.withScope { _ in } }
bench("disabled_with_isolation_scope", "disabled: SentrySDK.withIsolationScope {}", 20_000_000) {
    SentrySDK.withIsolationScope { _ in }
}
bench("disabled_with_transaction_span", "disabled: withTransaction { withSpan {} }", 20_000_000) {
    SentrySDK.withTransaction(name: "GET /cart", operation: "http.server") { _ in
        SentrySDK.withSpan(operation: "db") { _ in }
    }
}
bench("disabled_trace_headers", "disabled: SentrySDK.traceHeaders(for:)", 20_000_000) {
    blackHole(SentrySDK.traceHeaders(for: "https://api.example.com/x"))
}
