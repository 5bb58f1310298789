import CScopeCore
import Synchronization

/// The entry point of the SDK: life cycle, scopes, and capturing.
///
/// ```swift
/// SentrySDK.start { options in
///     options.dsn = "https://key@o0.ingest.sentry.io/0"
/// }
/// defer { SentrySDK.close() }
///
/// try await SentrySDK.withIsolationScope { scope in   // one per request
///     scope.setTag("route", "/checkout")
///     do { try await handle(request) } catch { SentrySDK.capture(error: error); throw error }
/// }
/// ```
public enum SentrySDK {
    /// The version of the Swift overlay, reported as `sdk.version`.
    public static let version = "0.1.0"

    /// A cheap copy of "a client is started", checked first by the hot paths.
    @usableFromInline
    static let enabled = Atomic<Bool>(false)

    @inlinable @inline(__always)
    static var fastEnabled: Bool { enabled.load(ordering: .relaxed) }

    /// Starts the SDK, replacing a client started before. Scope data set earlier is kept.
    ///
    /// The SDK stays disabled (every call a cheap no-op) without a DSN and transport, or
    /// with a malformed DSN.
    public static func start(options: SentryOptions) {
        guard let o = OptionsBridge.make(options) else { return }
        _ = csc_init(o)
        enabled.store(csc_is_enabled(), ordering: .relaxed)
        StacktraceEvents.warmUpIfEnabled()
    }

    /// Starts the SDK with options set up by `configureOptions` (sentry-cocoa's
    /// `start(configureOptions:)`; the trailing-closure form `SentrySDK.start { options in ... }`
    /// reads the same).
    public static func start(configureOptions: (inout SentryOptions) -> Void) {
        var options = SentryOptions()
        configureOptions(&options)
        start(options: options)
    }

    /// Stops the SDK: later captures and top-level setters are no-ops. Scope data is kept.
    public static func close() {
        enabled.store(false, ordering: .relaxed)
        _ = csc_close()
    }

    /// Waits until every event captured so far is sent (or definitively dropped), at most
    /// `timeout`. Returns `false` on timeout or when the SDK is not started. A custom
    /// ``SentryOptions/transport`` has nothing to flush (`true`).
    @discardableResult
    public static func flush(timeout: Duration) -> Bool {
        csc_flush(OptionsBridge.milliseconds(timeout)) == CSC_OK.rawValue
    }

    /// True when the previous run of this program crashed and its crash report was found in
    /// ``SentryOptions/cacheDirectory`` at ``start(options:)`` (it is being sent like any cached event).
    public static var crashedLastRun: Bool { csc_crashed_last_run() }

    /// True while a started client can send events.
    public static var isEnabled: Bool {
        fastEnabled && csc_is_enabled()
    }
}
