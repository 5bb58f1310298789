import CScopeCore

/// An error that chooses how it appears in Sentry's exception list.
///
/// Without it, an error is reported with its type name (`type(of: error)`), its module, and
/// `String(describing: error)` as the value.
///
/// ```swift
/// struct HTTPError: CustomSentryException {
///     var status: Int
///     var sentryExceptionType: String { "HTTPError" }
///     var sentryExceptionValue: String { "status \(status)" }
/// }
/// ```
public protocol CustomSentryException: Error {
    /// The exception type shown in Sentry.
    var sentryExceptionType: String { get }
    /// The exception value (message) shown in Sentry.
    var sentryExceptionValue: String { get }
    /// The module the type belongs to; `nil` leaves it out.
    var sentryExceptionModule: String? { get }
}

extension CustomSentryException {
    /// No module by default.
    public var sentryExceptionModule: String? { nil }
}

/// What the core needs to know about an error.
struct ErrorDescription {
    var type: String
    var value: String
    var module: String?

    init(_ error: any Error) {
        if let custom = error as? any CustomSentryException {
            type = custom.sentryExceptionType
            value = custom.sentryExceptionValue
            module = custom.sentryExceptionModule
            return
        }
        let t = Swift.type(of: error)
        type = String(describing: t)
        let qualified = String(reflecting: t)
        module = qualified.firstIndex(of: ".").map { String(qualified[..<$0]) }
        value = String(describing: error)
    }

    /// The core's exception event (`{"level": "error", "exception": {"values": [...]}}`), mechanism
    /// generic and handled. The caller owns the result.
    func makeEvent() -> UnsafeMutablePointer<json_t>? {
        withOptionalCString(module) { module in
            type.withCString { type in
                value.withCString { value in
                    var exc = csc_exception_t()
                    exc.type = type
                    exc.value = value
                    exc.module = module
                    exc.mechanism_type = nil
                    exc.handled = 1
                    exc.frames = nil
                    exc.frame_count = 0
                    return csc_event_new_exception(&exc)
                }
            }
        }
    }
}
