#if Tracing
import Sentry
import Synchronization
import Tracing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A swift-distributed-tracing `Tracer` (and `Instrument`) backed by Sentry transactions and spans.
///
/// Bootstrap it once, after ``Sentry/SentrySDK/start(options:)``:
///
/// ```swift
/// SentrySDK.start(options: options)
/// InstrumentationSystem.bootstrap(SentryTracer())
/// ```
///
/// A span without a local parent becomes a transaction; the others become its children:
///
/// - the span stored in the `ServiceContext` by this tracer is the parent;
/// - else the calling task's active Sentry span (``Sentry/SentrySDK/span``, e.g. inside
///   ``Sentry/SentrySDK/withSpan(operation:description:_:)-61v6``) is the parent;
/// - else the span starts a transaction, continuing the remote trace that ``extract(_:into:using:)``
///   put into the context (`sentry-trace` and `baggage`, or W3C `traceparent`), or the isolation
///   scope's propagation context. Sampling happens there; children inherit the decision.
///
/// Names, operations, statuses and data are mapped as sentry-python's OpenTelemetry span
/// processor does, when the span ends (see ``SentryTracerSpan``).
public struct SentryTracer: Tracer {
    public typealias Span = SentryTracerSpan

    /// A tracer; the SDK's options (sampling, propagation targets, ...) apply.
    public init() {
        // Inside the library's global `withSpan` (which cannot bind the SDK's task-local scopes),
        // SentrySDK.capture, SentrySDK.span and SentrySDK.withSpan find this tracer's span here.
        AmbientSpans.install {
            guard let span = ServiceContext.current?[SentryTracerSpanKey.self] else { return nil }
            return AmbientSpan(span: span.sentrySpan, boundAtStart: span.boundAtStart)
        }
    }

    // MARK: - Tracer

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> ServiceContext,
        ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> SentryTracerSpan {
        var context = context()
        let sentrySpan: SentrySpan
        let isTransaction: Bool
        let bound = AmbientSpans.taskBoundSpan
        let start = Self.microseconds(instant())
        if let parent = context[SentryTracerSpanKey.self], !Self.startedInside(parent, bound: bound) {
            sentrySpan = parent.sentrySpan.startChild(
                operation: operationName, description: operationName, startMicroseconds: start)
            isTransaction = false
        } else if let active = bound {
            sentrySpan = active.startChild(
                operation: operationName, description: operationName, startMicroseconds: start)
            isTransaction = false
        } else {
            sentrySpan = SentrySDK.startTransaction(
                name: operationName, operation: operationName, headers: context[SentryRemoteParentKey.self])
            sentrySpan.setStartTimestamp(microseconds: start)
            isTransaction = true
        }
        if isTransaction { context[SentryRemoteParentKey.self] = nil }  // continued: only a transaction reads it
        return SentryTracerSpan(
            sentrySpan: sentrySpan, operationName: operationName, kind: kind, isTransaction: isTransaction,
            boundAtStart: bound, parentContext: context)
    }

    /// A `TracerInstant` (nanoseconds since the epoch) in the core's microseconds since the epoch.
    static func microseconds<Instant: TracerInstant>(_ instant: Instant) -> Int64 {
        Int64(clamping: instant.nanosecondsSinceEpoch / 1_000)
    }

    /// Whether the task's bound SDK span `bound` was started inside the context's tracer span
    /// `parent` (a `SentrySDK.withSpan` within the library's global `withSpan`): then it, not
    /// `parent`, is the innermost span. Only for the task's own context; an explicitly passed
    /// context keeps its parent.
    private static func startedInside(_ parent: SentryTracerSpan, bound: SentrySpan?) -> Bool {
        guard let bound, !bound.isSame(as: parent.sentrySpan), !bound.isSame(as: parent.boundAtStart),
            let current = ServiceContext.current?[SentryTracerSpanKey.self], current === parent
        else { return false }
        return true
    }

    public func activeSpan(identifiedBy context: ServiceContext) -> SentryTracerSpan? {
        context[SentryTracerSpanKey.self]
    }

