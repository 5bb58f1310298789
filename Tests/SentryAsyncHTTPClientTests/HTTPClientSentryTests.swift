#if AsyncHTTPClient
import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Sentry
import SentryAsyncHTTPClient
import SentryTestKit
import Testing

private extension InMemoryTransport {
    var transactions: [Event] { envelopes.compactMap(\.transaction) }
}

private func spans(_ tx: Event) -> [SentryJSONObject] {
    (tx["spans"]?.arrayValue ?? []).compactMap(\.objectValue)
}

/// A loopback server that answers `/status/:code` with that code and the trace headers it got.
private func makeServer() -> some ApplicationProtocol {
    let router = Router()
    router.get("/status/:code") { request, context -> Response in
        let code = try context.parameters.require("code", as: Int.self)
        let seen = [
            request.headers[HTTPField.Name("sentry-trace")!] ?? "-",
            request.headers[HTTPField.Name("baggage")!] ?? "-",
        ].joined(separator: "\n")
        return Response(status: .init(code: code), body: .init(byteBuffer: .init(string: seen)))
    }
    return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
}

@Suite(.serialized) struct HTTPClientSentryTests {
    func withSDK(
        _ configure: (inout SentryOptions) -> Void = { $0.tracesSampleRate = 1 },
        _ body: @Sendable (InMemoryTransport, Int) async throws -> Void
    ) async throws {
        try await SentryTestSupport.withExclusiveSDK {
            let transport = InMemoryTransport()
            var options = SentryOptions(dsn: "https://public@sentry.invalid/1")
            options.transport = transport
            configure(&options)
            SentrySDK.start(options: options)
            try await makeServer().test(.live) { client in
                try await body(transport, try #require(client.port))
            }
            SentrySDK.close()
        }
    }

    func body(_ response: HTTPClientResponse) async throws -> [String] {
        String(buffer: try await response.body.collect(upTo: 1 << 16)).split(separator: "\n").map(String.init)
    }

    @Test func requestInATransactionIsAnHTTPClientSpanThatParentsTheCallee() async throws {
        try await withSDK { transport, port in
            let url = "http://127.0.0.1:\(port)/status/200?q=1"
            var seen: [String] = []
            try await SentrySDK.withTransaction(name: "job", operation: "task") { _ in
                let response = try await HTTPClient.shared.executeWithSentry(
                    HTTPClientRequest(url: url), timeout: .seconds(10))
                #expect(response.status.code == 200)
                seen = try await body(response)
            }
            let tx = try #require(transport.transactions.first)
            let span = try #require(spans(tx).first { $0["op"] == "http.client" })
            #expect(span["description"]?.stringValue == "GET http://127.0.0.1:\(port)/status/200")
            #expect(span["origin"] == "auto.http.async_http_client")
            #expect(span["status"] == "ok")
            #expect(span["data"]?["http.request.method"] == "GET")
            #expect(span["data"]?["url"]?.stringValue == "http://127.0.0.1:\(port)/status/200")
            #expect(span["data"]?["server.address"] == "127.0.0.1")
            #expect(span["data"]?["http.response.status_code"] == 200)
            #expect(span["data"]?["http.query"] == "q=1")
            // The callee got our trace, with the http.client span as its parent.
            let traceId = try #require(tx.contexts["trace"]?["trace_id"]?.stringValue)
            let spanId = try #require(span["span_id"]?.stringValue)
            #expect(seen.first == "\(traceId)-\(spanId)-1")
            #expect(seen.count == 2 && seen[1].contains("sentry-trace_id=\(traceId)"))
        }
    }

    @Test func breadcrumbLevelFollowsTheStatus() async throws {
        try await withSDK { transport, port in
            for code in [200, 404, 503] {
                _ = try await HTTPClient.shared.executeWithSentry(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)/status/\(code)"), timeout: .seconds(10))
            }
            SentrySDK.capture(message: "after")
            let crumbs = try #require(transport.events.first).breadcrumbs.filter { $0.type == "http" }
            #expect(crumbs.map(\.level) == [.info, .warning, .error])
            #expect(crumbs.map { $0.data["status_code"] } == [200, 404, 503])
            #expect(crumbs.allSatisfy { $0.category == "http" && $0.data["http.method"] == "GET" })
        }
    }

    @Test func noTraceHeadersOutsideTheTargets() async throws {
        try await withSDK({
            $0.tracesSampleRate = 1
            $0.tracePropagationTargets = ["api.example.com"]
        }) { _, port in
            try await SentrySDK.withTransaction(name: "job", operation: "task") { _ in
                let response = try await HTTPClient.shared.executeWithSentry(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)/status/200"), timeout: .seconds(10))
                #expect(try await body(response) == ["-", "-"])
            }
        }
    }

    @Test func failedRequestFinishesTheSpanWithAnError() async throws {
        try await withSDK { transport, _ in
            await #expect(throws: (any Error).self) {
                try await SentrySDK.withTransaction(name: "job", operation: "task") { _ in
                    // Nothing listens on port 1.
                    _ = try await HTTPClient.shared.executeWithSentry(
                        HTTPClientRequest(url: "http://127.0.0.1:1/"), timeout: .seconds(2))
                }
            }
            let tx = try #require(transport.transactions.first)
            let span = try #require(spans(tx).first { $0["op"] == "http.client" })
            #expect(span["status"] == "internal_error")
        }
    }

    @Test func credentialsInTheURLAreNotRecorded() async throws {
        try await withSDK { transport, port in
            try await SentrySDK.withTransaction(name: "job", operation: "task") { _ in
                _ = try await HTTPClient.shared.executeWithSentry(
                    HTTPClientRequest(url: "http://user:pw@127.0.0.1:\(port)/status/204"), timeout: .seconds(10))
            }
            let tx = try #require(transport.transactions.first)
            let span = try #require(spans(tx).first { $0["op"] == "http.client" })
            #expect(span["description"]?.stringValue == "GET http://[Filtered]:[Filtered]@127.0.0.1:\(port)/status/204")
        }
    }
}
#endif
