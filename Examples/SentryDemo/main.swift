import Foundation
import Sentry
import SentryExampleSupport

/// sentry-demo: simulates concurrent requests, each in its own isolation scope
/// with a user, tags and breadcrumbs, and captures a message and an error.
/// With SENTRY_TRACES_SAMPLE_RATE=1 each request is also a transaction (op
/// http.server, source route) with a database span and an outgoing HTTP span; its
/// errors share the transaction's trace, and every third request continues the
/// trace of a simulated upstream service (sentry-trace and baggage headers).
/// With SENTRY_DSN set the events are sent; without, they are written to
/// ./outbox/ (or the folder given with --outbox DIR) and summarized.
///
/// `--crash KIND` crashes the process inside a request instead (KIND: force-unwrap,
/// index-out-of-range, fatal-error, precondition, null-deref, abort): the crash handler writes
/// the report into the cache directory (`--cache DIR`, default `SentryOptions.defaultCacheDirectory`)
/// and the next run sends it (SENTRY_DSN) or writes it to the outbox, and says that the
/// previous run crashed.
///
/// Release health: each request runs in `SentrySDK.withRequestSession` (counted in the `sessions`
/// aggregates sent at exit), and the run itself is an application session, so the run after a
/// crash reports a `crashed` session for it. `--monitor SLUG` runs one job under a cron monitor
/// instead (`in_progress`, then `ok`; `--fail` makes the job fail: `error`).

struct PaymentDeclined: Error, CustomStringConvertible {
    let orderId: Int
    var description: String { "card declined for order \(orderId)" }
}

let crashKinds = ["force-unwrap", "index-out-of-range", "fatal-error", "precondition", "null-deref", "abort"]
let usage = """
    usage: sentry-demo [--outbox DIR] [--requests N] [--cache DIR] [--crash KIND] [--monitor SLUG [--fail]]
      (set SENTRY_DSN to send to Sentry; KIND: \(crashKinds.joined(separator: ", ")))
    """

var outboxPath = "outbox"
var requests = 4
var cachePath: String? = nil
var crashKind: String? = nil
var monitorSlug: String? = nil
var monitorFails = false
var args = CommandLine.arguments.dropFirst().makeIterator()
while let arg = args.next() {
    switch arg {
    case "--outbox": outboxPath = args.next() ?? outboxPath
    case "--requests": requests = Int(args.next() ?? "") ?? requests
    case "--cache": cachePath = args.next()
    case "--crash":
        crashKind = args.next()
        guard let kind = crashKind, crashKinds.contains(kind) else {
            FileHandle.standardError.write(Data("unknown crash kind \(crashKind ?? "(none)")\n\(usage)\n".utf8))
            exit(2)
        }
    case "--monitor": monitorSlug = args.next()
    case "--fail": monitorFails = true
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        FileHandle.standardError.write(Data("unknown argument \(arg)\n".utf8))
        exit(2)
    }
}

let dsn = ProcessInfo.processInfo.environment["SENTRY_DSN"].flatMap { $0.isEmpty ? nil : $0 }
let outbox = dsn == nil ? OutboxTransport(directory: URL(fileURLWithPath: outboxPath, isDirectory: true)) : nil

SentrySDK.start { options in
    options.dsn = dsn
    options.release = options.release ?? "sentry-demo@\(SentrySDK.version)"
    if let outbox { options.transport = outbox }
    // Crash reports need a cache directory. With a DSN the default is SentryOptions.defaultCacheDirectory;
    // a custom transport (the outbox) gets none by default, so set the same one explicitly: the next
    // start hands the crash reports found there to the outbox.
    options.cacheDirectory = cachePath ?? SentryOptions.defaultCacheDirectory
}
SentrySDK.startSession()  // this run, as an application session (a crash is reported at the next start)
print(
    dsn == nil
        ? "sentry-demo: no SENTRY_DSN, writing envelopes to \(outbox!.directory.path)"
        : "sentry-demo: sending to the SENTRY_DSN server")
if SentrySDK.crashedLastRun {
    print(
        "sentry-demo: the previous run crashed; its crash report "
            + (dsn == nil ? "is in the outbox" : "is being sent"))
}

SentrySDK.setTag("service", "checkout-api")  // the process-wide isolation scope of the main task

/// The headers an upstream service would send with every third request (it sampled the trace).
func upstreamHeaders(_ n: Int) -> [String: String]? {
    guard n.isMultiple(of: 3) else { return nil }
    let traceId = String(repeating: "0", count: 24) + String(format: "%08x", 0xdead_0000 + n)
    return [
        "sentry-trace": "\(traceId)-\(String(format: "%016x", 0xbeef_0000 + n))-1",
        "baggage": "sentry-trace_id=\(traceId),sentry-environment=production,sentry-release=storefront%401.0,"
            + "sentry-sample_rate=1.0,sentry-sample_rand=0.250000,sentry-sampled=true,other-vendor=1",
    ]
}