    /// Flushes the SDK's queued envelopes (waits up to two seconds).
    public func forceFlush() {
        _ = SentrySDK.flush(timeout: .seconds(2))
    }

    // MARK: - Instrument

    /// Reads `sentry-trace`, `baggage` and `traceparent` from `carrier` into `context`; the next
    /// span started without a local parent continues that trace.
    public func extract<Carrier, Extract>(
        _ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract
    )
    where Extract: Extractor, Extract.Carrier == Carrier {
        var headers: [String: String] = [:]
        for name in ["sentry-trace", "baggage", "traceparent"] {
            if let value = extractor.extract(key: name, from: carrier) { headers[name] = value }
        }
        guard !headers.isEmpty else { return }
        context[SentryRemoteParentKey.self] = headers
    }

    /// Writes `sentry-trace`, `baggage` and (with `SentryOptions.propagateTraceparent`)
    /// `traceparent` of the context's span, else of the calling task's active span or
    /// propagation context.
    ///
    /// `SentryOptions.tracePropagationTargets` is checked against the context's
    /// ``Tracing/ServiceContext/sentryPropagationTarget``, else the span's `url.full` or
    /// `http.url` attribute; without any of them the headers are written.
    ///
    /// A `baggage` value the carrier already has is merged: other vendors' members are kept, and
    /// there is one set of `sentry-` members, this trace's. The carrier is read when it is a
    /// `[String: String]`, a `[String: [String]]` or a sequence of `(name: String, value: String)`
    /// pairs (as NIO's `HTTPHeaders`), or when the injector is also an `Extractor` of the
    /// carrier (header names compared case-insensitively). An injector that replaces the value
    /// gets the merged `baggage`; one that adds a second value (as `HTTPHeaders.add` does; told
    /// apart by injecting into a copy of the carrier) gets only the `sentry-` members, or no
    /// `baggage` at all when the existing value already has `sentry-` members (they cannot be
    /// removed through such an injector).
    public func inject<Carrier, Inject>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject: Injector, Inject.Carrier == Carrier {
        let span = context[SentryTracerSpanKey.self]
        let target = context.sentryPropagationTarget ?? span?.urlAttribute
        let existingBaggage = BaggageReader.read(carrier, injector)
        let appends = existingBaggage.map { BaggageReader.injectorAppends(carrier, injector, existing: $0) } ?? false
        let merge = appends ? nil : existingBaggage
        let headers: [String: String]
        if let span, !span.sentrySpan.isInert {
            headers = SentrySDK.withActiveSpan(span.sentrySpan) {
                SentrySDK.traceHeaders(for: target, existingBaggage: merge)
            }
        } else {
            headers = SentrySDK.traceHeaders(for: target, existingBaggage: merge)
        }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            if name == "baggage", appends, let existingBaggage, BaggageReader.hasSentryMembers(existingBaggage) {
                continue
            }
            injector.inject(value, forKey: name, into: &carrier)
        }
    }

    // MARK: - withSpan

    /// Runs `operation` in a new span that is also the task's active Sentry span, so
    /// ``Sentry/SentrySDK/capture(error:scope:block:)`` and ``Sentry/SentrySDK/withSpan(operation:description:_:)-61v6``
    /// inside see it. Ends the span when `operation` returns; a thrown error is recorded
    /// (captured) and sets the status `.error`.
    ///
    /// Called on a `SentryTracer` value (not through `any Tracer` or the global `withSpan`,
    /// which only bind the `ServiceContext`).
    public func withSpan<T, E: Error>(
        _ operationName: String,
        context: @autoclosure () -> ServiceContext = .current ?? .topLevel,
        ofKind kind: SpanKind = .internal,
        function: String = #function,
        file fileID: String = #fileID,
        line: UInt = #line,
        _ operation: (SentryTracerSpan) throws(E) -> T
    ) throws(E) -> T {
        let span = startSpan(
            operationName, context: context(), ofKind: kind, at: DefaultTracerClock.now,
            function: function, file: fileID, line: line)
        defer { span.end() }
        let result: Result<T, E> = ServiceContext.$current.withValue(span.context) {
            SentrySDK.withActiveSpan(span.sentrySpan) { Result { () throws(E) -> T in try operation(span) } }
        }
        return try span.settle(result)
    }

    /// Runs `operation` in a new span that is also the task's active Sentry span (async variant;
    /// runs on the caller's actor).
    public func withSpan<T, E: Error>(
        _ operationName: String,
        context: @autoclosure () -> ServiceContext = .current ?? .topLevel,
        ofKind kind: SpanKind = .internal,
        isolation: isolated (any Actor)? = #isolation,
        function: String = #function,
        file fileID: String = #fileID,
        line: UInt = #line,
        _ operation: (SentryTracerSpan) async throws(E) -> T
    ) async throws(E) -> T {
        let span = startSpan(
            operationName, context: context(), ofKind: kind, at: DefaultTracerClock.now,
            function: function, file: fileID, line: line)
        defer { span.end() }
        let result: Result<T, E> = await ServiceContext.$current.withValue(span.context) {
            await SentrySDK.withActiveSpan(span.sentrySpan) { () async -> Result<T, E> in
                do throws(E) {
                    return .success(try await operation(span))
                } catch {
                    return .failure(error)
                }
            }
        }
        return try span.settle(result)
    }
}

