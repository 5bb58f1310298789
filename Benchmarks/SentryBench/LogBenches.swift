// Sentry Logs and the swift-log handler: the caller's cost of a line.
import CScopeCore
import Sentry

#if Logging
import Logging
import SentryLogging
#endif

/// Like ``bench``, in batches of 90 lines with the logs drained (an untimed `csc_flush`, which
/// sends them on this thread) after each, so the 1,000-line bound never drops a line.
func pacedLogs(_ key: String, _ name: String, _ iters: Int, _ body: () -> Void) {
    if let only, only != key { return }
    let batches = max(1, iters / scale / 90)
    var r: [Double] = []
    for round in 0...repeats {
        var total = 0.0
        for _ in 0..<batches {
            let t0 = nowNs()
            for _ in 0..<90 { body() }
            total += nowNs() - t0
            _ = csc_flush(1000)
        }
        if round > 0 { r.append(total / Double(batches * 90)) }  // round 0 warms up
    }
    report(key, name, r)
}

func runLogBenches() {
    start(transport: NoopTransport()) { $0.enableLogs = true }
    pacedLogs("log_sdk_logger_plain", "SentrySDK.logger.info(plain line)", 200_000) {
        SentrySDK.logger.info("User signed in")
    }
    let userId = 42
    let amount = 9.5
    pacedLogs("log_sdk_logger_template", "SentrySDK.logger.info(2 interpolations, 1 attribute)", 200_000) {
        SentrySDK.logger.info("User \(userId) paid \(amount)", attributes: ["cart.items": 3])
    }
    SentrySDK.close()
    #if Logging
    start(transport: NoopTransport())
    let crumbs = Logger(label: "bench.app") { SentryLogHandler(label: $0, breadcrumbLevel: .info, eventLevel: .error) }
    bench("log_handler_breadcrumb", "swift-log line -> breadcrumb (SentryLogHandler)", 2_000_000) {
        crumbs.info("User signed in")
    }
    let quiet = Logger(label: "bench.app") {
        SentryLogHandler(label: $0, logLevel: .trace, breadcrumbLevel: .info, eventLevel: .error, sentryLogLevel: .info)
    }
    bench("log_handler_below_threshold", "swift-log line below every threshold", 20_000_000) {
        quiet.debug("cache probe")
    }
    SentrySDK.close()
    start(transport: NoopTransport()) { $0.enableLogs = true }
    let logs = Logger(label: "bench.app") { SentryLogHandler(label: $0, breadcrumbLevel: nil, eventLevel: nil) }
    pacedLogs("log_handler_sentry_log", "swift-log line -> Sentry Log (SentryLogHandler)", 200_000) {
        logs.info("User signed in")
    }
    SentrySDK.close()
    #endif
}
