#if Hummingbird
public import Hummingbird
import Sentry

/// Reports every request of a Hummingbird 2 application to Sentry, as sentry-python's
/// integrations do for Flask, Django and FastAPI.
///
/// For each request:
/// - a fresh isolation scope, bound for everything the handler does (child tasks included), so
///   tags, breadcrumbs and users set while handling one request never reach another's events;
/// - the caller's trace continued (`sentry-trace` and `baggage`, else W3C `traceparent`) in an
///   `http.server` transaction named by the route template (`/hello/{name}`, source `route`;
///   the path with source `url` when no route matched), origin `auto.http.hummingbird`, its
///   status from the response;
/// - the `request` interface on every event and transaction of the request: method, URL without
///   the query, `query_string` and headers, with `Authorization`, `Cookie`, API keys and other
///   secret-looking headers replaced by `[Filtered]` unless `SentryOptions.sendDefaultPii`; the
///   client address (a context conforming to `RemoteAddressRequestContext`) only with it;
/// - an error that escapes the handler, and a response whose status is in
///   `SentryOptions.failedRequestStatusCodes` (default 500...599), captured with
///   `mechanism.handled = false`; an `HTTPResponseError` with another status (a 404) is not;
/// - a release-health request session (with `SentryOptions.release` set).
///
/// Add it first, so that it sees the errors the other middleware and the handlers throw:
///
/// ```swift
/// let router = Router()
/// router.add(middleware: SentryMiddleware())
/// router.get("/hello/:name") { _, context in "hello \(try context.parameters.require("name"))" }
/// ```
///
/// With Hummingbird's `TracingMiddleware` and `SentryTracer` as well, whichever runs first makes
/// the transaction and the other a child span: never two transactions for one request. While
/// the SDK is not started the middleware only calls `next`.
public struct SentryMiddleware<Context: RequestContext>: RouterMiddleware {
    /// A deadline for each request's handler, or `nil` (the default) for none.
    public var timeout: Duration?

    /// Creates the middleware.
    ///
    /// - Parameter timeout: a deadline for each request, or `nil` (the default) for none. A
    ///   handler still running when it passes is cancelled and its request answered with 503
    ///   once the handler ends; the transaction is finished at the deadline with the status
    ///   `deadline_exceeded` and an unhandled `RequestTimeout` error is captured.
    public init(timeout: Duration? = nil) {
        self.timeout = timeout
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard SentrySDK.isEnabled else { return try await next(request, context) }
        return try await HTTPServerTracking.run(
            Self.requestInfo(request, context), origin: "auto.http.hummingbird", mechanism: "hummingbird",
            route: { Self.route(of: context) }, status: { Int($0.status.code) },
            errorStatus: { ($0 as? any HTTPResponseError).map { Int($0.status.code) } },
            timeout: timeout,
            timeoutError: {
                HTTPError(.serviceUnavailable, message: "the request took longer than \(timeout ?? .zero)")
            }
        ) {
            try await next(request, context)
        }
    }

    static func route(of context: Context) -> String? {
        guard let path = context.endpointPath, path != "NotFound" else { return nil }
        return path
    }

    static func requestInfo(_ request: Request, _ context: Context) -> HTTPRequestInfo {
        let host = request.head.authority ?? "localhost"
        let scheme = request.head.scheme ?? "http"
        let path = request.uri.path
        return HTTPRequestInfo(
            method: request.method.rawValue, url: "\(scheme)://\(host)\(path)", path: path,
            queryString: request.uri.query,
            headers: request.headers.map { (name: $0.name.rawName, value: $0.value) },
            clientAddress: (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress,
            route: route(of: context))
    }
}
#endif
