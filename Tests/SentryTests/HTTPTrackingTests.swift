import Sentry
import SentryTestKit
import Testing

/// The per-request logic the framework integrations share (Sources/Sentry/HTTP), without a
/// framework: these also run under TSan and ASan (scripts/test-swift.sh), where the framework
/// traits are off.
@Suite struct HTTPTrackingTests {
    struct Failure: Error {}
    struct NotFound: Error {}

    func request(_ path: String, headers: [(name: String, value: String)] = [], route: String? = "/items/:id")
        -> HTTPRequestInfo
    {
        HTTPRequestInfo(
            method: "GET", url: "http://127.0.0.1:8080\(path)", path: path, queryString: "page=2",
            headers: headers, clientAddress: "10.1.2.3", route: route)
    }

    func serve(_ info: HTTPRequestInfo, status: Int = 200, _ body: () async throws -> Void = {}) async throws -> Int {
        try await HTTPServerTracking.run(
            info, origin: "auto.http.test", mechanism: "test", status: { $0 },
            errorStatus: { $0 is NotFound ? 404 : nil }
        ) {
            try await body()
            return status
        }
    }

    @Test func transactionRequestInterfaceAndFilteredHeaders() async throws {
        try await withStartedSDK({ $0.tracesSampleRate = 1 }) { transport in
            let headers = [
                (name: "Authorization", value: "Bearer abc"), (name: "X-Auth-Token", value: "t"),
                (name: "Accept", value: "text/plain"), (name: "Accept", value: "application/json"),
                (name: "baggage", value: "sentry-trace_id=771a43a4192642f0b136d5159a501700,other=1"),
                (name: "Sentry-Trace", value: "771a43a4192642f0b136d5159a501700-1234567890abcdef-1"),
            ]
            _ = try await serve(request("/items/7", headers: headers))
            let tx = try #require(transport.envelopes.compactMap(\.transaction).first)
            #expect(tx.transaction == "/items/:id")
            #expect(tx["transaction_info"]?["source"] == "route")
            let trace = try #require(tx.contexts["trace"]?.objectValue)
            #expect(trace["trace_id"] == "771a43a4192642f0b136d5159a501700")
            #expect(trace["parent_span_id"] == "1234567890abcdef")
            #expect(trace["origin"] == "auto.http.test")
            #expect(trace["op"] == "http.server")
            let request = try #require(tx["request"]?.objectValue)
            #expect(request["url"] == "http://127.0.0.1:8080/items/7")
            #expect(request["query_string"] == "page=2")
            #expect(request["headers"]?["Authorization"] == "[Filtered]")
            #expect(request["headers"]?["X-Auth-Token"] == "[Filtered]")
            #expect(request["headers"]?["Accept"] == "text/plain, application/json")
            #expect(request["env"] == nil)  // the client address only with sendDefaultPii
            #expect(tx.user?.ipAddress == nil)
        }
    }

    @Test func sendDefaultPiiSendsHeadersAndTheClientAddress() async throws {
        try await withStartedSDK({ $0.sendDefaultPii = true }) { transport in
            _ = try? await serve(request("/items/1", headers: [(name: "Cookie", value: "a=b")])) { throw Failure() }
            let event = try #require(transport.events.first)
            #expect(event["request"]?["headers"]?["Cookie"] == "a=b")
            #expect(event["request"]?["env"]?["REMOTE_ADDR"] == "10.1.2.3")
            #expect(event.user?.ipAddress == "10.1.2.3")
        }
    }

    @Test func errorsAndFailedStatuses() async throws {
        try await withStartedSDK({ $0.failedRequestStatusCodes = [500...599, 418...418] }) { transport in
            await #expect(throws: Failure.self) { _ = try await serve(request("/items/1")) { throw Failure() } }
            await #expect(throws: NotFound.self) { _ = try await serve(request("/items/2")) { throw NotFound() } }
            _ = try await serve(request("/items/3"), status: 418)
            _ = try await serve(request("/items/4"), status: 404)
            #expect(transport.events.count == 2)
            let urls = transport.events.compactMap { $0["request"]?["url"]?.stringValue }
            #expect(urls.sorted() == ["http://127.0.0.1:8080/items/1", "http://127.0.0.1:8080/items/3"])
            for event in transport.events {
                let mechanism = event.exceptions.last?["mechanism"]?.objectValue
                #expect(mechanism?["handled"] == false)
                #expect(mechanism?["type"] == "test")
            }
        }
    }

