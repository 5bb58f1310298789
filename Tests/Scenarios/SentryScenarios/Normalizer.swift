import Sentry

/// Normalises events and envelopes exactly as the Python oracle (Tests/Scenarios/oracle) does, so the
/// runner's output compares equal to its expected files.
struct Normalizer {
    private static let platformContexts: Set<String> = ["runtime", "os", "device", "app", "culture", "cloud_resource"]
    /// `threads` and `debug_meta` (and exception stack traces, below) are process-specific; this SDK
    /// also attaches them by default (`attachStacktrace`, as sentry-cocoa), the Python oracle does not.
    private static let removedEventKeys = [
        "event_id", "timestamp", "start_timestamp", "sdk", "server_name", "platform", "modules", "threads",
        "debug_meta",
    ]

    /// Placeholder maps, per kind (`trace`, `span`), numbered from 1 in order of first appearance.
    private var ids: [String: [String: String]] = [:]
    /// Ids and sample_rand values the scenario itself supplied: kept as they are.
    let verbatim: Set<String>

    init(verbatim: Set<String> = []) { self.verbatim = verbatim }

    mutating func placeholder(_ kind: String, _ raw: String) -> String {
        var map = ids[kind] ?? [:]
        if let p = map[raw] { return p }
        let p = "<\(kind):\(map.count + 1)>"
        map[raw] = p
        ids[kind] = map
        return p
    }

