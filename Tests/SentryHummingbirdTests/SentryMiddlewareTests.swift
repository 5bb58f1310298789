#if Hummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Sentry
import SentryHummingbird
import SentryTestKit
import Testing

private struct Boom: Error {}

private extension InMemoryTransport {
    var transactions: [Event] { envelopes.compactMap(\.transaction) }
}

private func traceContext(_ e: Event) -> SentryJSONObject? { e.contexts["trace"]?.objectValue }

/// The example routes of the contract (Examples/README.md), in process.
private func makeRouter() -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: SentryMiddleware())
    router.get("/hello/:name") { _, context in "hello \(try context.parameters.require("name"))" }
    router.get("/fail/:id") { _, context -> String in
        let id = try context.parameters.require("id")
        SentrySDK.configureScope { $0.setTag("example.id", id) }
        SentrySDK.addBreadcrumb(Breadcrumb(message: "handling \(id)"))
        await Task.yield()
        throw Boom()
    }
    router.get("/missing") { _, _ -> String in throw HTTPError(.notFound) }
    router.get("/teapot") { _, _ in Response(status: .init(code: 503)) }
    return router
}

@Suite(.serialized) struct SentryMiddlewareTests {
    func withSDK(
        _ configure: (inout SentryOptions) -> Void = { $0.tracesSampleRate = 1 },
        _ body: (InMemoryTransport) async throws -> Void
    ) async throws {
        try await SentryTestSupport.withExclusiveSDK {
            let transport = InMemoryTransport()
            var options = SentryOptions(dsn: "https://public@127.0.0.1:1/1")
            options.transport = transport
            configure(&options)
            SentrySDK.start(options: options)
            try await body(transport)
            SentrySDK.close()
        }
    }

