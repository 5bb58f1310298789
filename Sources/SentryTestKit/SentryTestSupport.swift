import Sentry

/// Runs tests that start, reset or close the SDK one at a time: the SDK is process-wide state,
/// and test suites run in parallel, also across test targets of one process.
///
/// ```swift
/// @Test func capturesAMessage() async {
///     await SentryTestSupport.withExclusiveSDK {
///         let transport = InMemoryTransport()
///         SentrySDK.start { $0.dsn = "https://key@example.invalid/1"; $0.transport = transport }
///         SentrySDK.capture(message: "hi")
///         #expect(transport.events.first?.message == "hi")
///     }
/// }
/// ```
public enum SentryTestSupport {
    private static let state = Locked<(locked: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Runs `body` while no other `withExclusiveSDK` body runs; the SDK is reset
    /// (``Sentry/SentrySDK/resetForTesting()``) before and after.
    nonisolated(nonsending)
        public static func withExclusiveSDK<R>(_ body: nonisolated(nonsending) () async throws -> R) async rethrows -> R
    {
        await acquire()
        SentrySDK.resetForTesting()
        defer {
            SentrySDK.resetForTesting()
            release()
        }
        return try await body()
    }

    private static func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { s -> Bool in
                if s.locked {
                    s.waiters.append(c)
                    return false
                }
                s.locked = true
                return true
            }
            if granted { c.resume() }
        }
    }

    private static func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.locked = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
