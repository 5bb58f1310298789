#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Sentry
import Testing

/// An actor using the async scope APIs: `nonisolated(nonsending)` keeps the closures on the actor,
/// so they touch actor state synchronously (this would not compile otherwise).
actor RequestCounter {
    var handled = 0

    func handle() async -> Int {
        await SentrySDK.withIsolationScope { scope in
            handled += 1
            scope.setTag("count", String(handled))
            return await SentrySDK.withScope { _ in
                await Task.yield()
                return handled
            }
        }
    }
}

extension SDKTests {
    @Test func asyncScopesStayOnTheCallersActor() async {
        await withStartedSDK { _ in
            let counter = RequestCounter()
            #expect(await counter.handle() == 1)
            #expect(await counter.handle() == 2)
        }
    }

    @Test func captureOnTheGlobalScopeReappliesIt() async throws {
        try await withStartedSDK { transport in
            SentrySDK.withIsolationScope { _ in
                SentrySDK.globalScope.setTag("k", "global")
                SentrySDK.currentScope.setTag("k", "current")
                SentrySDK.capture(message: "api")
                SentrySDK.globalScope.capture(message: "via global")
                SentrySDK.currentScope.capture(message: "via current")
            }
            let tags = transport.events.map { $0.tags["k"] }
            #expect(tags == ["current", "global", "current"])
            _ = try #require(transport.events.first)
        }
    }

    @Test func explicitBreadcrumbTimestampAndSortOrder() async throws {
        try await withStartedSDK { transport in
            SentrySDK.withIsolationScope { scope in
                scope.addBreadcrumb(Breadcrumb(message: "now"))
                scope.addBreadcrumb(Breadcrumb(message: "y2k", timestamp: Date(timeIntervalSince1970: 946_684_800.25)))
                SentrySDK.capture(message: "crumbs")
            }
            let crumbs = try #require(transport.events.first).breadcrumbs
            #expect(crumbs.map(\.message) == ["y2k", "now"])
            let raw = try #require(transport.events.first?.raw["breadcrumbs"]?["values"]?.arrayValue?.first)
            #expect(raw["timestamp"] == "2000-01-01T00:00:00.250000Z")
        }
    }

    @Test func fingerprintEmptyListIsAValue() async {
        await withStartedSDK { transport in
            SentrySDK.globalScope.setFingerprint(["global"])
            SentrySDK.withIsolationScope { scope in
                scope.setFingerprint([])
                SentrySDK.capture(message: "empty fingerprint wins")
                scope.setFingerprint(nil)
                SentrySDK.capture(message: "unset shows global")
            }
            #expect(transport.events.map(\.fingerprint) == [[], ["global"]])
        }
    }

    @Test func malformedDSNLeavesTheSDKDisabled() async {
        await withStartedSDK({ o in
            o.dsn = "not a dsn"
            o.transport = nil
        }) { _ in
            #expect(!SentrySDK.isEnabled)
            #expect(SentrySDK.capture(message: "dropped") == .empty)
        }
    }

    @Test func sampleRateZeroDropsAfterBeforeSend() async {
        await withStartedSDK({ o in
            o.sampleRate = 0
        }) { transport in
            #expect(SentrySDK.capture(message: "sampled out") == .empty)
            #expect(transport.envelopes.isEmpty)
        }
    }
}
