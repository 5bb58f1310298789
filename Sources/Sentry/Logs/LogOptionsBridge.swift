import CScopeCore

/// Hands the Sentry Logs options to the core.
enum LogOptionsBridge {
    static func apply(_ options: SentryOptions, to o: OpaquePointer, boxes: CallbackBoxes) {
        _ = csc_options_set_enable_logs(o, options.enableLogs)
        if let before = options.beforeSendLog {
            _ = csc_options_set_before_send_log(o, beforeSendLogTrampoline, boxes.keep(LogCallbackBox(before)))
        }
    }
}

/// A Swift `beforeSendLog` handed to the core as `user_data`.
final class LogCallbackBox: Sendable {
    let body: @Sendable (SentryLog) -> SentryLog?
    init(_ body: @escaping @Sendable (SentryLog) -> SentryLog?) { self.body = body }

    /// Runs the callback on the core's item in place; false drops it.
    func run(_ item: UnsafeMutablePointer<json_t>) -> Bool {
        let raw = SentryJSONObject(jansson: item)
        guard let before = SentryLog(item: raw) else { return true }
        guard let after = body(before) else { return false }
        if after != before { janssonReplaceObject(item, with: after.item) }
        return true
    }
}

private func beforeSendLogTrampoline(_ item: UnsafeMutablePointer<json_t>?, _ userData: UnsafeMutableRawPointer?)
    -> Bool
{
    guard let item, let userData else { return true }
    return Unmanaged<LogCallbackBox>.fromOpaque(userData).takeUnretainedValue().run(item)
}
