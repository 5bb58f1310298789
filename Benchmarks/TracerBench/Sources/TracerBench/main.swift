// sentry-tracer-bench: one span entered and exited inside a sampled root, per call, through
// SentryTracer, through swift-otel's tracer and through SentrySDK.withSpan, measured in one
// process, round-robin (each round times every case once; min/median/max over `repeats` rounds
// after a warm-up), with sentry-bench's helpers (Benchmarks/SentryBench/Bench.swift).
//
// Usage: sentry-tracer-bench [--json] [--quick] [--only KEY]   (scripts/bench.sh runs it)
import OTel
import Sentry
import SentryTracing
import ServiceLifecycle
import Tracing

@inline(never) func blackHole<T>(_ x: T) {}

/// Drops every envelope: what the caller pays, nothing else.
struct NoopTransport: SentryTransport {
    func send(envelope: Envelope) {}
}

struct Case {
    let key: String
    let name: String
    let run: (Int) -> Void
}

/// `n` child spans entered and exited through `tracer`'s `withSpan` (the `Tracer` protocol's,
/// as the library's global `withSpan` and every instrumented library call it), inside a root
/// span bound to the task's `ServiceContext`.
func childSpans<T: Tracer>(_ tracer: T, _ n: Int) {
    let root = tracer.startSpan("GET /cart", context: .topLevel, ofKind: .server)
    ServiceContext.withValue(root.context) {
        for _ in 0..<n {
            tracer.withSpan("db.query") { span in blackHole(span) }
        }
    }
    root.end()
}

SentrySDK.start { o in
    o.dsn = "http://public@127.0.0.1:9/1"
    o.transport = NoopTransport()
    o.tracesSampleRate = 1
    o.enableCrashHandler = false
    o.cacheDirectory = nil
    o.sendClientReports = false
    o.shutdownTimeout = .milliseconds(10)
}
let sentryTracer = SentryTracer()

var otelConfig = OTel.Configuration.default
otelConfig.traces.sampler = .alwaysOn
otelConfig.traces.exporter = .none
otelConfig.metrics.enabled = false
otelConfig.logs.enabled = false
let (otelTracer, otelService) = try OTel.makeTracingBackend(configuration: otelConfig)
// The tracer's service hands ended spans to its batch processor (and the no-op exporter).
let otelRun = Task { try await otelService.run() }

let iters = max(1, 200_000 / scale)
let cases = [
    Case(key: "tracer_sentry", name: "Tracer.withSpan {} through SentryTracer, sampled root") {
        childSpans(sentryTracer, $0)
    },
    Case(key: "tracer_sentry_bound", name: "SentryTracer.withSpan {} (also the SDK's span), sampled root") { n in
        let root = sentryTracer.startSpan("GET /cart", context: .topLevel, ofKind: .server)
        ServiceContext.withValue(root.context) {
            for _ in 0..<n { sentryTracer.withSpan("db.query") { span in blackHole(span) } }
        }
        root.end()
    },
    Case(key: "tracer_otel", name: "Tracer.withSpan {} through swift-otel 1.6 (no-op exporter)") {
        childSpans(otelTracer, $0)
    },
    Case(key: "tracer_sdk_with_span", name: "SentrySDK.withSpan {} in a sampled transaction") { n in
        let tx = SentrySDK.startTransaction(name: "GET /cart", operation: "http.server", source: .route)
        SentrySDK.withActiveSpan(tx) {
            for _ in 0..<n { SentrySDK.withSpan(operation: "db.query", description: "SELECT 1") { _ in } }
        }
        tx.finish()
    },
].filter { only == nil || only == $0.key }

if !jsonOutput { print(pad("op", 60) + lpad("min", 11) + lpad("median", 11) + lpad("max", 11)) }
for c in cases { c.run(iters / 5 + 1) }  // warm-up
var rounds: [String: [Double]] = [:]
for _ in 0..<repeats {
    for c in cases {
        let t0 = nowNs()
        c.run(iters)
        rounds[c.key, default: []].append((nowNs() - t0) / Double(iters))
    }
}
for c in cases { report(c.key, c.name, rounds[c.key] ?? []) }

otelRun.cancel()
SentrySDK.close()
