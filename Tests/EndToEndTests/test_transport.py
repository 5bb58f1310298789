#!/usr/bin/env python3
"""Transport e2e tests: the C driver (public API) against fault_server.py.

Usage: test_transport.py [CASE...]   (default: all). Needs E2E_DRIVER (set by scripts/test-e2e.sh).
Every event delivered in any case is also run through Relay's normalizer (relay_check.py).
Prints one line per case, the measured figures, and exits 1 if anything failed.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "CScopeCoreTests"))
import logs_schema  # noqa: E402  the logs protocol check of the C tests

from e2e_lib import (FaultServer, KEY, SLOW, cache_files, client_report_payloads, event_ids, events, free_port,
                     reports, run_driver)

SEEN_EVENTS = []   # every delivered event payload, for the Relay check
FIGURES = {}
VALID_REASONS = {"queue_overflow", "ratelimit_backoff", "network_error", "sample_rate", "before_send",
                 "event_processor", "send_error", "cache_overflow", "internal_sdk_error"}


def check(cond, msg, *detail):
    if not cond:
        raise AssertionError(msg + ("" if not detail else ": " + " ".join(str(d)[:600] for d in detail)))


def collect(srv):
    recs = srv.records()
    SEEN_EVENTS.extend(e for e in events(recs) if e)
    for rep in client_report_payloads(recs):  # the client_report shape Sentry expects
        check(isinstance(rep.get("timestamp"), (int, float)) and rep["discarded_events"], "client report shape", rep)
        for d in rep["discarded_events"]:
            check(d["reason"] in VALID_REASONS and isinstance(d["category"], str) and d["quantity"] > 0,
                  "discarded_events entry", d)
    return recs


# ---------------------------------------------------------------- cases

def case_headers_and_delivery(srv, tmp):
    out, _ = run_driver(["capture", "--count", "5", "--flush-ms", "5000"], srv.dsn)
    recs = collect(srv)
    check(out["flush_rc"] == 0, "flush returned", out["flush_rc"])
    check(sorted(event_ids(recs)) == sorted(out["ids"]), "all 5 events delivered once", event_ids(recs), out["ids"])
    r = recs[0]
    check(r["auth"] == "Sentry sentry_version=7, sentry_client=sentry.cscope/%s, sentry_key=%s"
          % (r["auth"].split("sentry.cscope/")[1].split(",")[0], KEY), "X-Sentry-Auth", r["auth"])
    check(r["encoding"] == "gzip" and r["content_type"] == "application/x-sentry-envelope", "gzip + content type", r)
    check(r["user_agent"].startswith("sentry.cscope/"), "User-Agent", r["user_agent"])
    check(all(x["header"]["event_id"] == x["items"][0]["json"]["event_id"] for x in recs), "envelope/event ids match")
    check(not reports(recs), "no client report when nothing was dropped", reports(recs))
    check(len({x["peer"] for x in recs}) == 1, "one keep-alive connection for all requests", [x["peer"] for x in recs])


def case_down_then_up(srv_unused, tmp):
    port, cache = free_port(), os.path.join(tmp, "cache")
    dsn = "http://%s@127.0.0.1:%d/42" % (KEY, port)
    out, err = run_driver(["capture", "--count", "10", "--shutdown-ms", "2000", "--debug"], dsn, cache)
    check(out["ok"] == 10, "captures accepted", out)
    check(out["close_ms"] < 2300, "csc_close bounded with the server down", out["close_ms"])
    check(len(cache_files(cache)) == 10, "10 envelopes cached", cache_files(cache))
    srv = FaultServer(port)
    try:
        out2, _ = run_driver(["capture", "--count", "0", "--flush-ms", "10000"], dsn, cache)
        recs = collect(srv)
        check(out2["flush_rc"] == 0, "flush after restart", out2)
        check(sorted(set(event_ids(recs))) == sorted(out["ids"]), "every cached event delivered", event_ids(recs))
        check(len(event_ids(recs)) == 10, "each exactly once", event_ids(recs))
        check(cache_files(cache) == [], "cache emptied", cache_files(cache))
    finally:
        srv.stop()


def case_down_midrun(srv, tmp):
    cache = os.path.join(tmp, "cache")
    srv.control(mode="down", count=4)   # 4 connections dropped: the first envelope gives up, then recovery
    out, _ = run_driver(["capture", "--count", "5", "--flush-ms", "20000"], srv.dsn, cache)
    recs = collect(srv)
    check(out["flush_rc"] == 0, "flush completes after the server is back", out)
    check([r["mode"] for r in recs[:4]] == ["down"] * 4, "4 attempts of the first envelope", [r["mode"] for r in recs])
    check(sorted(event_ids(recs)) == sorted(out["ids"]), "every event delivered exactly once (spilled to disk, resent)",
          event_ids(recs))
    check(cache_files(cache) == [], "cache emptied", cache_files(cache))


def case_cache_bound(srv_unused, tmp):
    port, cache = free_port(), os.path.join(tmp, "cache")
    dsn = "http://%s@127.0.0.1:%d/42" % (KEY, port)
    out, _ = run_driver(["capture", "--count", "45", "--shutdown-ms", "2000"], dsn, cache)
    check(len(cache_files(cache)) <= 30, "cache bounded to 30 files", len(cache_files(cache)))
    srv = FaultServer(port)
    try:
        run_driver(["capture", "--count", "0", "--flush-ms", "10000"], dsn, cache)
        recs = collect(srv)
        got, lost = len(set(event_ids(recs))), reports(recs).get(("cache_overflow", "error"), 0)
        check(got >= 25 and got + lost == 45, "delivered + cache_overflow == captured", got, lost)
        check(set(event_ids(recs)) <= set(out["ids"]), "only captured events")
        check(event_ids(recs)[-1] == out["ids"][-1], "the newest were kept (oldest evicted)")
    finally:
        srv.stop()


def case_cache_full_at_shutdown(srv_unused, tmp):
    """A full cache at shutdown: the last client report's file evicts nothing uncounted (soak, issue 14)."""
    port, cache = free_port(), os.path.join(tmp, "cache")
    dsn = "http://%s@127.0.0.1:%d/42" % (KEY, port)
    ids = []
    for run in ("first", "second"):  # the second run finds the cache full and caches 5 more
        out, _ = run_driver(["capture", "--count", "30" if run == "first" else "5", "--run", run,
                             "--shutdown-ms", "1000"], dsn, cache)
        ids += out["ids"]
        check(len(cache_files(cache)) == 30, "the cache full after the %s run" % run, len(cache_files(cache)))
    srv = FaultServer(port)
    try:
        run_driver(["capture", "--count", "0", "--flush-ms", "10000"], dsn, cache)
        recs = collect(srv)
        got, rep = set(event_ids(recs)), reports(recs)
        check(got <= set(ids), "only captured events")
        check(len(got) + rep.get(("cache_overflow", "error"), 0) == 35, "delivered + cache_overflow == captured",
              len(got), rep)
    finally:
        srv.stop()


