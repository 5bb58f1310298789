import Dispatch
import Sentry
import SentryTestKit
import Testing

// The code of the DocC articles (Sources/Sentry/Sentry.docc), as written there, with the app's
// types (requests, routers, payment services) stubbed below: the articles' snippets compile and
// do what the articles say. Change both together.

/// The articles' code and the app types it uses (nested: the test target has its own `PaymentError`).
private enum DocSnippets {
    // MARK: - Stubs for the articles' app types

    struct Request {
        var userID = "42"
        var route = "/checkout"
        var method = "POST"
        var path = "/checkout"
    }

    struct Response {}

    struct RouteError: Error {}

    struct Router {
        var fails = false
        func respond(to request: Request) async throws -> Response {
            if fails { throw RouteError() }
            return Response()
        }
    }

    struct Order { var id = "o-1" }

    enum PaymentError: Error { case insufficientFunds }

    struct Card { var balance = 100 }

    struct Gateway {
        func charge(_ card: Card, _ amount: Int) async throws {}
    }

    struct Payments {
        func charge(_ order: Order) async throws { throw PaymentError.insufficientFunds }
    }

    struct Logger {
        func info(_ message: String) {}
        func warning(_ message: String) {}
    }

    struct Shard: Sendable {
        var name: String
        func sync() async {}
    }

    static func reindex() async {
        SentrySDK.capture(message: "reindexed")
    }

    static func runReindex() {
        SentrySDK.capture(message: "reindex queued")
    }

    // MARK: - GettingStarted.md

    static func startAsInGettingStarted(transport: InMemoryTransport) {
        SentrySDK.start { options in
            options.dsn = "https://key@o0.ingest.sentry.io/0"  // nil: the SENTRY_DSN variable
            options.release = "my-server@1.4.0"  // nil: SENTRY_RELEASE
            options.environment = "staging"  // nil: SENTRY_ENVIRONMENT, else "production"
            options.transport = transport  // (the test's addition)
        }
    }

    static func handle(_ request: Request, router: Router) async throws -> Response {
        try await SentrySDK.withIsolationScope { scope in
            scope.setUser(User(id: request.userID))
            scope.setTag("route", request.route)
            SentrySDK.setTransaction(request.route, source: .route)
            SentrySDK.addBreadcrumb(Breadcrumb(message: "\(request.method) \(request.path)", category: "http"))
            do {
                return try await router.respond(to: request)
            } catch {
                SentrySDK.capture(error: error)
                throw error
            }
        }
    }

    static func captureAsInGettingStarted(payments: Payments, order: Order, logger: Logger) async {
        do {
            try await payments.charge(order)
        } catch {
            SentrySDK.capture(error: error) { scope in
                scope.setTag("order", order.id)  // for this event only
            }
        }

        let id = SentrySDK.capture(message: "inventory out of sync", level: .warning)
        if id != .empty { logger.info("reported as \(id)") }
    }

    // MARK: - ErrorsAndCrashReports.md

    struct HTTPError: CustomSentryException {
        var status: Int
        var sentryExceptionType: String { "HTTPError" }
        var sentryExceptionValue: String { "status \(status)" }
        var sentryExceptionModule: String? { "MyApp" }  // optional; default nil, left out
    }

    struct CheckoutFailed: SentryUnderlyingError {
        var cause: any Error
        var underlyingErrors: [any Error] { [cause] }
    }

    static func charge(_ card: Card, amount: Int, gateway: Gateway = Gateway()) async throws {
        guard card.balance >= amount else {
            throw SentryTracedError(PaymentError.insufficientFunds)  // stack captured here
        }
        try await gateway.charge(card, amount)
    }

    static func captureTraced(card: Card, notifyCustomer: () async -> Void) async {
        do {
            try await charge(card, amount: 120)
        } catch let traced as SentryTracedError {
            SentrySDK.capture(error: traced)  // PaymentError, with the stack of the throw
            if traced.error is PaymentError { await notifyCustomer() }
        } catch {
            Issue.record("expected a SentryTracedError, got \(error)")
        }
    }
}

