import Sentry
import SentryTestKit
import Testing

private func tracing(_ options: inout SentryOptions) {
    options.tracesSampleRate = 1
}

private extension InMemoryTransport {
    var transactions: [Event] { envelopes.compactMap(\.transaction) }
}

private func spans(_ tx: Event) -> [SentryJSONObject] {
    (tx["spans"]?.arrayValue ?? []).compactMap(\.objectValue)
}

private func traceContext(_ e: Event) -> SentryJSONObject? { e.contexts["trace"]?.objectValue }

@Suite(.serialized) struct TracingTests {
    @Test func withTransactionSendsItsSpans() async throws {
        try await withStartedSDK(tracing) { transport in
            SentrySDK.setTag("tenant", "acme")
            let (txID, childID) = SentrySDK.withTransaction(name: "GET /cart", operation: "http.server", source: .route)
            { tx in
                #expect(SentrySDK.span?.spanId == tx.spanId)
                let childID = SentrySDK.withSpan(operation: "db.query", description: "SELECT 1") { span in
                    span.setData("db.system", "sqlite")
                    #expect(SentrySDK.span?.spanId == span.spanId)
                    return span.spanId
                }
                tx.setHTTPStatus(404)
                return (tx.spanId, childID)
            }
            #expect(SentrySDK.span == nil)
            let tx = try #require(transport.transactions.first)
            #expect(tx.transaction == "GET /cart")
            #expect(tx["transaction_info"]?["source"] == "route")
            #expect(tx.tags["tenant"] == "acme")
            #expect(tx.tags["http.status_code"] == "404")
            #expect(traceContext(tx)?["span_id"]?.stringValue == txID)
            #expect(traceContext(tx)?["status"] == "not_found")
            #expect(tx.contexts["response"]?["status_code"] == 404)
            let s = spans(tx)
            #expect(s.count == 1)
            #expect(s.first?["span_id"]?.stringValue == childID)
            #expect(s.first?["parent_span_id"]?.stringValue == txID)
            #expect(s.first?["data"]?["db.system"] == "sqlite")
            let dsc = try #require(transport.envelopes.first(where: { $0.transaction != nil })?.dynamicSamplingContext)
            #expect(dsc["transaction"] == "GET /cart")
            #expect(dsc["sampled"] == "true")
            #expect(dsc["sample_rate"] == "1.0")
        }
    }

    @Test func asyncChildTasksGetTheRightParent() async throws {
        try await withStartedSDK(tracing) { transport in
            await SentrySDK.withTransaction(name: "fan-out", operation: "task") { tx in
                await withTaskGroup(of: Void.self) { group in
                    for i in 0..<50 {
                        group.addTask {
                            await SentrySDK.withSpan(operation: "outer", description: "\(i)") { outer in
                                await SentrySDK.withSpan(operation: "inner", description: "\(i)") { inner in
                                    #expect(SentrySDK.span?.spanId == inner.spanId)
                                    await Task.yield()
                                    #expect(SentrySDK.span?.spanId == inner.spanId)
                                }
                                #expect(SentrySDK.span?.spanId == outer.spanId)
                            }
                        }
                    }
                    group.addTask {
                        let detached = await Task.detached { SentrySDK.span == nil }.value
                        #expect(detached, "a detached task does not inherit the span")
                    }
                }
                #expect(SentrySDK.span?.spanId == tx.spanId)
            }
            let tx = try #require(transport.transactions.first)
            let s = spans(tx)
            #expect(s.count == 100)
            let txID = traceContext(tx)?["span_id"]?.stringValue
            var outerByIndex: [String: String] = [:]
            for span in s where span["op"] == "outer" {
                #expect(span["parent_span_id"]?.stringValue == txID)
                outerByIndex[span["description"]?.stringValue ?? ""] = span["span_id"]?.stringValue
            }
            for span in s where span["op"] == "inner" {
                #expect(span["parent_span_id"]?.stringValue == outerByIndex[span["description"]?.stringValue ?? "-"])
            }
        }
    }

