import Foundation
import Sentry

/// sentry-demo: simulates concurrent requests, each in its own isolation scope
/// with a user, tags and breadcrumbs, and captures a message and an error.
/// With SENTRY_DSN set the events are sent; without, they are written to
/// ./outbox/ (or the folder given with --outbox DIR) and summarized.

struct PaymentDeclined: Error, CustomStringConvertible {
    let orderId: Int
    var description: String { "card declined for order \(orderId)" }
}

var outboxPath = "outbox"
var requests = 4
var args = CommandLine.arguments.dropFirst().makeIterator()
while let arg = args.next() {
    switch arg {
    case "--outbox": outboxPath = args.next() ?? outboxPath
    case "--requests": requests = Int(args.next() ?? "") ?? requests
    case "-h", "--help":
        print("usage: sentry-demo [--outbox DIR] [--requests N]   (set SENTRY_DSN to send to Sentry)")
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
}
print(dsn == nil ? "sentry-demo: no SENTRY_DSN, writing envelopes to \(outbox!.directory.path)"
                 : "sentry-demo: sending to the SENTRY_DSN server")

SentrySDK.setTag("service", "checkout-api")   // the process-wide isolation scope of the main task

func handleRequest(_ n: Int) async {
    await SentrySDK.withIsolationScope { _ in
        SentrySDK.setUser(User(id: "user-\(n)", email: nil, username: "customer\(n)"))
        SentrySDK.setTag("request_id", "req-\(n)")
        SentrySDK.setTag("route", n.isMultiple(of: 2) ? "/checkout" : "/cart")
        SentrySDK.addBreadcrumb(Breadcrumb(message: "GET /cart", category: "http", level: .info,
                                           data: ["status_code": 200]))
        try? await Task.sleep(nanoseconds: UInt64(1_000_000 * (n % 3 + 1)))
        SentrySDK.addBreadcrumb(Breadcrumb(message: "SELECT * FROM orders", category: "db.query"))
        if n.isMultiple(of: 2) {
            SentrySDK.capture(error: PaymentDeclined(orderId: 1000 + n))
        } else {
            SentrySDK.capture(message: "slow checkout for request \(n)", level: .warning)
        }
    }
}

await withTaskGroup(of: Void.self) { group in
    for n in 1...requests { group.addTask { await handleRequest(n) } }
}
SentrySDK.close()

if let outbox {
    let files = outbox.files
    print("\(files.count) envelope(s) in \(outbox.directory.path):")
    for f in files { print("  \(f.file)  \(f.summary)") }
}