// MARK: - Span

/// A span of ``SentryTracer``: a Sentry transaction (no local parent) or a child span.
///
/// At ``end(at:)`` it is mapped as sentry-python's OpenTelemetry span processor does:
///
/// - `operationName`, read at the end (frameworks rename after routing), is the transaction's
///   name or the span's description;
/// - the op: the `sentry.op` attribute, else `http.server` / `http.client` (server / client kind
///   with `http.request.method`), `db` (`db.system` or `db.system.name`), `queue.process` /
///   `queue.publish` (`messaging.system`; consumer and server kinds process), `rpc`
///   (`rpc.system`), else the operation name;
/// - `http.route` makes the transaction's source `route`;
/// - `http.response.status_code` sets the HTTP status (``Sentry/SentrySpan/setHTTPStatus(_:)``);
///   status `.error` maps it (a non-error code gives `internal_error`), or is `internal_error`;
///   `.ok` is `ok`; ``recordError(_:attributes:at:)`` sets `internal_error` when no status is set;
/// - attributes become span data (on a transaction, `contexts.trace.data`);
/// - links become the data `sentry.links` (an array of `{trace_id, span_id, attributes}`);
/// - events become the data `sentry.events` (an array of `{name, timestamp, attributes}`,
///   timestamps in seconds since the epoch).
///
/// The instants given to `startSpan` and `end(at:)` are the span's start and end timestamps
/// (`start_timestamp` and `timestamp` of the transaction or of its entry in `spans`).
/// An unsampled span (``isRecording`` is `false`) ignores attributes, events, links and renames;
/// it still propagates its trace and ``recordError(_:attributes:at:)`` still captures the error.
public final class SentryTracerSpan: Tracing.Span, @unchecked Sendable {
    struct Snapshot {
        var operationName: String
        var attributes: SpanAttributes = [:]
        var status: Tracing.SpanStatus?
        var errorRecorded = false
        var events: [SentryJSON] = []
        var links: [SentryJSON] = []
        var ended = false
    }

    /// The Sentry span (or transaction) behind this span.
    public let sentrySpan: SentrySpan
    let isTransaction: Bool
    /// The SDK span bound to the task when this span started (see `AmbientSpans`).
    let boundAtStart: SentrySpan?
    let kind: SpanKind
    /// The operation name at the start: the Sentry span's op and description (or
    /// transaction name, source `custom`) until the end maps them.
    let startName: String
    /// The context the span was started with (without it: holding a context that holds the span
    /// would be a reference cycle).
    private let parentContext: ServiceContext
    /// The mutable state, under a lock of its own: an atomic flag (no allocation, and
    /// ThreadSanitizer sees it, unlike `Synchronization.Mutex`'s futex); a span is rarely changed
    /// from two threads at once.
    private let locked = Atomic<Bool>(false)
    private var snapshot: Snapshot  // guarded by `locked`

