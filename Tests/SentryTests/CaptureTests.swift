import Sentry
import Testing

enum PaymentError: Error { case declined }

struct HTTPFailure: CustomSentryException {
    var status: Int
    var sentryExceptionType: String { "HTTPFailure" }
    var sentryExceptionValue: String { "status \(status)" }
}

extension SDKTests {
    @Test func captureErrorReportsTypeValueAndMechanism() async throws {
        try await withStartedSDK { transport in
            SentrySDK.capture(error: PaymentError.declined)
            SentrySDK.capture(error: HTTPFailure(status: 503))
            let events = transport.events
            #expect(events.count == 2)
            #expect(events[0].exceptions.count == 1)
            let first = try #require(events.first?.exceptions.first)
            #expect(first["type"] == "SentryTests.PaymentError")  // fully qualified
            #expect(first["value"] == "declined")
            #expect(first["module"] == "SentryTests")
            #expect(first["mechanism"] == ["type": "generic", "handled": true])
            #expect(first["stacktrace"]?["frames"]?.arrayValue?.isEmpty == false)
            #expect(events[0].level == .error)
            let second = try #require(events.last?.exceptions.first)
            #expect(second["type"] == "HTTPFailure")  // CustomSentryException chooses
            #expect(second["value"] == "status 503")
            #expect(second["module"] == nil)
            #expect(second["mechanism"] == ["type": "generic", "handled": true])
        }
    }

    @Test func blockScopeAppliesLastAndOnlyOnce() async throws {
        await withStartedSDK { transport in
            SentrySDK.setTag("k", "isolation")
            SentrySDK.capture(message: "with block", level: .warning) { scope in
                scope.setTag("k", "block")
                scope.setLevel(.fatal)
            }
            SentrySDK.capture(message: "without")
            let events = transport.events
            #expect(events[0].tags["k"] == "block")
            #expect(events[0].level == .fatal)
            #expect(events[1].tags["k"] == "isolation")
            #expect(events[1].level == .info)
        }
    }

    @Test func captureEventKeepsItsFieldsAndLastEventIdFollowsIsolation() async throws {
        try await withStartedSDK { transport in
            var event = Event(raw: ["message": "raw"])
            event.tags = ["own": "1"]
            event.fingerprint = ["fp"]
            let outerId = SentrySDK.capture(event: event)
            #expect(SentrySDK.lastEventId == outerId)
            SentrySDK.withIsolationScope { _ in
                #expect(SentrySDK.lastEventId == outerId)
                let innerId = SentrySDK.capture(message: "inner")
                #expect(SentrySDK.lastEventId == innerId)
            }
            #expect(SentrySDK.lastEventId == outerId)
            let sent = try #require(transport.events.first)
            #expect(sent.tags["own"] == "1")
            #expect(sent.fingerprint == ["fp"])
            #expect(sent.level == nil)
        }
    }

    @Test func attachmentsTravelInTheEnvelope() async throws {
        try await withStartedSDK { transport in
            SentrySDK.withIsolationScope { scope in
                scope.addAttachment(Attachment(text: "hello", filename: "a.txt"))
                SentrySDK.capture(message: "with attachment")
            }
            let items = try #require(transport.envelopes.first).items
            #expect(items.map(\.type) == ["event", "attachment"])
            #expect(items[1].headers["filename"] == "a.txt")
            #expect(items[1].payload == Array("hello".utf8))
        }
    }

    @Test func breadcrumbFastPathKeepsAllDataTypes() async throws {
        try await withStartedSDK { transport in
            SentrySDK.withIsolationScope { scope in
                scope.addBreadcrumb(
                    Breadcrumb(
                        message: "m", category: "http", level: .warning, type: "http",
                        data: [
                            "s": "é", "i": 200, "d": 1.5, "b": false, "n": nil,
                            "o": ["deep": [1, 2]],
                        ]))
                SentrySDK.capture(message: "crumbs")
            }
            let crumb = try #require(transport.events.first?.breadcrumbs.first)
            #expect(crumb.message == "m")
            #expect(crumb.category == "http")
            #expect(crumb.level == .warning)
            #expect(crumb.type == "http")
            #expect(crumb.timestamp != nil)
            #expect(crumb.data == ["s": "é", "i": 200, "d": 1.5, "b": false, "n": nil, "o": ["deep": [1, 2]]])
        }
    }
}