    static func isHex(_ s: String, _ n: Int) -> Bool {
        s.utf8.count == n && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// A trace context, span, DSC or baggage object with its volatile parts replaced (the
    /// oracle's `trace_fields`): ids by placeholders, a generated sample_rand by
    /// `<sample_rand>`, span timestamps and thread data dropped.
    mutating func traceContext(_ trace: SentryJSONObject) -> SentryJSONObject {
        var out = SentryJSONObject()
        for (k, v) in trace {
            if k == "timestamp" || k == "start_timestamp" { continue }
            if k == "trace_id", let s = v.stringValue, Self.isHex(s, 32), !verbatim.contains(s) {
                out[k] = .string(placeholder("trace", s))
            } else if k == "span_id" || k == "parent_span_id", let s = v.stringValue, Self.isHex(s, 16),
                !verbatim.contains(s)
            {
                out[k] = .string(placeholder("span", s))
            } else if k == "sample_rand", !v.isNull {
                let text = v.stringValue ?? v.serialized()
                out[k] = verbatim.contains(text) ? v : "<sample_rand>"
            } else if k == "data", case .object(var data) = v {
                data.removeValue(forKey: "thread.id")
                data.removeValue(forKey: "thread.name")
                if !data.isEmpty { out[k] = .object(data) }
            } else {
                out[k] = v
            }
        }
        return out
    }

    /// The `trace_headers` probe: `sentry-trace` split into its parts, `baggage` into its Sentry
    /// items (prefix removed, values URL-decoded) and the others.
    mutating func traceHeaders(_ h: [String: String]) -> SentryJSONObject {
        var out: SentryJSONObject = ["sentry-trace": .null, "baggage": .null]
        if let st = h["sentry-trace"], !st.isEmpty {
            let parts = st.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            var ids: SentryJSONObject = ["trace_id": .string(parts[0])]
            ids["span_id"] = parts.count > 1 ? .string(parts[1]) : .null
            ids = traceContext(ids)
            ids["sampled"] = parts.count > 2 ? .string(parts[2]) : .null
            out["sentry-trace"] = .object(ids)
        }
        if let b = h["baggage"], !b.isEmpty {
            var sentry = SentryJSONObject()
            var other: [SentryJSON] = []
            for raw in b.split(separator: ",", omittingEmptySubsequences: false) {
                let item = raw.trimmingSpaces
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = parts[0].trimmingSpaces
                if key.hasPrefix("sentry-"), parts.count == 2 {
                    sentry[Self.percentDecoded(key.dropFirst(7))] = .string(
                        Self.percentDecoded(parts[1].trimmingSpaces))
                } else if !item.isEmpty {
                    other.append(.string(String(item)))
                }
            }
            out["baggage"] = ["sentry": .object(traceContext(sentry)), "other": .array(other)]
        }
        return out
    }

    static func percentDecoded(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        var u = Array(s.utf8)[...]
        while let c = u.popFirst() {
            if c == 37, u.count >= 2, let hi = hexValue(u[u.startIndex]), let lo = hexValue(u[u.startIndex + 1]) {
                bytes.append(hi << 4 | lo)
                u = u.dropFirst(2)
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }

    /// Explicit scenario timestamps use years before 2010 and are kept; SDK-filled ones are volatile.
    static func breadcrumbTimestamp(_ ts: SentryJSON) -> SentryJSON {
        if case .string(let s) = ts {
            let b = Array(s.utf8.prefix(5))
            if b.count == 5, b[4] == 45,
                (b[0] == 49 && b[1] == 57 && (48...57).contains(b[2]) && (48...57).contains(b[3]))
                    || (b[0] == 50 && b[1] == 48 && b[2] == 48 && (48...57).contains(b[3]))
            {
                return ts
            }
        }
        return ts.isNull ? .null : "<ts>"
    }

    mutating func event(_ ev: SentryJSONObject) -> SentryJSONObject {
        var ev = ev
        for k in Self.removedEventKeys { ev.removeValue(forKey: k) }
        if case .object(var exc) = ev["exception"], let values = exc["values"]?.arrayValue {
            exc["values"] = .array(
                values.map { v in
                    guard var o = v.objectValue else { return v }
                    o.removeValue(forKey: "stacktrace")
                    if o["module"]?.isNull ?? true { o.removeValue(forKey: "module") }
                    return .object(o)
                })
            ev["exception"] = .object(exc)
        }
        if let spans = ev["spans"]?.arrayValue {  // spans before contexts: placeholder numbering follows the oracle
            ev["spans"] = .array(spans.map { s in s.objectValue.map { .object(traceContext($0)) } ?? s })
        }
        if case .object(var ctx) = ev["contexts"] {
            for k in ctx.keys where Self.platformContexts.contains(k) { ctx.removeValue(forKey: k) }
            if case .object(let trace) = ctx["trace"] { ctx["trace"] = .object(traceContext(trace)) }
            ev["contexts"] = .object(ctx)
        }
        if case .object(var bc) = ev["breadcrumbs"], let values = bc["values"]?.arrayValue {
            bc["values"] = .array(
                values.map { c in
                    guard var o = c.objectValue, let ts = o["timestamp"] else { return c }
                    o["timestamp"] = Self.breadcrumbTimestamp(ts)
                    return .object(o)
                })
            ev["breadcrumbs"] = .object(bc)
        }
        return ev
    }

    /// Envelope headers with placeholders, and item headers: the event item keeps `type` and
    /// `content_type` (the oracle reads Python's item headers before `length` is added at
    /// serialization, so `length` is dropped here), other items keep all headers plus `length`
    /// and `payload` (UTF-8 text, else `payload_hex`).
    mutating func envelope(_ env: Envelope, eventPlaceholder: String) -> SentryJSONObject {
        var headers = SentryJSONObject()
        for (k, v) in env.headers {
            switch (k, v) {
            case ("event_id", _): headers[k] = .string(eventPlaceholder)
            case ("sent_at", _): headers[k] = "<sent_at>"
            case ("trace", .object(let t)): headers[k] = .object(traceContext(t))
            default: headers[k] = v
            }
        }
        var items: [SentryJSON] = []
        for item in env.items {
            var h = item.headers
            if item.type == "event" || item.type == "transaction" {
                h.removeValue(forKey: "length")
                items.append(.object(h))
                continue
            }
            h["length"] = .int(Int64(item.payload.count))
            if let text = String(validating: item.payload, as: UTF8.self) {
                h["payload"] = .string(text)
            } else {
                h["payload_hex"] = .string(
                    item.payload.map { byte in
                        let s = String(byte, radix: 16)
                        return s.count == 1 ? "0" + s : s
                    }.joined())
            }
            items.append(.object(h))
        }
        return ["headers": .object(headers), "items": .array(items)]
    }
}
