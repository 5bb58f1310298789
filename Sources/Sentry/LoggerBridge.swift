import CScopeCore

/// A Swift ``SentryOptions/logger`` handed to the core as `user_data` (kept alive by the
/// options' ``CallbackBoxes`` until the next `start()` replaces the logger).
final class LoggerBox: Sendable {
    let body: @Sendable (String) -> Void
    init(_ body: @escaping @Sendable (String) -> Void) { self.body = body }
}

func loggerTrampoline(_ message: UnsafePointer<CChar>?, _ userData: UnsafeMutableRawPointer?) {
    guard let message, let userData else { return }
    Unmanaged<LoggerBox>.fromOpaque(userData).takeUnretainedValue().body(String(cString: message))
}
