import CScopeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Tracing: transactions and spans bound to Swift concurrency, trace propagation.
///
/// A span is bound through the task-local scope binding (``ScopeBinding``): `withTransaction`
/// and `withSpan` run `body` with a fork of the current scope holding the span, so child tasks
/// created inside see it as their parent, concurrent siblings each get their own, and
/// `Task.detached` (which does not inherit task-local values) does not.
///
/// Tracing is on when `SentryOptions.tracesSampleRate` or `SentryOptions.tracesSampler` is set; otherwise
/// transactions are unsampled (never sent) and only trace propagation runs. While the SDK is not
/// started every call here costs a branch and hands out an inert span.
extension SentrySDK {
    // MARK: - Active span

    /// The span bound to the calling task (its current scope's, else its isolation scope's), or
    /// `nil`.
    public static var span: SentrySpan? {
        guard fastEnabled else { return nil }
        let active = ScopeStorage.active
        if let ambient = AmbientSpans.innermost(active) { return ambient }  // an integration's (SentryTracing)
        return activeSpanHandle(active).map { SentrySpan(owning: $0) }
    }

    /// The active span's core handle, retained (the caller releases it).
    static func activeSpanHandle(_ pair: ScopePair) -> OpaquePointer? {
        csc_scope_get_bound_span(pair.currentScope.handle) ?? csc_scope_get_bound_span(pair.isolationScope.handle)
    }

    // MARK: - withTransaction

    /// Runs `body` inside a new transaction, bound to the task (a fork of the current scope holds
    /// it) and finished when `body` returns: with status `internal_error` when it throws, as the
    /// Python SDK's context manager does. Errors captured inside carry its trace; ``withSpan(operation:description:_:)-61v6``
    /// inside makes children of it.
    ///
    /// `headers`, the incoming request's headers, continue the caller's trace (`sentry-trace` and
    /// `baggage`, or W3C `traceparent`; names are matched case-insensitively). As with
    /// ``continueTrace(headers:)``, the continued trace is also put on the task's isolation scope.
    ///
    /// ```swift
    /// try await SentrySDK.withTransaction(name: "GET /orders/:id", operation: "http.server",
    ///                                     source: .route, headers: request.headers) { tx in
    ///     let order = try await SentrySDK.withSpan(operation: "db.query", description: "SELECT ...") { _ in
    ///         try await db.order(id)
    ///     }
    ///     tx.setHTTPStatus(200)
    /// }
    /// ```
    @inlinable
    public static func withTransaction<R, E: Error>(
        name: String, operation: String, source: TransactionSource = .custom, headers: [String: String]? = nil,
        _ body: (SentrySpan) throws(E) -> R
    ) throws(E) -> R {
        guard fastEnabled else { return try body(inertSpan) }
        return try withNewTransaction(name: name, operation: operation, source: source, headers: headers, body)
    }

    @usableFromInline
    static func withNewTransaction<R, E: Error>(
        name: String, operation: String, source: TransactionSource, headers: [String: String]?,
        _ body: (SentrySpan) throws(E) -> R
    ) throws(E) -> R {
        let active = ScopeStorage.active
        let pair = ScopePair(isolationScope: active.isolationScope, currentScope: active.currentScope.fork())
        let tx = makeTransaction(
            name: name, operation: operation, source: source, headers: headers,
            sampled: nil, custom: nil, pair: pair)
        return try run(tx, in: pair, restoring: active, body)
    }

    /// Runs `body` inside a new transaction (async variant; runs on the caller's actor). Child
    /// tasks created in `body` inherit the transaction as their active span.
    nonisolated(nonsending)
        public static func withTransaction<R, E: Error>(
            name: String, operation: String, source: TransactionSource = .custom, headers: [String: String]? = nil,
            _ body: nonisolated(nonsending) (SentrySpan) async throws(E) -> R
        ) async throws(E) -> R
    {
        guard fastEnabled else { return try await body(.inert) }
        let active = ScopeStorage.active
        let pair = ScopePair(isolationScope: active.isolationScope, currentScope: active.currentScope.fork())
        let tx = makeTransaction(
            name: name, operation: operation, source: source, headers: headers,
            sampled: nil, custom: nil, pair: pair)
        return try await run(tx, in: pair, restoring: active, body)
    }

