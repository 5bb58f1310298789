/// Scope access and binding.
///
/// See ``ScopeBinding`` for how scopes follow tasks: child tasks inherit (and share) the
/// binding, `Task.detached` and plain threads use the process default pair.
///
/// While the SDK is not started, `withScope`, `withIsolationScope` and `withScopes` cost
/// nothing: they neither fork nor bind (the first two pass `body` a shared inert scope whose
/// data is never sent).
extension SentrySDK {
    /// The process-wide global scope, applied to every event (shared with C code using the core).
    public static var globalScope: Scope { ScopeStorage.global }

    /// The isolation scope of the calling task (or the process default).
    public static var isolationScope: Scope { ScopeStorage.active.isolationScope }

    /// The current scope of the calling task (or the process default).
    public static var currentScope: Scope { ScopeStorage.active.currentScope }

    /// The isolation and current scopes of the calling task, to re-bind them elsewhere
    /// with `withScopes(_:_:)`.
    public static var currentBinding: ScopeBinding { ScopeBinding(ScopeStorage.active) }

    // MARK: - withScope

    /// Runs `body` with a fork of the current scope as the current scope, restoring the
    /// previous one afterwards (also when `body` throws). Returns what `body` returns.
    ///
    /// Top-level setters still write to the isolation scope, so `SentrySDK.setTag` inside
    /// leaks out of the block; write to the passed scope to keep data local.
    ///
    /// ```swift
    /// SentrySDK.withScope { scope in
    ///     scope.setTag("step", "charge")
    ///     SentrySDK.capture(message: "charging")
    /// }
    /// ```
    @inlinable
    public static func withScope<R, E: Error>(_ body: (Scope) throws(E) -> R) throws(E) -> R {
        guard fastEnabled else { return try body(disabledSink) }
        return try withForkedCurrentScope(body)
    }

    @usableFromInline
    static func withForkedCurrentScope<R, E: Error>(_ body: (Scope) throws(E) -> R) throws(E) -> R {
        let active = ScopeStorage.active
        let scope = active.currentScope.fork()
        return try bind(
            ScopePair(isolationScope: active.isolationScope, currentScope: scope), scope, restoring: active, body)
    }

    /// Runs `body` with a fork of the current scope as the current scope (async variant; runs on the
    /// caller's actor). Child tasks created in `body` inherit the forked scope.
    nonisolated(nonsending)
        public static func withScope<R, E: Error>(
            _ body: nonisolated(nonsending) (Scope) async throws(E) -> R
        ) async throws(E) -> R
    {
        guard fastEnabled else { return try await body(disabledSink) }
        let active = ScopeStorage.active
        let scope = active.currentScope.fork()
        return try await bind(
            ScopePair(isolationScope: active.isolationScope, currentScope: scope), scope,
            restoring: active, body)
    }

    // MARK: - withIsolationScope

    /// Runs `body` with forks of the isolation and current scopes, restoring both afterwards
    /// (also when `body` throws). `body` receives the isolation scope. Use one per request or job:
    /// nothing written inside (including top-level setters) leaks out.
    ///
    /// ```swift
    /// SentrySDK.withIsolationScope { scope in
    ///     scope.setUser(User(id: request.userID))
    ///     SentrySDK.addBreadcrumb(Breadcrumb(message: "request started"))
    /// }
    /// ```
    @inlinable
    public static func withIsolationScope<R, E: Error>(_ body: (Scope) throws(E) -> R) throws(E) -> R {
        guard fastEnabled else { return try body(disabledSink) }
        return try withForkedScopes(body)
    }

    @usableFromInline
    static func withForkedScopes<R, E: Error>(_ body: (Scope) throws(E) -> R) throws(E) -> R {
        let active = ScopeStorage.active
        let binding = active.forked()
        return try bind(binding, binding.isolationScope, restoring: active, body)
    }

    /// Runs `body` with forks of the isolation and current scopes (async variant; runs on the
    /// caller's actor). Child tasks created in `body` inherit them.
    nonisolated(nonsending)
        public static func withIsolationScope<R, E: Error>(
            _ body: nonisolated(nonsending) (Scope) async throws(E) -> R
        ) async throws(E) -> R
    {
        guard fastEnabled else { return try await body(disabledSink) }
        let active = ScopeStorage.active
        let binding = active.forked()
        return try await bind(binding, binding.isolationScope, restoring: active, body)
    }

    // MARK: - withScopes

    /// Runs `body` with exactly these scopes bound (no fork): re-binds scopes captured with
    /// ``currentBinding`` in a detached task, a thread or a callback. Use
    /// ``ScopeBinding/forked()`` first to keep the two sides apart.
    @inlinable
    public static func withScopes<R, E: Error>(_ binding: ScopeBinding, _ body: () throws(E) -> R) throws(E) -> R {
        guard fastEnabled else { return try body() }
        return try rebind(binding, body)
    }

    @usableFromInline
    static func rebind<R, E: Error>(_ binding: ScopeBinding, _ body: () throws(E) -> R) throws(E) -> R {
        try bind(binding.pair, binding.currentScope, restoring: ScopeStorage.active) { (_: Scope) throws(E) -> R in
            try body()
        }
    }

    /// Runs `body` with exactly these scopes bound (async variant).
    nonisolated(nonsending)
        public static func withScopes<R, E: Error>(
            _ binding: ScopeBinding, _ body: nonisolated(nonsending) () async throws(E) -> R
        ) async throws(E) -> R
    {
        guard fastEnabled else { return try await body() }
        return try await bind(binding.pair, binding.currentScope, restoring: ScopeStorage.active) {
            (_: Scope) async throws(E) -> R in try await body()
        }
    }

    // MARK: - Binding

    /// What `withScope`/`withIsolationScope` pass while the SDK is disabled.
    @usableFromInline
    static var disabledSink: Scope { ScopeStorage.disabledSink }

    // Binding also moves the crash handler's registration of the calling thread (see
    // ``ScopePair/registerForCrashes()``): to the new pair on entry, back to `outer` (the pair
    // active before, already registered by reading it) on exit, also when `body` throws.
    // Async: `body` may resume on other threads; the registration follows on those threads
    // when SDK code reads the binding there (``ScopeStorage/active``), and the thread the
    // call returns on gets `outer` again.

    @inline(__always)
    static func bind<R, E: Error>(
        _ binding: ScopePair, _ scope: Scope, restoring outer: ScopePair,
        _ body: (Scope) throws(E) -> R
    ) throws(E) -> R {
        binding.registerForCrashes()
        defer { outer.registerForCrashes() }
        let result = ScopeStorage.$bound.withValue(binding) { () -> Result<R, E> in
            do throws(E) { return .success(try body(scope)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    nonisolated(nonsending)
        static func bind<R, E: Error>(
            _ binding: ScopePair, _ scope: Scope, restoring outer: ScopePair,
            _ body: nonisolated(nonsending) (Scope) async throws(E) -> R
        ) async throws(E) -> R
    {
        binding.registerForCrashes()
        defer { outer.registerForCrashes() }
        let result = await ScopeStorage.$bound.withValue(binding) { () async -> Result<R, E> in
            do throws(E) { return .success(try await body(scope)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
