import Sentry
import SentryTestKit
import Foundation

/// A DSN that is never contacted (the in-memory transport replaces HTTP).
let testDSN = "https://public@127.0.0.1:1/1"

/// Runs `body` with a freshly started SDK sending into an ``InMemoryTransport``, exclusively
/// (the SDK is process-wide state shared with the scenario tests).
func withStartedSDK(
    _ configure: (inout SentryOptions) -> Void = { _ in },
    _ body: (InMemoryTransport) async throws -> Void
) async rethrows {
    try await SentryTestSupport.withExclusiveSDK {
        let transport = InMemoryTransport()
        var options = SentryOptions(dsn: testDSN)
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

/// A fresh directory under the system's temporary directory, removed (with its contents) when
/// the value is freed. Tests that need a cache directory use one, never the default in `$HOME`.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/sentry-swift-test-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestError(code: Int(errno))
        }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