    @Test func manyConcurrentTasksCreatingSpans() async throws {
        try await withStartedSDK({
            $0.tracesSampleRate = 1; $0.maxSpans = 100_000
        }) { transport in
            let tx = SentrySDK.startTransaction(name: "load", operation: "task")
            await SentrySDK.withActiveSpan(tx) {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<200 {
                        group.addTask {
                            for _ in 0..<20 {
                                SentrySDK.withSpan(operation: "work") { $0.setTag("k", "v") }
                            }
                        }
                    }
                }
            }
            tx.finish()
            tx.finish()  // idempotent
            let sent = try #require(transport.transactions.first)
            #expect(transport.transactions.count == 1)
            #expect(spans(sent).count == 4000)
        }
    }

    @Test func thrownErrorFinishesWithInternalError() async throws {
        await withStartedSDK(tracing) { transport in
            #expect(throws: TestError.self) {
                try SentrySDK.withTransaction(name: "job", operation: "task") { _ throws(TestError) in
                    try SentrySDK.withSpan(operation: "step") { _ throws(TestError) in throw TestError(code: 1) }
                }
            }
            await #expect(throws: TestError.self) {
                try await SentrySDK.withTransaction(name: "async job", operation: "task") { _ async throws(TestError) in
                    await Task.yield()
                    throw TestError(code: 2)
                }
            }
            let txs = transport.transactions
            #expect(txs.count == 2)
            #expect(traceContext(txs[0])?["status"] == "internal_error")
            #expect(spans(txs[0]).first?["status"] == "internal_error")
            #expect(traceContext(txs[1])?["status"] == "internal_error")
        }
    }

    @Test func errorsInsideSpansShareTheTrace() async throws {
        try await withStartedSDK(tracing) { transport in
            let (traceId, spanId) = SentrySDK.withTransaction(
                name: "POST /pay", operation: "http.server", source: .route
            ) { _ in
                SentrySDK.withSpan(operation: "charge") { span in
                    SentrySDK.capture(message: "declined")
                    return (span.traceId, span.spanId)
                }
            }
            let event = try #require(transport.events.first)
            #expect(traceContext(event)?["trace_id"]?.stringValue == traceId)
            #expect(traceContext(event)?["span_id"]?.stringValue == spanId)
            #expect(event.transaction == "POST /pay")
            let dsc = try #require(transport.envelopes.first(where: { $0.event != nil })?.dynamicSamplingContext)
            #expect(dsc["trace_id"]?.stringValue == traceId)
            #expect(dsc["transaction"] == "POST /pay")
        }
    }

    @Test func continueTraceAndOutgoingHeaders() async throws {
        try await withStartedSDK({
            $0.tracesSampleRate = 1; $0.propagateTraceparent = true; $0.tracePropagationTargets = ["example\\.com"]
        }) { transport in
            let incoming = [
                "Sentry-Trace": "4c79f60c11214eb38604f4ae0781bfb2-fa90fdead5f74052-1",
                "baggage":
                    "vendor=x,sentry-trace_id=4c79f60c11214eb38604f4ae0781bfb2,sentry-sample_rand=0.5,sentry-release=web%401.2",
            ]
            try SentrySDK.withIsolationScope { _ in
                SentrySDK.withTransaction(name: "GET /a", operation: "http.server", source: .route, headers: incoming) {
                    tx in
                    #expect(tx.traceId == "4c79f60c11214eb38604f4ae0781bfb2")
                    let h = SentrySDK.traceHeaders(
                        for: "https://api.example.com/x", existingBaggage: "mine=1,sentry-release=old")
                    #expect(h["sentry-trace"] == "\(tx.traceId)-\(tx.spanId)-1")
                    #expect(h["traceparent"] == "00-\(tx.traceId)-\(tx.spanId)-01")
                    let baggage = h["baggage"] ?? ""
                    #expect(baggage.hasPrefix("mine=1,"))
                    #expect(baggage.contains("sentry-release=web%401.2"))
                    #expect(!baggage.contains("vendor") && !baggage.contains("old"))
                    #expect(SentrySDK.traceHeaders(for: "https://elsewhere.org/").isEmpty)
                    #expect(
                        SentrySDK.traceHeaders(for: "http://127.0.0.1:1/api/1/envelope/?example.com").isEmpty,
                        "never the DSN's host")
                }
                // outside the transaction: the continued propagation context (no sampled flag)
                let h = SentrySDK.traceHeaders(for: "https://example.com")
                #expect(h["sentry-trace"]?.hasPrefix("4c79f60c11214eb38604f4ae0781bfb2-") == true)
                #expect(h["sentry-trace"]?.split(separator: "-").count == 2)
                #expect(SentrySDK.continueTrace(headers: ["sentry-trace": "NOT-A-TRACE"]) == false)
                try #require(
                    SentrySDK.continueTrace(headers: [
                        "traceparent": "00-11112222333344445555666677778888-1111222233334444-01"
                    ]))
                SentrySDK.capture(message: "after continue")
            }
            let event = try #require(transport.events.first)
            #expect(traceContext(event)?["trace_id"] == "11112222333344445555666677778888")
            #expect(traceContext(event)?["parent_span_id"] == "1111222233334444")
            let tx = try #require(transport.transactions.first)
            #expect(traceContext(tx)?["parent_span_id"] == "fa90fdead5f74052")
        }
    }

    @Test func samplerAndBeforeSendTransaction() async throws {
        await withStartedSDK({ options in
            options.tracesSampler = { ctx in
                if let parent = ctx.parentSampled { return parent ? 1 : 0 }
                return ctx.customSamplingContext["rate"]?.doubleValue ?? (ctx.name == "keep" ? 1 : 0)
            }
            options.beforeSendTransaction = { event in
                var e = event
                e.raw["tags"] = ["bst": "yes"]
                return event.transaction == "drop-me" ? nil : e
            }
            options.beforeSend = { event in event.transaction == nil ? event : nil }  // never sees transactions
        }) { transport in
            SentrySDK.withTransaction(name: "keep", operation: "task") { _ in }
            SentrySDK.withTransaction(name: "skip", operation: "task") { tx in #expect(tx.sampled == false) }
            SentrySDK.withTransaction(name: "drop-me", operation: "task") { _ in }
            let custom = SentrySDK.startTransaction(
                name: "custom", operation: "task", customSamplingContext: ["rate": 1])
            #expect(custom.sampled == true)
            custom.finish()
            let forced = SentrySDK.startTransaction(name: "keep", operation: "task", sampled: false)
            #expect(forced.sampled == false)
            forced.finish()
            #expect(transport.transactions.map(\.transaction) == ["keep", "custom"])
            #expect(transport.transactions.first?.tags["bst"] == "yes")
        }
    }

    @Test func tracingOffAndDisabledAreInert() async throws {
        await withStartedSDK { transport in
            SentrySDK.withTransaction(name: "off", operation: "task") { tx in
                #expect(tx.sampled == false)
                SentrySDK.withSpan(operation: "child") { span in #expect(span.sampled == false) }
                // tracing off: headers come from the propagation context, without a sampled flag
                #expect(SentrySDK.traceHeaders()["sentry-trace"]?.split(separator: "-").count == 2)
            }
            #expect(transport.transactions.isEmpty)
        }
        // not started: inert spans, no headers (exclusive: other suites use the SDK in parallel)
        await SentryTestSupport.withExclusiveSDK {
            SentrySDK.close()
            let r = SentrySDK.withTransaction(name: "x", operation: "y") { tx in
                SentrySDK.withSpan(operation: "z") { span in span.isInert && tx.isInert && SentrySDK.span == nil }
            }
            #expect(r)
            #expect(SentrySDK.traceHeaders().isEmpty)
        }
    }

    /// Intended difference from Python (README): the transaction is bound through a fork of the
    /// current scope, so its name does not stay on the caller's scope afterwards.
    @Test func transactionNameDoesNotStayOnTheScope() async throws {
        try await withStartedSDK(tracing) { transport in
            SentrySDK.withTransaction(name: "GET /leak", operation: "http.server", source: .route) { _ in }
            SentrySDK.capture(message: "after")
            let event = try #require(transport.events.first)
            #expect(event.transaction == nil)
            #expect(SentrySDK.currentScope.json["transaction"] == nil)
        }
    }

    @Test func withSpanWithoutTransactionIsInert() async throws {
        await withStartedSDK(tracing) { transport in
            SentrySDK.withSpan(operation: "lonely") { span in
                #expect(span.isInert)
                span.finish()
            }
            #expect(transport.envelopes.isEmpty)
        }
    }
}
