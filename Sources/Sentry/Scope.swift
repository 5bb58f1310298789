import CScopeCore

/// A scope: data (tags, extras, contexts, user, level, transaction, fingerprint, breadcrumbs,
/// attachments) and event processors applied to the events captured while it is active.
///
/// Events merge three tiers, narrowest last: the **global** scope (process-wide), the
/// **isolation** scope (one per request or job; `SentrySDK.setTag` and the other top-level
/// setters write here) and the **current** scope (forked by `SentrySDK.withScope(_:)`).
/// Per field the narrowest tier that set it wins; see <doc:ScopesAndConcurrency> for the
/// merge rules and how scopes follow tasks.
///
/// `Scope` is a reference type and safe to share between tasks and threads: it wraps a
/// handle of the C core, which locks internally. Writes from concurrent tasks never tear;
/// the last write of a key wins.
///
/// ```swift
/// let scope = Scope()
/// scope.setTag("region", "eu")
/// scope.setContext("app", ["version": "1.2.3", "build": 42])
/// SentrySDK.capture(message: "configured explicitly", scope: scope)
/// ```
public final class Scope: Sendable {
    /// The core scope; this object owns one reference.
    nonisolated(unsafe) package let handle: OpaquePointer

    /// Wraps `handle`, taking over the reference the caller owns.
    init(owning handle: OpaquePointer) {
        self.handle = handle
    }

    /// Wraps a borrowed `handle`, taking a reference of its own.
    convenience init(retaining handle: OpaquePointer?) {
        guard let h = csc_scope_retain(handle) else { fatalError("Sentry: the core returned no scope") }
        self.init(owning: h)
    }

    /// A new empty scope with a trace of its own (as `Scope()` in the Python SDK).
    ///
    /// Pass it to a capture (`SentrySDK.capture(message:level:scope:)`) to apply it on top of the
    /// active scopes, or bind it with `SentrySDK.withScopes(_:_:)`.
    public convenience init() {
        guard let h = csc_scope_new() else { fatalError("Sentry: out of memory creating a scope") }
        self.init(owning: h)
    }

    /// A new empty scope without a trace of its own (current scopes and per-capture scopes).
    static func makeBlank() -> Scope {
        let s = Scope()
        _ = csc_scope_clear(s.handle)
        return s
    }

    deinit {
        csc_scope_release(handle)
    }

    // MARK: - Life cycle

    /// A copy of this scope: same data, processors and trace. Later writes to either side
    /// never show in the other. O(1): the core shares its tables until one side writes.
    public func fork() -> Scope {
        guard let h = csc_scope_fork(handle) else { fatalError("Sentry: out of memory forking a scope") }
        return Scope(owning: h)
    }

    /// Removes all data (tags, extras, contexts, user, level, transaction, fingerprint,
    /// breadcrumbs, attachments, span, trace and last event id). Event processors stay.
    public func clear() {
        _ = csc_scope_clear(handle)
    }

    /// Applies `other` on top of this scope: level, fingerprint, transaction and user replace
    /// when set there; tags, extras and contexts per key; breadcrumbs and attachments appended.
    /// Event processors are not copied.
    public func update(from other: Scope) {
        _ = csc_scope_update_from(handle, other.handle)
    }

    /// This scope's own data as JSON (level, transaction, user, tags, extra, contexts,
    /// fingerprint, breadcrumbs, ...; keys only when set). Meant for tests and debugging.
    public var json: SentryJSONObject {
        guard let j = csc_scope_to_json(handle) else { return [:] }
        defer { json_decref(j) }
        return SentryJSONObject(jansson: j)
    }
}

extension Scope: Equatable {
    /// Identity: two `Scope` values are equal when they wrap the same core scope.
    public static func == (lhs: Scope, rhs: Scope) -> Bool { lhs.handle == rhs.handle }
}
