/// How the SDK is configured; passed to ``SentrySDK/start(options:)``.
///
/// ```swift
/// SentrySDK.start { options in
///     options.dsn = "https://key@o0.ingest.sentry.io/0"
///     options.release = "my-app@1.2.3"
///     options.beforeSend = { event in event.message == "noise" ? nil : event }
/// }
/// ```
public struct Options: Sendable {
    /// Where events go. `nil` (and no ``transport``) leaves the SDK disabled.
    public var dsn: String?
    /// The release (e.g. `"my-app@1.2.3"`); `nil` = the `SENTRY_RELEASE` environment variable.
    public var release: String?
    /// The environment; `nil` = `SENTRY_ENVIRONMENT`, else `"production"`.
    public var environment: String?
    /// The distribution of the release (e.g. a build number).
    public var dist: String?
    /// The server name sent with events; `nil` = the host name.
    public var serverName: String?
    /// How many breadcrumbs each scope keeps (0 to 1000, default 100).
    public var maxBreadcrumbs: Int = 100
    /// The probability (0 to 1) that an error event is sent.
    public var sampleRate: Double = 1
    /// Whether to send personal data (IP addresses, ...) the SDK would otherwise scrub.
    public var sendDefaultPii: Bool = false
    /// Whether the core prints diagnostics.
    public var debug: Bool = false
    /// Called for every error event after the event processors; return `nil` to drop it.
    /// Runs on the capturing thread.
    public var beforeSend: (@Sendable (Event) -> Event?)?
    /// Called for every breadcrumb before it is stored; return `nil` to drop it.
    public var beforeBreadcrumb: (@Sendable (Breadcrumb) -> Breadcrumb?)?
    /// Replaces the built-in HTTP transport.
    public var transport: (any Transport)?

    /// Default options.
    public init() {}

    /// Options with a DSN.
    public init(dsn: String?) { self.dsn = dsn }
}