    init(
        sentrySpan: SentrySpan, operationName: String, kind: SpanKind, isTransaction: Bool,
        boundAtStart: SentrySpan?, parentContext: ServiceContext
    ) {
        self.sentrySpan = sentrySpan
        self.isTransaction = isTransaction
        self.boundAtStart = boundAtStart
        self.kind = kind
        startName = operationName
        self.parentContext = parentContext
        snapshot = Snapshot(operationName: operationName)
    }

    /// The span's context: the one it was started with, holding this span (made anew at each
    /// read).
    public var context: ServiceContext {
        var context = parentContext
        context[SentryTracerSpanKey.self] = self
        return context
    }

    /// Runs `body` with exclusive access to the span's mutable state.
    private func withSnapshot<R>(_ body: (inout Snapshot) -> R) -> R {
        while !locked.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            sched_yield()  // another thread changes this span: let it finish
        }
        defer { locked.store(false, ordering: .releasing) }
        return body(&snapshot)
    }

    /// The span's outgoing URL attribute (for `tracePropagationTargets`).
    var urlAttribute: String? {
        withSnapshot { s in
            for key in ["url.full", "http.url"] {
                switch s.attributes.get(key) {
                case .string(let url): return url
                case .stringConvertible(let url): return url.description
                default: continue
                }
            }
            return nil
        }
    }

    /// Whether the span is sampled and not ended yet.
    public var isRecording: Bool {
        sentrySpan.sampled == true && !withSnapshot { $0.ended }
    }

    public var operationName: String {
        get { withSnapshot { $0.operationName } }
        set {
            guard isRecording else { return }
            withSnapshot { $0.operationName = newValue }
        }
    }

    public var attributes: SpanAttributes {
        get { withSnapshot { $0.attributes } }
        set {
            guard isRecording else { return }
            withSnapshot { $0.attributes = newValue }
        }
    }

    public func setStatus(_ status: Tracing.SpanStatus) {
        guard isRecording else { return }
        withSnapshot { $0.status = status }
    }

    public func addEvent(_ event: SpanEvent) {
        guard isRecording else { return }
        let json = SentryJSON.object([
            "name": .string(event.name),
            "timestamp": .double(Double(event.nanosecondsSinceEpoch) / 1_000_000_000),
            "attributes": .object(Self.json(event.attributes)),
        ])
        withSnapshot { $0.events.append(json) }
    }

    public func addLink(_ link: SpanLink) {
        guard isRecording else { return }
        var json: SentryJSONObject = ["attributes": .object(Self.json(link.attributes))]
        if let linked = link.context[SentryTracerSpanKey.self]?.sentrySpan, !linked.isInert {
            json["trace_id"] = .string(linked.traceId)
            json["span_id"] = .string(linked.spanId)
        }
        withSnapshot { $0.links.append(.object(json)) }
    }

    /// Captures `error` (``Sentry/SentrySDK/capture(error:scope:block:)``) with this span as the
    /// task's active span, so the event carries its trace; `attributes` become the event's
    /// extras. The span's status becomes `internal_error` unless set explicitly.
    public func recordError<Instant: TracerInstant>(
        _ error: Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant
    ) {
        if isRecording { withSnapshot { $0.errorRecorded = true } }
        let extras = Self.json(attributes)
        SentrySDK.withActiveSpan(sentrySpan) {
            _ = SentrySDK.capture(error: error) { scope in
                for (key, value) in extras { scope.setExtra(key, value) }
            }
        }
    }

    /// What `withSpan` returns or throws: a thrown error is recorded and sets the status `.error`.
    func settle<T, E: Error>(_ result: Result<T, E>) throws(E) -> T {
        if case .failure(let error) = result {
            recordError(error)
            setStatus(.init(code: .error))
        }
        return try result.get()
    }

    /// Ends the span at `instant` (its Sentry end timestamp); a transaction is then sent.
    /// A second call does nothing.
    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let span = sentrySpan
        guard span.sampled == true else {
            span.finish()
            return
        }
        // nil: already ended; .some(nil): nothing to map (as started, no data)
        let taken = withSnapshot { s -> Snapshot?? in
            if s.ended { return nil }
            s.ended = true
            if s.attributes.isEmpty, s.status == nil, !s.errorRecorded, s.links.isEmpty, s.events.isEmpty,
                s.operationName == startName
            {
                return .some(nil)
            }
            return s
        }
        guard let taken else { return }
        if let s = taken { apply(s, to: span) }
        span.finish(endMicroseconds: SentryTracer.microseconds(instant()))
    }

    private func apply(_ s: Snapshot, to span: SentrySpan) {
        let attributes = s.attributes
        // What the span started with is left alone (each setter copies a string into the core).
        let op = Self.op(s.operationName, kind: kind, attributes)
        if op != startName { span.setOperation(op) }
        if isTransaction {
            let routed = !attributes.isEmpty && attributes.get("http.route") != nil
            if routed || s.operationName != startName {
                span.setName(s.operationName, source: routed ? .route : .custom)
            }
        } else if s.operationName != startName {
            span.setDescription(s.operationName)
        }
        var code: Int?
        if !attributes.isEmpty {  // (each lookup hashes its key)
            attributes.forEach { key, value in
                if let json = Self.json(value) { span.setData(key, json) }
            }
            code = Self.int(attributes.get("http.response.status_code") ?? attributes.get("http.status_code"))
            if let code { span.setHTTPStatus(code) }
        }
        if !s.links.isEmpty { span.setData("sentry.links", .array(s.links)) }
        if !s.events.isEmpty { span.setData("sentry.events", .array(s.events)) }
        switch s.status?.code {
        case .ok:
            span.setStatus(.ok)
        case .error:
            let mapped = code.map { Sentry.SpanStatus(httpStatusCode: $0) }
            span.setStatus(mapped.flatMap { $0 == .ok ? nil : $0 } ?? .internalError)
        case nil:
            if s.errorRecorded { span.setStatus(.internalError) }
        }
    }

    // MARK: - Mapping

    static func op(_ operationName: String, kind: SpanKind, _ attributes: SpanAttributes) -> String {
        if attributes.isEmpty { return operationName }
        if case .string(let op)? = attributes.get("sentry.op") { return op }
        if attributes.get("http.request.method") != nil || attributes.get("http.method") != nil {
            switch kind {
            case .server: return "http.server"
            case .client: return "http.client"
            default: return "http"
            }
        }
        if attributes.get("db.system") != nil || attributes.get("db.system.name") != nil { return "db" }
        if attributes.get("messaging.system") != nil {
            switch kind {
            case .producer, .client: return "queue.publish"
            default: return "queue.process"
            }
        }
        if attributes.get("rpc.system") != nil { return "rpc" }
        return operationName
    }

    static func int(_ attribute: SpanAttribute?) -> Int? {
        switch attribute {
        case .int32(let v)?: return Int(v)
        case .int64(let v)?: return Int(v)
        case .string(let v)?: return Int(v)
        default: return nil
        }
    }

    static func json(_ attributes: SpanAttributes) -> SentryJSONObject {
        var object: SentryJSONObject = [:]
        attributes.forEach { key, value in object[key] = json(value) }
        return object
    }

    static func json(_ attribute: SpanAttribute) -> SentryJSON? {
        switch attribute {
        case .int32(let v): return .int(Int64(v))
        case .int64(let v): return .int(v)
        case .int32Array(let v): return .array(v.map { .int(Int64($0)) })
        case .int64Array(let v): return .array(v.map { .int($0) })
        case .double(let v): return .double(v)
        case .doubleArray(let v): return .array(v.map { .double($0) })
        case .bool(let v): return .bool(v)
        case .boolArray(let v): return .array(v.map { .bool($0) })
        case .string(let v): return .string(v)
        case .stringArray(let v): return .array(v.map { .string($0) })
        case .stringConvertible(let v): return .string(v.description)
        case .stringConvertibleArray(let v): return .array(v.map { .string($0.description) })
        default: return nil
        }
    }
}

