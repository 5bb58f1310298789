#if Vapor
import Sentry
public import Vapor

/// Reports every request of a Vapor 4 application to Sentry, as sentry-python's integrations
/// do for Flask, Django and FastAPI.
///
/// For each request:
/// - a fresh isolation scope, bound for everything the route handler does (child tasks
///   included), so tags, breadcrumbs and users set while handling one request never reach
///   another's events;
/// - the caller's trace continued (`sentry-trace` and `baggage`, else W3C `traceparent`) in an
///   `http.server` transaction named by the route (`/hello/:name`, source `route`; the path with
///   source `url` when no route matched), origin `auto.http.vapor`, its status from the response;
/// - the `request` interface on every event and transaction of the request: method, URL without
///   the query, `query_string` and headers, with `Authorization`, `Cookie`, API keys and other
///   secret-looking headers replaced by `[Filtered]` unless `SentryOptions.sendDefaultPii`; the
///   client address only with it;
/// - an error that escapes the handler, and a response whose status is in
///   `SentryOptions.failedRequestStatusCodes` (default 500...599), captured with
///   `mechanism.handled = false`; an `AbortError` with another status (a 404) is not;
/// - a release-health request session (with `SentryOptions.release` set).
///
/// Add it after Vapor's `ErrorMiddleware` (which `app.middleware.use` does by appending), so
/// that errors reach it before they become responses:
///
/// ```swift
/// app.middleware.use(SentryMiddleware())
/// app.get("hello", ":name") { req in "hello \(req.parameters.get("name")!)" }
/// ```
///
/// While the SDK is not started the middleware only calls `next`.
public struct SentryMiddleware: AsyncMiddleware {
    /// A deadline for each request's handler, or `nil` (the default) for none.
    public var timeout: Duration?

    /// Creates the middleware.
    ///
    /// - Parameter timeout: a deadline for each request, or `nil` (the default) for none. When a
    ///   handler is still running as it passes, the transaction is finished at the deadline with
    ///   the status `deadline_exceeded` and an unhandled `RequestTimeout` error is captured.
    ///   Vapor runs an async route handler in a task of its own, which a middleware cannot
    ///   cancel: the handler goes on, and its answer goes out when it ends (a handler that ends
    ///   by throwing is answered with 503).
    public init(timeout: Duration? = nil) {
        self.timeout = timeout
    }

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard SentrySDK.isEnabled else { return try await next.respond(to: request) }
        return try await HTTPServerTracking.run(
            Self.requestInfo(request), origin: "auto.http.vapor", mechanism: "vapor",
            route: { Self.route(of: request) }, status: { Int($0.status.code) },
            errorStatus: { ($0 as? any AbortError).map { Int($0.status.code) } },
            timeout: timeout,
            timeoutError: { Abort(.serviceUnavailable, reason: "the request took longer than \(timeout ?? .zero)") }
        ) {
            try await next.respond(to: request)
        }
    }

    static func route(of request: Request) -> String? {
        guard let route = request.route else { return nil }
        return "/" + route.path.map(\.description).joined(separator: "/")
    }

    static func requestInfo(_ request: Request) -> HTTPRequestInfo {
        let host = request.headers.first(name: .host) ?? request.application.http.server.configuration.hostname
        let scheme = request.url.scheme ?? "http"
        let path = request.url.path
        return HTTPRequestInfo(
            method: request.method.rawValue, url: "\(scheme)://\(host)\(path)", path: path,
            queryString: request.url.query,
            headers: request.headers.map { (name: $0.name, value: $0.value) },
            clientAddress: request.remoteAddress?.ipAddress,
            route: route(of: request))
    }
}
#endif
