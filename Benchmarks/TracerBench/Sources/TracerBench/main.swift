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

/// The floor of every swift-distributed-tracing tracer: a span that only finds its parent in
/// the context and puts itself there (the context lookup and copy, the task-local binding).
final class FloorSpan: Tracing.Span, @unchecked Sendable {
    let parent: FloorSpan?
    private let parentContext: ServiceContext
    init(parent: FloorSpan?, parentContext: ServiceContext) {
        self.parent = parent
        self.parentContext = parentContext
    }
    var context: ServiceContext {
        var context = parentContext
        context[FloorKey.self] = self
        return context
    }
    var operationName: String {
        get { "" }
        set {}
    }
    var attributes: SpanAttributes {
        get { [:] }
        set {}
    }
    var isRecording: Bool { true }
    func setStatus(_ status: Tracing.SpanStatus) {}
    func addEvent(_ event: SpanEvent) {}
    func addLink(_ link: SpanLink) {}
    func recordError<Instant: TracerInstant>(
        _ error: Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant
    ) {}
    func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) { blackHole(instant()) }
}

enum FloorKey: ServiceContextKey {
    typealias Value = FloorSpan
}

struct FloorTracer: Tracer {
    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> FloorSpan {
        let context = context()
        blackHole(instant())
        return FloorSpan(parent: context[FloorKey.self], parentContext: context)
    }
    func activeSpan(identifiedBy context: ServiceContext) -> FloorSpan? { context[FloorKey.self] }
    func forceFlush() {}
    func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract
    )
    where Extract.Carrier == Carrier {}
    func inject<Carrier, Inject: Injector>(
        _ context: ServiceContext, into carrier: inout Carrier, using injector: Inject
    )
    where Inject.Carrier == Carrier {}
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
    Case(key: "tracer_sdk_with_span_in_tracer", name: "SentrySDK.withSpan {} inside a SentryTracer span") { n in
        let root = sentryTracer.startSpan("GET /cart", context: .topLevel, ofKind: .server)
        ServiceContext.withValue(root.context) {
            for _ in 0..<n { SentrySDK.withSpan(operation: "db.query", description: "SELECT 1") { _ in } }
        }
        root.end()
    },
    Case(key: "tracer_floor", name: "floor: a Tracer that only keeps its span in the context") {
        childSpans(FloorTracer(), $0)
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