func handleRequest(_ n: Int) async {
    await SentrySDK.withRequestSession { _ in
        let checkout = n.isMultiple(of: 2)
        let route = checkout ? "/checkout" : "/cart"
        await SentrySDK.withTransaction(
            name: "POST \(route)", operation: "http.server", source: .route,
            headers: upstreamHeaders(n)
        ) { tx in
            SentrySDK.setUser(User(id: "user-\(n)", email: nil, username: "customer\(n)"))
            SentrySDK.setTag("request_id", "req-\(n)")
            SentrySDK.setTag("route", route)
            SentrySDK.addBreadcrumb(
                Breadcrumb(
                    message: "GET /cart", category: "http", level: .info,
                    data: ["status_code": 200]))
            await SentrySDK.withSpan(operation: "db.query", description: "SELECT * FROM orders WHERE user_id = ?") {
                span in
                span.setData("db.system", "postgresql")
                try? await Task.sleep(nanoseconds: UInt64(1_000_000 * (n % 3 + 1)))
            }
            SentrySDK.addBreadcrumb(Breadcrumb(message: "SELECT * FROM orders", category: "db.query"))
            let status = await SentrySDK.withSpan(
                operation: "http.client",
                description: "POST https://payments.example.com/charge"
            ) { span in
                // what a real HTTP client would add to the outgoing request
                let headers = SentrySDK.traceHeaders(for: "https://payments.example.com/charge")
                span.setData("http.request.method", "POST")
                span.setData("sentry_trace_propagated", .bool(headers["sentry-trace"] != nil))
                try? await Task.sleep(nanoseconds: 500_000)
                let status = checkout ? 402 : 200
                span.setHTTPStatus(status)
                if checkout { SentrySDK.capture(error: PaymentDeclined(orderId: 1000 + n)) }
                return status
            }
            if !checkout { SentrySDK.capture(message: "slow checkout for request \(n)", level: .warning) }
            tx.setHTTPStatus(status == 200 ? 200 : 502)
        }
    }
}

// MARK: - Crashes (--crash KIND)

/// Values the optimizer cannot see through, so each crash happens at run time in its function.
@inline(never) func opaque<T>(_ value: T) -> T { value }

@inline(never) func crashForceUnwrap() {
    let coupon: String? = opaque(nil)
    print("coupon \(coupon!)")  // Fatal error: Unexpectedly found nil
}

@inline(never) func crashIndexOutOfRange() {
    let items = opaque([10, 20, 30])
    print("item \(items[opaque(items.count)])")  // Fatal error: Index out of range
}

@inline(never) func crashFatalError() {
    fatalError("sentry-demo: payment provider returned an impossible state")
}

@inline(never) func crashPrecondition() {
    let quantity = opaque(-1)
    precondition(quantity >= 0, "sentry-demo: negative quantity")
}

@inline(never) func crashNullDeref() {
    // a pointer to the second Int of a "record" at address 0 (non-nil: no unwrap trap), stepped back
    let second = UnsafeMutablePointer<Int>(bitPattern: opaque(MemoryLayout<Int>.stride))!
    (second - 1).pointee = 42  // write to address 0: SIGSEGV
}

@inline(never) func crashAbort() {
    abort()
}

@inline(never) func crash(_ kind: String) {
    switch kind {
    case "force-unwrap": crashForceUnwrap()
    case "index-out-of-range": crashIndexOutOfRange()
    case "fatal-error": crashFatalError()
    case "precondition": crashPrecondition()
    case "null-deref": crashNullDeref()
    default: crashAbort()
    }
}

/// A request that crashes: its scopes (user, tags, breadcrumbs) are what the crash report carries.
func handleCrashingRequest(_ kind: String) async {
    await SentrySDK.withRequestSession { _ in
        SentrySDK.setUser(User(id: "user-crash", email: nil, username: "crasher"))
        SentrySDK.setTag("request_id", "req-crash")
        SentrySDK.setTag("crash_kind", kind)
        SentrySDK.addBreadcrumb(
            Breadcrumb(
                message: "POST /checkout", category: "http", level: .info,
                data: ["status_code": 500]))
        try? await Task.sleep(nanoseconds: 1_000_000)  // may resume on another thread
        SentrySDK.addBreadcrumb(Breadcrumb(message: "about to crash: \(kind)", category: "demo"))
        SentrySDK.withScope { scope in  // finished before the crash: not in the report
            scope.setTag("finished_step", "validate")
        }
        FileHandle.standardError.write(Data("sentry-demo: crashing (\(kind))\n".utf8))
        crash(kind)
    }
}

if let crashKind {
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await handleCrashingRequest(crashKind) }
    }
    fatalError("unreachable: the crash did not happen")
}

struct JobFailed: Error {}

if let monitorSlug {
    let daily = MonitorConfig(schedule: .crontab("0 3 * * *"), checkinMargin: 5, maxRuntime: 30)
    do {
        try await SentrySDK.withMonitor(slug: monitorSlug, config: daily) {
            try await Task.sleep(nanoseconds: 50_000_000)  // the job
            if monitorFails { throw JobFailed() }
        }
        print("sentry-demo: job \(monitorSlug) done")
    } catch {
        print("sentry-demo: job \(monitorSlug) failed")
    }
    requests = 0
}

if requests > 0 {
    await withTaskGroup(of: Void.self) { group in
        for n in 1...requests { group.addTask { await handleRequest(n) } }
    }
}
if dsn != nil { SentrySDK.flush(timeout: .seconds(10)) }  // also the crash report of a previous run
SentrySDK.close()

if let outbox {
    let files = outbox.files
    print("\(files.count) envelope(s) in \(outbox.directory.path):")
    for f in files { print("  \(f.file)  \(f.summary)") }
}
