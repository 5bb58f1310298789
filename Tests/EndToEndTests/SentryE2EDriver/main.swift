import Sentry

#if canImport(Glibc)
import Glibc
#endif

/// sentry-e2e-driver: sends events through the Swift API to the server of `SENTRY_DSN`, for
/// Tests/EndToEndTests/test_swift_bugsink.py, and prints their ids as one JSON line.
///
///   SENTRY_DSN=... sentry-e2e-driver RUN
///
/// Two concurrent requests, each in its own isolation scope: request "a" captures a message,
/// an error, and an error with causes; request "b" (another user and tags) captures a message.
/// Nothing of one request may appear in the other's events.

struct CheckoutError: Error, CustomStringConvertible {
    let code: Int
    var description: String { "card declined (code \(code))" }
}

struct GatewayTimeout: Error, CustomStringConvertible {
    var description: String { "gateway did not answer in 30 s" }
}

struct PaymentFailed: SentryUnderlyingError, CustomStringConvertible {
    let underlyingErrors: [any Error]
    var description: String { "payment failed" }
}

@inline(never)
func chargeCard(_ order: Int) -> SentryId {
    SentrySDK.capture(error: CheckoutError(code: 51))  // line checked by the test: "CAPTURE-ERROR"
}

@inline(never)
func requestA(run: String) async -> [String: String] {
    await SentrySDK.withIsolationScope { scope in
        SentrySDK.setUser(User(id: "u-7", email: "ada@example.org", username: "ada"))
        SentrySDK.setTag("feature", "swift-checkout")
        SentrySDK.setTag("unicode", "h\u{e9}llo \u{2713}")
        SentrySDK.setContext("order", ["id": 1234, "total": 99.5, "express": true, "items": ["book", "pen"]])
        SentrySDK.setExtra("attempt", 2)
        SentrySDK.addBreadcrumb(
            Breadcrumb(
                message: "GET /cart", category: "http", level: .info,
                data: ["status_code": 200, "url": "/cart"]))
        SentrySDK.addBreadcrumb(Breadcrumb(message: "SELECT * FROM orders", category: "db.query"))
        try? await Task.sleep(nanoseconds: 2_000_000)
        var ids: [String: String] = [:]
        ids["message"] = SentrySDK.capture(message: "swift e2e message \(run)", level: .warning).sentText
        ids["error"] = chargeCard(1234).sentText
        ids["chained"] = SentrySDK.capture(error: PaymentFailed(underlyingErrors: [GatewayTimeout()])).sentText
        ids["scoped"] = SentrySDK.withScope { inner in
            inner.setTag("step", "inner")
            return SentrySDK.capture(message: "inner scope \(run)").sentText
        }
        return ids
    }
}

func requestB(run: String) async -> [String: String] {
    await SentrySDK.withIsolationScope { _ in
        SentrySDK.setUser(User(id: "u-8"))
        SentrySDK.setTag("feature", "swift-search")
        try? await Task.sleep(nanoseconds: 1_000_000)
        return ["other": SentrySDK.capture(message: "other request \(run)").sentText ?? ""]
    }
}

extension SentryId {
    /// The id as text, `nil` when nothing was sent (``SentryId/empty``).
    var sentText: String? { self == .empty ? nil : description }
}

let args = CommandLine.arguments
guard args.count == 2, let dsn = getenv("SENTRY_DSN").map({ String(cString: $0) }), !dsn.isEmpty else {
    print("usage: SENTRY_DSN=... sentry-e2e-driver RUN")
    exit(2)
}
let run = args[1]
SentrySDK.start { options in
    options.dsn = dsn
    options.release = "e2e-swift@1.0.0"
    options.environment = "e2e"
    options.serverName = "e2e-swift-host"
    options.inAppInclude = ["SentryE2EDriver"]
    options.cacheDirectory = nil  // nothing cached in the home directory of whoever runs the tests
}
SentrySDK.globalScope.setTag("run", run)
async let a = requestA(run: run)
async let b = requestB(run: run)
var ids = await a
ids.merge(await b) { x, _ in x }
let flushed = SentrySDK.flush(timeout: .seconds(10))
SentrySDK.close()
let body = ids.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
print("{\(body), \"flushed\": \(flushed)}")
