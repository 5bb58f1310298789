import CScopeCore

/// The per-request work shared by the server integrations (SentryHummingbird, SentryVapor): what
/// sentry-python's ASGI and WSGI middlewares do for Starlette, FastAPI, Flask and Django.
package enum HTTPServerTracking {
    /// Runs `next` as one server request:
    /// - in a fresh isolation scope (a fork of the task's isolation and current scopes), bound for
    ///   everything `next` does, child tasks included, with a request-mode release-health session;
    /// - with the `request` interface on every event and transaction captured inside;
    /// - continuing the incoming trace (`sentry-trace`/`baggage`, else `traceparent`) in an
    ///   `http.server` transaction named by the route template (source `route`), else by the path
    ///   (source `url`), with `origin` and the response's status. When a span is already active
    ///   (a framework's tracing middleware backed by `SentryTracer` ran first), no second
    ///   transaction is started;
    /// - capturing, with `mechanism.handled = false` and type `mechanism`, an error that escapes
    ///   `next` (unless ``errorStatus`` gives it a status outside `failedRequestStatusCodes`, or it
    ///   is a cancellation) and a response whose status is in `failedRequestStatusCodes`.
    ///
    /// - Parameters:
    ///   - route: the route template once `next` ran (routers that match inside the middleware
    ///     chain know it only then); renames a transaction that was named by its path.
    ///   - status: the status code of `next`'s response.
    ///   - errorStatus: the status code an error carries (an HTTP error type of the framework), or
    ///     `nil` for other errors (answered with 500).
    ///   - timeout: when set, a deadline for `next` (``RequestDeadline``): once it passes, the
    ///     transaction is finished with `deadline_exceeded` and the HTTP status 503, an unhandled
    ///     `RequestTimeout` error is captured (503 being in `failedRequestStatusCodes`), `next` is
    ///     cancelled and, when it ends by throwing, `timeoutError()` is thrown in its place.
    nonisolated(nonsending)
        package static func run<R: Sendable>(
            _ request: HTTPRequestInfo, origin: String, mechanism: String,
            route: () -> String? = { nil }, status: (R) -> Int, errorStatus: (any Error) -> Int?,
            timeout: Duration? = nil, timeoutError: () -> any Error = { CancellationError() },
            _ next: nonisolated(nonsending) () async throws -> R
        ) async throws -> R
    {
        guard SentrySDK.fastEnabled else { return try await next() }
        return try await SentrySDK.withIsolationScope { (scope: Scope) async throws -> R in
            scope.addRequestProcessor(request)
            let session = csc_start_request_session(scope.handle) == CSC_OK.rawValue
            defer { if session { _ = csc_end_request_session(scope.handle, CSC_SESSION_EXITED) } }
            if !csc_is_tracing_enabled() {
                // Tracing off: no transaction, only the caller's trace for the request's errors.
                SentrySDK.continueTrace(headers: request.traceHeaders)
                return try await serve(
                    request, transaction: nil, mechanism: mechanism, route, status, errorStatus,
                    timeout, timeoutError, next)
            }
            if SentrySDK.span != nil {
                return try await serve(
                    request, transaction: nil, mechanism: mechanism, route, status, errorStatus,
                    timeout, timeoutError, next)
            }
            let transaction = SentrySDK.startTransaction(
                name: request.route ?? request.path, operation: "http.server",
                source: request.route != nil ? .route : .url, headers: request.traceHeaders)
            transaction.setOrigin(origin)
            transaction.setData("http.request.method", .string(request.method))
            transaction.setData("url.path", .string(request.path))
            return try await SentrySDK.withActiveSpan(transaction) { () async throws -> R in
                try await serve(
                    request, transaction: transaction, mechanism: mechanism, route, status, errorStatus,
                    timeout, timeoutError, next)
            }
        }
    }

    nonisolated(nonsending)
        private static func serve<R: Sendable>(
            _ request: HTTPRequestInfo, transaction: SentrySpan?, mechanism: String,
            _ route: () -> String?, _ status: (R) -> Int, _ errorStatus: (any Error) -> Int?,
            _ timeout: Duration?, _ timeoutError: () -> any Error,
            _ next: nonisolated(nonsending) () async throws -> R
        ) async throws -> R
    {
        var request = request
        func nameByRoute() {
            guard request.route == nil, let template = route() else { return }
            request.route = template
            transaction?.setName(template, source: .route)
        }
        let response: R
        var timedOut = false
        do {
            if let timeout {
                response = try await RequestDeadline.run(
                    timeout,
                    onTimeout: {
                        timedOut = true
                        nameByRoute()
                        transaction?.setHTTPStatus(503)
                        transaction?.finish(status: .deadlineExceeded)
                        if HTTPIntegrationSettings.isFailed(503) {
                            captureServerError(
                                type: "RequestTimeout",
                                value:
                                    "\(request.method) \(request.route ?? request.path) did not answer within \(timeout)",
                                mechanism: mechanism)
                        }
                    }, next)
            } else {
                response = try await next()
            }
        } catch  where timedOut {
            // Reported at the deadline; the framework answers the timeout error (503).
            throw timeoutError()
        } catch let error as CancellationError {
            transaction?.finish(status: .cancelled)
            throw error
        } catch {
            nameByRoute()
            let code = errorStatus(error)
            if code.map(HTTPIntegrationSettings.isFailed) ?? true {
                captureUnhandled(error, mechanism: mechanism)
            }
            transaction?.setHTTPStatus(code ?? 500)
            transaction?.finish()
            throw error
        }
        // A handler that answered after its deadline: reported then, its answer goes out as it is.
        if timedOut { return response }
        nameByRoute()
        let code = status(response)
        if HTTPIntegrationSettings.isFailed(code) {
            captureFailedResponse(code, request: request, mechanism: mechanism)
        }
        transaction?.setHTTPStatus(code)
        transaction?.finish()
        return response
    }

    /// Captures `error` as unhandled, its mechanism type the integration's.
    @inline(never)
    static func captureUnhandled(_ error: any Error, mechanism: String) {
        let event = StacktraceEvents.errorEvent(error, skip: 1)
        _ = SentrySDK.capture(marked(event, mechanism: mechanism), on: nil, scope: nil, block: nil)
    }

    /// Captures a response with a failing status that no error explains: an exception
    /// `HTTPServerError` whose value names the status and route, unhandled.
    static func captureFailedResponse(_ code: Int, request: HTTPRequestInfo, mechanism: String) {
        captureServerError(
            type: "HTTPServerError", value: "\(request.method) \(request.route ?? request.path) answered \(code)",
            mechanism: mechanism)
    }

    /// Captures an unhandled exception `type: value` of the request (no Swift error behind it).
    static func captureServerError(type: String, value: String, mechanism: String) {
        guard let event = json_object(), let values = json_array(), let exception = json_object(),
            let exceptionObject = json_object()
        else { return }
        json_object_set_new(event, "level", json_string("error"))
        json_object_set_new(exception, "type", json_string(type))
        json_object_set_new(exception, "value", json_string(value))
        let mechanismObject = json_object()
        json_object_set_new(mechanismObject, "type", json_string("generic"))
        json_object_set_new(exception, "mechanism", mechanismObject)
        json_array_append_new(values, exception)
        json_object_set_new(exceptionObject, "values", values)
        json_object_set_new(event, "exception", exceptionObject)
        _ = SentrySDK.capture(marked(event, mechanism: mechanism), on: nil, scope: nil, block: nil)
    }

    /// `event` with its main exception's mechanism set to `{type: mechanism, handled: false}`.
    static func marked(_ event: UnsafeMutablePointer<json_t>?, mechanism: String) -> UnsafeMutablePointer<json_t>? {
        let values = json_object_get(json_object_get(event, "exception"), "values")
        let count = json_array_size(values)
        guard count > 0, let main = json_array_get(values, count - 1) else { return event }
        let object = json_deep_copy(json_object_get(main, "mechanism")) ?? json_object()
        json_object_set_new(object, "type", json_string(mechanism))
        json_object_set_new(object, "handled", json_false())
        json_object_set_new(main, "mechanism", object)
        return event
    }
}

extension SentrySpan {
    /// Sets the span's `origin` (`auto.http.hummingbird`, ...; default `manual`).
    package func setOrigin(_ origin: String) {
        guard let handle else { return }
        _ = csc_span_set_origin(handle, origin)
    }
}
