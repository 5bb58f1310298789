#if Logging
import Logging
import Sentry

/// A swift-log `LogHandler` that turns log lines into Sentry breadcrumbs and events.
///
/// ```swift
/// SentrySDK.start(options: SentryOptions(dsn: "https://key@o0.ingest.sentry.io/0"))
/// LoggingSystem.bootstrap { label in SentryLogHandler(label: label) }
/// ```
///
/// Lines at or above ``breadcrumbLevel`` (default `.info`) become breadcrumbs of type `log`
/// whose category is the logger's label and whose data is the line's metadata; lines at or
/// above ``eventLevel`` (default `.error`) are captured as events with `logger`, `logentry` and
/// the metadata as extras. A line below both thresholds costs one comparison.
public struct SentryLogHandler: LogHandler {
    /// The logger's label: the breadcrumb category and the event's `logger`.
    public let label: String
    /// The handler's own threshold (swift-log's `logLevel`).
    public var logLevel: Logger.Level
    /// Lines at or above it become breadcrumbs; `nil` turns breadcrumbs off.
    public var breadcrumbLevel: Logger.Level?
    /// Lines at or above it become events; `nil` turns events off.
    public var eventLevel: Logger.Level?
    /// The handler's metadata, merged under each line's own.
    public var metadata: Logger.Metadata = [:]
    /// Adds metadata to every line (for example ``SentryLogHandler/traceMetadataProvider``).
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler for `label`.
    public init(
        label: String, logLevel: Logger.Level = .info, breadcrumbLevel: Logger.Level? = .info,
        eventLevel: Logger.Level? = .error, metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.logLevel = logLevel
        self.breadcrumbLevel = breadcrumbLevel
        self.eventLevel = eventLevel
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level
        let crumb = breadcrumbLevel.map { level >= $0 } ?? false
        let capture = eventLevel.map { level >= $0 } ?? false
        guard crumb || capture else { return }
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        let data = SentryLogHandler.json(merged)
        let message = event.message.description
        // The event first, then its breadcrumb (as sentry-python): an event's own line is not
        // among its breadcrumbs, but later events see it.
        if capture {
            var sentryEvent = Event(message: message, level: SentryLogHandler.sentryLevel(level))
            sentryEvent.raw["logger"] = .string(label)
            sentryEvent.raw["logentry"] = .object(["formatted": .string(message)])
            if !data.isEmpty { sentryEvent.raw["extra"] = .object(data) }
            _ = SentrySDK.capture(event: sentryEvent)
        }
        if crumb {
            SentrySDK.addBreadcrumb(
                Breadcrumb(
                    message: message, category: label,
                    level: SentryLogHandler.sentryLevel(level), type: "log", data: data))
        }
    }

    /// swift-log's level as Sentry's (`trace` and `debug` → debug, `notice` → info, `critical` → fatal).
    public static func sentryLevel(_ level: Logger.Level) -> SentryLevel {
        switch level {
        case .trace, .debug: return .debug
        case .info, .notice: return .info
        case .warning: return .warning
        case .error: return .error
        case .critical: return .fatal
        }
    }

    static func json(_ metadata: Logger.Metadata) -> SentryJSONObject {
        var object: SentryJSONObject = [:]
        for (key, value) in metadata { object[key] = json(value) }
        return object
    }

    static func json(_ value: Logger.Metadata.Value) -> SentryJSON {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let c): return .string(c.description)
        case .array(let a): return .array(a.map(json))
        case .dictionary(let d): return .object(json(d))
        }
    }
}
#endif