    // MARK: - withSpan

    /// Runs `body` inside a child of the task's active span, bound to the task and finished when
    /// `body` returns (status `internal_error` when it throws). Without an active span (no
    /// transaction), `body` gets an inert span and nothing is recorded.
    @inlinable
    public static func withSpan<R, E: Error>(
        operation: String, description: String? = nil, _ body: (SentrySpan) throws(E) -> R
    ) throws(E) -> R {
        guard fastEnabled else { return try body(inertSpan) }
        return try withNewSpan(operation: operation, description: description, body)
    }

    /// What tracing calls hand out while the SDK is not started.
    @usableFromInline
    static var inertSpan: SentrySpan { SentrySpan.inert }

    @usableFromInline
    static func withNewSpan<R, E: Error>(
        operation: String, description: String?, _ body: (SentrySpan) throws(E) -> R
    ) throws(E) -> R {
        let active = ScopeStorage.active
        guard let child = startChildOfActive(active, operation, description) else { return try body(.inert) }
        let pair = ScopePair(isolationScope: active.isolationScope, currentScope: active.currentScope.fork())
        return try run(child, in: pair, restoring: active, body)
    }

    /// Runs `body` inside a child of the task's active span (async variant). Concurrent child
    /// tasks each creating spans get this span as their parent.
    nonisolated(nonsending)
        public static func withSpan<R, E: Error>(
            operation: String, description: String? = nil,
            _ body: nonisolated(nonsending) (SentrySpan) async throws(E) -> R
        ) async throws(E) -> R
    {
        guard fastEnabled else { return try await body(.inert) }
        let active = ScopeStorage.active
        guard let child = startChildOfActive(active, operation, description) else { return try await body(.inert) }
        let pair = ScopePair(isolationScope: active.isolationScope, currentScope: active.currentScope.fork())
        return try await run(child, in: pair, restoring: active, body)
    }

    /// A child of the task's active span: an integration's span when it is the innermost
    /// (``AmbientSpans``), else the span bound to `active`; `nil` without one.
    static func startChildOfActive(_ active: ScopePair, _ operation: String, _ description: String?) -> SentrySpan? {
        if let ambient = AmbientSpans.innermost(active) {
            return ambient.startChild(operation: operation, description: description)
        }
        guard let parent = activeSpanHandle(active) else { return nil }
        defer { csc_span_release(parent) }
        let child = operation.withCString { op in
            withOptionalCString(description) { csc_span_start_child(parent, op, $0) }  // no temporary arrays
        }
        return SentrySpan(owning: child)
    }

    private static func run<R, E: Error>(
        _ span: SentrySpan, in pair: ScopePair, restoring active: ScopePair,
        _ body: (SentrySpan) throws(E) -> R
    ) throws(E) -> R {
        _ = csc_scope_bind_span(pair.currentScope.handle, span.handle)
        do {
            let result = try bind(pair, pair.currentScope, restoring: active) { (_: Scope) throws(E) -> R in
                try body(span)
            }
            span.finish(status: nil, scopes: pair)
            return result
        } catch {
            span.finish(status: .internalError, scopes: pair)
            throw error
        }
    }

    nonisolated(nonsending)
        private static func run<R, E: Error>(
            _ span: SentrySpan, in pair: ScopePair, restoring active: ScopePair,
            _ body: nonisolated(nonsending) (SentrySpan) async throws(E) -> R
        ) async throws(E) -> R
    {
        _ = csc_scope_bind_span(pair.currentScope.handle, span.handle)
        do {
            let result = try await bind(pair, pair.currentScope, restoring: active) { (_: Scope) async throws(E) -> R in
                try await body(span)
            }
            span.finish(status: nil, scopes: pair)
            return result
        } catch {
            span.finish(status: .internalError, scopes: pair)
            throw error
        }
    }

