@_spi(Testing) import Sentry
import Testing

/// Tests that start the process-wide SDK. Serialized here, and exclusive with other targets
/// through `withStartedSDK`.
@Suite(.serialized) struct SDKTests {
    @Test func disabledSDKIgnoresCallsAndReturnsNil() async {
        await SentryTestSupport.withExclusiveSDK {
            #expect(!SentrySDK.isEnabled)
            SentrySDK.setTag("ignored", "1")
            #expect(SentrySDK.capture(message: "nobody listens") == nil)
            #expect(SentrySDK.isolationScope.json["tags"]?["ignored"] == nil)
        }
    }

    @Test func startAndCloseToggleIsEnabled() async throws {
        await withStartedSDK { transport in
            #expect(SentrySDK.isEnabled)
            SentrySDK.close()
            #expect(!SentrySDK.isEnabled)
            #expect(SentrySDK.capture(message: "closed") == nil)
            #expect(transport.envelopes.isEmpty)
        }
    }

    @Test func optionsReachTheEvent() async throws {
        try await withStartedSDK({ o in
            o.environment = "staging"
            o.dist = "7"
            o.serverName = "host-1"
        }) { transport in
            let id = try #require(SentrySDK.capture(message: "hi"))
            let env = try #require(transport.envelopes.first)
            #expect(env.eventId == id.hexString)
            let event = try #require(env.event)
            #expect(event["release"] == "test@1.0")
            #expect(event["environment"] == "staging")
            #expect(event["dist"] == "7")
            #expect(event["server_name"] == "host-1")
            #expect(event["platform"] == "cocoa")
            #expect(event["sdk"]?["name"] == "sentry.swift.server")
            #expect(event.level == .info)
            #expect(event.message == "hi")
        }
    }
}