// MARK: - Reading a carrier's baggage

/// Reads the `baggage` value a carrier already has, for ``SentryTracer/inject(_:into:using:)``.
enum BaggageReader {
    /// The carrier's `baggage` values joined with `,`; `nil` when it has none or cannot be read.
    static func read<Carrier, Inject: Injector>(_ carrier: Carrier, _ injector: Inject) -> String?
    where Inject.Carrier == Carrier {
        switch carrier {
        case let dictionary as [String: String]:
            return joined(dictionary.lazy.filter { isBaggage($0.key) }.map(\.value))
        case let dictionary as [String: [String]]:
            return joined(dictionary.lazy.filter { isBaggage($0.key) }.flatMap(\.value))
        case let fields as any Sequence<(name: String, value: String)>:
            return values(of: fields)
        default:
            guard let extractor = injector as? any Extractor else { return nil }
            return read(carrier, through: extractor)
        }
    }

    private static func values<Fields: Sequence<(name: String, value: String)>>(of fields: Fields) -> String? {
        joined(fields.lazy.filter { isBaggage($0.name) }.map(\.value))
    }

    /// `carrier` read through `extractor` when it extracts from carriers of that type.
    private static func read<Extract: Extractor>(_ carrier: Any, through extractor: Extract) -> String? {
        guard let carrier = carrier as? Extract.Carrier else { return nil }
        return extractor.extract(key: "baggage", from: carrier) ?? extractor.extract(key: "Baggage", from: carrier)
    }

