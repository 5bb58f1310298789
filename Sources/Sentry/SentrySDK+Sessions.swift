import CScopeCore

/// How sessions are counted for release health (``SentryOptions/sessionMode``).
public enum SessionMode: Sendable, Hashable {
    /// Servers: each request run in ``SentrySDK/withRequestSession(_:)-37m1f`` is counted
    /// in per-minute aggregates (exited, errored, crashed), sent every 60 seconds, at
    /// ``SentrySDK/flush(timeout:)`` and at ``SentrySDK/close()``.
    case request
    /// Command-line tools and workers: one session per run, started by ``SentrySDK/start(options:)``
    /// and ended by ``SentrySDK/close()``. A run that crashes is reported as `crashed` at the
    /// next start (needs ``SentryOptions/cacheDirectory``).
    case application

    var cMode: csc_session_mode_t { self == .request ? CSC_SESSION_MODE_REQUEST : CSC_SESSION_MODE_APPLICATION }
}

/// Release health: sessions. See <doc:ReleaseHealthAndCrons>.
extension SentrySDK {
    /// Runs `body` as one request of a server: in a fork of the isolation and current scopes (as
    /// ``withIsolationScope(_:)-531b3``) with a request session on the new isolation scope.
    ///
    /// The request counts as `errored` when an error event was captured in it, as `crashed` when
    /// an unhandled one was: an error thrown out of `body` is captured as unhandled
    /// (`mechanism.handled: false`) and rethrown; a `CancellationError` is rethrown without a
    /// capture. Otherwise it counts as `exited`. The same rules as sentry-python's framework
    /// integrations (`track_session(scope, session_mode="request")`). Without a started SDK, a
    /// ``SentryOptions/release`` or with ``SentryOptions/autoSessionTracking`` off, `body` just runs.
    ///
    /// ```swift
    /// try await SentrySDK.withRequestSession { scope in
    ///     scope.setTag("route", "/checkout")
    ///     try await checkout()
    /// }
    /// ```
    @discardableResult
    public static func withRequestSession<R, E: Error>(_ body: (Scope) throws(E) -> R) throws(E) -> R {
        try withIsolationScope { (scope: Scope) throws(E) -> R in
            let started = csc_start_request_session(scope.handle) == CSC_OK.rawValue
            do throws(E) {
                let result = try body(scope)
                if started { _ = csc_end_request_session(scope.handle, CSC_SESSION_EXITED) }
                return result
            } catch {
                if started { endRequestSession(scope, throwing: error) }
                throw error
            }
        }
    }

    /// Runs `body` as one request of a server (async variant; runs on the caller's actor). See
    /// ``withRequestSession(_:)-37m1f``.
    @discardableResult
    nonisolated(nonsending)
        public static func withRequestSession<R, E: Error>(
            _ body: nonisolated(nonsending) (Scope) async throws(E) -> R
        ) async throws(E) -> R
    {
        try await withIsolationScope { (scope: Scope) async throws(E) -> R in
            let started = csc_start_request_session(scope.handle) == CSC_OK.rawValue
            do throws(E) {
                let result = try await body(scope)
                if started { _ = csc_end_request_session(scope.handle, CSC_SESSION_EXITED) }
                return result
            } catch {
                if started { endRequestSession(scope, throwing: error) }
                throw error
            }
        }
    }

    /// An error escaped the request: captured as unhandled (the session becomes crashed), unless
    /// it is a cancellation.
    static func endRequestSession(_ scope: Scope, throwing error: any Error) {
        if !(error is CancellationError) {
            _ = capture(markedUnhandled(StacktraceEvents.errorEvent(error, skip: 1)), on: nil, scope: nil, block: nil)
        }
        _ = csc_end_request_session(scope.handle, CSC_SESSION_EXITED)
    }

    /// Sets `mechanism.handled` to false on the main exception (the last value). The lone
    /// exception's mechanism is shared, so it is replaced by a copy.
    static func markedUnhandled(_ event: UnsafeMutablePointer<json_t>?) -> UnsafeMutablePointer<json_t>? {
        let values = json_object_get(json_object_get(event, "exception"), "values")
        let count = json_array_size(values)
        guard count > 0, let main = json_array_get(values, count - 1) else { return event }
        let mechanism = json_deep_copy(json_object_get(main, "mechanism")) ?? json_object()
        json_object_set_new(mechanism, "handled", json_false())
        json_object_set_new(main, "mechanism", mechanism)
        return event
    }

    /// Starts the application session by hand (with ``SessionMode/request``, for a job inside a
    /// server; ``SessionMode/application`` starts it at ``start(options:)``). Returns `false` when
    /// one is running or sessions are off (no SDK, no release, ``SentryOptions/autoSessionTracking`` off).
    @discardableResult
    public static func startSession() -> Bool { csc_start_session() == CSC_OK.rawValue }

    /// Ends the application session and sends it: `exited` (with its error count), or `crashed`
    /// when an unhandled error was captured during it. Returns `false` when none is running.
    @discardableResult
    public static func endSession() -> Bool { csc_end_session(CSC_SESSION_EXITED) == CSC_OK.rawValue }
}
