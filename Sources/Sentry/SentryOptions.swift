/// How the SDK is configured; passed to ``SentrySDK/start(options:)``.
///
/// ```swift
/// SentrySDK.start { options in
///     options.dsn = "https://key@o0.ingest.sentry.io/0"
///     options.release = "my-app@1.2.3"
///     options.beforeSend = { event in event.message == "noise" ? nil : event }
/// }
/// ```
public struct SentryOptions: Sendable {
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
    /// The response status codes that the server integrations (Hummingbird, Vapor) report as
    /// errors, captured with `mechanism.handled = false` (default 500...599, as the Python SDK's
    /// `failed_request_status_codes`).
    public var failedRequestStatusCodes: [ClosedRange<Int>] = [500...599]
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
    public var transport: (any SentryTransport)?

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
    /// ``SentrySDK/close()``) and for crash reports; they are sent at the next start (with a
    /// custom ``transport``, the crash reports found there are handed to it at the next start).
    ///
    /// Default: with the built-in HTTP transport (no custom ``transport``),
    /// ``defaultCacheDirectory``, so crash reporting is on out of the box (as sentry-native's
    /// `.sentry-native` database and sentry-cocoa's caches folder); with a custom ``transport``,
    /// `nil` (set a directory to get crash reports there too). `nil`: retries in memory only,
    /// no crash reporting. Setting a value (also `nil`) replaces the default.
    public var cacheDirectory: String? {
        get {
            if let explicit = cacheDirectorySetting { return explicit }
            return transport == nil ? SentryOptions.defaultCacheDirectory : nil
        }
        set { cacheDirectorySetting = .some(newValue) }
    }
    /// ``cacheDirectory`` as set (`.none`: not set, the default applies).
    private var cacheDirectorySetting: String?? = .none
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
    /// Whether sessions are tracked for release health (``SentrySDK/withRequestSession(_:)-37m1f``,
    /// ``sessionMode``). Default `true`, as sentry-python. Sessions need a ``release``. See
    /// <doc:ReleaseHealthAndCrons>.
    public var autoSessionTracking: Bool = true
    /// ``SessionMode/request`` (default): sessions only for requests run in
    /// ``SentrySDK/withRequestSession(_:)-37m1f``. ``SessionMode/application``: one session
    /// per run, from ``SentrySDK/start(options:)`` to ``SentrySDK/close()``, for command-line tools.
    public var sessionMode: SessionMode = .request

    // MARK: Tracing (see SentrySDK+Tracing.swift and TracingOptions.swift)

    /// Probability (0...1) that a transaction is sampled (sent). `nil`: `SENTRY_TRACES_SAMPLE_RATE`,
    /// else tracing is off unless ``tracesSampler`` is set (then only trace propagation runs).
    public var tracesSampleRate: Double?
    /// Decides the sample rate per transaction (beats ``tracesSampleRate``). Return the parent's
    /// decision (`context.parentSampled`) to keep incoming traces whole; NaN or a value outside
    /// 0...1 unsamples the transaction. Runs on the task starting the transaction.
    public var tracesSampler: (@Sendable (SamplingContext) -> Double)?
    /// Sees every transaction event after event processors (``beforeSend`` never sees them);
    /// return `nil` to drop it.
    public var beforeSendTransaction: (@Sendable (Event) -> Event?)?
    /// Child spans recorded per transaction (1...100,000, default 1000); the rest are counted as
    /// dropped spans.
    public var maxSpans: Int = 1000
    /// The organization id (decimal) for trace continuation and the dynamic sampling context.
    /// `nil`: the DSN's (`o123.ingest.sentry.io` gives 123).
    public var orgId: String?
    /// Continue an incoming trace only when its org id equals ``orgId``, both known. Default
    /// `false`: only a known mismatch starts a new trace.
    public var strictTraceContinuation: Bool = false
    /// Also send a W3C `traceparent` header on outgoing requests. Default `false`.
    public var propagateTraceparent: Bool = false
    /// Regular expressions (POSIX extended, searched anywhere in the URL) of the outgoing URLs
    /// that get trace headers. `nil` (default): every URL. The DSN's host never gets them.
    public var tracePropagationTargets: [String]?

    // MARK: Sentry Logs (see Logs/)

