#if ServiceLifecycle
import ServiceLifecycle
import Sentry

/// A swift-service-lifecycle `Service` that starts the SDK when the service group runs it, and on
/// graceful shutdown (or cancellation) flushes what was captured, at most the options'
/// `shutdownTimeout`, and closes the SDK.
///
/// ```swift
/// let sentry = SentryService(options: SentryOptions(dsn: "https://key@o0.ingest.sentry.io/0"))
/// let group = ServiceGroup(services: [sentry, server], logger: logger)
/// try await group.run()
/// ```
///
/// Put it first in the group: a group shuts its services down in reverse order, so Sentry
/// closes after the services that report to it.
public struct SentryService: Service {
    /// The options the SDK starts with.
    public let options: SentryOptions

    /// Creates the service; the SDK starts when the service runs.
    public init(options: SentryOptions) {
        self.options = options
    }

    public func run() async throws {
        SentrySDK.start(options: options)
        defer {
            _ = SentrySDK.flush(timeout: options.shutdownTimeout)
            SentrySDK.close()
        }
        // Returns at graceful shutdown; throws CancellationError when the group is cancelled.
        try await gracefulShutdown()
    }
}
#endif
