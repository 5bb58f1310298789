/// An error that remembers the stack trace of the place it was created.
///
/// A Swift error records nothing about where it was thrown, so ``SentrySDK/capture(error:scope:block:)``
/// reports the stack of the *capture* site. When errors travel through `async` code, a task
/// group, or a retry loop before someone captures them, that site says little. Wrap the error
/// where it is thrown and the event shows the throw site instead:
///
/// ```swift
/// guard balance >= amount else {
///     throw SentryTracedError(PaymentError.insufficientFunds)
/// }
/// ...
/// } catch {
///     SentrySDK.capture(error: error)   // PaymentError, with the stack of the `throw` line
/// }
/// ```
///
/// The event reports the wrapped error (type, value, chained causes) as if it had been captured
/// directly; `catch let e as SentryTracedError` and ``error`` give it back. Creating one costs a
/// stack capture: a few microseconds once the addresses are in the SDK's symbol cache, about a
/// millisecond per new application frame the first time.
public struct SentryTracedError: Error, CustomStringConvertible {
    /// The wrapped error.
    public let error: any Error
    /// The stack where the wrapper was created, oldest frame first.
    let stacktrace: CapturedStacktrace

    /// Wraps `error` with the stack trace of the caller.
    @inline(never)
    public init(_ error: any Error) {
        self.error = (error as? SentryTracedError)?.error ?? error
        stacktrace = captureStacktrace(inApp: StacktraceSettings.inApp)
    }

    /// The wrapped error's description.
    public var description: String { String(describing: error) }

    /// The innermost wrapped error of `error` (itself when it is not a ``SentryTracedError``).
    static func unwrap(_ error: any Error) -> any Error {
        (error as? SentryTracedError)?.error ?? error
    }
}