    /// Send Sentry Logs: the lines of ``SentrySDK/logger`` and of swift-log's `SentryLogHandler`
    /// (product `SentryLogging`). Default `false`, as sentry-python's `enable_logs`.
    public var enableLogs: Bool = false
    /// Sees every log line as it will be sent (with the SDK's attributes); return `nil` to drop
    /// it (counted in client reports). Runs on the SDK's logs thread, not the logging task; a
    /// line logged from inside it is dropped.
    public var beforeSendLog: (@Sendable (SentryLog) -> SentryLog?)?

    /// Default options.
    public init() {}

    /// Options with a DSN.
    public init(dsn: String?) { self.dsn = dsn }
}

// MARK: - The default cache directory

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SentryOptions {
    /// The default ``cacheDirectory`` (with the built-in HTTP transport):
    /// `$XDG_CACHE_HOME/sentry-swift/<executable name>`, else `$HOME/.cache/sentry-swift/<executable name>`,
    /// falling back to `$TMPDIR` (or `/tmp`) `/sentry-swift-<uid>/<executable name>` when there is
    /// no usable home (unset, not writable: a service account, a read-only container). The core
    /// creates it with mode 0700. `nil` when none is usable (or the `/tmp` one exists but is
    /// not a directory of this user's): crash reporting is off then. Computed once per process.
    public static var defaultCacheDirectory: String? { DefaultCacheDirectory.path }

    /// ``defaultCacheDirectory`` for an environment, user id and executable name (tests).
    package static func defaultCacheDirectory(environment: [String: String], userID: UInt32, executable: String)
        -> String?
    {
        DefaultCacheDirectory.compute(environment: { environment[$0] }, userID: userID, executable: executable)
    }
}

enum DefaultCacheDirectory {
    static let path: String? = compute(
        environment: { name in getenv(name).map { String(cString: $0) } },
        userID: UInt32(getuid()), executable: executableName())

    static func compute(environment: (String) -> String?, userID: UInt32, executable: String) -> String? {
        let exe = sanitized(executable)
        func absolute(_ name: String) -> String? {
            guard let v = environment(name), v.hasPrefix("/") else { return nil }
            var s = v
            while s.count > 1 && s.hasSuffix("/") { s.removeLast() }
            return s == "/" ? nil : s
        }
        let root = absolute("XDG_CACHE_HOME") ?? absolute("HOME").map { $0 + "/.cache" }
        if let root, writableOrCreatable(root) { return root + "/sentry-swift/" + exe }
        let tmp = absolute("TMPDIR") ?? "/tmp"
        let dir = tmp + "/sentry-swift-\(userID)"
        var st = stat()
        if lstat(dir, &st) == 0 {
            // exists: only ours (a directory owned by this user, not a link), else someone else's trap
            guard st.st_mode & S_IFMT == S_IFDIR, st.st_uid == userID, access(dir, W_OK | X_OK) == 0 else { return nil }
        } else if !writableOrCreatable(tmp) {
            return nil
        }
        return dir + "/" + exe
    }

    /// True when `path` is a writable directory, or does not exist and its nearest existing
    /// ancestor is a writable directory (the core creates the missing parts).
    static func writableOrCreatable(_ path: String) -> Bool {
        var p = path
        while true {
            var st = stat()
            if stat(p, &st) == 0 { return st.st_mode & S_IFMT == S_IFDIR && access(p, W_OK | X_OK) == 0 }
            guard let slash = p.lastIndex(of: "/"), slash != p.startIndex else { return false }
            p = String(p[..<slash])
        }
    }

    /// The running executable's file name (``LoadedImages/mainExecutablePath``, else `argv[0]`).
    static func executableName() -> String {
        let path = LoadedImages.mainExecutablePath ?? CommandLine.arguments.first ?? ""
        return String(path.split(separator: "/").last ?? "")
    }

    /// A file name: characters other than letters, digits, `.`, `_`, `-` become `_`; "app" if empty.
    static func sanitized(_ name: String) -> String {
        let s = String(
            String.UnicodeScalarView(
                name.unicodeScalars.map { c in
                    (c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c))) || c == "." || c == "_"
                        || c == "-" ? c : "_"
                }))
        return s.isEmpty || s == "." || s == ".." ? "app" : s
    }
}
