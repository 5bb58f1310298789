import CScopeCore
internal import CScopeCoreSPI

/// A span: a timed unit of work in a trace. A transaction is the root span of one service's
/// part of a trace; its children describe the work inside (queries, outgoing requests, ...).
///
/// Spans are created by ``SentrySDK/withTransaction(name:operation:source:headers:_:)-76fzu``,
/// ``SentrySDK/withSpan(operation:description:_:)-61v6``, ``SentrySDK/startTransaction(name:operation:source:headers:sampled:customSamplingContext:)``
/// and ``startChild(operation:description:)``. A finished transaction is sent with its
/// finished children (at most `SentryOptions.maxSpans`); a child finished after its transaction is
/// not sent.
///
/// `SentrySpan` is safe to share between tasks and threads: it wraps a handle of the C core,
/// which locks the spans of one transaction together. Finishing twice is harmless (the second
/// call does nothing). Once its transaction is finished a span no longer changes.
///
/// While the SDK is not started, or inside `withSpan` without an active transaction, the
/// span is inert: every method is a no-op and it is never sent.
public final class SentrySpan: Sendable {
    /// The core span (`csc_span_t *`), one reference owned; `nil` for the inert span.
    nonisolated(unsafe) let handle: OpaquePointer?

    init(owning handle: OpaquePointer?) { self.handle = handle }

    deinit { csc_span_release(handle) }

    /// The span every tracing call hands out while the SDK is not started.
    static let inert = SentrySpan(owning: nil)

    /// Whether this span does nothing (SDK disabled, or no transaction to belong to).
    public var isInert: Bool { handle == nil }

    /// Whether `other` wraps the same core span (two wrappers of one span are different objects).
    package func isSame(as other: SentrySpan?) -> Bool { handle != nil && handle == other?.handle }

    // MARK: - Identity

    /// The trace id (32 lower-case hex characters); "" for the inert span.
    public var traceId: String {
        guard let handle else { return "" }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 33) { buf in
            _ = csc_span_get_trace_id(handle, buf.baseAddress)
            return String(cString: buf.baseAddress!)
        }
    }

    /// The span id (16 lower-case hex characters); "" for the inert span.
    public var spanId: String {
        guard let handle else { return "" }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 17) { buf in
            _ = csc_span_get_span_id(handle, buf.baseAddress)
            return String(cString: buf.baseAddress!)
        }
    }

    /// The sampling decision of the span's transaction (`nil`: no decision, e.g. inert).
    public var sampled: Bool? {
        guard let handle else { return nil }
        switch csc_span_get_sampled(handle) {
        case CSC_SAMPLED_YES: return true
        case CSC_SAMPLED_NO: return false
        default: return nil
        }
    }

    /// Whether this span is a transaction (the root of its tree).
    public var isTransaction: Bool { handle.map { csc_span_is_transaction($0) } ?? false }

    /// Whether ``finish(status:)`` was called.
    public var isFinished: Bool { handle.map { csc_span_is_finished($0) } ?? false }

    // MARK: - Children

    /// A child of this span: same trace, same sampling decision. The caller finishes it
    /// (``finish(status:)``); ``SentrySDK/withSpan(operation:description:_:)-61v6`` also binds it to
    /// the task so errors and outgoing requests inside see it.
    public func startChild(operation: String, description: String? = nil) -> SentrySpan {
        guard let handle else { return .inert }
        let child = operation.withCString { op in
            withOptionalCString(description) { csc_span_start_child(handle, op, $0) }
        }
        return SentrySpan(owning: child)
    }

    /// ``startChild(operation:description:)`` started at `startMicroseconds` (microseconds since
    /// the Unix epoch) instead of now (for tracers that report the start instant: `SentryTracing`).
    package func startChild(operation: String, description: String?, startMicroseconds: Int64) -> SentrySpan {
        guard let handle else { return .inert }
        let child = operation.withCString { op in
            withOptionalCString(description) { csc_span_start_child_at(handle, op, $0, startMicroseconds) }
        }
        return SentrySpan(owning: child)
    }

    // MARK: - Data

    /// Sets a tag of the span (on a transaction: a tag of the transaction event).
    public func setTag(_ key: String, _ value: String) {
        guard let handle else { return }
        _ = csc_span_set_tag(handle, key, value)
    }

    /// Sets span data (on a transaction: `contexts.trace.data`); `nil` removes the key.
    public func setData(_ key: String, _ value: SentryJSON?) {
        guard let handle else { return }
        _ = csc_span_set_data(handle, key, value?.makeJansson())
    }

    /// Sets the status (`ok`, `internal_error`, `not_found`, ...).
    public func setStatus(_ status: SpanStatus?) {
        guard let handle else { return }
        _ = csc_span_set_status(handle, status?.rawValue)
    }

    /// Maps an HTTP status code as the Python SDK does: the status (403 `permission_denied`,
    /// 404 `not_found`, 429 `resource_exhausted`, other 4xx `invalid_argument`, 5xx
    /// `internal_error`, ...), the tag `http.status_code`, the data
    /// `http.response.status_code` and, on a transaction, `contexts.response.status_code`.
    public func setHTTPStatus(_ code: Int) {
        guard let handle else { return }
        _ = csc_span_set_http_status(handle, Int32(clamping: code))
    }

    /// Renames a transaction (no effect on other spans); a `source` replaces
    /// `transaction_info.source`.
    public func setName(_ name: String, source: TransactionSource? = nil) {
        guard let handle else { return }
        _ = csc_transaction_set_name(handle, name, source?.rawValue)
    }

    /// Sets the operation (`http.server`, `db.query`, ...).
    public func setOperation(_ operation: String) {
        guard let handle else { return }
        _ = csc_span_set_op(handle, operation)
    }

    /// Sets the description (for a query: its text; for a request: method and URL).
    public func setDescription(_ description: String?) {
        guard let handle else { return }
        withOptionalCString(description) { _ = csc_span_set_description(handle, $0) }
    }

    /// Sets a measurement of a transaction (`measurements.<name>`).
    public func setMeasurement(_ name: String, value: Double, unit: String = "") {
        guard let handle else { return }
        _ = csc_transaction_set_measurement(handle, name, value, unit)
    }

    // MARK: - Finishing

    /// Finishes the span, with `status` when given. A transaction is then sent (with the
    /// calling task's scopes applied: tags, user, contexts, extras, event processors, then
    /// `beforeSendTransaction`); the caller pays for snapshots only, the JSON is built on the
    /// transport's worker. A second call does nothing.
    public func finish(status: SpanStatus? = nil) {
        finish(status: status, scopes: ScopeStorage.active)
    }

    /// Finishes the span as ``finish(status:)`` does, with the end time `endMicroseconds`
    /// (microseconds since the Unix epoch; 0 = now) in place of the moment of the call. For
    /// tracers that report the end instant themselves (`SentryTracing`).
    package func finish(endMicroseconds: Int64) {
        guard let handle else { return }
        guard csc_span_is_transaction(handle) else {  // a child needs no scopes
            _ = csc_span_finish_ex(handle, nil, endMicroseconds, nil)
            return
        }
        finish(status: nil, scopes: ScopeStorage.active, endMicroseconds: endMicroseconds)
    }

    /// Sets the start time to `microseconds` since the Unix epoch, in place of the moment the
    /// span was started (for tracers that report the start instant themselves: `SentryTracing`).
    /// No effect on a finished span or for values <= 0.
    package func setStartTimestamp(microseconds: Int64) {
        guard let handle else { return }
        _ = csc_span_set_start_timestamp(handle, microseconds)
    }

    func finish(status: SpanStatus?, scopes pair: ScopePair, endMicroseconds: Int64 = 0) {
        guard let handle else { return }
        if let status { _ = csc_span_set_status(handle, status.rawValue) }
        guard csc_span_is_transaction(handle) else {
            _ = csc_span_finish_ex(handle, nil, endMicroseconds, nil)
            return
        }
        var scopes = csc_scopes_t(
            global: ScopeStorage.global.handle, isolation: pair.isolationScope.handle,
            current: pair.currentScope.handle, extra: nil)
        _ = csc_span_finish_ex(handle, &scopes, endMicroseconds, nil)
        withExtendedLifetime(pair) {}
    }
}

