import Foundation
import Sentry
import SentryTestKit
import Testing

/// The transport options of ``SentryOptions`` reach the core's HTTP transport.
@Suite(.serialized) struct TransportOptionsTests {
    /// A fresh, empty directory under the system's temporary directory.
    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sentry-swift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Envelope files in `dir` (and its subdirectories) and their contents.
    private func envelopes(in dir: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return [] }
        var out: [String] = []
        for case let url as URL in walker where url.pathExtension == "envelope" {
            if let text = try? String(contentsOf: url, encoding: .utf8) { out.append(text) }
        }
        return out
    }

    @Test func unsentEventsAreCachedAtCloseWithinTheShutdownTimeout() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        await SentryTestSupport.withExclusiveSDK {
            var options = SentryOptions(dsn: "http://0123456789abcdef0123456789abcdef@127.0.0.1:1/7")  // nothing listens on port 1
            options.cacheDirectory = dir.path
            options.enableCrashHandler = false
            options.shutdownTimeout = .milliseconds(300)
            options.sendClientReports = false
            SentrySDK.start(options: options)
            #expect(SentrySDK.isEnabled)
            let id = SentrySDK.capture(message: "kept for later")
            #expect(id != .empty)
            #expect(!SentrySDK.flush(timeout: .milliseconds(200)))  // the server is down
            let clock = ContinuousClock()
            let closing = clock.now
            SentrySDK.close()
            #expect(clock.now - closing < .seconds(3))
            let cached = envelopes(in: dir)
            #expect(cached.contains { $0.contains(id.hexString) && $0.contains("kept for later") })
        }
    }
}
