/// A deadline for a server request's handler, for the server integrations' `timeout` option.
///
/// Hummingbird and Vapor have no request timeout of their own, and a middleware cannot abandon
/// the handler it calls (`next` is non-escaping: it must end before the middleware returns). So
/// the handler runs in a child task of a task group beside a timer: when the timer wins, the
/// integration learns it at once (to finish the transaction with `deadline_exceeded` and report
/// the request) and the handler is cancelled; the request's answer then waits for the handler
/// to honour the cancellation, as every `Task.sleep`, AsyncHTTPClient call or NIO future does.
enum RequestDeadline {
    private enum Outcome<R: Sendable>: Sendable {
        case response(R)
        case timedOut
        case timerCancelled
    }

    /// `next()`'s result. When `timeout` passes first, calls `onTimeout` (in the calling task, so
    /// with its task-local scopes and span) and cancels `next`; then returns what `next` returns
    /// or throws what it throws (a `CancellationError` as a rule).
    static func run<R: Sendable>(
        _ timeout: Duration, isolation: isolated (any Actor)? = #isolation, onTimeout: () -> Void,
        _ next: nonisolated(nonsending) () async throws -> R
    ) async throws -> R {
        try await withoutActuallyEscaping(next) { escapable in
            _ = isolation  // the closure runs in the caller's isolation: no value crosses it
            // The group waits for its children before it returns, so `next` ends within its
            // caller's lifetime, as a non-escaping closure must; it runs in one task at a time.
            nonisolated(unsafe) let handler = escapable
            return try await withThrowingTaskGroup(of: Outcome<R>.self) { group in
                group.addTask { .response(try await handler()) }
                group.addTask {
                    do {
                        try await Task.sleep(for: timeout)
                        return .timedOut
                    } catch {
                        return .timerCancelled
                    }
                }
                while let outcome = try await group.next() {
                    switch outcome {
                    case .response(let response):
                        group.cancelAll()
                        return response
                    case .timedOut:
                        onTimeout()
                        group.cancelAll()
                    case .timerCancelled:
                        continue
                    }
                }
                // Not reached: the handler's child either returned (above) or threw (out of next()).
                throw CancellationError()
            }
        }
    }
}