    @Test func helloIsATransactionNamedByTheRoute() async throws {
        try await withSDK { transport in
            let app = Application(router: makeRouter())
            try await app.test(.router) { client in
                try await client.execute(uri: "/hello/ada?x=1", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == "hello ada")
                }
            }
            let tx = try #require(transport.transactions.first)
            #expect(transport.transactions.count == 1)
            #expect(tx.transaction == "/hello/{name}")
            #expect(tx["transaction_info"]?["source"] == "route")
            #expect(traceContext(tx)?["op"] == "http.server")
            #expect(traceContext(tx)?["origin"] == "auto.http.hummingbird")
            #expect(traceContext(tx)?["status"] == "ok")
            #expect(tx["request"]?["method"] == "GET")
            #expect(tx["request"]?["query_string"] == "x=1")
            #expect(tx["request"]?["url"]?.stringValue?.hasSuffix("/hello/ada") == true)
            #expect(transport.events.isEmpty)
        }
    }

    @Test func aHandlerPastTheTimeoutIsCancelledAndReported() async throws {
        try await withSDK { transport in
            let router = Router()
            router.add(middleware: SentryMiddleware(timeout: .milliseconds(200)))
            router.get("/slow/:seconds") { _, context -> String in
                SentrySDK.configureScope { $0.setTag("slow", "yes") }
                try await Task.sleep(for: .seconds(try context.parameters.require("seconds", as: Int.self)))
                return "slept"
            }
            router.get("/hello/:name") { _, _ in "hello" }
            let started = ContinuousClock.now
            try await Application(router: router).test(.router) { client in
                try await client.execute(uri: "/slow/30", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                }
                // The server keeps serving.
                try await client.execute(uri: "/hello/after", method: .get) { #expect($0.status == .ok) }
            }
            #expect(ContinuousClock.now - started < .seconds(10))
            let tx = try #require(transport.transactions.first { $0.transaction == "/slow/{seconds}" })
            #expect(traceContext(tx)?["status"] == "deadline_exceeded")
            #expect(tx.tags["http.status_code"] == "503")
            #expect(tx.tags["slow"] == "yes")
            let event = try #require(transport.events.first)
            #expect(transport.events.count == 1)  // the timeout, not a second report of its 503
            let exception = try #require(event["exception"]?["values"]?.arrayValue?.last)
            #expect(exception["type"] == "RequestTimeout")
            #expect(exception["value"]?.stringValue?.hasPrefix("GET /slow/{seconds} did not answer within") == true)
            #expect(exception["mechanism"]?["handled"] == false)
            #expect(exception["mechanism"]?["type"] == "hummingbird")
            #expect(event.tags["slow"] == "yes")
            #expect(traceContext(event)?["trace_id"] == traceContext(tx)?["trace_id"])
        }
    }

    @Test func aHandlerThatIgnoresCancellationHasItsTransactionSentAtTheDeadline() async throws {
        try await withSDK { transport in
            let router = Router()
            router.add(middleware: SentryMiddleware(timeout: .milliseconds(200)))
            router.get("/stubborn") { _, _ -> String in
                // Ignores cancellation: waits (up to 10 s) until the transaction has been sent.
                let start = ContinuousClock.now
                while transport.transactions.isEmpty, ContinuousClock.now - start < .seconds(10) {
                    await Task { try? await Task.sleep(for: .milliseconds(10)) }.value
                }
                return transport.transactions.isEmpty ? "still waiting" : "sent before I answered"
            }
            try await Application(router: router).test(.router) { client in
                try await client.execute(uri: "/stubborn", method: .get) { response in
                    // Its late answer goes out as it is.
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == "sent before I answered")
                }
            }
            let tx = try #require(transport.transactions.first)
            #expect(transport.transactions.count == 1)
            #expect(traceContext(tx)?["status"] == "deadline_exceeded")
            #expect(transport.events.count == 1)
        }
    }

    @Test func incomingTraceIsContinued() async throws {
        try await withSDK { transport in
            let app = Application(router: makeRouter())
            let traceId = "771a43a4192642f0b136d5159a501700"
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/hello/bob", method: .get,
                    headers: [HTTPField.Name("sentry-trace")!: "\(traceId)-1234567890abcdef-1"]
                ) { response in
                    #expect(response.status == .ok)
                }
            }
            let tx = try #require(transport.transactions.first)
            #expect(traceContext(tx)?["trace_id"]?.stringValue == traceId)
            #expect(traceContext(tx)?["parent_span_id"] == "1234567890abcdef")
        }
    }

    @Test func thrownErrorIsCapturedUnhandledWithItsRequestData() async throws {
        try await withSDK { transport in
            let app = Application(router: makeRouter())
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/fail/7", method: .get,
                    headers: [.authorization: "Bearer secret-token", .cookie: "session=abc", .userAgent: "tests"]
                ) { response in
                    #expect(response.status == .internalServerError)
                }
            }
            let event = try #require(transport.events.first)
            #expect(transport.events.count == 1)
            #expect(event.tags["example.id"] == "7")
            #expect(event.breadcrumbs.map(\.message) == ["handling 7"])
            let exception = try #require(event["exception"]?["values"]?.arrayValue?.last)
            #expect(exception["mechanism"]?["handled"] == false)
            #expect(exception["mechanism"]?["type"] == "hummingbird")
            let headers = try #require(event["request"]?["headers"]?.objectValue)
            #expect(headers["Authorization"] == "[Filtered]")
            #expect(headers["Cookie"] == "[Filtered]")
            #expect(headers["User-Agent"] == "tests")
            #expect(event.transaction == "/fail/{id}")
            // The error carries the transaction's trace.
            let tx = try #require(transport.transactions.first)
            #expect(traceContext(event)?["trace_id"] == traceContext(tx)?["trace_id"])
            #expect(traceContext(tx)?["status"] == "internal_error")
            #expect(tx.tags["http.status_code"] == "500")
        }
    }

    @Test func withTracingOffErrorsStillCarryTheCallersTrace() async throws {
        try await withSDK({ _ in }) { transport in
            let app = Application(router: makeRouter())
            let traceId = "0af7651916cd43dd8448eb211c80319c"
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/fail/3", method: .get,
                    headers: [HTTPField.Name("sentry-trace")!: "\(traceId)-b7ad6b7169203331-1"]
                ) { _ in }
                try await client.execute(uri: "/fail/4", method: .get) { _ in }
            }
            #expect(transport.transactions.isEmpty)
            #expect(transport.events.count == 2)
            let continued = try #require(transport.events.first { $0.tags["example.id"] == "3" })
            #expect(traceContext(continued)?["trace_id"]?.stringValue == traceId)
            // A request without trace headers starts a trace of its own.
            let fresh = try #require(transport.events.first { $0.tags["example.id"] == "4" })
            let freshTrace = try #require(traceContext(fresh)?["trace_id"]?.stringValue)
            #expect(freshTrace != traceId && freshTrace.count == 32)
        }
    }

    @Test func sendDefaultPiiKeepsHeaders() async throws {
        try await withSDK({ $0.sendDefaultPii = true }) { transport in
            let app = Application(router: makeRouter())
            try await app.test(.router) { client in
                try await client.execute(uri: "/fail/1", method: .get, headers: [.authorization: "Bearer t"]) { _ in }
            }
            let event = try #require(transport.events.first)
            #expect(event["request"]?["headers"]?["Authorization"] == "Bearer t")
        }
    }

    @Test func httpErrorsOutsideTheFailedCodesAreNotCaptured() async throws {
        try await withSDK { transport in
            let app = Application(router: makeRouter())
            try await app.test(.router) { client in
                try await client.execute(uri: "/missing", method: .get) { #expect($0.status == .notFound) }
                try await client.execute(uri: "/no/such/route", method: .get) { #expect($0.status == .notFound) }
                try await client.execute(uri: "/teapot", method: .get) { #expect($0.status.code == 503) }
            }
            // Only the 503 response is an error event; no route matched the second request.
            #expect(transport.events.count == 1)
            let failed = try #require(transport.events.first)
            let exception = try #require(failed["exception"]?["values"]?.arrayValue?.last)
            #expect(exception["type"] == "HTTPServerError")
            #expect(exception["mechanism"]?["handled"] == false)
            let names = transport.transactions.map { $0.transaction ?? "" }
            #expect(names.contains("/no/such/route"))
            let unmatched = try #require(transport.transactions.first { $0.transaction == "/no/such/route" })
            #expect(unmatched["transaction_info"]?["source"] == "url")
            #expect(traceContext(unmatched)?["status"] == "not_found")
        }
    }

    @Test func concurrentRequestsKeepTheirOwnScopes() async throws {
        try await withSDK { transport in
            let app = Application(router: makeRouter())
            try await app.test(.router) { client in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for id in 0..<50 {
                        group.addTask {
                            try await client.execute(uri: "/fail/\(id)", method: .get) { _ in }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(transport.events.count == 50)
            for event in transport.events {
                let id = try #require(event.tags["example.id"]?.stringValue)
                #expect(event.breadcrumbs.map(\.message) == ["handling \(id)"])
                #expect(event["request"]?["url"]?.stringValue?.hasSuffix("/fail/\(id)") == true)
            }
        }
    }

    /// Relay trims a `request` interface past its limits (and marks the event changed): the SDK
    /// cuts it first, as Relay would. Checked against Relay itself by scripts/test-frameworks-e2e.sh.
    @Test func requestInterfaceStaysWithinRelaysLimits() async throws {
        try await withSDK { transport in
            let app = Application(router: makeRouter())
            var headers = HTTPFields()
            for i in 0..<60 { headers[HTTPField.Name("X-Small-\(i)")!] = String(repeating: "s", count: 20) }
            headers[HTTPField.Name("X-Big")!] = String(repeating: "\u{e9}", count: 20000)
            let name = String(repeating: "n", count: 600)
            let query = (0..<100).map { "k\($0)=\(String(repeating: "q", count: 20))" }.joined(separator: "&")
            let sentHeaders = headers
            try await app.test(.router) { client in
                try await client.execute(uri: "/hello/\(name)?\(query)", method: .get, headers: sentHeaders) {
                    #expect($0.status == .ok)
                }
            }
            let request = try #require(transport.transactions.first?["request"]?.objectValue)
            let url = try #require(request["url"]?.stringValue)
            #expect(url.unicodeScalars.count == 256 && url.hasSuffix("n..."))
            let sentQuery = try #require(request["query_string"]?.stringValue)
            #expect(query.hasPrefix(sentQuery.dropLast(3)) && sentQuery.hasSuffix("..."))
            let pairs = sentQuery.split(separator: "&")
            #expect(pairs.reduce(0) { $0 + $1.utf8.count + 10 } <= 1024)
            let sent = try #require(request["headers"]?.objectValue)
            var cost = 0
            for (key, value) in sent { cost += key.utf8.count + (value.stringValue?.utf8.count ?? 0) + 9 }
            #expect(cost <= 8192)
            // The small headers whole; the big one cut at a character, marked as Relay marks it.
            #expect(sent["X-Small-59"] == .string(String(repeating: "s", count: 20)))
            let big = try #require(sent["X-Big"]?.stringValue)
            #expect(big.hasSuffix("\u{e9}...") && big.utf8.count > 5000)
        }
    }

    @Test func withoutAStartedSDKTheMiddlewareOnlyForwards() async throws {
        try await SentryTestSupport.withExclusiveSDK {
            let app = Application(router: makeRouter())
            try await app.test(.router) { client in
                try await client.execute(uri: "/hello/x", method: .get) { #expect($0.status == .ok) }
            }
        }
    }
}
#endif
