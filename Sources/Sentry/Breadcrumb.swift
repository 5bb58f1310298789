#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A trail entry recorded before an event: what the application did leading up to it.
///
/// ```swift
/// SentrySDK.addBreadcrumb(Breadcrumb(message: "GET /cart", category: "http",
///                                    data: ["status": 200, "method": "GET"]))
/// ```
///
/// Only ``type`` (`"default"`) and ``timestamp`` (now) get defaults; an unset level or
/// category stays absent, as in the Python SDK.
public struct Breadcrumb: Sendable, Hashable {
    /// The kind of breadcrumb (`"default"`, `"http"`, `"navigation"`, ...); `nil` means `"default"`.
    public var type: String?
    /// A dotted category such as `"http"` or `"db.query"`.
    public var category: String?
    /// A human-readable message.
    public var message: String?
    /// The severity.
    public var level: SentryLevel?
    /// When it happened; `nil` means when it is added.
    public var timestamp: Date?
    /// Extra data. Sentry keeps the first ten keys of this object.
    public var data: SentryJSONObject

    /// Creates a breadcrumb.
    ///
    /// Inlinable so that `SentrySDK.addBreadcrumb(Breadcrumb(...))` builds the value in place
    /// (no copy and destroy of its strings in the caller).
    @inlinable
    public init(
        message: String? = nil, category: String? = nil, level: SentryLevel? = nil, type: String? = nil,
        data: SentryJSONObject = [:], timestamp: Date? = nil
    ) {
        self.message = message
        self.category = category
        self.level = level
        self.type = type
        self.data = data
        self.timestamp = timestamp
    }

    /// Reads a breadcrumb object as the core stores it (`timestamp` as ISO-8601 text or seconds).
    public init(json: SentryJSONObject) {
        self.init()
        type = json["type"]?.stringValue
        category = json["category"]?.stringValue
        message = json["message"]?.stringValue
        level = json["level"]?.stringValue.flatMap(SentryLevel.init(name:))
        data = json["data"]?.objectValue ?? [:]
        switch json["timestamp"] {
        case .string(let s): timestamp = Timestamp.parse(s).map(Timestamp.date(micros:))
        case .int(let i): timestamp = Date(timeIntervalSince1970: Double(i))
        case .double(let d): timestamp = Date(timeIntervalSince1970: d)
        default: timestamp = nil
        }
    }

    /// The breadcrumb as a JSON object (absent fields left out; the timestamp as ISO-8601 text).
    public var json: SentryJSONObject {
        var o = SentryJSONObject()
        if let timestamp { o["timestamp"] = .string(Timestamp.format(micros: Timestamp.micros(timestamp))) }
        if let type { o["type"] = .string(type) }
        if let category { o["category"] = .string(category) }
        if let message { o["message"] = .string(message) }
        if let level { o["level"] = .string(level.rawValue) }
        if !data.isEmpty { o["data"] = .object(data) }
        return o
    }

    /// Writes the fields of `self` that differ from `original` into `target`, keeping every
    /// key this type does not model (and the original timestamp text) untouched.
    func apply(to target: inout SentryJSONObject, comparedWith original: Breadcrumb) {
        func put(_ key: String, _ new: String?, _ old: String?) {
            guard new != old else { return }
            target[key] = new.map(SentryJSON.string)
        }
        put("type", type, original.type)
        put("category", category, original.category)
        put("message", message, original.message)
        put("level", level?.rawValue, original.level?.rawValue)
        if data != original.data { target["data"] = data.isEmpty ? nil : .object(data) }
        if timestamp != original.timestamp {
            target["timestamp"] = timestamp.map { .string(Timestamp.format(micros: Timestamp.micros($0))) }
        }
    }
}
