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
    /// URL, query string and headers are cut to Relay's limits (``RequestLimits``), so that
    /// Relay keeps the interface as sent.
    func makeRequestInterface(sendDefaultPii: Bool) -> UnsafeMutablePointer<json_t>? {
        guard let request = json_object() else { return nil }
        json_object_set_new(request, "method", json_string(method))
        json_object_set_new(request, "url", json_string(RequestLimits.url(url)))
        if let queryString {
            json_object_set_new(request, "query_string", json_string(RequestLimits.queryString(queryString)))
        }
        var merged: [(name: String, value: String)] = []
        var index: [String: Int] = [:]
        for (name, value) in headers {
            let shown = !sendDefaultPii && SensitiveHeaders.isSensitive(name) ? "[Filtered]" : value
            if let i = index[name] {
                merged[i].value += ", " + shown
            } else {
                index[name] = merged.count
                merged.append((name, shown))
            }
        }
        let headerObject = json_object()
        for (name, value) in RequestLimits.headers(merged) {
            json_object_set_new(headerObject, name, json_string(value))
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

/// Relay's limits on the `request` interface, which its normalizer enforces by trimming (and
/// marking the event as changed): `url` at most 256 characters; `headers` a large data bag and
/// `query_string` a small one, at most 8192 and 1024 bytes as Relay estimates a bag (each name
/// and value its UTF-8 length + 3, each pair + 3). Longer values are cut as Relay cuts them, with
/// `...` at the end, so Relay keeps what the SDK sends.
enum RequestLimits {
    static let urlCharacters = 256
    /// The bags' sizes, less a margin.
    static let headersBudget = 8192 - 16
    static let queryBudget = 1024 - 16

    static func url(_ url: String) -> String {
        let scalars = url.unicodeScalars
        guard scalars.count > urlCharacters else { return url }
        return String(String.UnicodeScalarView(scalars.prefix(urlCharacters - 3))) + "..."
    }

    /// What a name/value pair costs in Relay's estimate of a bag.
    static func cost(_ name: String, _ valueBytes: Int) -> Int { name.utf8.count + valueBytes + 9 }

    /// The headers with the longest values cut to one common length so that all fit (those past
    /// the budget with their names alone are left out).
    static func headers(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var total = 0
        for h in headers { total += cost(h.name, h.value.utf8.count) }
        if total <= headersBudget { return headers }
        var kept: [(name: String, value: String)] = []
        var base = 0
        for h in headers {
            guard base + cost(h.name, 0) <= headersBudget else { break }
            base += cost(h.name, 0)
            kept.append(h)
        }
        // The largest cap (bytes per value) with which the kept headers fit.
        func fits(_ cap: Int) -> Bool {
            var sum = 0
            for h in kept { sum += cost(h.name, min(h.value.utf8.count, cap)) }
            return sum <= headersBudget
        }
        var low = 0
        var high = kept.map { $0.value.utf8.count }.max() ?? 0
        while low < high {
            let mid = (low + high + 1) / 2
            if fits(mid) { low = mid } else { high = mid - 1 }
        }
        return kept.map { ($0.name, cut($0.value, toBytes: low)) }
    }

    /// The query string whole when it fits its bag, else the pairs that fit, the first one that
    /// does not cut (never inside a `%XX` escape) with `...`.
    static func queryString(_ query: String) -> String {
        var out = ""
        var used = 0
        for pair in query.split(separator: "&", omittingEmptySubsequences: false) {
            let pairCost = cost("", pair.utf8.count)
            let separator = out.isEmpty ? 0 : 1
            if used + separator + pairCost <= queryBudget {
                if separator == 1 { out += "&" }
                out += pair
                used += separator + pairCost
                continue
            }
            let room = queryBudget - used - separator - cost("", 0)
            if room > 3 {
                var head = cut(String(pair), toBytes: room)
                // A cut escape would decode to something else.
                let body = head.dropLast(3)
                if let percent = body.suffix(2).lastIndex(of: "%") { head = String(body[..<percent]) + "..." }
                out += (separator == 1 ? "&" : "") + head
            }
            break
        }
        return out
    }

    /// `value` when it has at most `bytes` UTF-8 bytes, else its longest prefix (whole
    /// characters) that fits with `...` after it.
    static func cut(_ value: String, toBytes bytes: Int) -> String {
        if value.utf8.count <= bytes { return value }
        guard bytes >= 3 else { return "" }
        var prefix = String.UnicodeScalarView()
        var used = 0
        for scalar in value.unicodeScalars {
            let n = UTF8.width(scalar)
            if used + n > bytes - 3 { break }
            used += n
            prefix.append(scalar)
        }
        return String(prefix) + "..."
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
