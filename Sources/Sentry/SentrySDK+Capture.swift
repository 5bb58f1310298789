import CScopeCore

/// Capturing events. Every capture merges the global, isolation and current scopes of the
/// calling task (narrowest wins), then an optional per-capture `scope` and the scope configured
/// by `block`, runs the event processors and `beforeSend`, and hands the event to the
/// transport. It returns the event id, or ``SentryId/empty`` when nothing was sent (the SDK is
/// not started, the event was sampled out, or an event processor or `beforeSend` dropped it), as
/// sentry-cocoa does. The result is discardable.
extension SentrySDK {
    /// Captures an error as an exception event (level `error` unless a scope sets one).
    ///
    /// The event carries the stack trace of this call (a Swift error does not record where it
    /// was thrown), oldest frame first and this call site last, and `debug_meta.images` for its
    /// frames; errors it wraps (``SentryUnderlyingError``, `NSUnderlyingErrorKey`, decoding
    /// contexts) become a chained exception group. See <doc:ErrorsAndCrashReports>.
    ///
    /// - Parameters:
    ///   - error: The error; its fully qualified type name and description become the exception
    ///     type and value (adopt ``CustomSentryException`` to choose them).
    ///   - scope: A scope applied after the active ones (its event processors do not run).
    ///   - block: Configures a one-off, empty scope applied last.
    @discardableResult
    public static func capture(error: any Error, scope: Scope? = nil, block: ((Scope) -> Void)? = nil) -> SentryId {
        guard fastEnabled else { return .empty }
        return capture(StacktraceEvents.errorEvent(error), on: nil, scope: scope, block: block)
    }

    /// For integrations: captures `error` (with its stack trace) with top-level `fields` set on
    /// its event (the swift-log handler sets `logger` and `logentry`).
    @discardableResult
    package static func capture(error: any Error, fields: SentryJSONObject, block: ((Scope) -> Void)? = nil)
        -> SentryId
    {
        guard fastEnabled else { return .empty }
        let event = StacktraceEvents.errorEvent(error)
        if let event { for (key, value) in fields { json_object_set_new(event, key, value.makeJansson()) } }
        return capture(event, on: nil, scope: nil, block: block)
    }

    /// Captures a message (level `info` unless given; a scope level beats both). With
    /// ``SentryOptions/attachStacktrace`` (the default) the event gets this thread's stack trace in
    /// `threads`.
    @discardableResult
    public static func capture(
        message: String, level: SentryLevel? = nil, scope: Scope? = nil,
        block: ((Scope) -> Void)? = nil
    ) -> SentryId {
        guard fastEnabled else { return .empty }
        return capture(withThread(csc_event_new_message(message, level.cLevel)), on: nil, scope: scope, block: block)
    }

    /// Captures an event as given (no level is added unless a scope sets one). With
    /// ``SentryOptions/attachStacktrace``, an event without `exception`, `stacktrace` or `threads`
    /// gets this thread's stack trace in `threads`, as in the Python SDK.
    @discardableResult
    public static func capture(event: Event, scope: Scope? = nil, block: ((Scope) -> Void)? = nil) -> SentryId {
        guard fastEnabled else { return .empty }
        return capture(withThread(event.raw.makeJansson()), on: nil, scope: scope, block: block)
    }

    /// `event` with the calling thread attached per ``SentryOptions/attachStacktrace``.
    @inline(never)
    static func withThread(_ event: UnsafeMutablePointer<json_t>?) -> UnsafeMutablePointer<json_t>? {
        if let event { StacktraceEvents.attachThread(to: event) }
        return event
    }

    /// The capture pipeline with explicit scope handles. `target` is the scope object the capture
    /// was called on: re-applied after the current scope unless it is the live current or
    /// isolation scope (the Python SDK's `Scope.capture_*` rule). Consumes `event`.
    static func capture(
        _ event: UnsafeMutablePointer<json_t>?, on target: Scope?, scope: Scope?,
        block: ((Scope) -> Void)?
    ) -> SentryId {
        guard let event else { return .empty }
        let bound = ScopeStorage.active
        let active = AmbientSpans.resolve(bound)  // an integration's span (SentryTracing) may be innermost
        var layers: [Scope] = []
        if let target, target != bound.currentScope, target != bound.isolationScope { layers.append(target) }
        if let scope { layers.append(scope) }
        if let block {
            let blank = Scope.makeBlank()
            block(blank)
            layers.append(blank)
        }
        let extra: Scope?
        if layers.count <= 1 {
            extra = layers.first
        } else {
            let merged = layers[0].fork()
            for layer in layers.dropFirst() { merged.update(from: layer) }
            extra = merged
        }
        var scopes = csc_scopes_t(
            global: ScopeStorage.global.handle, isolation: active.isolationScope.handle,
            current: active.currentScope.handle, extra: extra?.handle)
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 33) { buf in
            buf.initialize(repeating: 0)
            let rc = csc_capture_event(event, &scopes, buf.baseAddress)
            withExtendedLifetime((active, extra)) {}
            guard rc == CSC_OK.rawValue else { return .empty }
            return SentryId(cBuffer: buf.baseAddress!) ?? .empty
        }
    }
}
