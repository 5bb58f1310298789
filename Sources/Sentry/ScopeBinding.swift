import CScopeCore

/// The isolation and current scopes a task or thread works with.
///
/// `SentrySDK` binds them with a task-local value: child tasks (`async let`, task groups,
/// `Task { }`) inherit the binding of the task that created them and share its scope objects,
/// while `Task.detached` and threads not started by Swift concurrency do not. Code running
/// without a binding uses the **process default pair**: one isolation and one current scope
/// created on first use and kept for the life of the process (the equivalent of the main
/// thread's scopes in the Python SDK). Writes there are visible to every other unbound
/// task and thread, so bind scopes explicitly in request handlers and callbacks:
///
/// ```swift
/// let binding = SentrySDK.currentBinding          // capture in the parent
/// Task.detached {
///     SentrySDK.withScopes(binding) {             // re-bind in the detached task
///         SentrySDK.capture(message: "from a detached task")
///     }
/// }
/// ```
public struct ScopeBinding: Sendable {
    /// The pair, in one object so a task-local read costs one reference count.
    let pair: ScopePair

    /// The isolation scope (top-level setters such as `SentrySDK.setTag` write here).
    public var isolationScope: Scope { pair.isolationScope }
    /// The current scope.
    public var currentScope: Scope { pair.currentScope }

    /// A binding of these two scopes.
    public init(isolationScope: Scope, currentScope: Scope) {
        pair = ScopePair(isolationScope: isolationScope, currentScope: currentScope)
    }

    init(_ pair: ScopePair) { self.pair = pair }

    /// A binding of forks of both scopes: data is inherited, later writes on either side stay apart
    /// (what the Python SDK's threading integration gives a new thread).
    public func forked() -> ScopeBinding {
        ScopeBinding(isolationScope: isolationScope.fork(), currentScope: currentScope.fork())
    }
}

/// An isolation scope and a current scope.
package final class ScopePair: Sendable {
    package let isolationScope: Scope
    package let currentScope: Scope

    init(isolationScope: Scope, currentScope: Scope) {
        self.isolationScope = isolationScope
        self.currentScope = currentScope
    }
    /// Forks of both scopes.
    func forked() -> ScopePair {
        ScopePair(isolationScope: isolationScope.fork(), currentScope: currentScope.fork())
    }

    /// Registers the two scopes with the crash handler as the calling thread's, so a crash on
    /// this thread reports them (``ScopeStorage`` lives in task-local storage the signal
    /// handler cannot read). The core keeps the last registered pair per thread in
    /// thread-local storage and returns at once when it is this one (~2 ns); otherwise it
    /// retains the new pair and releases the old (~9 ns).
    @inline(__always)
    func registerForCrashes() {
        _ = csc_crash_set_thread_scopes(isolationScope.handle, currentScope.handle)
    }
}

/// Where the active binding lives.
package enum ScopeStorage {
    /// The task's binding; the process default pair outside any `withScope`/`withIsolationScope`/`withScopes`.
    @TaskLocal static var bound: ScopePair = processDefault

    /// The process default pair, used when no binding is active.
    package static let processDefault = ScopePair(isolationScope: Scope(), currentScope: Scope.makeBlank())

    /// What `withScope`/`withIsolationScope` pass while the SDK is disabled: never bound,
    /// never sent; cleared by SentryTestKit's `SentrySDK.resetForTesting()`.
    package static let disabledSink = Scope.makeBlank()

    /// The process-wide global scope (the core's, shared with C code).
    package static let global = Scope(retaining: csc_global_scope())

    /// The active binding of the calling task or thread.
    ///
    /// Also keeps the crash handler's view of the calling thread up to date: tasks hop between
    /// threads, so whenever SDK code reads the binding on a thread whose registered pair
    /// differs, the pair is registered for that thread (see ``ScopePair/registerForCrashes()``
    /// and docs/crash-reporting.md for what a crash reports in between).
    @inline(__always)
    static var active: ScopePair {
        let pair = bound
        pair.registerForCrashes()
        return pair
    }
}
