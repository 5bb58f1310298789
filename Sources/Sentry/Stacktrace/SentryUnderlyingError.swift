/// An error that carries the errors that caused it.
///
/// When such an error is captured, Sentry receives every error in the chain as one event: the
/// captured error and its underlying errors (and theirs) become an exception group, linked by
/// `mechanism.exception_id` / `parent_id`, each underlying error's `source` naming its place
/// (`underlyingErrors[0]`, ...). An error with more than one underlying error is marked
/// `is_exception_group`.
///
/// ```swift
/// struct CheckoutFailed: SentryUnderlyingError {
///     var cause: any Error
///     var underlyingErrors: [any Error] { [cause] }
/// }
/// ```
///
/// Foundation's `NSUnderlyingErrorKey` / `NSMultipleUnderlyingErrorsKey` and the
/// `underlyingError` of `DecodingError` / `EncodingError` contexts are followed too.
public protocol SentryUnderlyingError: Error {
    /// The errors that caused this one, most important first.
    var underlyingErrors: [any Error] { get }
}