extension SDKTests {
    @Test func gettingStartedSnippets() async throws {
        try await SentryTestSupport.withExclusiveSDK {
            let transport = InMemoryTransport()
            DocSnippets.startAsInGettingStarted(transport: transport)
            #expect(SentrySDK.isEnabled)

            _ = try await DocSnippets.handle(DocSnippets.Request(), router: DocSnippets.Router())
            await #expect(throws: DocSnippets.RouteError.self) {
                try await DocSnippets.handle(DocSnippets.Request(), router: DocSnippets.Router(fails: true))
            }
            await DocSnippets.captureAsInGettingStarted(
                payments: DocSnippets.Payments(), order: DocSnippets.Order(), logger: DocSnippets.Logger())

            let events = transport.events
            try #require(events.count == 3)
            #expect(events[0].tags["route"] == "/checkout")
            #expect(events[0].user?.id == "42")
            #expect(events[0].transaction == "/checkout")
            #expect(events[0].breadcrumbs.last?.message == "POST /checkout")
            #expect(events[1].tags["order"] == "o-1")
            #expect(events[1].tags["route"] == nil)  // the request's scope stayed inside
            #expect(events[2].message == "inventory out of sync")
            #expect(events[2].level == .warning)

            SentrySDK.flush(timeout: .seconds(5))  // optional: a longer wait than close() allows
            SentrySDK.close()
            #expect(!SentrySDK.isEnabled)
        }
    }

    @Test func gettingStartedWithoutADSNIsDisabled() async {
        await SentryTestSupport.withExclusiveSDK {
            SentrySDK.start { options in
                options.dsn = nil
                options.release = "my-server@1.4.0"
                options.cacheDirectory = nil  // the test stays out of $HOME
            }
            guard !SentrySDK.isEnabled else { return }  // SENTRY_DSN set in this environment
            #expect(SentrySDK.capture(message: "nobody listens") == .empty)
            let value = SentrySDK.withIsolationScope { _ in 7 }
            #expect(value == 7)
        }
    }

    @Test func gettingStartedTestKitSnippet() async throws {
        try await SentryTestSupport.withExclusiveSDK {
            let transport = InMemoryTransport()
            SentrySDK.start { options in
                options.transport = transport
            }
            #expect(SentrySDK.isEnabled)  // a custom transport enables the SDK without a DSN
            SentrySDK.withIsolationScope { _ in
                SentrySDK.setTag("route", "/checkout")
                SentrySDK.capture(message: "checkout failed")
            }
            let event = try #require(transport.events.first)
            #expect(event.tags["route"] == "/checkout")
        }
    }

    // MARK: ScopesAndConcurrency.md

    @Test func scopesSnippets() async throws {
        try await withStartedSDK { transport in
            SentrySDK.globalScope.setTag("service", "checkout")  // every event of the process
            defer { SentrySDK.globalScope.removeTag("service") }

            SentrySDK.withIsolationScope { scope in  // this request
                scope.setUser(User(id: "42"))
                SentrySDK.setTag("route", "/cart")  // also the isolation scope

                SentrySDK.withScope { scope in  // this block
                    scope.setTag("step", "charge")
                    SentrySDK.capture(message: "charging")  // service, route, user and step
                }
                SentrySDK.capture(message: "charged")  // service, route and user
            }
            let events = transport.events
            try #require(events.count == 2)
            #expect(events[0].tags == ["service": "checkout", "route": "/cart", "step": "charge"])
            #expect(events[1].tags == ["service": "checkout", "route": "/cart"])
            #expect(events[1].user?.id == "42")

            let total = SentrySDK.withScope { scope in  // synchronous
                scope.setTag("phase", "pricing")
                return 12
            }
            let receipt = try await SentrySDK.withIsolationScope { scope in  // async, throwing
                scope.setTag("job", "billing")
                try await Task.sleep(for: .milliseconds(1))
                return "receipt"
            }
            #expect(total == 12 && receipt == "receipt")

            SentrySDK.configureScope { scope in
                scope.setTag("region", "eu")
                scope.setUser(User(id: "42"))
            }
            #expect(SentrySDK.isolationScope.json["tags"]?["region"] == "eu")

            transport.removeAll()
            let extra = Scope()
            extra.setContext("payment", ["provider": "acme", "attempt": 2])
            SentrySDK.capture(message: "payment retried", scope: extra) { scope in
                scope.setLevel(.warning)
            }
            let retried = try #require(transport.events.first)
            #expect(retried.level == .warning)
            #expect(retried.contexts["payment"]?["provider"] == "acme")
        }
    }

    @Test func scopesChildTasksAndDetachedSnippets() async throws {
        try await withStartedSDK { transport in
            let shards = [DocSnippets.Shard(name: "a"), DocSnippets.Shard(name: "b")]
            await SentrySDK.withIsolationScope { _ in
                SentrySDK.setTag("request", "r-1")
                await withTaskGroup(of: Void.self) { group in
                    for shard in shards {
                        group.addTask {
                            await SentrySDK.withScope { scope in  // this child's own current scope
                                scope.setTag("shard", shard.name)
                                await shard.sync()
                                SentrySDK.capture(message: "synced")
                            }
                        }
                    }
                }

                let binding = SentrySDK.currentBinding  // in the request
                await Task.detached {
                    await SentrySDK.withScopes(binding.forked()) {  // the request's data, writes kept apart
                        await DocSnippets.reindex()
                    }
                }.value

                let queue = DispatchQueue(label: "reindex")
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    queue.async {  // a thread of its own
                        SentrySDK.withScopes(binding) {  // the same scope objects
                            DocSnippets.runReindex()
                        }
                        done.resume()
                    }
                }
            }
            let events = transport.events
            try #require(events.count == 4)
            #expect(Set(events.prefix(2).compactMap { $0.tags["shard"]?.stringValue }) == ["a", "b"])
            #expect(events.allSatisfy { $0.tags["request"] == "r-1" })
        }
    }

    // MARK: ErrorsAndCrashReports.md

    @Test func errorsSnippets() async throws {
        try await withStartedSDK { transport in
            SentrySDK.capture(error: DocSnippets.HTTPError(status: 503))
            SentrySDK.capture(error: DocSnippets.CheckoutFailed(cause: DocSnippets.HTTPError(status: 402)))
            var notified = false
            await DocSnippets.captureTraced(card: DocSnippets.Card(balance: 100)) { notified = true }
            #expect(notified)

            let events = transport.events
            try #require(events.count == 3)
            #expect(events[0].exceptions.last?["type"] == "HTTPError")
            #expect(events[0].exceptions.last?["value"] == "status 503")
            #expect(events[0].exceptions.last?["module"] == "MyApp")
            #expect(events[1].exceptions.count == 2)
            #expect(events[2].exceptions.last?["type"]?.stringValue?.hasSuffix("PaymentError") == true)
        }
        await withStartedSDK({ options in
            options.attachStacktrace = false
            options.inAppInclude = ["MyPlugins", "libmyplugin.so"]
            options.inAppExclude = ["Vapor", "GRPC"]
        }) { transport in
            SentrySDK.capture(message: "no stack")
            #expect(transport.events.first?["threads"] == nil)

            let logger = DocSnippets.Logger()
            if SentrySDK.crashedLastRun {
                logger.warning("the previous run crashed; its report is being sent")
            }
        }
    }
}
