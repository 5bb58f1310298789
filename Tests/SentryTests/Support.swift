@_spi(Testing) import Sentry

/// A DSN that is never contacted (the in-memory transport replaces HTTP).
let testDSN = "https://public@127.0.0.1:1/1"

/// Runs `body` with a freshly started SDK sending into an ``InMemoryTransport``, exclusively
/// (the SDK is process-wide state shared with the scenario tests).
func withStartedSDK(
    _ configure: (inout Options) -> Void = { _ in },
    _ body: (InMemoryTransport) async throws -> Void
) async rethrows {
    try await SentryTestSupport.withExclusiveSDK {
        let transport = InMemoryTransport()
        var options = Options(dsn: testDSN)
        options.transport = transport
        options.release = "test@1.0"
        configure(&options)
        SentrySDK.start(options: options)
        try await body(transport)
    }
}

/// Errors thrown by tests.
struct TestError: Error, Equatable {
    var code: Int
}
