/// Top-level setters. They write to the **isolation** scope of the calling task (as the Python
/// SDK's `sentry_sdk.set_tag` & co. do) and are no-ops while the SDK is not started (their
/// arguments are not even evaluated: values are autoclosures); to prepare data before
/// ``SentrySDK/start(options:)``, write to a scope object directly.
extension SentrySDK {
    /// Sets a string tag on the isolation scope.
    public static func setTag(_ key: String, _ value: String) {
        guard fastEnabled else { return }
        ScopeStorage.active.isolationScope.setTag(key, value)
    }

    /// Sets a tag with a JSON value on the isolation scope.
    public static func setTag(_ key: String, _ value: SentryJSON) {
        guard fastEnabled else { return }
        ScopeStorage.active.isolationScope.setTag(key, value)
    }

    /// Sets several tags on the isolation scope.
    public static func setTags(_ tags: @autoclosure () -> [String: String]) {
        guard fastEnabled else { return }
        ScopeStorage.active.isolationScope.setTags(tags())
    }

    /// Sets several tags with JSON values on the isolation scope, in order.
    public static func setTags(_ tags: @autoclosure () -> SentryJSONObject) {
        guard fastEnabled else { return }
        ScopeStorage.active.isolationScope.setTags(tags())
    }

    /// Sets an extra on the isolation scope.
    public static func setExtra(_ key: String, _ value: @autoclosure () -> SentryJSON) {
        guard fastEnabled else { return }
        ScopeStorage.active.isolationScope.setExtra(key, value())
    }

    /// Sets a context on the isolation scope.
    public static func setContext(_ key: String, _ value: @autoclosure () -> SentryJSONObject) {
        guard fastEnabled else { return }
        ScopeStorage.active.isolationScope.setContext(key, value())
    }

    /// Sets the user on the isolation scope (`nil` unsets it there).
    public static func setUser(_ user: @autoclosure () -> User?) {
        guard fastEnabled else { return }
        ScopeStorage.active.isolationScope.setUser(user())
    }

    /// Sets the level on the isolation scope (`nil` unsets it there).
    public static func setLevel(_ level: SentryLevel?) {
        guard fastEnabled else { return }
        ScopeStorage.active.isolationScope.setLevel(level)
    }

    /// Adds a breadcrumb to the isolation scope.
    public static func addBreadcrumb(_ crumb: @autoclosure () -> Breadcrumb) {
        guard fastEnabled else { return }
        let scope = ScopeStorage.active.isolationScope
        _ = BreadcrumbBridge.add(crumb(), to: scope.handle)
        withExtendedLifetime(scope) {}
    }

    /// Adds an attachment to the isolation scope.
    public static func addAttachment(_ attachment: @autoclosure () -> Attachment) {
        guard fastEnabled else { return }
        ScopeStorage.active.isolationScope.addAttachment(attachment())
    }

    /// Calls `callback` with the isolation scope of the calling task, the scope the other
    /// top-level setters write to (sentry-cocoa's `configureScope`). Like them, a no-op while
    /// the SDK is not started (`callback` is not called).
    ///
    /// ```swift
    /// SentrySDK.configureScope { scope in
    ///     scope.setTag("region", "eu")
    ///     scope.setUser(User(id: "42"))
    /// }
    /// ```
    public static func configureScope(_ callback: (Scope) -> Void) {
        guard fastEnabled else { return }
        callback(ScopeStorage.active.isolationScope)
    }

    /// Sets the transaction name on the **current** scope (as the Python SDK does).
    public static func setTransaction(_ name: String?, source: TransactionSource? = nil) {
        guard fastEnabled else { return }
        ScopeStorage.active.currentScope.setTransaction(name, source: source)
    }

    /// The id of the last event sent from the calling task's isolation scope;
    /// ``SentryId/empty`` when none was (as in sentry-cocoa).
    public static var lastEventId: SentryId {
        ScopeStorage.active.isolationScope.lastEventId
    }
}