/// The status of a span, as Sentry names it.
public struct SpanStatus: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral {
    /// The status as sent to Sentry.
    public let rawValue: String

    /// A status by name.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A status by name.
    public init(stringLiteral value: String) { rawValue = value }

    /// The status of an HTTP response code, as ``SentrySpan/setHTTPStatus(_:)`` maps it.
    public init(httpStatusCode code: Int) {
        rawValue = String(cString: csc_span_status_from_http(Int32(clamping: code)))
    }

    /// The operation completed successfully.
    public static let ok: SpanStatus = "ok"
    /// An error inside the operation (a thrown error in `withSpan`/`withTransaction`).
    public static let internalError: SpanStatus = "internal_error"
    /// The operation was cancelled.
    public static let cancelled: SpanStatus = "cancelled"
    /// Unknown error.
    public static let unknownError: SpanStatus = "unknown_error"
    /// Invalid argument (HTTP 4xx).
    public static let invalidArgument: SpanStatus = "invalid_argument"
    /// Deadline exceeded (HTTP 504).
    public static let deadlineExceeded: SpanStatus = "deadline_exceeded"
    /// Not found (HTTP 404).
    public static let notFound: SpanStatus = "not_found"
    /// Already exists (HTTP 409).
    public static let alreadyExists: SpanStatus = "already_exists"
    /// Permission denied (HTTP 403).
    public static let permissionDenied: SpanStatus = "permission_denied"
    /// Resource exhausted (HTTP 429).
    public static let resourceExhausted: SpanStatus = "resource_exhausted"
    /// Unimplemented (HTTP 501).
    public static let unimplemented: SpanStatus = "unimplemented"
    /// Unavailable (HTTP 503).
    public static let unavailable: SpanStatus = "unavailable"
    /// Unauthenticated (HTTP 401).
    public static let unauthenticated: SpanStatus = "unauthenticated"
}
