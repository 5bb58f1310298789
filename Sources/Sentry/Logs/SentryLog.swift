#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One Sentry Log line as it is sent: what ``SentryOptions/beforeSendLog`` sees and may change.
///
/// Lines come from ``SentrySDK/logger`` and from swift-log through `SentryLogHandler`
/// (product `SentryLogging`) when ``SentryOptions/enableLogs`` is on. They go to Sentry in
/// batches (at most 100 per envelope, every 5 seconds, and at ``SentrySDK/flush(timeout:)`` and
/// ``SentrySDK/close()``).
public struct SentryLog: Sendable, Hashable {
    /// A log level, with its OpenTelemetry severity number.
    public enum Level: String, Sendable, Hashable, CaseIterable {
        case trace, debug, info, warn, error, fatal

        /// The OpenTelemetry severity number sent as `severity_number` (1, 5, 9, 13, 17, 21).
        public var severityNumber: Int {
            switch self {
            case .trace: return 1
            case .debug: return 5
            case .info: return 9
            case .warn: return 13
            case .error: return 17
            case .fatal: return 21
            }
        }

        init?(severityNumber n: Int) {
            guard let level = Level.allCases.last(where: { $0.severityNumber <= n }) else { return nil }
            self = level
        }
    }

    /// An attribute value: the types Sentry's attributes have.
    public enum Attribute: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
        ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral
    {
        case string(String)
        case boolean(Bool)
        case integer(Int64)
        case double(Double)
        case stringArray([String])
        case integerArray([Int64])
        case doubleArray([Double])
        case booleanArray([Bool])

        public init(stringLiteral value: String) { self = .string(value) }
        public init(integerLiteral value: Int64) { self = .integer(value) }
        public init(floatLiteral value: Double) { self = .double(value) }
        public init(booleanLiteral value: Bool) { self = .boolean(value) }
    }

    /// When the line was made.
    public var timestamp: Date
    /// The trace it belongs to: the active span's, else the scopes' propagation context.
    public var traceId: SentryId
    /// The active span's id (16 hex digits) when there was one.
    public var spanId: String?
    /// The level.
    public var level: Level
    /// The line as read.
    public var body: String
    /// The line's attributes, and the SDK's (`sentry.sdk.name`, `sentry.environment`, ...).
    public var attributes: [String: Attribute]

    /// A log line.
    public init(
        level: Level, body: String, attributes: [String: Attribute] = [:], timestamp: Date = Date(),
        traceId: SentryId = .empty, spanId: String? = nil
    ) {
        self.level = level
        self.body = body
        self.attributes = attributes
        self.timestamp = timestamp
        self.traceId = traceId
        self.spanId = spanId
    }
}

// MARK: - The item's JSON (for beforeSendLog)

extension SentryLog.Attribute {
    /// `{"value": v, "type": t}` as the logs protocol writes it.
    var typedJSON: SentryJSON {
        switch self {
        case .string(let s): return ["value": .string(s), "type": "string"]
        case .boolean(let b): return ["value": .bool(b), "type": "boolean"]
        case .integer(let i): return ["value": .int(i), "type": "integer"]
        case .double(let d):
            return d.isFinite ? ["value": .double(d), "type": "double"] : ["value": .string("\(d)"), "type": "string"]
        case .stringArray(let a): return ["value": .array(a.map { .string($0) }), "type": "array"]
        case .integerArray(let a): return ["value": .array(a.map { .int($0) }), "type": "array"]
        case .doubleArray(let a): return ["value": .array(a.map { .double($0) }), "type": "array"]
        case .booleanArray(let a): return ["value": .array(a.map { .bool($0) }), "type": "array"]
        }
    }

    init?(typedJSON json: SentryJSON) {
        guard case .object(let o) = json, let type = o["type"]?.stringValue, let value = o["value"] else { return nil }
        switch (type, value) {
        case ("string", .string(let s)): self = .string(s)
        case ("boolean", .bool(let b)): self = .boolean(b)
        case ("integer", _): guard let i = value.intValue else { return nil }; self = .integer(i)
        case ("double", _): guard let d = value.doubleValue else { return nil }; self = .double(d)
        case ("array", .array(let a)):
            if let s = a.allMap({ $0.stringValue }) {
                self = .stringArray(s)
            } else if let b = a.allMap({ v -> Bool? in if case .bool(let b) = v { return b } else { return nil } }) {
                self = .booleanArray(b)
            } else if let i = a.allMap({ v -> Int64? in if case .int(let i) = v { return i } else { return nil } }) {
                self = .integerArray(i)
            } else if let d = a.allMap({ $0.doubleValue }) {
                self = .doubleArray(d)
            } else {
                return nil
            }
        default: return nil
        }
    }
}

extension Array {
    /// The transformed elements when every one transforms, else `nil`.
    fileprivate func allMap<T>(_ f: (Element) -> T?) -> [T]? {
        var out: [T] = []
        out.reserveCapacity(count)
        for e in self {
            guard let t = f(e) else { return nil }
            out.append(t)
        }
        return out
    }
}

extension SentryLog {
    /// Reads a `log` item; `nil` when it lacks a level or body.
    init?(item: SentryJSONObject) {
        guard let levelName = item["level"]?.stringValue, let level = Level(rawValue: levelName),
            let body = item["body"]?.stringValue
        else { return nil }
        var attributes: [String: Attribute] = [:]
        if case .object(let a)? = item["attributes"] {
            for (k, v) in a { if let attr = Attribute(typedJSON: v) { attributes[k] = attr } }
        }
        let seconds = item["timestamp"]?.doubleValue ?? 0
        self.init(
            level: level, body: body, attributes: attributes,
            timestamp: Date(timeIntervalSince1970: seconds),
            traceId: item["trace_id"]?.stringValue.map { SentryId(hexString: $0) } ?? .empty,
            spanId: item["span_id"]?.stringValue)
    }

    /// The `log` item for this line.
    var item: SentryJSONObject {
        var o: SentryJSONObject = [:]
        o["timestamp"] = .double(timestamp.timeIntervalSince1970)
        o["trace_id"] = .string(traceId.hexString)
        if let spanId { o["span_id"] = .string(spanId) }
        o["level"] = .string(level.rawValue)
        o["severity_number"] = .int(Int64(level.severityNumber))
        o["body"] = .string(body)
        var a: SentryJSONObject = [:]
        for key in attributes.keys.sorted() { a[key] = attributes[key]!.typedJSON }
        o["attributes"] = .object(a)
        return o
    }
}