def case_corrupt_cache(srv, tmp):
    cache = os.path.join(tmp, "cache")
    os.makedirs(cache)
    good_id = "a" * 32
    ev = {"event_id": good_id, "timestamp": time.time(), "platform": "native", "level": "error", "message": "from cache"}
    payload = json.dumps(ev).encode()
    good = json.dumps({"event_id": good_id}).encode() + b"\n" + \
        json.dumps({"type": "event", "length": len(payload)}).encode() + b"\n" + payload + b"\n"
    files = {"00000000000000000001-1-000001.envelope": b"\x00garbage\xff not an envelope",
             "00000000000000000002-1-000002.envelope": good[:len(good) - 20],   # truncated
             "00000000000000000003-1-000003.envelope": good}
    for name, data in files.items():
        open(os.path.join(cache, name), "wb").write(data)
    out, err = run_driver(["capture", "--count", "0", "--flush-ms", "5000", "--debug"], srv.dsn, cache)
    recs = collect(srv)
    check(event_ids(recs) == [good_id], "only the valid cached envelope delivered", event_ids(recs))
    check(err.count("corrupt cache file") == 2, "a diagnostic per corrupt file", err)
    check(cache_files(cache) == [], "corrupt files removed", cache_files(cache))


def case_retry_500(srv, tmp):
    srv.control(mode="500", count=2)
    out, _ = run_driver(["capture", "--count", "1", "--flush-ms", "10000"], srv.dsn)
    recs = collect(srv)
    statuses = [r["status"] for r in recs]
    check(statuses == [500, 500, 200], "retried after 500s", statuses)
    check(len({r["header"]["event_id"] for r in recs}) == 1, "the same envelope retried")
    gaps = [recs[i + 1]["t"] - recs[i]["t"] for i in range(2)]
    check(gaps[0] >= 0.4 and gaps[1] >= 0.9, "exponential backoff between attempts", gaps)
    check(event_ids(recs) == out["ids"], "delivered")


