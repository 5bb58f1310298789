#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Sentry
import Testing

@Suite struct ValueTests {
    @Test func userJSONRoundTripKeepsUnknownKeys() {
        let user = User(json: ["id": "1", "ip_address": "10.0.0.1", "segment": "pro", "email": 5])
        #expect(user.id == "1")
        #expect(user.ipAddress == "10.0.0.1")
        #expect(user.email == nil)
        #expect(user.data == ["segment": "pro", "email": 5])
        #expect(user.json == ["id": "1", "ip_address": "10.0.0.1", "segment": "pro", "email": 5])
    }

    @Test func breadcrumbReadsISOTimestampsWithOffsets() throws {
        let crumb = Breadcrumb(json: ["message": "m", "timestamp": "2001-02-03T05:06:07.5+01:00", "level": "warning"])
        let ts = try #require(crumb.timestamp)
        #expect(abs(ts.timeIntervalSince1970 - 981_173_167.5) < 1e-6)
        #expect(crumb.level == .warning)
        #expect(crumb.json["timestamp"] == "2001-02-03T04:06:07.500000Z")
    }

    @Test func eventAccessorsReadAndWriteTheRawObject() {
        var event = Event(message: "hi", level: .warning)
        event.tags["a"] = "1"
        event.extra = ["x": [1, 2]]
        event.user = User(id: "u")
        event.fingerprint = ["fp"]
        #expect(event.raw["message"] == "hi")
        #expect(event.level == .warning)
        #expect(event.raw["tags"] == ["a": "1"])
        #expect(event.raw["extra"] == ["x": [1, 2]])
        #expect(event.raw["user"] == ["id": "u"])
        #expect(event.fingerprint == ["fp"])
        event.tags = [:]
        #expect(event.raw["tags"] == nil)
    }

    @Test func envelopeParsesHeadersItemsAndPayloads() throws {
        let text =
            "{\"event_id\":\"abc\"}\n{\"type\":\"event\",\"length\":2}\n{}\n{\"type\":\"attachment\",\"length\":3,\"filename\":\"a\"}\na\nb\n"
        let env = try #require(Envelope(data: Array(text.utf8)))
        #expect(env.eventId == "abc")
        #expect(env.items.map(\.type) == ["event", "attachment"])
        #expect(env.items[1].payload == Array("a\nb".utf8))
        #expect(env.items[1].headers["filename"] == "a")
        #expect(env.event?.raw == [:])
    }

    @Test func levelNamesParseLikeSentry() {
        #expect(SentryLevel(name: "warn") == .warning)
        #expect(SentryLevel(name: "critical") == .fatal)
        #expect(SentryLevel(name: "nope") == nil)
    }
}
