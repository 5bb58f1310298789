/// An error that chooses how it appears in Sentry's exception list.
///
/// Without it, an error is reported with its fully qualified type name
/// (`MyApp.PaymentError`), its module, and as value its `LocalizedError.errorDescription`, else
/// `String(describing: error)` (see <doc:ErrorsAndCrashReports>).
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