def case_429_retry_after(srv, tmp):
    srv.control(mode="429", count=1, retry_after="2")
    out, _ = run_driver(["capture", "--plan", "1,sleep:300,3,sleep:2300,1", "--flush-ms", "5000"], srv.dsn)
    recs = collect(srv)
    check(recs[0]["status"] == 429, "first answered 429", recs[0])
    t0 = recs[0]["t"]
    inside = [r for r in recs[1:] if r["t"] < t0 + 1.95]
    check(not inside, "nothing sent inside the Retry-After window", inside)
    check(event_ids(recs) == [out["ids"][-1]], "the event after the window delivered", event_ids(recs))
    check(reports(recs).get(("ratelimit_backoff", "error")) == 3, "3 held-back events reported", reports(recs))


def case_ratelimit_one_category(srv, tmp):
    srv.control(mode="ratelimit", count=1, rate_limits="60:attachment:key:quota_exceeded")
    out, _ = run_driver(["capture", "--plan", "1,sleep:300,3", "--attachment", "1000", "--flush-ms", "5000"], srv.dsn)
    recs = collect(srv)
    check(sorted(event_ids(recs)) == sorted(out["ids"]), "every event still delivered", event_ids(recs))
    types = [[it["header"]["type"] for it in r["items"]] for r in recs]
    check(types[0] == ["event", "attachment"], "first envelope complete", types)
    check(all("attachment" not in t for t in types[1:]), "attachments held back afterwards", types)
    check(reports(recs).get(("ratelimit_backoff", "attachment")) == 3000, "attachment bytes reported", reports(recs))


def case_ratelimit_transactions(srv, tmp):
    """A `transaction` limit holds transactions back (counted with their spans + 1 as `span`s), not errors."""
    srv.control(mode="ratelimit", count=1, rate_limits="60:transaction:key:quota_exceeded")
    out, _ = run_driver(["capture", "--plan", "1,sleep:300,3", "--tx-spans", "2", "--flush-ms", "5000"], srv.dsn)
    recs = collect(srv)
    check(sorted(event_ids(recs)) == sorted(out["ids"]), "every error event still delivered", event_ids(recs))
    sent = [it for r in recs if r.get("status") == 200 for it in r.get("items", []) if it["header"].get("type") == "transaction"]
    limited = reports(recs).get(("ratelimit_backoff", "transaction"), 0)
    check(limited >= 3 and limited + len(sent) == 4, "transactions held back and counted", limited, len(sent))
    check(reports(recs).get(("ratelimit_backoff", "span")) == 3 * limited, "their spans + 1 counted as spans", reports(recs))


def log_items(recs):
    """(item header, payload) of every `log` item the server accepted."""
    return [(it["header"], it["json"]) for r in recs if r.get("status") == 200 for it in r.get("items", [])
            if it["header"].get("type") == "log"]