    // MARK: - Manual transactions

    /// Starts a transaction without binding it (for code that cannot nest a closure). Finish it
    /// with ``SentrySpan/finish(status:)``; bind it with ``withActiveSpan(_:_:)-11l0q`` to make errors
    /// and `withSpan` inside see it. A transaction never finished is discarded when released.
    ///
    /// - Parameters:
    ///   - name: the transaction's name (for `http.server`, the route template).
    ///   - operation: the transaction's `op`, e.g. `http.server` or `queue.process`.
    ///   - source: where the name comes from (``TransactionSource/route`` for route templates).
    ///   - headers: incoming headers whose trace to continue (see ``continueTrace(headers:)``).
    ///   - sampled: a forced decision, beating `tracesSampler` and `tracesSampleRate`.
    ///   - customSamplingContext: values handed to `tracesSampler`.
    public static func startTransaction(
        name: String, operation: String, source: TransactionSource = .custom, headers: [String: String]? = nil,
        sampled: Bool? = nil, customSamplingContext: SentryJSONObject? = nil
    ) -> SentrySpan {
        guard fastEnabled else { return .inert }
        return makeTransaction(
            name: name, operation: operation, source: source, headers: headers,
            sampled: sampled, custom: customSamplingContext, pair: ScopeStorage.active)
    }

    /// Runs `body` with `span` as the task's active span (bound in a fork of the current scope),
    /// without finishing it.
    public static func withActiveSpan<R, E: Error>(_ span: SentrySpan, _ body: () throws(E) -> R) throws(E) -> R {
        guard fastEnabled, let handle = span.handle else { return try body() }
        let active = ScopeStorage.active
        let pair = ScopePair(isolationScope: active.isolationScope, currentScope: active.currentScope.fork())
        _ = csc_scope_bind_span(pair.currentScope.handle, handle)
        return try bind(pair, pair.currentScope, restoring: active) { (_: Scope) throws(E) -> R in try body() }
    }

    /// Runs `body` with `span` as the task's active span (async variant).
    nonisolated(nonsending)
        public static func withActiveSpan<R, E: Error>(
            _ span: SentrySpan, _ body: nonisolated(nonsending) () async throws(E) -> R
        ) async throws(E) -> R
    {
        guard fastEnabled, let handle = span.handle else { return try await body() }
        let active = ScopeStorage.active
        let pair = ScopePair(isolationScope: active.isolationScope, currentScope: active.currentScope.fork())
        _ = csc_scope_bind_span(pair.currentScope.handle, handle)
        return try await bind(pair, pair.currentScope, restoring: active) { (_: Scope) async throws(E) -> R in
            try await body()
        }
    }

    static func makeTransaction(
        name: String, operation: String, source: TransactionSource, headers: [String: String]?,
        sampled: Bool?, custom: SentryJSONObject?, pair: ScopePair
    ) -> SentrySpan {
        var scopes = csc_scopes_t(
            global: ScopeStorage.global.handle, isolation: pair.isolationScope.handle,
            current: pair.currentScope.handle, extra: nil)
        let customJSON = custom.map { SentryJSON.object($0).makeJansson() } ?? nil
        defer { json_decref(customJSON) }
        let handle = withCHeaders(headers ?? [:]) { h, n in
            withUnsafePointer(to: &scopes) { sc in
                name.withCString { cname in
                    operation.withCString { cop in
                        source.rawValue.withCString { csrc in
                            var o = csc_transaction_options_t()
                            o.name = cname
                            o.op = cop
                            o.source = csrc
                            o.headers = h
                            o.header_count = n
                            o.scopes = sc
                            o.sampled = sampled.map { $0 ? CSC_SAMPLED_YES : CSC_SAMPLED_NO } ?? CSC_SAMPLED_UNSET
                            o.custom_sampling_context = UnsafePointer(customJSON)
                            return csc_transaction_start(&o)
                        }
                    }
                }
            }
        }
        withExtendedLifetime(pair) {}
        return SentrySpan(owning: handle)
    }

