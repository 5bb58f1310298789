#if ServiceLifecycle
import Logging
import Sentry
import SentryServiceLifecycle
import SentryTestKit
import ServiceLifecycle
import Testing

@Suite struct SentryServiceTests {
    /// Captures once the SDK is up, then returns: the group then shuts down gracefully.
    struct Worker: Service {
        func run() async throws {
            while !SentrySDK.isEnabled { try await Task.sleep(for: .milliseconds(1)) }
            _ = SentrySDK.capture(message: "from a service")
        }
    }

    @Test func startsTheSDKAndClosesItOnGracefulShutdown() async throws {
        try await SentryTestSupport.withExclusiveSDK {
            let transport = InMemoryTransport()
            var options = SentryOptions(dsn: "https://public@127.0.0.1:1/1")
            options.transport = transport
            options.shutdownTimeout = .seconds(1)
            let group = ServiceGroup(
                configuration: .init(
                    services: [
                        .init(service: SentryService(options: options)),
                        .init(service: Worker(), successTerminationBehavior: .gracefullyShutdownGroup),
                    ], logger: Logger(label: "test")))
            try await group.run()
            #expect(transport.events.map(\.message) == ["from a service"])
            #expect(!SentrySDK.isEnabled)
        }
    }
}
#endif
