#if Tracing
import Sentry
import SentryTestKit
import SentryTracing
import Testing
import Tracing

private struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

private struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}

/// As NIO's `HTTPHeaders` with AsyncHTTPClient's injector: name/value pairs, `inject` adds one.
private struct PairHeaders: Sequence {
    var pairs: [(name: String, value: String)] = []
    func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { pairs.makeIterator() }
    func values(_ name: String) -> [String] { pairs.filter { $0.name.lowercased() == name }.map(\.value) }
}

private struct PairHeadersAddingInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout PairHeaders) {
        carrier.pairs.append((name: key, value: value))
    }
}

/// As swift-http-types' `HTTPFields`: case-insensitive names, a set replaces; a type the tracer
/// knows nothing of, read through its injector, which is also its extractor.
private struct Fields {
    private var storage: [String: String] = [:]
    subscript(name: String) -> String? {
        get { storage[name.lowercased()] }
        set { storage[name.lowercased()] = newValue }
    }
}

private struct FieldsCodec: Injector, Extractor {
    func inject(_ value: String, forKey key: String, into carrier: inout Fields) { carrier[key] = value }
    func extract(key: String, from carrier: Fields) -> String? { carrier[key] }
}

private struct MultiValueAddingInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: [String]]) {
        carrier[key, default: []].append(value)
    }
}

private func members(_ baggage: String?) -> [String] {
    (baggage ?? "").split(separator: ",").map { String($0.drop(while: { $0 == " " })) }
}

private struct TestError: Error {}

/// One attribute of each `SpanAttribute` type.
func setAttributesOfEveryType(on span: SentryTracerSpan) {
    span.attributes["a.int"] = 42
    span.attributes["a.int32"] = SpanAttribute.int32(7)
    span.attributes["a.double"] = 1.5
    span.attributes["a.bool"] = false
    span.attributes["a.string"] = "s"
    span.attributes["a.strings"] = ["x", "y"]
    span.attributes["a.ints"] = SpanAttribute.int64Array([1, 2])
    span.attributes["a.int32s"] = SpanAttribute.int32Array([3])
    span.attributes["a.doubles"] = SpanAttribute.doubleArray([0.5])
    span.attributes["a.bools"] = SpanAttribute.boolArray([true])
    span.attributes["a.convertible"] = SpanAttribute.stringConvertible(99)
    span.attributes["a.convertibles"] = SpanAttribute.stringConvertibleArray([1, 2])
}

private extension InMemoryTransport {
    var transactions: [Event] { envelopes.compactMap(\.transaction) }
}

private func spans(_ tx: Event) -> [SentryJSONObject] {
    (tx["spans"]?.arrayValue ?? []).compactMap(\.objectValue)
}

private func traceContext(_ e: Event) -> SentryJSONObject? { e.contexts["trace"]?.objectValue }

/// `InstrumentationSystem` can be bootstrapped once per process.
private let bootstrapOnce: Void = InstrumentationSystem.bootstrap(SentryTracer())

@Suite(.serialized) struct SentryTracerTests {
    let tracer = SentryTracer()

    func withSDK(
        _ configure: (inout SentryOptions) -> Void = { $0.tracesSampleRate = 1 },
        _ body: (InMemoryTransport) async throws -> Void
    ) async rethrows {
        try await SentryTestSupport.withExclusiveSDK {
            let transport = InMemoryTransport()
            var options = SentryOptions(dsn: "https://public@127.0.0.1:1/1")
            options.transport = transport
            options.release = "test@1.0"
            configure(&options)
            SentrySDK.start(options: options)
            try await body(transport)
        }
    }

    @Test func rootSpanBecomesTransactionRenamedAtEnd() async throws {
        try await withSDK { transport in
            let span = tracer.startSpan("HTTP GET", context: .topLevel, ofKind: .server)
            #expect(span.isRecording)
            #expect(span.sentrySpan.isTransaction)
            span.attributes["http.request.method"] = "GET"
            span.attributes["http.route"] = "/users/:id"
            span.attributes["http.response.status_code"] = 404
            span.operationName = "GET /users/:id"  // the framework renames after routing
            span.setStatus(.init(code: .error))
            span.end()
            #expect(!span.isRecording)
            let tx = try #require(transport.transactions.first)
            #expect(transport.transactions.count == 1)
            #expect(tx.transaction == "GET /users/:id")
            #expect(tx["transaction_info"]?["source"] == "route")
            #expect(traceContext(tx)?["op"] == "http.server")
            #expect(traceContext(tx)?["status"] == "not_found")
            #expect(traceContext(tx)?["span_id"]?.stringValue == span.sentrySpan.spanId)
            #expect(tx.tags["http.status_code"] == "404")
        }
    }

