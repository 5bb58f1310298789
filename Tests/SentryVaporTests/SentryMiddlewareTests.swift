#if Vapor
import Sentry
import SentryTestKit
import SentryVapor
import Testing
import Vapor
import VaporTesting

private struct Boom: Error {}

private extension InMemoryTransport {
    var transactions: [Event] { envelopes.compactMap(\.transaction) }
}

private func traceContext(_ e: Event) -> SentryJSONObject? { e.contexts["trace"]?.objectValue }

/// Seconds since 1970 of the SDK's RFC 3339 timestamps (`2026-12-06T02:09:33.512407Z`).
private func isoSeconds(_ text: String) -> Double? {
    guard let dot = text.firstIndex(of: "."), let date = ISO8601DateFormatter().date(from: text[..<dot] + "Z"),
        let fraction = Double("0" + text[dot...].dropLast())
    else { return nil }
    return date.timeIntervalSince1970 + fraction
}

/// The example routes of the contract (Examples/README.md), in process.
private func configure(_ app: Application, timeout: Duration? = nil) {
    app.middleware.use(SentryMiddleware(timeout: timeout))
    app.get("hello", ":name") { request async throws -> String in "hello \(request.parameters.get("name") ?? "")" }
    app.get("fail", ":id") { request async throws -> String in
        let id = request.parameters.get("id") ?? ""
        SentrySDK.configureScope { $0.setTag("example.id", id) }
        SentrySDK.addBreadcrumb(Breadcrumb(message: "handling \(id)"))
        await Task.yield()
        throw Boom()
    }
    app.get("missing") { _ async throws -> String in throw Abort(.notFound) }
    app.get("unavailable") { _ async throws -> Response in Response(status: .serviceUnavailable) }
    app.get("slow", ":seconds") { request async throws -> String in
        try await Task.sleep(for: .seconds(request.parameters.get("seconds", as: Int.self) ?? 1))
        return "slept"
    }
}

