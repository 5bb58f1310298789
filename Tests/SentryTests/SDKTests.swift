import Sentry
import SentryTestKit
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing

private final class LogLines: Sendable {
    let lines = Mutex<[String]>([])
}

/// Tests that start the process-wide SDK. Serialized here, and exclusive with other targets
/// through `withStartedSDK`.
@Suite(.serialized) struct SDKTests {
    @Test func disabledSDKIgnoresCallsAndReturnsNil() async {
        await SentryTestSupport.withExclusiveSDK {
            #expect(!SentrySDK.isEnabled)
            SentrySDK.setTag("ignored", "1")
            #expect(SentrySDK.capture(message: "nobody listens") == .empty)
            #expect(SentrySDK.isolationScope.json["tags"]?["ignored"] == nil)
        }
    }

    @Test func startAndCloseToggleIsEnabled() async throws {
        await withStartedSDK { transport in
            #expect(SentrySDK.isEnabled)
            SentrySDK.close()
            #expect(!SentrySDK.isEnabled)
            #expect(SentrySDK.capture(message: "closed") == .empty)
            #expect(transport.envelopes.isEmpty)
        }
    }

    @Test func optionsReachTheEvent() async throws {
        try await withStartedSDK({ o in
            o.environment = "staging"
            o.dist = "7"
            o.serverName = "host-1"
        }) { transport in
            let id = SentrySDK.capture(message: "hi")
            #expect(id != .empty)
            let env = try #require(transport.envelopes.first)
            #expect(env.eventId == id.hexString)
            let event = try #require(env.event)
            #expect(event["release"] == "test@1.0")
            #expect(event["environment"] == "staging")
            #expect(event["dist"] == "7")
            #expect(event["server_name"] == "host-1")
            #expect(event["platform"] == "native")
            #expect(event["sdk"]?["name"] == "sentry.swift.server")
            #expect(event.level == .info)
            #expect(event.message == "hi")
        }
    }

    @Test func defaultContextsNameSwiftAsTheRuntime() async throws {
        try await withStartedSDK { transport in
            SentrySDK.capture(message: "contexts")
            let event = try #require(transport.envelopes.first?.event)
            #expect(event["contexts"]?["runtime"]?["name"] == "swift")
            #expect(event["contexts"]?["os"]?["name"] == "Linux")
            #expect(event["contexts"]?["device"]?["processor_count"] != nil)
        }
    }

    @Test func resetForTestingRemovesTheGlobalEventProcessors() async {
        await withStartedSDK { transport in
            SentrySDK.globalScope.addEventProcessor { _ in nil }
            #expect(SentrySDK.capture(message: "dropped") == .empty)
            SentrySDK.resetForTesting()
            let options = SentryOptions(dsn: testDSN)
            SentrySDK.start {
                $0 = options; $0.transport = transport
            }
            #expect(SentrySDK.capture(message: "kept") != .empty)
            #expect(transport.events.last?.message == "kept")
        }
    }

    @Test func malformedDSNIsReportedToTheLoggerWithoutItsKey() async {
        await SentryTestSupport.withExclusiveSDK {
            let lines = LogLines()
            var options = SentryOptions(dsn: "https://verysecretkey@/42")
            options.logger = { line in lines.lines.withLock { $0.append(line) } }
            SentrySDK.start(options: options)
            #expect(!SentrySDK.isEnabled)
            let got = lines.lines.withLock { $0 }
            #expect(got.count == 1)
            #expect(got.first?.contains("invalid DSN") == true)
            #expect(got.allSatisfy { !$0.contains("verysecretkey") })
        }
    }

    @Test func flushWithoutAClientReportsFalse() async {
        await SentryTestSupport.withExclusiveSDK {
            #expect(!SentrySDK.flush(timeout: .milliseconds(10)))
        }
    }

    @Test func flushWithACustomTransportHasNothingToWaitFor() async throws {
        await withStartedSDK { _ in
            #expect(SentrySDK.flush(timeout: .seconds(1)))
        }
    }

    @Test func sampleRateComesFromTheEnvironmentUnlessSetInCode() async throws {
        // inside the exclusive section: no other test starts the SDK while the variable is set
        await SentryTestSupport.withExclusiveSDK {
            setenv("SENTRY_SAMPLE_RATE", "0", 1)
            defer { unsetenv("SENTRY_SAMPLE_RATE") }
            let transport = InMemoryTransport()
            var options = SentryOptions(dsn: testDSN)
            options.transport = transport
            SentrySDK.start(options: options)
            #expect(SentrySDK.capture(message: "sampled out by the environment") == .empty)
            options.sampleRate = 1
            SentrySDK.start(options: options)
            #expect(SentrySDK.capture(message: "the code's rate wins") != .empty)
            #expect(transport.envelopes.count == 1)
        }
    }
}