    @Test func statusMapping() async {
        await withSDK { transport in
            let failed = tracer.startSpan("job", context: .topLevel)
            failed.setStatus(.init(code: .error, message: "boom"))
            failed.end()
            let ok = tracer.startSpan("job ok", context: .topLevel)
            ok.setStatus(.init(code: .ok))
            ok.end()
            let plain = tracer.startSpan("task", context: .topLevel)
            plain.end()
            let txs = transport.transactions
            #expect(txs.count == 3)
            #expect(traceContext(txs[0])?["status"] == "internal_error")
            #expect(traceContext(txs[0])?["op"] == "job")
            #expect(txs[0]["transaction_info"]?["source"] == "custom")
            #expect(traceContext(txs[1])?["status"] == "ok")
            #expect(traceContext(txs[2])?["op"] == "task")
        }
    }

    @Test func childSpanAppearsInSpansWithMappedOp() async throws {
        try await withSDK { transport in
            let root = tracer.startSpan("consume orders", context: .topLevel, ofKind: .consumer)
            root.attributes["messaging.system"] = "kafka"
            let query = tracer.startSpan("SELECT orders", context: root.context, ofKind: .client)
            query.attributes["db.system.name"] = "postgresql"
            query.end()
            let publish = tracer.startSpan("publish", context: root.context, ofKind: .producer)
            publish.attributes["messaging.system"] = "kafka"
            publish.end()
            let fetch = tracer.startSpan("GET", context: root.context, ofKind: .client)
            fetch.attributes["http.request.method"] = "GET"
            fetch.attributes["sentry.op"] = "http.client.custom"  // wins over the http mapping
            fetch.end()
            let outgoing = tracer.startSpan("GET api", context: root.context, ofKind: .client)
            outgoing.attributes["http.request.method"] = "GET"
            outgoing.end()
            root.end()
            let tx = try #require(transport.transactions.first)
            #expect(traceContext(tx)?["op"] == "queue.process")
            let s = spans(tx)
            #expect(s.count == 4)
            let rootID = root.sentrySpan.spanId
            #expect(s.allSatisfy { $0["parent_span_id"]?.stringValue == rootID })
            #expect(s.allSatisfy { $0["trace_id"]?.stringValue == root.sentrySpan.traceId })
            let byDescription = Dictionary(uniqueKeysWithValues: s.map { ($0["description"]?.stringValue ?? "", $0) })
            #expect(byDescription["SELECT orders"]?["op"] == "db")
            #expect(byDescription["SELECT orders"]?["span_id"]?.stringValue == query.sentrySpan.spanId)
            #expect(byDescription["publish"]?["op"] == "queue.publish")
            #expect(byDescription["GET"]?["op"] == "http.client.custom")
            #expect(byDescription["GET api"]?["op"] == "http.client")
        }
    }

