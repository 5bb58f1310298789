#if AsyncHTTPClient
public import AsyncHTTPClient
public import Logging
public import NIOCore
import Sentry

extension HTTPClient {
    /// Executes `request` as `execute(_:timeout:logger:)` does, recorded by Sentry as
    /// sentry-python records httpx and `http.client` requests:
    /// - inside a sampled transaction, an `http.client` span: description `GET https://host/path`,
    ///   origin `auto.http.async_http_client`, data `http.request.method`, `url` (no query, no
    ///   credentials), `server.address`, `http.query` and `http.response.status_code`, status
    ///   from the response (`internal_error` when the request throws);
    /// - the trace headers (`sentry-trace`, `baggage` merged into the request's own, and
    ///   `traceparent` with `SentryOptions.propagateTraceparent`) when the URL matches
    ///   `SentryOptions.tracePropagationTargets` and is not the DSN's host;
    /// - a breadcrumb of type and category `http` (level warning for 4xx, error for 5xx and for
    ///   a request that fails).
    ///
    /// ```swift
    /// var request = HTTPClientRequest(url: "https://api.example.com/orders")
    /// let response = try await HTTPClient.shared.executeWithSentry(request, timeout: .seconds(10))
    /// ```
    ///
    /// Use it instead of AsyncHTTPClient's own swift-distributed-tracing support when
    /// `SentryTracer` is bootstrapped, or the request is recorded twice.
    public func executeWithSentry(
        _ request: HTTPClientRequest, timeout: TimeAmount, logger: Logger? = nil
    ) async throws -> HTTPClientResponse {
        try await executeWithSentry(request, deadline: .now() + timeout, logger: logger)
    }

    /// Executes `request` with a deadline, recorded by Sentry: see
    /// ``AsyncHTTPClient/HTTPClient/executeWithSentry(_:timeout:logger:)``.
    public func executeWithSentry(
        _ request: HTTPClientRequest, deadline: NIODeadline, logger: Logger? = nil
    ) async throws -> HTTPClientResponse {
        try await HTTPClientTracking.run(
            method: request.method.rawValue, url: request.url, existingBaggage: request.headers.first(name: "baggage"),
            origin: "auto.http.async_http_client", status: { Int($0.status.code) }
        ) { (headers: [String: String]) async throws -> HTTPClientResponse in
            var request = request
            for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
            if let logger {
                return try await self.execute(request, deadline: deadline, logger: logger)
            }
            return try await self.execute(request, deadline: deadline)
        }
    }
}
#endif