def case_logs_delivered(srv, tmp):
    """Sentry Logs over HTTP: 250 lines in envelopes of at most 100, item_count headers, the logs protocol."""
    out, _ = run_driver(["capture", "--count", "5", "--logs", "50", "--flush-ms", "5000"], srv.dsn)
    recs = collect(srv)
    items = log_items(recs)
    check(sum(h.get("item_count", 0) for h, _ in items) == 250, "250 lines declared", [h for h, _ in items])
    check(all(h.get("item_count") == len(p["items"]) <= 100 for h, p in items), "item_count per item, <= 100",
          [h for h, _ in items])
    check(all(h.get("content_type") == "application/vnd.sentry.items.log+json" for h, _ in items), "content type")
    bodies = [i["body"] for _, p in items for i in p["items"]]
    check(sorted(bodies) == sorted("e2e log %d.%d" % (i, k) for i in range(5) for k in range(50)), "every line once")
    errs = []
    for n, (_, p) in enumerate(items):
        logs_schema.check_payload(p, errs, "log item %d" % n)
    check(not errs, "the logs protocol", errs[:5])
    check(sorted(event_ids(recs)) == sorted(out["ids"]), "the events too", event_ids(recs))


def case_ratelimit_logs(srv, tmp):
    """A `log_item` limit holds log items back (counted as log_item and log_byte), not errors."""
    srv.control(mode="ratelimit", count=1, rate_limits="60:log_item:key:quota_exceeded")
    out, _ = run_driver(["capture", "--plan", "1,sleep:300,3", "--logs", "5", "--flush-ms", "5000"], srv.dsn)
    recs = collect(srv)
    check(sorted(event_ids(recs)) == sorted(out["ids"]), "every error event still delivered", event_ids(recs))
    check(not log_items(recs), "no log item after the limit", log_items(recs))
    rep = reports(recs)
    check(rep.get(("ratelimit_backoff", "log_item")) == 20, "20 lines counted", rep)
    check(rep.get(("ratelimit_backoff", "log_byte"), 0) > 20 * 50, "and their bytes", rep)


def case_stall_close(srv, tmp):
    cache = os.path.join(tmp, "cache")
    srv.control(mode="stall", stall_s=10, count=1)
    out, _ = run_driver(["capture", "--count", "20", "--shutdown-ms", "2000"], srv.dsn, cache)
    FIGURES["stall: capture latency ns (p50/p99/max)"] = out["lat_ns"]
    FIGURES["stall: csc_close ms (shutdown timeout 2000)"] = out["close_ms"]
    check(out["lat_ns"]["p99"] < 500_000 * SLOW, "captures return in microseconds while the worker is stuck", out["lat_ns"])
    check(out["close_ms"] < 2100, "csc_close returns within the shutdown timeout", out["close_ms"])
    check(len(cache_files(cache)) == 20, "the 20 unsent envelopes cached", len(cache_files(cache)))
    out2, _ = run_driver(["capture", "--count", "0", "--flush-ms", "10000"], srv.dsn, cache)
    recs = collect(srv)
    check(set(event_ids(recs)) == set(out["ids"]), "all delivered after restart", len(set(event_ids(recs))))


