extension Scope {
    /// Captures an error with this scope, with the stack trace of this call (see
    /// ``SentrySDK/capture(error:scope:block:)``).
    ///
    /// On the active isolation or current scope this is the same as
    /// ``SentrySDK/capture(error:scope:block:)``; on any other scope (e.g. the global scope, or one
    /// kept from an ended `withScope`) this scope is applied once more after the active ones, so its
    /// data wins — the Python SDK's `Scope.capture_exception` rule.
    @discardableResult
    public func capture(error: any Error, scope: Scope? = nil, block: ((Scope) -> Void)? = nil) -> SentryId {
        guard SentrySDK.fastEnabled else { return .empty }
        return SentrySDK.capture(StacktraceEvents.errorEvent(error), on: self, scope: scope, block: block)
    }

    /// Captures a message with this scope (see ``capture(error:scope:block:)`` for how it applies).
    @discardableResult
    public func capture(
        message: String, level: SentryLevel? = nil, scope: Scope? = nil,
        block: ((Scope) -> Void)? = nil
    ) -> SentryId {
        guard SentrySDK.fastEnabled else { return .empty }
        return SentrySDK.capture(
            SentrySDK.withThread(csc_event_new_message(message, level.cLevel)), on: self, scope: scope, block: block)
    }

    /// Captures an event with this scope (see ``capture(error:scope:block:)`` for how it applies).
    @discardableResult
    public func capture(event: Event, scope: Scope? = nil, block: ((Scope) -> Void)? = nil) -> SentryId {
        guard SentrySDK.fastEnabled else { return .empty }
        return SentrySDK.capture(SentrySDK.withThread(event.raw.makeJansson()), on: self, scope: scope, block: block)
    }
}

import CScopeCore
