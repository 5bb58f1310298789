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
/// the metadata as extras (a line that carries an `error` is captured as that error, with its
/// stack trace). With ``SentryOptions/enableLogs``, lines at or above ``sentryLogLevel`` are
/// also sent as Sentry Logs (origin `auto.log.swift_log`, `logger.name`, `code.*` and the
/// metadata as attributes). A line below every threshold never reaches the handler: its
/// ``logLevel`` reports the lowest threshold that applies, so swift-log drops the line at its own
/// level check (a few nanoseconds).
///
/// The SDK's own diagnostics (``SentryOptions/logger``) never come back as breadcrumbs, events or
/// logs, even when that logger writes to swift-log.
public struct SentryLogHandler: LogHandler {
    /// The logger's label: the breadcrumb category and the event's `logger`.
    public let label: String
    /// The handler's threshold (swift-log's `logLevel`), raised to the lowest of
    /// ``breadcrumbLevel``, ``eventLevel`` and (while the SDK sends logs) ``sentryLogLevel``: a
    /// line below all of them would do nothing, so swift-log drops it before building it. Setting
    /// it sets the handler's own part.
    public var logLevel: Logger.Level {
        get {
            var floor = Logger.Level.critical
            if let b = breadcrumbLevel { floor = min(floor, b) }
            if let e = eventLevel { floor = min(floor, e) }
            if let l = sentryLogLevel, l < floor, LogSender.enabled { floor = l }
            return max(ownLogLevel, floor)
        }
        set { ownLogLevel = newValue }
    }
    private var ownLogLevel: Logger.Level
    /// Lines at or above it become breadcrumbs; `nil` turns breadcrumbs off.
    public var breadcrumbLevel: Logger.Level?
    /// Lines at or above it become events; `nil` turns events off.
    public var eventLevel: Logger.Level?
    /// Lines at or above it become Sentry Logs when ``SentryOptions/enableLogs`` is on (default
    /// `.trace`: every line the logger lets through); `nil` turns them off.
    public var sentryLogLevel: Logger.Level?
    /// The handler's metadata, merged under each line's own.
    public var metadata: Logger.Metadata = [:]
    /// Adds metadata to every line (for example ``SentryLogHandler/traceMetadataProvider``).
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler for `label`.
    public init(
        label: String, logLevel: Logger.Level = .info, breadcrumbLevel: Logger.Level? = .info,
        eventLevel: Logger.Level? = .error, sentryLogLevel: Logger.Level? = .trace,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.ownLogLevel = logLevel
        self.breadcrumbLevel = breadcrumbLevel
        self.eventLevel = eventLevel
        self.sentryLogLevel = sentryLogLevel
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
        let logItem = (sentryLogLevel.map { level >= $0 } ?? false) && LogSender.enabled
        guard crumb || capture || logItem, !SentryDiagnostics.isDelivering else { return }
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        let message = event.message.description
        if logItem {
            LogSender.send(
                level: SentryLogHandler.logLevel(level), body: message,
                attributes: merged.isEmpty ? [:] : SentryLogHandler.attributes(merged), origin: "auto.log.swift_log",
                loggerName: label, file: event.file, line: Int(event.line), function: event.function)
        }
        guard crumb || capture else { return }
        let data = SentryLogHandler.json(merged)
        // The event first, then its breadcrumb (as sentry-python): an event's own line is not
        // among its breadcrumbs, but later events see it.
        if capture {
            let sentryLevel = SentryLogHandler.sentryLevel(level)
            if let error = event.error {
                let fields: SentryJSONObject = ["logger": .string(label), "logentry": ["formatted": .string(message)]]
                _ = SentrySDK.capture(error: error, fields: fields) { scope in
                    scope.setLevel(sentryLevel)
                    for (key, value) in data { scope.setExtra(key, value) }
                }
            } else {
                var sentryEvent = Event(message: message, level: sentryLevel)
                sentryEvent.raw["logger"] = .string(label)
                sentryEvent.raw["logentry"] = .object(["formatted": .string(message)])
                if !data.isEmpty { sentryEvent.raw["extra"] = .object(data) }
                _ = SentrySDK.capture(event: sentryEvent)
            }
        }
        if crumb {
            SentrySDK.addBreadcrumb(
                Breadcrumb(
                    message: message, category: label,
                    level: SentryLogHandler.sentryLevel(level), type: "log", data: data))
        }
    }

    /// Adds the active trace to every line: `trace_id`, and `span_id` inside a span (of
    /// ``SentrySDK/span`` or the task's scopes), so lines printed elsewhere can be found in Sentry.
    ///
    /// ```swift
    /// LoggingSystem.bootstrap({ label, provider in StreamLogHandler.standardOutput(label: label, metadataProvider: provider) },
    ///                         metadataProvider: SentryLogHandler.traceMetadataProvider)
    /// ```
    public static let traceMetadataProvider = Logger.MetadataProvider {
        if let span = SentrySDK.span {
            return ["trace_id": .string(span.traceId), "span_id": .string(span.spanId)]
        }
        guard let traceId = SentrySDK.currentBinding.isolationScope.traceId else { return [:] }
        return ["trace_id": .string(traceId)]
    }

    /// swift-log's level as a Sentry Log level (`notice` → info, `critical` → fatal).
    public static func logLevel(_ level: Logger.Level) -> SentryLog.Level {
        switch level {
        case .trace: return .trace
        case .debug: return .debug
        case .info, .notice: return .info
        case .warning: return .warn
        case .error: return .error
        case .critical: return .fatal
        }
    }

    /// Metadata as Sentry Log attributes: strings stay strings, arrays of strings become string
    /// arrays, anything else its description.
    static func attributes(_ metadata: Logger.Metadata) -> [String: SentryLog.Attribute] {
        var out: [String: SentryLog.Attribute] = [:]
        out.reserveCapacity(metadata.count)
        for (key, value) in metadata {
            switch value {
            case .string(let s): out[key] = .string(s)
            case .stringConvertible(let c): out[key] = .string(c.description)
            case .array(let a):
                let strings = a.compactMap { v -> String? in if case .string(let s) = v { return s } else { return nil }
                }
                out[key] = strings.count == a.count ? .stringArray(strings) : .string(value.description)
            case .dictionary: out[key] = .string(value.description)
            }
        }
        return out
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
