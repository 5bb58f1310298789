"""The Python SDK's side of the benchmark table (sentry-sdk 2.75.0).

Same fixture and op names as csc_bench.c; prints one JSON line per op:
{"op": ..., "min": ns, "median": ns, "max": ns}. The transport serializes each
envelope, as csc_bench's does.
"""
import json
import sys
import time

import sentry_sdk
from sentry_sdk.crons import capture_checkin
from sentry_sdk.sessions import track_session
from sentry_sdk.transport import Transport

REPEATS = 5


class SerializingTransport(Transport):
    def capture_envelope(self, envelope):
        envelope.serialize()


def bench(op, fn, iters):
    for _ in range(iters // 5 + 1):
        fn()
    res = []
    for _ in range(REPEATS):
        t0 = time.perf_counter_ns()
        for _ in range(iters):
            fn()
        res.append((time.perf_counter_ns() - t0) / iters)
    res.sort()
    print(json.dumps({"op": op, "min": round(res[0], 1), "median": round(res[REPEATS // 2], 1),
                      "max": round(res[-1], 1)}), flush=True)


def _isolated_request():
    with sentry_sdk.isolation_scope() as scope:
        with track_session(scope, session_mode="request"):
            pass


def add_bc():
    sentry_sdk.add_breadcrumb(message="Clicked checkout button", category="ui.click", level="info",
                              data={"url": "/checkout?step=2", "status_code": 200})


INCOMING = {
    "sentry-trace": "4c79f60c11214eb38604f4ae0781bfb2-fa90fdead5f74052-1",
    "baggage": "sentry-trace_id=4c79f60c11214eb38604f4ae0781bfb2,sentry-public_key=public,sentry-release=web%401.2,"
               "sentry-environment=production,sentry-sample_rate=1.0,sentry-sample_rand=0.5,sentry-sampled=true,"
               "sentry-transaction=checkout",
}


def bench_tracing(scale):
    """Tracing ops with the same names as csc_bench.c's (traces_sample_rate 1, serializing transport)."""
    sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", release="bench@1.0.0", environment="production",
                    transport=SerializingTransport, default_integrations=False, auto_session_tracking=False,
                    traces_sample_rate=1.0)
    with sentry_sdk.start_transaction(name="GET /cart", op="http.server", source="route"):
        def child():
            with sentry_sdk.start_span(op="db.query", name="SELECT 1"):
                pass
        bench("span_child_finish_sampled", child, 100000 // scale)

        def headers():
            return (sentry_sdk.get_traceparent(), sentry_sdk.get_baggage())
        bench("trace_headers_in_span", headers, 100000 // scale)
    bench("continue_trace_8_baggage_items", lambda: sentry_sdk.continue_trace(INCOMING), 50000 // scale)

    def unsampled():
        with sentry_sdk.start_transaction(name="GET /cart", op="http.server", source="route", sampled=False):
            with sentry_sdk.start_span(op="db.query", name="SELECT 1"):
                pass
    bench("unsampled_tx_one_span", unsampled, 50000 // scale)

    def ten_spans():
        with sentry_sdk.start_transaction(name="GET /cart", op="http.server", source="route"):
            for _ in range(10):
                with sentry_sdk.start_span(op="db.query", name="SELECT * FROM carts WHERE id = ?") as s:
                    s.set_data("db.system", "sqlite")
    bench("tx_10_spans_serialized", ten_spans, 2000 // scale)


def main():
    quick = "--quick" in sys.argv
    scale = 10 if quick else 1
    sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", release="bench@1.0.0", environment="production",
                    max_breadcrumbs=100, transport=SerializingTransport, default_integrations=False,
                    auto_session_tracking=False)
    keys = [f"key_{i:02d}" for i in range(32)]
    vals = [f"value-{i:02d}" for i in range(32)]
    n = [0]

    def cycle():
        i = n[0] = (n[0] + 1) & 31
        sentry_sdk.set_tag(keys[i], vals[i])

    def populate():
        """The isolation scope of the representative event: 10 tags, 100 breadcrumbs."""
        scope = sentry_sdk.get_isolation_scope()
        scope.clear()
        for i in range(10):
            sentry_sdk.set_tag(f"tag_{i}", f"representative-tag-value-{i}")
        for _ in range(100):
            add_bc()
        return scope

    bench("set_tag_same_key", lambda: sentry_sdk.set_tag("key_00", "value-00"), 500000 // scale)
    iso0 = sentry_sdk.get_isolation_scope()
    bench("scope_set_tag_same_key", lambda: iso0.set_tag("key_00", "value-00"), 500000 // scale)
    bench("set_tag_cycle_32_keys", cycle, 500000 // scale)
    bench("add_breadcrumb", add_bc, 200000 // scale)
    iso = populate()
    sentry_sdk.set_user({"id": "12345", "username": "jane.doe", "email": "jane.doe@example.com", "ip_address": "203.0.113.7"})
    sentry_sdk.set_context("checkout", {"cart_id": "cart-8842", "items": 3, "total": 99.5})
    sentry_sdk.set_context("feature_flags", {"new_ui": True, "beta": False})
    bench("fork_populated", lambda: iso.fork(), 200000 // scale)

    def new_scope():
        with sentry_sdk.new_scope():
            pass

    def isolation_scope():
        with sentry_sdk.isolation_scope():
            pass

    bench("push_pop_current", new_scope, 100000 // scale)
    bench("push_pop_isolation", isolation_scope, 100000 // scale)
    msg = "Something went wrong while processing order 12345"
    bench("capture_e2e", lambda: sentry_sdk.capture_message(msg, "error"), 3000 // scale)

    bench_tracing(scale)
    # Release health (request mode, as the framework integrations) and a cron check-in.
    sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", release="bench@1.0.0", environment="production",
                    transport=SerializingTransport, default_integrations=False, auto_session_tracking=True)
    req_scope = sentry_sdk.get_isolation_scope().fork()

    def request_session():
        with track_session(req_scope, session_mode="request"):
            pass
    bench("request_session", request_session, 200000 // scale)
    bench("with_request_session", lambda: _isolated_request(), 100000 // scale)
    bench("check_in", lambda: capture_checkin(monitor_slug="nightly-backup", status="ok", duration=1.5), 20000 // scale)
    sentry_sdk.get_client().close(timeout=0)

    # The default HTTP transport to a port nobody listens on: capture_message returns once the
    # envelope is queued for the background worker (the caller-side cost, as the Swift figure).
    sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", release="bench@1.0.0", environment="production",
                    max_breadcrumbs=100, default_integrations=False, auto_session_tracking=False,
                    transport_queue_size=100000)
    iso = populate()
    bench("capture_message_http", lambda: sentry_sdk.capture_message(msg, "error"), 1000 // scale)
    sentry_sdk.get_client().close(timeout=0)

    # Disabled: init without a DSN (the scope data set above stays, as in the Swift run).
    sentry_sdk.init(dsn=None, default_integrations=False, auto_session_tracking=False)
    bench("disabled_set_tag", lambda: sentry_sdk.set_tag("k", "v"), 500000 // scale)
    bench("disabled_add_breadcrumb", add_bc, 500000 // scale)
    bench("disabled_capture_message", lambda: sentry_sdk.capture_message(msg, "error"), 1000 // scale)
    bench("disabled_with_scope", new_scope, 200000 // scale)
    bench_asgi(scale)
    bench_logs(scale)


def paced_logs(op, fn, iters):
    """Like bench, in rounds of 90 lines with the log batcher flushed (untimed) after each, so the
    1,000-line bound never drops a line: the caller's steady cost, as sentry-bench measures it."""
    batcher = sentry_sdk.get_client().log_batcher
    res = []
    for r in range(REPEATS + 1):
        total = 0
        for _ in range(max(1, iters // 90)):
            t0 = time.perf_counter_ns()
            for _ in range(90):
                fn()
            total += time.perf_counter_ns() - t0
            if batcher is not None:
                batcher.flush()
        if r:  # the first round warms up
            res.append(total / (max(1, iters // 90) * 90))
    res.sort()
    print(json.dumps({"op": op, "min": round(res[0], 1), "median": round(res[REPEATS // 2], 1),
                      "max": round(res[-1], 1)}), flush=True)


def bench_logs(scale):
    """Sentry Logs and the logging integration, beside sentry-bench's log_* ops."""
    import logging

    from sentry_sdk.integrations.logging import LoggingIntegration

    log = logging.getLogger("bench.app")
    log.setLevel(logging.DEBUG)
    log.propagate = True
    for op, integration, enable_logs in (
        ("log_stdlib_breadcrumb", LoggingIntegration(level=logging.INFO, event_level=None, sentry_logs_level=None), False),
        ("log_stdlib_sentry_log", LoggingIntegration(level=None, event_level=None, sentry_logs_level=logging.INFO), True),
    ):
        sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", release="bench@1.0.0", environment="production",
                        transport=SerializingTransport, default_integrations=False, auto_session_tracking=False,
                        integrations=[integration], enable_logs=enable_logs)
        paced_logs(op, lambda: log.info("User signed in"), 20000 // scale)
    # a line below every threshold (the integration's handlers are on the root logger)
    bench("log_stdlib_below_threshold", lambda: log.debug("cache probe"), 500000 // scale)
    sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", release="bench@1.0.0", environment="production",
                    transport=SerializingTransport, default_integrations=False, auto_session_tracking=False,
                    enable_logs=True)
    paced_logs("log_sdk_logger_plain", lambda: sentry_sdk.logger.info("User signed in"), 20000 // scale)
    paced_logs("log_sdk_logger_template",
               lambda: sentry_sdk.logger.info("User {user_id} paid {amount}", user_id=42, amount=9.5,
                                              attributes={"cart.items": 3}), 20000 // scale)
    sentry_sdk.get_client().close(timeout=0)


def bench_asgi(scale):
    """sentry-python's ASGI middleware (what its Starlette and FastAPI integrations wrap) around an
    ASGI app that answers at once: the SDK's cost per request, beside Swift's
    http_server_request_*."""
    import asyncio
    from sentry_sdk.integrations.asgi import SentryAsgiMiddleware

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"hello ada"})

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        pass

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": "/hello/ada", "raw_path": b"/hello/ada", "query_string": b"",
             "root_path": "", "headers": [(b"host", b"127.0.0.1:8080"), (b"user-agent", b"wrk"), (b"accept", b"*/*")],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080)}
    loop = asyncio.new_event_loop()
    for op, rate in (("http_server_request_traced", 1.0), ("http_server_request_off", None)):
        sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", release="bench@1.0.0", environment="production",
                        traces_sample_rate=rate, default_integrations=False, auto_session_tracking=False)
        middleware = SentryAsgiMiddleware(app, unsafe_context_data=True)

        async def many(n):
            for _ in range(n):
                await middleware(scope, receive, send)

        iters = 5000 // scale
        loop.run_until_complete(many(iters // 5 + 1))
        res = []
        for _ in range(REPEATS):
            t0 = time.perf_counter_ns()
            loop.run_until_complete(many(iters))
            res.append((time.perf_counter_ns() - t0) / iters)
        res.sort()
        print(json.dumps({"op": op, "min": round(res[0], 1), "median": round(res[REPEATS // 2], 1),
                          "max": round(res[-1], 1)}), flush=True)
    loop.close()


if __name__ == "__main__":
    main()
