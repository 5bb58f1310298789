import CScopeCore
import Synchronization

/// A span that an integration keeps outside the SDK's task-local binding, with the SDK span that
/// was bound when it started. SentryTracing reports the span in swift-distributed-tracing's
/// `ServiceContext`, so that `SentrySDK.capture`, `SentrySDK.span` and `SentrySDK.withSpan` see it
/// inside the library's global `withSpan`, which cannot bind the SDK's task-local scopes.
package struct AmbientSpan: Sendable {
    package let span: SentrySpan
    /// The span bound to the task (its scopes) when `span` started; `nil` when none was.
    package let boundAtStart: SentrySpan?

    package init(span: SentrySpan, boundAtStart: SentrySpan?) {
        self.span = span
        self.boundAtStart = boundAtStart
    }
}

/// The one provider of ambient spans (set by an integration). Without one, every lookup costs
/// one atomic load.
package enum AmbientSpans {
    /// The provider in a box: a closure kept in `Locked`'s generic storage and read through its
    /// `inout` access would be re-wrapped in two reabstraction thunks at every read, a chain that
    /// grows without end (each lookup slower, then a stack overflow).
    private final class Provider: Sendable {
        let read: @Sendable () -> AmbientSpan?
        init(_ read: @escaping @Sendable () -> AmbientSpan?) { self.read = read }
    }

    private static let installed = Atomic<Bool>(false)
    private static let provider = Locked<Provider?>(nil)  // pthread: TSan sees it

    /// Installs the provider (the last call wins).
    package static func install(_ newProvider: @escaping @Sendable () -> AmbientSpan?) {
        let box = Provider(newProvider)
        provider.withLock { $0 = box }
        installed.store(true, ordering: .releasing)
    }

    /// The span bound to the task's scopes (current scope first), ignoring ambient spans.
    package static var taskBoundSpan: SentrySpan? {
        SentrySDK.activeSpanHandle(ScopeStorage.active).map { SentrySpan(owning: $0) }
    }

    /// The ambient span when it is the innermost active span of `pair`: when the task's bound
    /// span is the one that was bound when it started (or none is bound). A span the SDK bound
    /// later was started inside it and wins: then `nil`.
    static func innermost(_ pair: ScopePair) -> SentrySpan? {
        guard installed.load(ordering: .acquiring), let box = provider.withLock({ $0 }), let ambient = box.read(),
            ambient.span.handle != nil
        else { return nil }
        let bound = SentrySDK.activeSpanHandle(pair)
        defer { csc_span_release(bound) }
        guard bound == nil || bound == ambient.boundAtStart?.handle else { return nil }
        return ambient.span
    }

    /// `pair`, or, when an ambient span is the innermost active span (``innermost(_:)``), a pair
    /// whose current scope (a fork) binds it: for calls that hand scopes to the core (capture,
    /// trace headers).
    static func resolve(_ pair: ScopePair) -> ScopePair {
        guard let span = innermost(pair), let handle = span.handle else { return pair }
        let current = pair.currentScope.fork()
        _ = csc_scope_bind_span(current.handle, handle)
        return ScopePair(isolationScope: pair.isolationScope, currentScope: current)
    }
}