    // MARK: - Propagation

    /// Continues the trace of an incoming request on the task's isolation and current scopes:
    /// `sentry-trace` and `baggage` (the Sentry items become the frozen dynamic sampling
    /// context; other vendors' items are dropped), or W3C `traceparent` when there is no
    /// `sentry-trace`. Header names are matched case-insensitively. A malformed `sentry-trace`,
    /// or an org id that does not match (`SentryOptions.orgId`, `SentryOptions.strictTraceContinuation`),
    /// starts a new trace instead. Returns whether the incoming trace was continued.
    ///
    /// Errors captured afterwards carry the trace; a transaction continues it only when given
    /// the headers itself (`withTransaction(..., headers:)`), as in the Python SDK.
    @discardableResult
    public static func continueTrace(headers: [String: String]) -> Bool {
        guard fastEnabled else { return false }
        let active = ScopeStorage.active
        var scopes = csc_scopes_t(
            global: ScopeStorage.global.handle, isolation: active.isolationScope.handle,
            current: active.currentScope.handle, extra: nil)
        let rc = withCHeaders(headers) { h, n in csc_continue_trace(h, n, &scopes) }
        withExtendedLifetime(active) {}
        return rc == CSC_OK.rawValue
    }

    /// The headers to add to an outgoing request to `url`: `sentry-trace`, `baggage` (merged
    /// into `existingBaggage`: its `sentry-` items replaced, other vendors' kept) and, with
    /// `SentryOptions.propagateTraceparent`, `traceparent`. They come from the task's active span or,
    /// without one, from its propagation context. Empty when `SentryOptions.tracePropagationTargets`
    /// excludes `url` or `url` is the DSN's host, and while the SDK is not started.
    public static func traceHeaders(for url: String? = nil, existingBaggage: String? = nil) -> [String: String] {
        guard fastEnabled else { return [:] }
        let active = AmbientSpans.resolve(ScopeStorage.active)
        var scopes = csc_scopes_t(
            global: ScopeStorage.global.handle, isolation: active.isolationScope.handle,
            current: active.currentScope.handle, extra: nil)
        var out = csc_trace_headers_t()
        _ = csc_trace_headers_ex(&scopes, url, existingBaggage, &out)
        defer { csc_trace_headers_clear(&out) }
        withExtendedLifetime(active) {}
        var headers: [String: String] = [:]
        withUnsafeBytes(of: &out.sentry_trace) { raw in
            if let p = raw.baseAddress?.assumingMemoryBound(to: CChar.self), p.pointee != 0 {
                headers["sentry-trace"] = String(cString: p)
            }
        }
        withUnsafeBytes(of: &out.traceparent) { raw in
            if let p = raw.baseAddress?.assumingMemoryBound(to: CChar.self), p.pointee != 0 {
                headers["traceparent"] = String(cString: p)
            }
        }
        if let b = out.baggage { headers["baggage"] = String(cString: b) }
        return headers
    }
}

/// Calls `body` with the headers as a C array (strings valid during the call): one buffer holds
/// every name and value, NUL-terminated.
func withCHeaders<T>(_ headers: [String: String], _ body: (UnsafePointer<csc_header_t>?, Int) -> T) -> T {
    if headers.isEmpty { return body(nil, 0) }
    var size = 0
    for (name, value) in headers { size += name.utf8.count + value.utf8.count + 2 }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: size) { buffer in
        withUnsafeTemporaryAllocation(of: csc_header_t.self, capacity: headers.count) { array in
            var offset = 0
            func put(_ s: String) -> UnsafePointer<CChar> {
                let start = buffer.baseAddress! + offset
                for byte in s.utf8 {
                    buffer[offset] = CChar(bitPattern: byte)
                    offset += 1
                }
                buffer[offset] = 0
                offset += 1
                return UnsafePointer(start)
            }
            var i = 0
            for (name, value) in headers {
                array[i] = csc_header_t(name: put(name), value: put(value))
                i += 1
            }
            return body(UnsafePointer(array.baseAddress), i)
        }
    }
}
