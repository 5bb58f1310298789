import CScopeCore

/// The per-request work of the HTTP client integration (SentryAsyncHTTPClient): what
/// sentry-python's httpx and stdlib integrations do for an outgoing request.
package enum HTTPClientTracking {
    /// Runs one outgoing request: `send` gets the trace headers to add (`sentry-trace`, `baggage`
    /// merged into `existingBaggage`, `traceparent` when enabled; none when `url` is not in
    /// `tracePropagationTargets` or is the DSN's host) and returns the response's status code.
    /// Inside a transaction, the request is an `http.client` span (description `GET <url>`, data
    /// `http.request.method`, `url`, `server.address`, `http.response.status_code`) and the headers
    /// name it as the parent. Every request leaves a breadcrumb (type and category `http`;
    /// level warning for 4xx, error for 5xx). An error thrown by `send` finishes the span with
    /// `internal_error` (or `cancelled`) and is rethrown.
    nonisolated(nonsending)
        package static func run<R>(
            method: String, url: String, existingBaggage: String?, origin: String,
            status: (R) -> Int,
            _ send: nonisolated(nonsending) ([String: String]) async throws -> R
        ) async throws -> R
    {
        guard SentrySDK.fastEnabled else { return try await send([:]) }
        let parts = URLParts(url)
        guard let parent = SentrySDK.span, parent.sampled == true else {
            // No recording span: propagate the trace, leave a breadcrumb.
            let headers = SentrySDK.traceHeaders(for: url, existingBaggage: existingBaggage)
            do {
                let response = try await send(headers)
                addBreadcrumb(method: method, parts: parts, status: status(response))
                return response
            } catch {
                addBreadcrumb(method: method, parts: parts, status: nil)
                throw error
            }
        }
        let span = parent.startChild(operation: "http.client", description: "\(method) \(parts.withoutQuery)")
        span.setOrigin(origin)
        span.setData("http.request.method", .string(method))
        span.setData("url", .string(parts.withoutQuery))
        if let host = parts.host { span.setData("server.address", .string(host)) }
        if let query = parts.query { span.setData("http.query", .string(query)) }
        if let fragment = parts.fragment { span.setData("http.fragment", .string(fragment)) }
        return try await SentrySDK.withActiveSpan(span) { () async throws -> R in
            let headers = SentrySDK.traceHeaders(for: url, existingBaggage: existingBaggage)
            do {
                let response = try await send(headers)
                let code = status(response)
                span.setHTTPStatus(code)
                span.finish()
                addBreadcrumb(method: method, parts: parts, status: code)
                return response
            } catch {
                span.finish(status: error is CancellationError ? .cancelled : .internalError)
                addBreadcrumb(method: method, parts: parts, status: nil)
                throw error
            }
        }
    }

    static func addBreadcrumb(method: String, parts: URLParts, status: Int?) {
        var data: SentryJSONObject = ["url": .string(parts.withoutQuery), "http.method": .string(method)]
        if let status { data["status_code"] = .int(Int64(status)) }
        if let query = parts.query { data["http.query"] = .string(query) }
        let level: SentryLevel =
            switch status {
            case .some(400..<500): .warning
            case .some(500..<600), .none: .error
            default: .info
            }
        SentrySDK.addBreadcrumb(Breadcrumb(category: "http", level: level, type: "http", data: data))
    }
}

/// The pieces of a URL the HTTP spans record, split without Foundation.
struct URLParts {
    /// scheme://host[:port]/path (no query, no fragment).
    var withoutQuery: String
    var host: String?
    var query: String?
    var fragment: String?

    init(_ url: String) {
        var rest = Substring(url)
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: question)...])
            rest = rest[..<question]
        }
        withoutQuery = String(rest)
        // The scheme's colon is the URL's first (firstRange(of:) is slow: _StringProcessing).
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            let schemeEnd = colon..<rest.index(colon, offsetBy: 3)
            var authority = rest[schemeEnd.upperBound...]
            if let slash = authority.firstIndex(of: "/") { authority = authority[..<slash] }
            if let at = authority.lastIndex(of: "@") {
                // Credentials in the URL are never recorded (as sentry-python's sanitize_url).
                withoutQuery =
                    String(rest[..<schemeEnd.upperBound]) + "[Filtered]:[Filtered]@"
                    + String(rest[authority.index(after: at)...])
                authority = authority[authority.index(after: at)...]
            }
            if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
                host = String(authority[authority.index(after: authority.startIndex)..<close])
            } else if let colon = authority.firstIndex(of: ":") {
                host = String(authority[..<colon])
            } else {
                host = String(authority)
            }
            if host?.isEmpty == true { host = nil }
        }
    }
}