    @Test func concurrentRequestsDoNotShareScopeData() async throws {
        try await withStartedSDK({ $0.tracesSampleRate = 1 }) { transport in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in 0..<100 {
                    group.addTask {
                        _ = try? await serve(request("/items/\(id)")) {
                            SentrySDK.configureScope { $0.setTag("id", "\(id)") }
                            SentrySDK.addBreadcrumb(Breadcrumb(message: "handling \(id)"))
                            await Task.yield()
                            throw Failure()
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(transport.events.count == 100)
            for event in transport.events {
                let id = try #require(event.tags["id"]?.stringValue)
                #expect(event.breadcrumbs.map(\.message) == ["handling \(id)"])
                #expect(event["request"]?["url"]?.stringValue == "http://127.0.0.1:8080/items/\(id)")
            }
            // The error of each request carries its own transaction's trace.
            let traces = Set(
                transport.envelopes.compactMap(\.transaction).compactMap {
                    $0.contexts["trace"]?["trace_id"]?.stringValue
                })
            #expect(traces.count == 100)
            #expect(Set(transport.events.compactMap { $0.contexts["trace"]?["trace_id"]?.stringValue }) == traces)
        }
    }

    @Test func routeKnownOnlyAfterTheHandlerRenamesTheTransaction() async throws {
        try await withStartedSDK({ $0.tracesSampleRate = 1 }) { transport in
            _ = try await HTTPServerTracking.run(
                request("/users/5", route: nil), origin: "auto.http.test", mechanism: "test",
                route: { "/users/:id" }, status: { $0 }, errorStatus: { _ in nil }
            ) { 200 }
            _ = try await serve(request("/nowhere", route: nil), status: 404)
            let names = transport.envelopes.compactMap(\.transaction).map {
                ($0.transaction ?? "", $0["transaction_info"]?["source"]?.stringValue ?? "")
            }
            #expect(names.map(\.0) == ["/users/:id", "/nowhere"])
            #expect(names.map(\.1) == ["route", "url"])
        }
    }

    struct TimedOut: Error {}

    @Test func timeoutFinishesTheTransactionAtTheDeadlineAndCancelsTheHandler() async throws {
        try await withStartedSDK({ $0.tracesSampleRate = 1 }) { transport in
            let started = ContinuousClock.now
            await #expect(throws: TimedOut.self) {
                _ = try await HTTPServerTracking.run(
                    request("/slow/1"), origin: "auto.http.test", mechanism: "test", status: { $0 },
                    errorStatus: { _ in nil }, timeout: .milliseconds(100), timeoutError: { TimedOut() }
                ) { () async throws -> Int in
                    SentrySDK.configureScope { $0.setTag("request", "slow") }
                    try await Task.sleep(for: .seconds(30))
                    return 200
                }
            }
            #expect(ContinuousClock.now - started < .seconds(10))
            let tx = try #require(transport.envelopes.compactMap(\.transaction).first)
            #expect(tx.contexts["trace"]?["status"] == "deadline_exceeded")
            #expect(tx.tags["request"] == "slow")
            #expect(transport.events.count == 1)
            #expect(transport.events.first?["exception"]?["values"]?.arrayValue?.first?["type"] == "RequestTimeout")
            #expect(transport.events.first?.tags["request"] == "slow")
            // A handler that answers in time is untouched by the deadline.
            let code = try await HTTPServerTracking.run(
                request("/items/2"), origin: "auto.http.test", mechanism: "test", status: { $0 },
                errorStatus: { _ in nil }, timeout: .seconds(30), timeoutError: { TimedOut() }
            ) { 201 }
            #expect(code == 201)
            #expect(transport.envelopes.compactMap(\.transaction).last?.contexts["trace"]?["status"] == "ok")
            // An error of a handler within its deadline is its own.
            await #expect(throws: Failure.self) {
                _ = try await HTTPServerTracking.run(
                    request("/items/3"), origin: "auto.http.test", mechanism: "test", status: { $0 },
                    errorStatus: { _ in nil }, timeout: .seconds(30), timeoutError: { TimedOut() }
                ) { () async throws -> Int in throw Failure() }
            }
        }
    }

    @Test func clientSpanHeadersAndBreadcrumbs() async throws {
        try await withStartedSDK({ $0.tracesSampleRate = 1 }) { transport in
            var sent: [String: String] = [:]
            try await SentrySDK.withTransaction(name: "job", operation: "task") { _ in
                for code in [200, 404, 502] {
                    _ = try await HTTPClientTracking.run(
                        method: "POST", url: "https://user:secret@api.example.com:8443/v1/items?q=1#top",
                        existingBaggage: "vendor=1", origin: "auto.http.test", status: { $0 }
                    ) { headers in
                        sent = headers
                        return code
                    }
                }
            }
            let tx = try #require(transport.envelopes.compactMap(\.transaction).first)
            let spans = (tx["spans"]?.arrayValue ?? []).compactMap(\.objectValue)
            #expect(spans.count == 3)
            let span = try #require(spans.last)
            #expect(
                span["description"]?.stringValue == "POST https://[Filtered]:[Filtered]@api.example.com:8443/v1/items")
            #expect(span["data"]?["server.address"] == "api.example.com")
            #expect(span["data"]?["http.query"] == "q=1")
            #expect(span["data"]?["http.fragment"] == "top")
            #expect(span["status"] == "internal_error")
            #expect(
                sent["sentry-trace"]?.hasPrefix(
                    "\(tx.contexts["trace"]?["trace_id"]?.stringValue ?? "?")-\(span["span_id"]?.stringValue ?? "?")")
                    == true)
            #expect(sent["baggage"]?.hasPrefix("vendor=1") == true)
            SentrySDK.capture(message: "after")
            let crumbs = try #require(transport.events.first).breadcrumbs.filter { $0.type == "http" }
            #expect(crumbs.map(\.level) == [.info, .warning, .error])
        }
    }
}
