/// Test support (SPI `Testing`): the SDK is process-wide state, so test suites that start,
/// reset or close it run their bodies one at a time through this lock, also across test targets.
@_spi(Testing)
public enum SentryTestSupport {
    private static let state = Locked<(locked: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Runs `body` while no other `withExclusiveSDK` body runs; the SDK is reset before and after.
    nonisolated(nonsending)
    public static func withExclusiveSDK<R>(_ body: nonisolated(nonsending) () async throws -> R) async rethrows -> R {
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
