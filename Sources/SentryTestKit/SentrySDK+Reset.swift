import CScopeCore
import Sentry

extension SentrySDK {
    /// Puts the process-wide SDK state back to a fresh start, for tests: closes the SDK, removes
    /// the event processors of the global scope and of the process default scopes, clears their
    /// data (with a new trace on the global and default isolation scope) and clears the inert
    /// scope the disabled SDK hands out.
    ///
    /// Scopes a test still holds (forks, scopes bound by a running `withScope`) are not touched.
    /// Run tests that reset the SDK one at a time: ``SentryTestSupport/withExclusiveSDK(_:)``.
    public static func resetForTesting() {
        close()
        for scope in [ScopeStorage.global, ScopeStorage.processDefault.isolationScope] {
            _ = csc_scope_clear_event_processors(scope.handle)
            scope.clear()
            _ = csc_scope_new_trace(scope.handle)
        }
        let current = ScopeStorage.processDefault.currentScope
        _ = csc_scope_clear_event_processors(current.handle)
        current.clear()
        ScopeStorage.disabledSink.clear()
    }
}
