/// An event as sent to Sentry: a JSON object with typed accessors for the common fields.
///
/// Event processors and `beforeSend` receive and return `Event`s; anything without a typed
/// accessor is reachable through ``raw``.
///
/// ```swift
/// options.beforeSend = { event in
///     var event = event
///     event.tags["region"] = "eu"
///     return event.message == "noise" ? nil : event
/// }
/// ```
public struct Event: Sendable, Hashable {
    /// The whole event object.
    public var raw: SentryJSONObject

    /// An event from its JSON object.
    public init(raw: SentryJSONObject = [:]) { self.raw = raw }

    /// A message event (`{"message": message, "level": level}`).
    public init(message: String, level: SentryLevel? = nil) {
        raw = ["message": .string(message)]
        if let level { raw["level"] = .string(level.rawValue) }
    }

    /// The value of a top-level key.
    public subscript(key: String) -> SentryJSON? {
        get { raw[key] }
        set { raw[key] = newValue }
    }

    /// The event id (32 hex characters), once assigned by the capture.
    public var eventId: String? { raw["event_id"]?.stringValue }

    /// The message: the `message` string, or `logentry.formatted`/`logentry.message`.
    public var message: String? {
        get {
            if let m = raw["message"] {
                if let s = m.stringValue { return s }
                if let s = m["formatted"]?.stringValue ?? m["message"]?.stringValue { return s }
            }
            return raw["logentry"]?["formatted"]?.stringValue ?? raw["logentry"]?["message"]?.stringValue
        }
        set { raw["message"] = newValue.map(SentryJSON.string) }
    }

    /// The level.
    public var level: SentryLevel? {
        get { raw["level"]?.stringValue.flatMap(SentryLevel.init(name:)) }
        set { raw["level"] = newValue.map { .string($0.rawValue) } }
    }

    /// The tags (setting an empty object removes the key).
    public var tags: SentryJSONObject {
        get { raw["tags"]?.objectValue ?? [:] }
        set { raw["tags"] = newValue.isEmpty ? nil : .object(newValue) }
    }

    /// The extra data (setting an empty object removes the key).
    public var extra: SentryJSONObject {
        get { raw["extra"]?.objectValue ?? [:] }
        set { raw["extra"] = newValue.isEmpty ? nil : .object(newValue) }
    }

    /// The contexts (setting an empty object removes the key).
    public var contexts: SentryJSONObject {
        get { raw["contexts"]?.objectValue ?? [:] }
        set { raw["contexts"] = newValue.isEmpty ? nil : .object(newValue) }
    }

    /// The user.
    public var user: User? {
        get { raw["user"]?.objectValue.map(User.init(json:)) }
        set { raw["user"] = newValue.map { .object($0.json) } }
    }

    /// The fingerprint.
    public var fingerprint: [String]? {
        get { raw["fingerprint"]?.arrayValue?.compactMap(\.stringValue) }
        set { raw["fingerprint"] = newValue.map { .array($0.map(SentryJSON.string)) } }
    }

    /// The transaction name.
    public var transaction: String? {
        get { raw["transaction"]?.stringValue }
        set { raw["transaction"] = newValue.map(SentryJSON.string) }
    }

    /// The breadcrumbs (`breadcrumbs.values`).
    public var breadcrumbs: [Breadcrumb] {
        get {
            raw["breadcrumbs"]?["values"]?.arrayValue?.compactMap { $0.objectValue.map(Breadcrumb.init(json:)) } ?? []
        }
        set { raw["breadcrumbs"] = ["values": .array(newValue.map { .object($0.json) })] }
    }

    /// The exception values (`exception.values`), innermost cause first.
    public var exceptions: [SentryJSONObject] {
        raw["exception"]?["values"]?.arrayValue?.compactMap(\.objectValue) ?? []
    }
}
