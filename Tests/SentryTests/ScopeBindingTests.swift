import Sentry
import SentryTestKit
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Binding semantics need a started SDK: while it is disabled, `withScope` and
/// `withIsolationScope` neither fork nor bind (see `disabledScopesCostNothing`).
extension SDKTests {
    @Test func withScopeForksCurrentAndRestores() async {
        await withStartedSDK { _ in
            let outer = SentrySDK.currentScope
            let isolation = SentrySDK.isolationScope
            let value = SentrySDK.withScope { scope in
                #expect(SentrySDK.currentScope === scope)
                #expect(scope !== outer)
                #expect(SentrySDK.isolationScope === isolation)
                return 42
            }
            #expect(value == 42)
            #expect(SentrySDK.currentScope === outer)
        }
    }

    @Test func withIsolationScopeForksBothAndPassesTheIsolationScope() async {
        await withStartedSDK { _ in
            let outerCurrent = SentrySDK.currentScope
            let outerIsolation = SentrySDK.isolationScope
            SentrySDK.withIsolationScope { scope in
                #expect(SentrySDK.isolationScope === scope)
                #expect(scope !== outerIsolation)
                #expect(SentrySDK.currentScope !== outerCurrent)
            }
            #expect(SentrySDK.isolationScope === outerIsolation)
            #expect(SentrySDK.currentScope === outerCurrent)
        }
    }

    @Test func nestedWithScopeRestoresOnTypedThrow() async {
        await withStartedSDK { _ in
            let outer = SentrySDK.currentScope
            var middle: Scope?
            do throws(TestError) {
                try SentrySDK.withScope { (scope: Scope) throws(TestError) in
                    middle = scope
                    do throws(TestError) {
                        try SentrySDK.withScope { (_: Scope) throws(TestError) in throw TestError(code: 1) }
                    } catch {
                        #expect(error == TestError(code: 1))  // typed: `error` is a TestError
                        #expect(SentrySDK.currentScope === scope)
                    }
                    throw TestError(code: 2)
                }
                Issue.record("did not throw")
            } catch {
                #expect(error.code == 2)
            }
            #expect(middle != nil)
            #expect(SentrySDK.currentScope === outer)
        }
    }

    @Test func asyncWithScopeRestoresOnThrowAndChildTasksInherit() async {
        await withStartedSDK { _ in
            let outer = SentrySDK.currentScope
            do throws(TestError) {
                try await SentrySDK.withIsolationScope { (scope: Scope) async throws(TestError) in
                    async let child = SentrySDK.isolationScope
                    let fromChild = await child
                    #expect(fromChild === scope)
                    let fromTask = await Task { SentrySDK.isolationScope }.value
                    #expect(fromTask === scope)
                    await withTaskGroup(of: Bool.self) { group in
                        for _ in 0..<10 { group.addTask { SentrySDK.isolationScope === scope } }
                        for await same in group { #expect(same) }
                    }
                    throw TestError(code: 3)
                }
            } catch {
                #expect(error.code == 3)
            }
            #expect(SentrySDK.currentScope === outer)
        }
    }

    @Test func detachedTasksUseTheProcessDefaultAndCanRebind() async {
        await withStartedSDK { _ in
            let defaults = await Task.detached { SentrySDK.currentBinding }.value
            await SentrySDK.withIsolationScope { scope in
                let binding = SentrySDK.currentBinding
                let seen = await Task.detached { SentrySDK.isolationScope }.value
                #expect(seen !== scope)
                #expect(seen === defaults.isolationScope)
                let rebound = await Task.detached {
                    SentrySDK.withScopes(binding) { SentrySDK.isolationScope }
                }.value
                #expect(rebound === scope)
            }
        }
    }

    @Test func plainThreadsUseTheProcessDefaultAndCanRebind() async {
        final class Box: @unchecked Sendable {
            var fromThread: Scope?
            var rebound: Scope?
        }
        await withStartedSDK { _ in
            let defaults = await Task.detached { SentrySDK.currentBinding }.value
            let box = Box()
            SentrySDK.withIsolationScope { scope in
                let binding = SentrySDK.currentBinding
                runOnThread {
                    box.fromThread = SentrySDK.isolationScope
                    box.rebound = SentrySDK.withScopes(binding) { SentrySDK.isolationScope }
                }
                #expect(box.fromThread === defaults.isolationScope)
                #expect(box.rebound === scope)
            }
        }
    }

    @Test func disabledScopesCostNothing() async {
        await SentryTestSupport.withExclusiveSDK {
            let outer = SentrySDK.currentScope
            let (a, b) = SentrySDK.withScope { a in (a, SentrySDK.withIsolationScope { $0 }) }
            #expect(a === b)  // the shared inert scope
            #expect(a !== outer)
            #expect(SentrySDK.currentScope === outer)
            let value = SentrySDK.withScope { _ in 7 }
            #expect(value == 7)
        }
    }

    @Test func forkedBindingKeepsBothSidesApart() async {
        await withStartedSDK { _ in
            let binding = SentrySDK.withIsolationScope { _ in SentrySDK.currentBinding }
            let forked = binding.forked()
            forked.isolationScope.setTag("only", "forked")
            #expect(binding.isolationScope.json["tags"]?["only"] == nil)
            #expect(forked.isolationScope !== binding.isolationScope)
        }
    }
}

/// Runs `body` on a new pthread and waits for it.
func runOnThread(_ body: @escaping @Sendable () -> Void) {
    final class Context {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Context(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(
        &thread, nil,
        { raw in
            let c = Unmanaged<Context>.fromOpaque(raw!).takeRetainedValue()
            c.body()
            return nil
        }, context)
    precondition(rc == 0)
    pthread_join(thread, nil)
}
