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

/// The example routes of the contract (Examples/README.md), in process.
private func configure(_ app: Application) {
    app.middleware.use(SentryMiddleware())
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
}

@Suite(.serialized) struct SentryVaporMiddlewareTests {
    func withSDK(
        _ configureOptions: (inout SentryOptions) -> Void = { $0.tracesSampleRate = 1 },
        _ body: (InMemoryTransport, TestingApplicationTester) async throws -> Void
    ) async throws {
        try await SentryTestSupport.withExclusiveSDK {
            let transport = InMemoryTransport()
            var options = SentryOptions(dsn: "https://public@127.0.0.1:1/1")
            options.transport = transport
            configureOptions(&options)
            SentrySDK.start(options: options)
            let app = try await Application.make(.testing)
            configure(app)
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
