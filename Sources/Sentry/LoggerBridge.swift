import CScopeCore

/// A Swift ``SentryOptions/logger`` handed to the core as `user_data` (kept for the life of the
/// process, like the other callback boxes: the worker thread may still log after a restart).
final class LoggerBox: Sendable {
    let body: @Sendable (String) -> Void
    init(_ body: @escaping @Sendable (String) -> Void) { self.body = body }

    /// Sets `options.logger` on the core's options.
    static func install(_ logger: (@Sendable (String) -> Void)?, on o: OpaquePointer) {
        guard let logger else { return }
        let box = Unmanaged.passRetained(LoggerBox(logger)).toOpaque()
        _ = csc_options_set_logger(o, loggerTrampoline, box)
    }
}

private func loggerTrampoline(_ message: UnsafePointer<CChar>?, _ userData: UnsafeMutableRawPointer?) {
    guard let message, let userData else { return }
    Unmanaged<LoggerBox>.fromOpaque(userData).takeUnretainedValue().body(String(cString: message))
}
