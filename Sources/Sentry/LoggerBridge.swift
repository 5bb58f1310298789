import CScopeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A Swift ``SentryOptions/logger`` handed to the core as `user_data` (kept alive by the
/// options' ``CallbackBoxes`` until the next `start()` replaces the logger).
final class LoggerBox: Sendable {
    let body: @Sendable (String) -> Void
    init(_ body: @escaping @Sendable (String) -> Void) { self.body = body }
}

func loggerTrampoline(_ message: UnsafePointer<CChar>?, _ userData: UnsafeMutableRawPointer?) {
    guard let message, let userData else { return }
    let box = Unmanaged<LoggerBox>.fromOpaque(userData).takeUnretainedValue()
    SentryDiagnostics.delivering { box.body(String(cString: message)) }
}

/// Marks the threads on which the SDK hands a diagnostic to ``SentryOptions/logger``, so that
/// integrations (the swift-log handler of `SentryLogging`) drop what that logger writes back
/// into them instead of turning the SDK's own diagnostics into breadcrumbs, events and logs.
package enum SentryDiagnostics {
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// True while this thread delivers a diagnostic.
    package static var isDelivering: Bool { pthread_getspecific(key) != nil }

    static func delivering(_ body: () -> Void) {
        let was = pthread_getspecific(key)
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(key, was) }
        body()
    }
}
