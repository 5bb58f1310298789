import CScopeCore

/// An incoming HTTP request as a server integration hands it to the SDK: what becomes the
/// event's `request` interface and the `http.server` transaction's name and data.
package struct HTTPRequestInfo: Sendable {
    /// `GET`, `POST`, ...
    package var method: String
    /// The request's URL without the query (`http://host:port/path`).
    package var url: String
    /// The path, for a transaction name when no route matched.
    package var path: String
    /// The raw query string without `?`, or `nil`.
    package var queryString: String?
    /// The headers in arrival order (names as sent).
    package var headers: [(name: String, value: String)]
    /// The client's address (IP), sent only with `sendDefaultPii`.
    package var clientAddress: String?
    /// The matched route template (`/hello/:name`), or `nil` when no route matched.
    package var route: String?

    package init(
        method: String, url: String, path: String, queryString: String?,
        headers: [(name: String, value: String)], clientAddress: String?, route: String?
    ) {
        self.method = method
        self.url = url
        self.path = path
        self.queryString = queryString.flatMap { $0.isEmpty ? nil : $0 }
        self.headers = headers
        self.clientAddress = clientAddress
        self.route = route
    }

    /// The trace headers (`sentry-trace`, `baggage`, `traceparent`; names lowercased, several
    /// values of one name joined with `,` as HTTP allows), for trace continuation. Other headers
    /// are skipped without being lowercased.
    package var traceHeaders: [String: String] {
        var out: [String: String] = [:]
        for (name, value) in headers {
            let count = name.utf8.count
            guard count == 12 || count == 7 || count == 11 else { continue }
            let key = name.lowercased()
            guard key == "sentry-trace" || key == "baggage" || key == "traceparent" else { continue }
            if let old = out[key] { out[key] = old + "," + value } else { out[key] = value }
        }
        return out
    }
}

/// Which request headers are replaced by `[Filtered]` unless `sendDefaultPii` is on: the Python
/// SDK's list (`Authorization`, `Cookie`, `Set-Cookie`, `X-Api-Key`, `X-Forwarded-For`,
/// `X-Real-IP`) and any name that looks like it carries a secret.
enum SensitiveHeaders {
    static let exact: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-forwarded-for",
        "x-real-ip", "forwarded",
    ]
    static let fragments: [[UInt8]] = [
        "token", "secret", "password", "passwd", "api-key", "apikey", "api_key", "auth", "session", "csrf", "xsrf",
        "signature",
    ].map { Array($0.utf8) }

    static func isSensitive(_ name: String) -> Bool {
        // ASCII-lowercased bytes, searched by hand: String.contains(String) goes through
        // _StringProcessing's searcher, which costs microseconds per call.
        let lower = name.utf8.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
        if exact.contains(String(decoding: lower, as: UTF8.self)) { return true }
        return fragments.contains { contains(lower, $0) }
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        outer: for start in 0...(haystack.count - needle.count) {
            for (offset, byte) in needle.enumerated() where haystack[start + offset] != byte { continue outer }
            return true
        }
        return false
    }
}

/// The HTTP integrations' options of the running client (set by ``SentrySDK/start(options:)``).
enum HTTPIntegrationSettings {
    struct Values {
        var sendDefaultPii = false
        var failedRequestStatusCodes: [ClosedRange<Int>] = [500...599]
    }
    private static let values = Locked(Values())

    static var current: Values { values.withLock { $0 } }

    static func update(from options: SentryOptions) {
        values.withLock {
            $0 = Values(
                sendDefaultPii: options.sendDefaultPii, failedRequestStatusCodes: options.failedRequestStatusCodes)
        }
    }

    static func isFailed(_ status: Int) -> Bool {
        let ranges = values.withLock { $0.failedRequestStatusCodes }
        return ranges.contains { $0.contains(status) }
    }
}

extension HTTPRequestInfo {
    /// The `request` interface: method, url, query_string, headers (secrets `[Filtered]` unless
    /// `sendDefaultPii`) and, with `sendDefaultPii`, `env.REMOTE_ADDR`. Caller owns the result.
    func makeRequestInterface(sendDefaultPii: Bool) -> UnsafeMutablePointer<json_t>? {
        guard let request = json_object() else { return nil }
        json_object_set_new(request, "method", json_string(method))
        json_object_set_new(request, "url", json_string(url))
        if let queryString { json_object_set_new(request, "query_string", json_string(queryString)) }
        let headerObject = json_object()
        for (name, value) in headers {
            let shown = !sendDefaultPii && SensitiveHeaders.isSensitive(name) ? "[Filtered]" : value
            if let old = json_string_value(json_object_get(headerObject, name)) {
                json_object_set_new(headerObject, name, json_string(String(cString: old) + ", " + shown))
            } else {
                json_object_set_new(headerObject, name, json_string(shown))
            }
        }
        json_object_set_new(request, "headers", headerObject)
        if sendDefaultPii, let clientAddress {
            let env = json_object()
            json_object_set_new(env, "REMOTE_ADDR", json_string(clientAddress))
            json_object_set_new(request, "env", env)
        }
        return request
    }
}

/// Holds a request for the event processor that adds it to the request's events.
final class HTTPRequestBox: Sendable {
    let info: HTTPRequestInfo
    init(_ info: HTTPRequestInfo) { self.info = info }
}

extension Scope {
    /// Adds `request` to every event and transaction captured while this scope is active, as
    /// the Python SDK's request event processors do: the `request` interface (when the event has
    /// none) and, with `sendDefaultPii`, `user.ip_address`. The JSON is built only when an event
    /// is captured.
    func addRequestProcessor(_ request: HTTPRequestInfo) {
        let box = HTTPRequestBox(request)
        _ = csc_scope_add_event_processor(
            handle, requestProcessorTrampoline, Unmanaged.passRetained(box).toOpaque(), releaseRequestBox)
    }
}

private func requestProcessorTrampoline(_ event: UnsafeMutablePointer<json_t>?, _ userData: UnsafeMutableRawPointer?)
    -> Bool
{
    guard let event, let userData else { return true }
    let info = Unmanaged<HTTPRequestBox>.fromOpaque(userData).takeUnretainedValue().info
    let pii = HTTPIntegrationSettings.current.sendDefaultPii
    if json_object_get(event, "request") == nil, let request = info.makeRequestInterface(sendDefaultPii: pii) {
        json_object_set_new(event, "request", request)
    }
    if pii, let address = info.clientAddress {
        // The merged user may be the scope's own object (shared by reference): set a copy.
        let existing = json_object_get(event, "user")
        if existing == nil || json_object_get(existing, "ip_address") == nil {
            let user = (existing.map { $0.pointee.type == JSON_OBJECT } ?? false) ? json_copy(existing) : json_object()
            json_object_set_new(user, "ip_address", json_string(address))
            json_object_set_new(event, "user", user)
        }
    }
    return true
}

private func releaseRequestBox(_ userData: UnsafeMutableRawPointer?) {
    guard let userData else { return }
    Unmanaged<HTTPRequestBox>.fromOpaque(userData).release()
}