    @Test func startAndEndInstantsAreTheTimestamps() async throws {
        _ = bootstrapOnce
        try await withSDK { transport in
            // 2023-11-14T22:13:20.123456789Z (nanoseconds are cut to microseconds)
            let t0 = UInt64(1_700_000_000_123_456_789)
            let at = { (offset: UInt64) in DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: t0 + offset) }
            let root = tracer.startSpan("root", context: .topLevel, at: at(0))
            let child = tracer.startSpan("child", context: root.context, at: at(76_543_211))
            child.end(at: at(876_543_211))
            // the same, through the library's withSpan(at:) of a task-local context
            ServiceContext.withValue(root.context) {
                InstrumentationSystem.tracer.withSpan("nested", at: at(1_000_000_000)) { _ in }
            }
            root.end(at: at(2_376_543_211))
            let tx = try #require(transport.transactions.first)
            #expect(tx["start_timestamp"] == "2023-11-14T22:13:20.123456Z")
            #expect(tx["timestamp"] == "2023-11-14T22:13:22.500000Z")
            let byDescription = Dictionary(
                uniqueKeysWithValues: spans(tx).map { ($0["description"]?.stringValue ?? "", $0) })
            #expect(byDescription["child"]?["start_timestamp"] == "2023-11-14T22:13:20.200000Z")
            #expect(byDescription["child"]?["timestamp"] == "2023-11-14T22:13:21.000000Z")
            // withSpan ends the span now: after its start
            #expect(byDescription["nested"]?["start_timestamp"] == "2023-11-14T22:13:21.123456Z")
            let nestedEnd = try #require(byDescription["nested"]?["timestamp"]?.stringValue)
            #expect(nestedEnd > "2026")
        }
    }

    @Test func childRenamedAtEndKeepsTheNewDescription() async throws {
        try await withSDK { transport in
            let root = tracer.startSpan("root", context: .topLevel)
            let child = tracer.startSpan("query", context: root.context)
            child.operationName = "SELECT 1"
            child.end()
            root.end()
            let tx = try #require(transport.transactions.first)
            #expect(spans(tx).first?["description"] == "SELECT 1")
        }
    }

    @Test func extractContinuesTheIncomingTrace() async {
        await withSDK { transport in
            var context = ServiceContext.topLevel
            tracer.extract(
                [
                    "sentry-trace": "771a43a4192642f0b136d5159a501700-1234567890abcdef-1",
                    "baggage": "sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-sample_rate=1,other=x",
                ],
                into: &context, using: DictionaryExtractor())
            let span = tracer.startSpan("GET /", context: context, ofKind: .server)
            #expect(span.sentrySpan.traceId == "771a43a4192642f0b136d5159a501700")
            span.end()

            var w3c = ServiceContext.topLevel
            tracer.extract(
                ["traceparent": "00-11112222333344445555666677778888-1111222233334444-01"],
                into: &w3c, using: DictionaryExtractor())
            let span2 = tracer.startSpan("GET /w3c", context: w3c, ofKind: .server)
            span2.end()

            let txs = transport.transactions
            #expect(txs.count == 2)
            #expect(traceContext(txs[0])?["trace_id"] == "771a43a4192642f0b136d5159a501700")
            #expect(traceContext(txs[0])?["parent_span_id"] == "1234567890abcdef")
            #expect(traceContext(txs[1])?["trace_id"] == "11112222333344445555666677778888")
            #expect(traceContext(txs[1])?["parent_span_id"] == "1111222233334444")
        }
    }

    @Test func injectWritesTheSpansHeaders() async throws {
        try await withSDK({
            $0.tracesSampleRate = 1
            $0.propagateTraceparent = true
            $0.tracePropagationTargets = ["api.example.com"]
        }) { _ in
            let root = tracer.startSpan("root", context: .topLevel)
            let child = tracer.startSpan("GET", context: root.context, ofKind: .client)
            child.attributes["url.full"] = "https://api.example.com/orders"
            var headers = ["baggage": "vendor=1,sentry-release=old"]
            tracer.inject(child.context, into: &headers, using: DictionaryInjector())
            let traceId = child.sentrySpan.traceId
            let spanId = child.sentrySpan.spanId
            #expect(headers["sentry-trace"] == "\(traceId)-\(spanId)-1")
            #expect(headers["traceparent"] == "00-\(traceId)-\(spanId)-01")
            let baggage = try #require(headers["baggage"])
            let members = baggage.split(separator: ",").map(String.init)
            #expect(members.contains("vendor=1"))
            #expect(members.contains("sentry-trace_id=\(traceId)"))
            #expect(members.filter { $0.hasPrefix("sentry-trace_id=") }.count == 1)
            #expect(members.filter { $0.hasPrefix("sentry-release=") } == ["sentry-release=test%401.0"])

            // A target that tracePropagationTargets excludes gets nothing.
            var other: [String: String] = [:]
            var context = child.context
            context.sentryPropagationTarget = "https://other.example.org/"
            tracer.inject(context, into: &other, using: DictionaryInjector())
            #expect(other.isEmpty)
            child.end()
            root.end()
        }
    }

    @Test func injectMergesTheBaggageOfAnyReadableCarrier() async {
        await withSDK { _ in
            let span = tracer.startSpan("root", context: .topLevel)
            let traceId = span.sentrySpan.traceId
            let ours = "sentry-trace_id=\(traceId)"

            // Replacing, read through the injector's Extractor conformance: one merged value.
            var fields = Fields()
            fields["Baggage"] = "vendor=1, sentry-release=old,sentry-trace_id=0123"
            tracer.inject(span.context, into: &fields, using: FieldsCodec())
            let merged = members(fields["baggage"])
            #expect(merged.contains("vendor=1"))
            #expect(merged.filter { $0.hasPrefix("sentry-trace_id=") } == [ours])
            #expect(merged.filter { $0.hasPrefix("sentry-release=") } == ["sentry-release=test%401.0"])
            #expect(fields["sentry-trace"]?.hasPrefix(traceId) == true)

            // Adding (HTTPHeaders.add): the vendor's value stays, ours is a second value with
            // only sentry- members.
            var pairs = PairHeaders(pairs: [(name: "Baggage", value: "vendor=1")])
            tracer.inject(span.context, into: &pairs, using: PairHeadersAddingInjector())
            let values = pairs.values("baggage")
            #expect(values.count == 2)
            #expect(values.first == "vendor=1")
            #expect(members(values.last).allSatisfy { $0.hasPrefix("sentry-") })
            #expect(members(values.joined(separator: ",")).filter { $0.hasPrefix("sentry-trace_id=") } == [ours])
            #expect(pairs.values("sentry-trace").count == 1)

            // Adding to a value that has sentry- members already: no second set of them.
            let forwarded = "vendor=1,sentry-trace_id=\(traceId),sentry-release=test%401.0"
            var proxied = PairHeaders(pairs: [(name: "baggage", value: forwarded)])
            tracer.inject(span.context, into: &proxied, using: PairHeadersAddingInjector())
            #expect(proxied.values("baggage") == [forwarded])
            #expect(proxied.values("sentry-trace").first?.hasPrefix(traceId) == true)

            // [String: [String]] with an adding injector.
            var multi = ["baggage": ["vendor=2"]]
            tracer.inject(span.context, into: &multi, using: MultiValueAddingInjector())
            #expect(multi["baggage"]?.first == "vendor=2")
            #expect(multi["baggage"]?.count == 2)
            let added = members(multi["baggage"]?.last)
            #expect(added.contains(ours))

            // Nothing to merge: only ours.
            var empty = Fields()
            tracer.inject(span.context, into: &empty, using: FieldsCodec())
            #expect(members(empty["baggage"]).allSatisfy { $0.hasPrefix("sentry-") })
            #expect(members(empty["baggage"]).contains(ours))
            span.end()
        }
    }

    @Test func sentryWithSpanNestsUnderATracerSpanAndViceVersa() async throws {
        try await withSDK { transport in
            let (outerID, innerID) = try await tracer.withSpan("outer") { span in
                #expect(SentrySDK.span?.spanId == span.sentrySpan.spanId)
                let innerID = await SentrySDK.withSpan(operation: "db.query") { inner in
                    await Task.yield()
                    return inner.spanId
                }
                // A tracer span started inside the ServiceContext's span nests too.
                tracer.withSpan("nested") { nested in
                    #expect(SentrySDK.span?.spanId == nested.sentrySpan.spanId)
                }
                try #require(SentrySDK.span != nil)
                return (span.sentrySpan.spanId, innerID)
            }
            #expect(SentrySDK.span == nil)
            let tx = try #require(transport.transactions.first)
            #expect(traceContext(tx)?["span_id"]?.stringValue == outerID)
            let inner = try #require(spans(tx).first { $0["op"] == "db.query" })
            #expect(inner["span_id"]?.stringValue == innerID)
            #expect(inner["parent_span_id"]?.stringValue == outerID)
            #expect(
                spans(tx).contains { $0["description"] == "nested" && $0["parent_span_id"]?.stringValue == outerID })

            transport.removeAll()
            let txID = SentrySDK.withTransaction(name: "sentry tx", operation: "task") { tx in
                // No ServiceContext span: the task's active Sentry span is the parent.
                let span = tracer.startSpan("tracer child", context: .topLevel)
                #expect(!span.sentrySpan.isTransaction)
                span.end()
                return tx.spanId
            }
            let sentryTx = try #require(transport.transactions.first)
            #expect(transport.transactions.count == 1)
            #expect(spans(sentryTx).first?["description"] == "tracer child")
            #expect(spans(sentryTx).first?["parent_span_id"]?.stringValue == txID)
        }
    }

    @Test func globalWithSpanThroughTheBootstrappedTracer() async throws {
        _ = bootstrapOnce
        try await withSDK { transport in
            Tracing.withSpan("root") { root in
                Tracing.withSpan("child") { child in
                    child.attributes["k"] = "v"
                }
            }
            let tx = try #require(transport.transactions.first)
            #expect(tx.transaction == "root")
            #expect(spans(tx).first?["description"] == "child")
            #expect(spans(tx).first?["data"]?["k"] == "v")
        }
    }

    /// The library's global `withSpan` cannot bind the SDK's task-local scopes; the SDK still
    /// finds the tracer's span there (AmbientSpans): captures carry it, SDK spans nest under it,
    /// and a tracer span started inside an SDK span nests under that one.
    @Test func globalWithSpanIsTheSDKsActiveSpan() async throws {
        _ = bootstrapOnce
        try await withSDK { transport in
            var rootID = ""
            var sdkID = ""
            var seenBySDK = ""
            Tracing.withSpan("root") { _ in
                seenBySDK = SentrySDK.span?.spanId ?? ""
                SentrySDK.capture(message: "in root")
                SentrySDK.withSpan(operation: "sdk.child") { sdk in
                    sdkID = sdk.spanId
                    Tracing.withSpan("inner") { _ in }
                    SentrySDK.capture(message: "in sdk child")
                }
                rootID =
                    (ServiceContext.current.flatMap { InstrumentationSystem.tracer.activeSpan(identifiedBy: $0) }
                    as? SentryTracerSpan)?.sentrySpan.spanId ?? "none"
            }
            #expect(SentrySDK.span == nil)
            let tx = try #require(transport.transactions.first)
            #expect(transport.transactions.count == 1)
            #expect(traceContext(tx)?["span_id"]?.stringValue == rootID)
            #expect(seenBySDK == rootID)
            let events = transport.events
            #expect(events.count == 2)
            #expect(events.first.flatMap(traceContext)?["span_id"]?.stringValue == rootID)
            #expect(events.last.flatMap(traceContext)?["span_id"]?.stringValue == sdkID)
            let sdkChild = try #require(spans(tx).first { $0["op"] == "sdk.child" })
            #expect(sdkChild["parent_span_id"]?.stringValue == rootID)
            let inner = try #require(spans(tx).first { $0["description"] == "inner" })
            #expect(inner["parent_span_id"]?.stringValue == sdkID)
        }
    }

    /// 1,000 concurrent child tasks under one root, through the library's global async `withSpan`:
    /// each task sees its own span as the SDK's active span, and every span's parent is the root.
    /// The SDK's lookup of the tracer's span (`AmbientSpans.resolve`) used to re-wrap its provider
    /// closure in two more thunks at every call: each lookup slower than the one before (in
    /// release builds a stack overflow after some 100,000). The fifth batch of lookups must not
    /// take much longer than the first (it took about 9 times as long).
    @Test func lookupsOfTheTracersSpanDoNotSlowDown() async {
        await withSDK { _ in
            let span = tracer.startSpan("root", context: .topLevel)
            let clock = ContinuousClock()
            let (first, last, found) = ServiceContext.withValue(span.context) {
                var batches: [Duration] = []
                var found = 0
                for _ in 0..<5 {
                    let t0 = clock.now
                    for _ in 0..<10_000 where SentrySDK.span?.spanId == span.sentrySpan.spanId { found += 1 }
                    batches.append(clock.now - t0)
                }
                return (batches[0], batches[4], found)
            }
            #expect(found == 50_000)
            #expect(last < first * 3, "first batch \(first), fifth \(last)")
            span.end()
        }
    }

    @Test func concurrentTasksEachGetTheirOwnSpan() async throws {
        _ = bootstrapOnce
        try await withSDK { transport in
            let (rootID, mismatches) = await Tracing.withSpan("root") { root async -> (String, Int) in
                let rootID = (root as? SentryTracerSpan)?.sentrySpan.spanId ?? ""
                let mismatches = await withTaskGroup(of: Bool.self) { group in
                    for i in 0..<1000 {
                        group.addTask {
                            await Tracing.withSpan("task \(i)") { span async -> Bool in
                                await Task.yield()
                                let own = (span as? SentryTracerSpan)?.sentrySpan.spanId
                                return own != nil && SentrySDK.span?.spanId == own
                            }
                        }
                    }
                    var bad = 0
                    for await ok in group where !ok { bad += 1 }
                    return bad
                }
                return (rootID, mismatches)
            }
            #expect(mismatches == 0)
            let tx = try #require(transport.transactions.first)
            #expect(transport.transactions.count == 1)
            #expect(spans(tx).count == 1000)
            #expect(spans(tx).allSatisfy { $0["parent_span_id"]?.stringValue == rootID })
            #expect(Set(spans(tx).compactMap { $0["description"]?.stringValue }).count == 1000)
        }
    }

    @Test func recordErrorCapturesWithTheSpansTrace() async throws {
        try await withSDK { transport in
            let span = tracer.startSpan("job", context: .topLevel)
            span.recordError(TestError(), attributes: ["job.id": 7])
            span.end()
            let event = try #require(transport.events.first)
            #expect(traceContext(event)?["trace_id"]?.stringValue == span.sentrySpan.traceId)
            #expect(traceContext(event)?["span_id"]?.stringValue == span.sentrySpan.spanId)
            #expect(event.extra["job.id"] == 7)
            #expect(!event.exceptions.isEmpty)
            let tx = try #require(transport.transactions.first)
            #expect(traceContext(tx)?["status"] == "internal_error")

            transport.removeAll()
            var thrownSpanID = ""
            #expect(throws: TestError.self) {
                try tracer.withSpan("throws") { span throws(TestError) in
                    thrownSpanID = span.sentrySpan.spanId
                    throw TestError()
                }
            }
            #expect(traceContext(try #require(transport.events.first))?["span_id"]?.stringValue == thrownSpanID)
            #expect(traceContext(try #require(transport.transactions.first))?["status"] == "internal_error")
        }
    }

    @Test func attributesLinksAndEventsBecomeData() async throws {
        try await withSDK { transport in
            let other = tracer.startSpan("other", context: .topLevel)
            let root = tracer.startSpan("root", context: .topLevel)
            root.attributes["root.flag"] = true
            let span = tracer.startSpan("child", context: root.context)
            setAttributesOfEveryType(on: span)
            span.addLink(SpanLink(context: other.context, attributes: ["why": "retry"]))
            span.addEvent(SpanEvent(name: "cache miss", attributes: ["key": "k1"]))
            span.end()
            root.end()
            other.end()
            let tx = try #require(transport.transactions.first { $0.transaction == "root" })
            #expect(traceContext(tx)?["data"]?["root.flag"] == true)
            let data = try #require(spans(tx).first?["data"]?.objectValue)
            #expect(data["a.int"] == 42)
            #expect(data["a.int32"] == 7)
            #expect(data["a.double"] == 1.5)
            #expect(data["a.bool"] == false)
            #expect(data["a.string"] == "s")
            #expect(data["a.strings"] == .array(["x", "y"]))
            #expect(data["a.ints"] == .array([1, 2]))
            #expect(data["a.doubles"] == .array([0.5]))
            #expect(data["a.bools"] == .array([true]))
            #expect(data["a.convertible"] == "99")
            #expect(data["a.int32s"] == .array([3]))
            #expect(data["a.convertibles"] == .array(["1", "2"]))
            let link = try #require(data["sentry.links"]?.arrayValue?.first?.objectValue)
            #expect(link["trace_id"]?.stringValue == other.sentrySpan.traceId)
            #expect(link["span_id"]?.stringValue == other.sentrySpan.spanId)
            #expect(link["attributes"]?["why"] == "retry")
            let event = try #require(data["sentry.events"]?.arrayValue?.first?.objectValue)
            #expect(event["name"] == "cache miss")
            #expect(event["attributes"]?["key"] == "k1")
            #expect((event["timestamp"]?.doubleValue ?? 0) > 1_600_000_000)
        }
    }

    @Test func unsampledSpansAreNotRecordedButPropagate() async {
        await withSDK({ $0.tracesSampleRate = 0 }) { transport in
            let root = tracer.startSpan("root", context: .topLevel)
            #expect(!root.isRecording)
            root.attributes["k"] = "v"
            #expect(root.attributes.isEmpty)
            let child = tracer.startSpan("child", context: root.context)
            #expect(!child.isRecording)
            var headers: [String: String] = [:]
            tracer.inject(child.context, into: &headers, using: DictionaryInjector())
            #expect(headers["sentry-trace"]?.hasPrefix(root.sentrySpan.traceId) == true)
            #expect(headers["sentry-trace"]?.hasSuffix("-0") == true)
            child.end()
            root.end()
            _ = SentrySDK.flush(timeout: .seconds(1))
            #expect(transport.transactions.isEmpty)
        }
    }

    @Test func withoutTheSDKSpansAreInert() async {
        await SentryTestSupport.withExclusiveSDK {
            let span = tracer.startSpan("root", context: .topLevel)
            #expect(!span.isRecording)
            #expect(span.sentrySpan.isInert)
            span.end()
        }
    }
}
#endif
