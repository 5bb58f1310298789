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
    /// `nil` = the `SENTRY_SAMPLE_RATE` environment variable, else 1. Values are clamped to 0...1.
    public var sampleRate: Double?
    /// Whether to send personal data (IP addresses, ...) the SDK would otherwise scrub.
    public var sendDefaultPii: Bool = false
    /// Whether the SDK reports diagnostics (to ``logger``, else stderr). Default `false`, or the
    /// `SENTRY_DEBUG` environment variable.
    public var debug: Bool = false
    /// Receives the SDK's diagnostics (with ``debug`` on, and always a malformed DSN) instead of
    /// stderr. Runs on any thread, including the transport's; must not call into the SDK.
    /// Diagnostics never contain the DSN's key.
    public var logger: (@Sendable (String) -> Void)?
    /// Called for every error event after the event processors; return `nil` to drop it.
    /// Runs on the capturing thread.
    public var beforeSend: (@Sendable (Event) -> Event?)?
    /// Called for every breadcrumb before it is stored; return `nil` to drop it.
    public var beforeBreadcrumb: (@Sendable (Breadcrumb) -> Breadcrumb?)?
    /// Replaces the built-in HTTP transport.
    public var transport: (any Transport)?

    // MARK: Stack traces

    /// Whether messages get the capturing thread's stack trace (in `threads`), as errors always
    /// do. Default `true`, as in sentry-cocoa.
    public var attachStacktrace: Bool = true
    /// Swift modules or image file names whose frames are the application's own (`in_app`),
    /// besides the main executable's. A module matches exactly or as a prefix followed by `.`.
    public var inAppInclude: [String] = []
    /// Swift modules or image file names whose frames are never the application's own; beats
    /// ``inAppInclude``.
    public var inAppExclude: [String] = []

    // MARK: Crash reporting

    /// Whether fatal signals (a force-unwrapped `nil`, an index out of range, `fatalError`,
    /// a segfault in C code...) are reported at the next start. It needs ``cacheDirectory``:
    /// the report is written there when the process dies. Default `true`; turn it off when
    /// another crash reporter owns the fatal signals.
    public var enableCrashHandler: Bool = true

    // MARK: Transport

    /// Directory for envelopes that could not be sent (server unreachable, or still queued at
    /// ``SentrySDK/close()``) and for crash reports; they are sent at the next start.
    /// `nil` (the default): retries in memory only, no crash reporting.
    public var cacheDirectory: String?
    /// Proxy URL (`"http://proxy:3128"`); `nil` = the `http_proxy` / `https_proxy` variables.
    public var httpProxy: String?
    /// Path of a PEM bundle of CA certificates to verify the server with; `nil` = the system's.
    /// TLS is always verified.
    public var caCerts: String?
    /// Envelopes waiting to be sent (1 to 100,000, default 100); beyond it, new events are
    /// dropped and counted (`queue_overflow`).
    public var maxQueueSize: Int = 100
    /// How long ``SentrySDK/close()`` may wait for queued envelopes to be sent; the rest is
    /// written to ``cacheDirectory``. Default 2 seconds.
    public var shutdownTimeout: Duration = .seconds(2)
    /// Whether to tell the server how many events were dropped and why. Default `true`.
    public var sendClientReports: Bool = true

    /// Default options.
    public init() {}

    /// Options with a DSN.
    public init(dsn: String?) { self.dsn = dsn }
}
