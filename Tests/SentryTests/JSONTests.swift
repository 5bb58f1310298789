import Sentry
import Testing

@Suite struct JSONTests {
    @Test func literalsBuildTheExpectedValues() {
        let value: SentryJSON = [
            "version": "1.2.3", "build": 42, "beta": true, "ratio": 0.5, "none": nil, "list": [1, "two"],
        ]
        guard case .object(let o) = value else {
            Issue.record("not an object")
            return
        }
        #expect(o.keys == ["version", "build", "beta", "ratio", "none", "list"])
        #expect(o["version"] == .string("1.2.3"))
        #expect(o["build"] == .int(42))
        #expect(o["beta"] == .bool(true))
        #expect(o["ratio"] == .double(0.5))
        #expect(o["none"] == .null)
        #expect(o["list"] == .array([.int(1), .string("two")]))
    }

    @Test func equalityFollowsJSONSemantics() {
        #expect(SentryJSON.int(1) == SentryJSON.double(1.0))
        #expect(SentryJSON.bool(true) != SentryJSON.int(1))
        let a: SentryJSONObject = ["x": 1, "y": 2]
        let b: SentryJSONObject = ["y": 2, "x": 1]
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(Set([SentryJSON.int(1), SentryJSON.double(1)]).count == 1)
    }

    @Test func objectKeepsInsertionOrderAndPositionOnOverwrite() {
        var o: SentryJSONObject = ["a": 1, "b": 2, "c": 3]
        o["a"] = 10
        o["d"] = 4
        o["b"] = nil
        #expect(o.keys == ["a", "c", "d"])
        #expect(o["a"] == 10)
    }

    @Test func parsingAndSerializingRoundTrips() throws {
        let text = #"{"s":"é😀\u0000x","i":-7,"d":1.5,"t":true,"n":null,"a":[1,{"k":"v"}]}"#
        let parsed = try #require(SentryJSON(parsing: text))
        #expect(parsed["s"] == .string("é😀\u{0}x"))
        #expect(parsed["i"] == .int(-7))
        #expect(parsed["d"] == .double(1.5))
        #expect(SentryJSON(parsing: parsed.serialized()) == parsed)
        #expect(SentryJSON(parsing: "{not json") == nil)
    }

    @Test func contextLiteralCompilesAndIsStored() {
        let scope = Scope()
        scope.setContext("app", ["version": "1.2.3", "build": 42, "beta": true])
        #expect(scope.json["contexts"]?["app"] == ["version": "1.2.3", "build": 42, "beta": true])
    }
}
