import Sentry

/// What the server middleware (SentryHummingbird, SentryVapor) adds to one request, without the
/// framework: HTTPServerTracking.run around a handler that returns at once. python_bench.py times
/// sentry-python's ASGI middleware around an equally empty ASGI app.
let benchRequest = HTTPRequestInfo(
    method: "GET", url: "http://127.0.0.1:8080/hello/ada", path: "/hello/ada", queryString: nil,
    headers: [
        (name: "Host", value: "127.0.0.1:8080"), (name: "User-Agent", value: "wrk"),
        (name: "Accept", value: "*/*"),
    ],
    clientAddress: "127.0.0.1", route: "/hello/{name}")

func runHTTPServerBenches() async {
    for (key, name, rate) in [
        ("http_server_request_traced", "server middleware, one request, tracing 100%", 1.0 as Double?),
        ("http_server_request_off", "server middleware, one request, tracing off", nil),
    ] {
        start(transport: nil) { $0.tracesSampleRate = rate }
        await benchAsync(key, name, 50_000) {
            _ = try? await HTTPServerTracking.run(
                benchRequest, origin: "auto.http.bench", mechanism: "bench", status: { $0 }, errorStatus: { _ in nil }
            ) { 200 }
        }
        SentrySDK.close()
    }
}
