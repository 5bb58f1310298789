import CScopeCore

extension Scope {
    /// The span bound to this scope: errors captured with the scope carry its trace context,
    /// `SentrySDK.withSpan` makes children of it and outgoing headers come from it. Binding a
    /// transaction also sets the scope's transaction name and source (as the Python SDK does).
    /// `SentrySDK.withTransaction` and `withSpan` bind through a forked scope; set it directly
    /// only on scopes you own.
    public var span: SentrySpan? {
        get { csc_scope_get_bound_span(handle).map { SentrySpan(owning: $0) } }
        set { _ = csc_scope_bind_span(handle, newValue?.handle) }
    }
}
