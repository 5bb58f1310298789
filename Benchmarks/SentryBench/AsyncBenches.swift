import Sentry

/// The async variants, run off the main actor: closures formed here are nonisolated, so the
/// loop measures `withScope`/`withIsolationScope` and not a hop to the main actor and back.
func runAsyncBenches() async {
    await benchAsync("with_scope_async", "await SentrySDK.withScope {} (async)", 1_000_000) {
        await SentrySDK.withScope { (_: Scope) async in }
    }
    await benchAsync("with_isolation_scope_async", "await SentrySDK.withIsolationScope {} (async)", 1_000_000) {
        await SentrySDK.withIsolationScope { (_: Scope) async in }
    }
}
