import Sentry

/// The tracing cases of scripts/bench.sh (same names as csc_bench.c and python_bench.py where
/// there is an equivalent).
let incomingHeaders = [
    "sentry-trace": "4c79f60c11214eb38604f4ae0781bfb2-fa90fdead5f74052-1",
    "baggage": "sentry-trace_id=4c79f60c11214eb38604f4ae0781bfb2,sentry-public_key=public,sentry-release=web%401.2,"
        + "sentry-environment=production,sentry-sample_rate=1.0,sentry-sample_rand=0.5,sentry-sampled=true,"
        + "sentry-transaction=checkout",
]

func runTracingBenches() {
    start(transport: nil) { $0.tracesSampleRate = 1 }
    let tx = SentrySDK.startTransaction(name: "GET /cart", operation: "http.server", source: .route)
    SentrySDK.withActiveSpan(tx) {
        bench("with_span_sampled", "tracing: withSpan {} in a sampled transaction", 1_000_000) {
            SentrySDK.withSpan(operation: "db.query", description: "SELECT 1") { _ in }
        }
        bench("trace_headers", "tracing: traceHeaders(for:) in a transaction", 1_000_000) {
            blackHole(SentrySDK.traceHeaders(for: "https://api.example.com/x"))
        }
    }
    tx.finish()
    bench("continue_trace", "tracing: continueTrace, sentry-trace + 8-item baggage", 500_000) {
        SentrySDK.continueTrace(headers: incomingHeaders)
    }
    // Finishing a transaction of 10 finished spans, timed alone: what the caller pays (HTTP
    // transport; the worker builds the JSON). Median and p99 (in the max column).
    let n = max(20, 2_000 / scale)
    var samples: [Double] = []
    for i in 0..<(n + n / 5) {
        let t = SentrySDK.startTransaction(name: "GET /cart", operation: "http.server", source: .route)
        for _ in 0..<10 {
            let c = t.startChild(operation: "db.query", description: "SELECT * FROM carts WHERE id = ?")
            c.setData("db.system", "sqlite")
            c.finish()
        }
        let t0 = nowNs()
        t.finish()
        if i >= n / 5 { samples.append(nowNs() - t0) }
        if sinkDSN != nil { _ = SentrySDK.flush(timeout: .seconds(2)) }
    }
    samples.sort()
    report(
        "tx_10_spans_finish_http", "tracing: finish of a 10-span transaction returns (HTTP; max = p99)",
        [samples[0], samples[samples.count / 2], samples[min(samples.count - 1, samples.count * 99 / 100)]])
    SentrySDK.close()

    start(transport: nil) { $0.tracesSampleRate = 0 }
    bench("unsampled_tx_one_span", "tracing: unsampled withTransaction { withSpan {} }", 500_000) {
        SentrySDK.withTransaction(name: "GET /cart", operation: "http.server") { _ in
            SentrySDK.withSpan(operation: "db.query", description: "SELECT 1") { _ in }
        }
    }
    SentrySDK.close()
}