@Suite(.serialized) struct SentryVaporMiddlewareTests {
    func withSDK(
        _ configureOptions: (inout SentryOptions) -> Void = { $0.tracesSampleRate = 1 }, timeout: Duration? = nil,
        _ body: (InMemoryTransport, TestingApplicationTester) async throws -> Void
    ) async throws {
        try await SentryTestSupport.withExclusiveSDK {
            let transport = InMemoryTransport()
            var options = SentryOptions(dsn: "https://public@127.0.0.1:1/1")
            options.transport = transport
            configureOptions(&options)
            SentrySDK.start(options: options)
            let app = try await Application.make(.testing)
            configure(app, timeout: timeout)
            do {
                try await body(transport, try app.testing())
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()
            SentrySDK.close()
        }
    }

    @Test func helloIsATransactionNamedByTheRoute() async throws {
        try await withSDK { transport, tester in
            try await tester.test(.GET, "hello/ada?x=1") { response in
                #expect(response.status == .ok)
                #expect(response.body.string == "hello ada")
            }
            let tx = try #require(transport.transactions.first)
            #expect(transport.transactions.count == 1)
            #expect(tx.transaction == "/hello/:name")
            #expect(tx["transaction_info"]?["source"] == "route")
            #expect(traceContext(tx)?["op"] == "http.server")
            #expect(traceContext(tx)?["origin"] == "auto.http.vapor")
            #expect(traceContext(tx)?["status"] == "ok")
            #expect(tx["request"]?["method"] == "GET")
            #expect(tx["request"]?["query_string"] == "x=1")
            #expect(transport.events.isEmpty)
        }
    }

    @Test func aHandlerPastTheTimeoutIsReportedAtTheDeadline() async throws {
        try await withSDK(timeout: .milliseconds(200)) { transport, tester in
            // Vapor runs an async route handler in a task of its own, which a middleware cannot
            // cancel: the handler ends when it ends, and its late answer goes out as it is. The
            // transaction and the error are sent at the deadline, before it answers.
            try await tester.test(.GET, "slow/2") { response in
                #expect(response.status == .ok)
            }
            let tx = try #require(transport.transactions.first)
            let start = try #require(tx["start_timestamp"]?.stringValue.flatMap(isoSeconds))
            let end = try #require(tx["timestamp"]?.stringValue.flatMap(isoSeconds))
            #expect(end - start < 1.5)
            #expect(transport.transactions.count == 1)
            #expect(tx.transaction == "/slow/:seconds")
            #expect(traceContext(tx)?["status"] == "deadline_exceeded")
            #expect(tx.tags["http.status_code"] == "503")
            let event = try #require(transport.events.first)
            #expect(transport.events.count == 1)
            let exception = try #require(event["exception"]?["values"]?.arrayValue?.last)
            #expect(exception["type"] == "RequestTimeout")
            #expect(exception["mechanism"]?["handled"] == false)
            #expect(exception["mechanism"]?["type"] == "vapor")
            #expect(event["request"]?["method"] == "GET")
            #expect(traceContext(event)?["trace_id"] == traceContext(tx)?["trace_id"])
            // The server keeps serving.
            try await tester.test(.GET, "hello/after") { #expect($0.status == .ok) }
        }
    }

    @Test func incomingTraceIsContinued() async throws {
        try await withSDK { transport, tester in
            let traceId = "771a43a4192642f0b136d5159a501700"
            try await tester.test(.GET, "hello/bob", headers: ["traceparent": "00-\(traceId)-1234567890abcdef-01"]) {
                #expect($0.status == .ok)
            }
            let tx = try #require(transport.transactions.first)
            #expect(traceContext(tx)?["trace_id"]?.stringValue == traceId)
            #expect(traceContext(tx)?["parent_span_id"] == "1234567890abcdef")
        }
    }

    @Test func thrownErrorIsCapturedUnhandledWithItsRequestData() async throws {
        try await withSDK { transport, tester in
            try await tester.test(
                .GET, "fail/7", headers: ["Authorization": "Bearer secret", "X-Api-Key": "k", "User-Agent": "tests"]
            ) { #expect($0.status == .internalServerError) }
            let event = try #require(transport.events.first)
            #expect(transport.events.count == 1)
            #expect(event.tags["example.id"] == "7")
            #expect(event.breadcrumbs.map(\.message) == ["handling 7"])
            let exception = try #require(event["exception"]?["values"]?.arrayValue?.last)
            #expect(exception["mechanism"]?["handled"] == false)
            #expect(exception["mechanism"]?["type"] == "vapor")
            let headers = try #require(event["request"]?["headers"]?.objectValue)
            #expect(headers["Authorization"] == "[Filtered]")
            #expect(headers["X-Api-Key"] == "[Filtered]")
            #expect(headers["User-Agent"] == "tests")
            let tx = try #require(transport.transactions.first)
            #expect(tx.transaction == "/fail/:id")
            #expect(traceContext(event)?["trace_id"] == traceContext(tx)?["trace_id"])
            #expect(traceContext(tx)?["status"] == "internal_error")
        }
    }

    @Test func abortOutsideTheFailedCodesIsNotCaptured() async throws {
        try await withSDK { transport, tester in
            try await tester.test(.GET, "missing") { #expect($0.status == .notFound) }
            try await tester.test(.GET, "unavailable") { #expect($0.status == .serviceUnavailable) }
            #expect(transport.events.count == 1)
            let exception = try #require(transport.events.first?["exception"]?["values"]?.arrayValue?.last)
            #expect(exception["type"] == "HTTPServerError")
            let notFound = try #require(transport.transactions.first { $0.transaction == "/missing" })
            #expect(traceContext(notFound)?["status"] == "not_found")
        }
    }

    @Test func concurrentRequestsKeepTheirOwnScopes() async throws {
        try await withSDK { transport, tester in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in 0..<50 {
                    group.addTask { _ = try await tester.test(.GET, "fail/\(id)") { _ in } }
                }
                try await group.waitForAll()
            }
            #expect(transport.events.count == 50)
            for event in transport.events {
                let id = try #require(event.tags["example.id"]?.stringValue)
                #expect(event.breadcrumbs.map(\.message) == ["handling \(id)"])
            }
        }
    }
}
#endif