    /// Whether `injector` adds a second `baggage` value to a carrier that has one (rather than
    /// replacing it): tried on a copy of the carrier. A reference-type carrier cannot be copied;
    /// its injector is taken to replace.
    static func injectorAppends<Carrier, Inject: Injector>(_ carrier: Carrier, _ injector: Inject, existing: String)
        -> Bool
    where Inject.Carrier == Carrier {
        guard !(Carrier.self is AnyObject.Type) else { return false }
        let marker = "sentry-probe=1"
        var probe = carrier
        injector.inject(marker, forKey: "baggage", into: &probe)
        guard let after = read(probe, injector) else { return false }
        return after != marker
    }

    /// Whether the baggage value has a `sentry-` member.
    static func hasSentryMembers(_ baggage: String) -> Bool {
        baggage.split(separator: ",").contains { $0.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("sentry-") }
    }

    private static func isBaggage(_ name: String) -> Bool {
        name.utf8.count == 7 && name.lowercased() == "baggage"
    }

    private static func joined<S: Sequence<String>>(_ values: S) -> String? {
        let all = Array(values)
        return all.isEmpty ? nil : all.joined(separator: ",")
    }
}

// MARK: - Context keys

/// The context's span of ``SentryTracer``.
enum SentryTracerSpanKey: ServiceContextKey {
    typealias Value = SentryTracerSpan
    static var nameOverride: String? { "sentry-span" }
}

/// The incoming trace headers `extract` found (`sentry-trace`, `baggage`, `traceparent`).
enum SentryRemoteParentKey: ServiceContextKey {
    typealias Value = [String: String]
    static var nameOverride: String? { "sentry-remote-parent" }
}

enum SentryPropagationTargetKey: ServiceContextKey {
    typealias Value = String
    static var nameOverride: String? { "sentry-propagation-target" }
}

extension ServiceContext {
    /// The URL (or host) of the outgoing request, checked against
    /// `SentryOptions.tracePropagationTargets` by ``SentryTracer/inject(_:into:using:)``.
    public var sentryPropagationTarget: String? {
        get { self[SentryPropagationTargetKey.self] }
        set { self[SentryPropagationTargetKey.self] = newValue }
    }
}
#endif
