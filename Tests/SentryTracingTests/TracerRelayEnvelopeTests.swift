#if Tracing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Sentry
import SentryTestKit
import SentryTracing
import Testing
import Tracing

private struct HeaderExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

private struct PaymentDeclined: Error {}

/// Transactions produced through `SentryTracer` as a server produces them, each kind of data the
/// tracer maps at least once. scripts/test-swift.sh sets `SENTRY_TRACER_ENVELOPES` to a folder
/// and runs Relay's normalizer (Tests/EndToEndTests/relay_check.py) over the envelopes written
/// there: none may be rejected, and nothing may be repaired or removed (`_meta`).
@Suite(.serialized) struct TracerRelayEnvelopeTests {
    @Test func tracerTransactionsForRelay() async throws {
        let tracer = SentryTracer()
        try await SentryTestSupport.withExclusiveSDK {
            let transport = InMemoryTransport()
            var options = SentryOptions(dsn: "https://public@127.0.0.1:1/1")
            options.transport = transport
            options.release = "tracer-relay@1.0"
            options.environment = "test"
            options.tracesSampleRate = 1
            options.propagateTraceparent = true
            SentrySDK.start(options: options)

            let now = DefaultTracerClock.now.nanosecondsSinceEpoch
            let at = { (ms: UInt64) in
                DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: now - 5_000_000_000 + ms * 1_000_000)
            }

            // 1. An http.server transaction continuing an incoming trace, routed, three levels of
            //    children, every attribute type, a link, an event, a failing child.
            var incoming = ServiceContext.topLevel
            tracer.extract(
                [
                    "sentry-trace": "771a43a4192642f0b136d5159a501700-1234567890abcdef-1",
                    "baggage": "sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-public_key=public,"
                        + "sentry-sample_rate=1.0,sentry-sampled=true,sentry-release=tracer-relay%401.0,other=1",
                ], into: &incoming, using: HeaderExtractor())
            let other = tracer.startSpan("warm cache", context: .topLevel, at: at(0))
            other.end(at: at(5))
            let server = tracer.startSpan("HTTP POST", context: incoming, ofKind: .server, at: at(10))
            server.attributes["http.request.method"] = "POST"
            server.attributes["url.path"] = "/orders/42/pay"
            server.attributes["http.route"] = "/orders/:id/pay"
            server.attributes["http.response.status_code"] = 502
            server.operationName = "POST /orders/:id/pay"
            let handler = tracer.startSpan("pay order", context: server.context, at: at(12))
            setAttributesOfEveryType(on: handler)
            handler.addLink(SpanLink(context: other.context, attributes: ["link.reason": "cache"]))
            handler.addEvent(SpanEvent(name: "validated", at: at(13), attributes: ["items": 3]))
            let query = tracer.startSpan("SELECT orders", context: handler.context, ofKind: .client, at: at(14))
            query.attributes["db.system.name"] = "postgresql"
            query.attributes["db.query.text"] = "SELECT * FROM orders WHERE id = $1"
            query.end(at: at(20))
            let call = tracer.startSpan("POST", context: handler.context, ofKind: .client, at: at(21))
            call.attributes["http.request.method"] = "POST"
            call.attributes["url.full"] = "https://payments.example.com/charge"
            call.attributes["http.response.status_code"] = 502
            call.setStatus(.init(code: .error, message: "bad gateway"))
            let retry = tracer.startSpan("retry", context: call.context, at: at(30))
            retry.recordError(PaymentDeclined(), attributes: ["attempt": 2], at: at(35))
            retry.end(at: at(40))
            call.end(at: at(45))
            handler.setStatus(.init(code: .error))
            handler.end(at: at(50))
            server.setStatus(.init(code: .error))
            server.end(at: at(55))

            // 2. A consumer transaction through the library's withSpan, with a thrown error.
            _ = try? await tracer.withSpan("process order", context: .topLevel, ofKind: .consumer) { span in
                span.attributes["messaging.system"] = "kafka"
                try await tracer.withSpan("charge", ofKind: .internal) { _ async throws(PaymentDeclined) in
                    throw PaymentDeclined()
                }
            }

            let transactions = transport.envelopes.compactMap(\.transaction)
            #expect(transactions.count == 3)
            let routed = try #require(transactions.first { $0.transaction == "POST /orders/:id/pay" })
            #expect(routed["transaction_info"]?["source"] == "route")
            #expect(routed.contexts["trace"]?["op"] == "http.server")
            #expect(routed.contexts["trace"]?["trace_id"] == "771a43a4192642f0b136d5159a501700")
            #expect((routed["spans"]?.arrayValue ?? []).count == 4)
            #expect(transport.events.count >= 2)  // recordError, the thrown error

            if let folder = ProcessInfo.processInfo.environment["SENTRY_TRACER_ENVELOPES"], !folder.isEmpty {
                for (i, envelope) in transport.envelopes.enumerated() {
                    let path = "\(folder)/tracer-\(i).envelope"
                    #expect(FileManager.default.createFile(atPath: path, contents: Data(envelope.data)))
                }
            }
            SentrySDK.close()
        }
    }
}
#endif