def case_flood(srv, tmp):
    srv.control(mode="stall", stall_s=5, count=1)
    n = 100_000
    out, _ = run_driver(["capture", "--count", str(n), "--no-ids", "--flush-ms", "20000", "--shutdown-ms", "2000"],
                        srv.dsn, timeout=180)
    recs = collect(srv)
    rss_growth = out["rss_kb"]["after_captures"] - out["rss_kb"]["start"]
    FIGURES["flood: capture latency ns, worker stalled (p50/p99/max)"] = out["lat_ns"]
    FIGURES["flood: RSS kB start/after 100k captures/peak"] = out["rss_kb"]
    check(out["ok"] == n, "captures accepted without blocking", out)
    if not os.environ.get("CSC_SANITIZE"):  # ASan's quarantine keeps freed memory: RSS means nothing there
        check(rss_growth < 30_000, "RSS bounded during the flood", out["rss_kb"])
    delivered = len(set(event_ids(recs)))
    overflow = reports(recs).get(("queue_overflow", "error"), 0)
    FIGURES["flood: delivered / queue_overflow reported"] = [delivered, overflow]
    check(overflow > n // 2, "overflow counted", overflow)
    check(delivered + overflow == n, "delivered + queue_overflow == captured", delivered, overflow)


def case_overflow_attachments(srv, tmp):
    """Events dropped from a full queue before they were rendered: their attachments are counted too (soak, issue 14)."""
    srv.control(mode="stall", stall_s=1.5, count=1)
    out, _ = run_driver(["capture", "--plan", "1,sleep:300,9", "--queue", "2", "--attachment", "1000",
                         "--flush-ms", "10000"], srv.dsn)
    recs = collect(srv)
    delivered = len(set(event_ids(recs)))
    sent_bytes = sum(it["len"] for r in recs if r.get("status") == 200 for it in r.get("items", [])
                     if it["header"].get("type") == "attachment")
    rep = reports(recs)
    check(rep.get(("queue_overflow", "error"), 0) == 10 - delivered and delivered < 10, "events overflowed", rep)
    check(sent_bytes + rep.get(("queue_overflow", "attachment"), 0) == 10 * 1000,
          "attachment bytes: sent + queue_overflow == captured", sent_bytes, rep)


def case_report_lost_with_envelope(srv, tmp):
    """A client report riding on an envelope the server rejects (500 until given up) is sent again later (soak)."""
    srv.control(script=["stall", "500", "500", "500", "500"], stall_s=1.5)
    out, _ = run_driver(["capture", "--plan", "1,sleep:300,4", "--queue", "1", "--flush-ms", "15000"], srv.dsn)
    recs = collect(srv)
    rep = reports(recs)
    delivered = len(set(event_ids(recs)))
    check([r["status"] for r in recs][:5] == [200, 500, 500, 500, 500], "stall, then 4 x 500",
          [r["status"] for r in recs])
    check(rep.get(("send_error", "error")) == 1, "the rejected event counted", rep)
    check(delivered + sum(q for (reason, cat), q in rep.items() if cat == "error") == 5,
          "delivered + reported == captured (the report on the rejected envelope not lost)", delivered, rep)


def case_throughput(srv, tmp):
    n = 3000
    out, _ = run_driver(["capture", "--count", str(n), "--queue", str(n), "--no-ids", "--flush-ms", "60000"], srv.dsn)
    recs = collect(srv)
    check(len(event_ids(recs)) == n and out["flush_rc"] == 0, "all delivered", len(event_ids(recs)))
    FIGURES["throughput: events/s to a local 200-server (python, keep-alive)"] = round(n / (out["flushed_ms"] / 1000))
    FIGURES["throughput: capture latency ns while the worker sends (p50/p99/max)"] = out["lat_ns"]


def case_http_proxy(srv, tmp):
    dsn = "http://%s@origin.invalid:9/42" % KEY   # unresolvable: only the proxy can deliver it
    out, _ = run_driver(["capture", "--count", "2", "--flush-ms", "5000", "--proxy", srv.base], dsn)
    recs = collect(srv)
    check(sorted(event_ids(recs)) == sorted(out["ids"]), "delivered through the proxy", event_ids(recs))
    check(all(r["proxied"] and r["host"] == "origin.invalid:9" for r in recs), "sent as a proxy request", recs[0])


def case_tls_verified(srv_unused, tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    srv = FaultServer(tls=(cert, key))
    try:
        out, _ = run_driver(["capture", "--count", "1", "--flush-ms", "1000", "--shutdown-ms", "300"], srv.dsn)
        check(srv.records() == [], "an unknown CA is refused (TLS verification on)", srv.records())
        out, _ = run_driver(["capture", "--count", "1", "--flush-ms", "5000", "--ca-certs", cert], srv.dsn)
        recs = collect(srv)
        check(event_ids(recs) == out["ids"], "delivered over HTTPS with ca_certs", event_ids(recs))
    finally:
        srv.stop()


# Issue 16: X-Sentry-Rate-Limits entries no peer can parse, on every (200) response.
GARBAGE_RATE_LIMITS = "invalid, ,,, 50, A1:transaction:key, Garb age13$@#"


def case_ratelimit_unparsable(srv, tmp):
    srv.control(mode="ratelimit", rate_limits=GARBAGE_RATE_LIMITS)  # no count: every response
    out, _ = run_driver(["capture", "--plan", "1,sleep:300,1,sleep:300,2", "--flush-ms", "5000"], srv.dsn)
    recs = collect(srv)
    check(all(r["mode"] == "ratelimit" for r in recs), "every response carried the header", [r["mode"] for r in recs])
    check(sorted(event_ids(recs)) == sorted(out["ids"]) and len(out["ids"]) == 4, "no event lost", event_ids(recs), out["ids"])
    check(not reports(recs), "nothing reported as dropped", reports(recs))


def case_dsn_query_string(srv, tmp):
    dsn = srv.dsn + "?x=y#fragment"  # accepted by sentry-python and sentry-native: query and fragment ignored
    out, _ = run_driver(["capture", "--count", "2", "--flush-ms", "5000"], dsn)
    recs = collect(srv)
    check(out["flush_rc"] == 0, "flush returned", out["flush_rc"])
    check(sorted(event_ids(recs)) == sorted(out["ids"]) and len(out["ids"]) == 2, "both events delivered", event_ids(recs))
    check({r["path"] for r in recs} == {"/api/42/envelope/"}, "posted to the envelope endpoint", {r["path"] for r in recs})


CASES = [case_headers_and_delivery, case_retry_500, case_429_retry_after, case_ratelimit_one_category,
         case_ratelimit_transactions, case_logs_delivered, case_ratelimit_logs,
         case_ratelimit_unparsable, case_dsn_query_string,
         case_corrupt_cache, case_down_then_up, case_down_midrun, case_cache_bound,
         case_cache_full_at_shutdown, case_stall_close, case_flood,
         case_overflow_attachments, case_report_lost_with_envelope, case_throughput,
         case_http_proxy, case_tls_verified]


def relay_check_all():
    import relay_check
    bad = {}
    for ev in SEEN_EVENTS:
        f = relay_check.check_event(ev)
        if f:
            bad[ev.get("event_id")] = f
    return bad


def main(argv):
    wanted = [c for c in CASES if not argv or c.__name__.replace("case_", "") in argv]
    failed = 0
    for case in wanted:
        tmp = tempfile.mkdtemp(prefix="csc-e2e-")
        srv = FaultServer()
        t0 = time.time()
        try:
            case(srv, tmp)
            print("PASS %-28s %.1fs" % (case.__name__[5:], time.time() - t0), flush=True)
        except Exception:  # noqa: BLE001
            failed += 1
            print("FAIL %-28s %.1fs\n%s" % (case.__name__[5:], time.time() - t0, traceback.format_exc()), flush=True)
        finally:
            srv.stop()
            shutil.rmtree(tmp, ignore_errors=True)
    unique = {e.get("event_id"): e for e in SEEN_EVENTS if e.get("message", "").startswith("e2e ")}
    SEEN_EVENTS[:] = list(unique.values())[:200]
    bad = relay_check_all()
    if bad:
        failed += 1
        print("FAIL relay_normalizer: %d events repaired/rejected: %s" % (len(bad), json.dumps(bad)[:2000]))
    else:
        print("PASS relay_normalizer (%d distinct events clean)" % len(SEEN_EVENTS))
    print("figures: " + json.dumps(FIGURES, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main(sys.argv[1:]))
