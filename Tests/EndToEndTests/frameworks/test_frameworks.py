#!/usr/bin/env python3
"""The example servers (sentry-example-hummingbird, sentry-example-vapor) end to end, against real peers:

  trace-in      a Python service (Flask + sentry-sdk 2.75.0 on waitress, py_service.py) calls our /hello/:name
                inside its transaction: our http.server transaction has its trace_id, its parent is the Python
                http.client span, its envelope carries the Python head's DSC
  trace-out     our /call?url= calls the Python service: its transaction continues our trace, its parent is
                our http.client span; /call answers the callee's status
  concurrency   200 concurrent /fail/:id with distinct ids: one unhandled error per id, carrying only its own
                tag example.id, breadcrumb "handling <id>" and request URL; in its transaction's trace
  bad-headers   malformed sentry-trace / baggage / traceparent (garbage, too long, wrong lengths, bad bytes):
                200 and a new trace each
  huge-header   a 1 MB header: answered with an error status or the connection closed; still serving
  disconnects   clients that leave mid-request line, mid-body, mid-handler and with a reset: still serving
  timeout       with --request-timeout 1, a handler that sleeps past it while /hello keeps answering: its
                transaction finished at the deadline with deadline_exceeded, a RequestTimeout error in its trace;
                Hummingbird's handler cancelled and answered 503 (Vapor's runs in a task no middleware can
                cancel: it answers late, as it is)
  shutdown      SIGTERM (and SIGINT) right after requests that fail: the process exits within a few seconds,
                code 0 (or the signal), and the events of those requests are in the outbox (flushed)
  relay         Relay's normalizer (relay_check.py) accepts every event and transaction the server wrote,
                unchanged
  bugsink       with SENTRY_DSN = a Bugsink DSN: /fail/:id's error is stored by Bugsink, read back
                (bugsink_read.py) field by field
Every server process is stopped gracefully at the end of its check, and its exit checked.

Usage: test_frameworks.py BIN_DIR [--bugsink-dsn DSN] [--servers hummingbird,vapor] [--keep]
  BIN_DIR holds sentry-example-hummingbird and sentry-example-vapor. Without --bugsink-dsn the bugsink
  check is skipped (scripts/test-frameworks-e2e.sh starts Bugsink and passes it). Run with the python of
  .venv/e2e (sentry-relay, sentry-sdk, flask, waitress, requests, bugsink).
Prints PASS/FAIL per check and per server, then "N passed, N failed"; exits 1 on any failure.
"""
import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import relay_check  # noqa: E402
from e2e_lib import FaultServer, bugsink_events, check, free_port  # noqa: E402  (clears proxy variables)

SERVERS = ("hummingbird", "vapor")
CONCURRENT = 200
HEX32 = re.compile(r"^[0-9a-f]{32}$")
EXIT_LIMIT = 8.0  # seconds from the signal to the exit (the SDK's flush alone may take up to 5 s)
TOKEN = secrets.token_hex(3)  # tells this run's ids apart from any other run's
STARTED = []  # every process this driver started: killed at the end, whatever happened


# ------------------------------------------------------------------ processes


def wait_for(what, predicate, timeout, interval=0.05):
    """predicate()'s first truthy value within `timeout` s, else AssertionError."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("timed out (%.0f s) waiting for %s" % (timeout, what))
        time.sleep(interval)


def get(port, path, headers=None, timeout=15):
    """GET http://127.0.0.1:port/path -> (status, body text)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in (headers or []):
            c.putheader(name, value)
        c.endheaders()
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        c.close()


class Example:
    """One example server process on a free port; stdout/stderr in WORK/server.log."""

    def __init__(self, bindir, server, work, dsn=None, args=()):
        self.server, self.work = server, work
        os.makedirs(work, exist_ok=True)
        self.outbox = None if dsn else os.path.join(work, "outbox")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
        env["SENTRY_TRACES_SAMPLE_RATE"] = "1.0"
        if dsn:
            env["SENTRY_DSN"] = dsn
        else:
            env["SENTRY_OUTBOX"] = self.outbox
        self.port = free_port()
        self.log_path = os.path.join(work, "server.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([os.path.join(bindir, "sentry-example-" + server), "--port", str(self.port), *args],
                                     cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        STARTED.append(self.proc)
        self.exit = None

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("%s exited at start (%s): %s" % (server, self.proc.returncode, self.log_tail()))
            try:
                return get(self.port, "/hello/ready", timeout=2)[0] == 200
            except OSError:
                return False

        try:
            wait_for("%s to serve on port %d" % (server, self.port), ready, 30, 0.1)
        except BaseException:
            self.kill()
            raise

    def log_tail(self, n=1500):
        try:
            return open(self.log_path, "rb").read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        """Sends `sig` and checks a graceful exit: within EXIT_LIMIT s, code 0 or the signal's. Returns seconds."""
        if self.exit is not None:
            return self.exit
        check(self.alive(), "%s still running before its shutdown" % self.server, self.proc.returncode, self.log_tail())
        t0 = time.time()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(EXIT_LIMIT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("%s did not exit within %.0f s of %s" % (self.server, EXIT_LIMIT, sig.name))
        self.exit = time.time() - t0
        self.log.close()
        check(rc in (0, -sig), "%s exits with 0 or %s after %s" % (self.server, sig.name, sig.name), rc, self.log_tail())
        check("Fatal error" not in self.log_tail(100000), "no Swift runtime error in the log", self.log_tail())
        return self.exit

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if not self.log.closed:
            self.log.close()


class PyService:
    """py_service.py (this python, so the venv's sentry-sdk) on a free port, its DSN the sink's."""

    def __init__(self, dsn, work):
        port_file = os.path.join(work, "py-service.port")
        self.log = open(os.path.join(work, "py-service.log"), "wb")
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "py_service.py"), "--dsn", dsn,
                                      "--port-file", port_file], stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        STARTED.append(self.proc)

        def started():
            check(self.proc.poll() is None, "the Python service runs", open(self.log.name, errors="replace").read()[-1500:])
            return os.path.exists(port_file)

        wait_for("the Python service to serve", started, 30)
        self.port = int(open(port_file).read())
        wait_for("the Python service's /health", lambda: self._health(), 10)
        self.base = "http://127.0.0.1:%d" % self.port

    def _health(self):
        try:
            return get(self.port, "/health", timeout=2)[0] == 200
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


# ------------------------------------------------------------------ envelopes


def read_outbox(folder):
    """[(envelope header, item type, payload JSON, file)] of every event and transaction in the outbox."""
    out = []
    if not folder or not os.path.isdir(folder):
        return out
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".envelope"):
            continue
        path = os.path.join(folder, name)
        header, items = relay_check.split_envelope(open(path, "rb").read())
        for ih, payload in items:
            if ih.get("type") in ("event", "transaction"):
                out.append((header, ih["type"], json.loads(payload), path))
    return out


def request_url(payload):
    return (payload.get("request") or {}).get("url") or ""


def by_url_suffix(items, kind, suffix):
    """The (header, payload) of the items of `kind` whose request.url ends with `suffix`."""
    return [(h, p) for h, t, p, _ in items if t == kind and request_url(p).endswith(suffix)]


def one(found, what):
    check(len(found) == 1, "exactly one %s" % what, len(found), [p.get("request") for _, p in found][:3])
    return found[0]


def sink_transactions(sink, case):
    """(envelope header, transaction) pairs the Python service sent for `case`."""
    out = []
    for r in sink.records():
        for it in r.get("items") or []:
            js = it.get("json")
            if it["header"].get("type") == "transaction" and js and (js.get("tags") or {}).get("case") == case:
                out.append((r.get("header") or {}, js))
    return out


# ------------------------------------------------------------------ checks


class Run:
    def __init__(self, bindir, work, sink, py, bugsink_dsn):
        self.bindir, self.work, self.sink, self.py, self.bugsink_dsn = bindir, work, sink, py, bugsink_dsn
        self.passed = self.failed = 0
        self.outboxes = {s: [] for s in SERVERS}

    def report(self, server, name, fn):
        t0 = time.time()
        try:
            detail = fn()
        except Exception as e:  # noqa: BLE001 - every failure is one FAIL line
            self.failed += 1
            msg = str(e) if isinstance(e, AssertionError) else "%s: %s" % (type(e).__name__, e)
            print("FAIL %-11s %-12s %s" % (server, name, msg), flush=True)
            return False
        self.passed += 1
        print("PASS %-11s %-12s %s (%.1f s)" % (server, name, detail, time.time() - t0), flush=True)
        return True

    def example(self, server, check_name, dsn=None, args=()):
        ex = Example(self.bindir, server, os.path.join(self.work, server, check_name), dsn, args)
        if ex.outbox:
            self.outboxes[server].append(ex.outbox)
        return ex

    # -------------------------------------------------------------- 1. traces across the peers

    def tracing(self, server):
        case_in, case_out = "%s-in-%s" % (server, TOKEN), "%s-out-%s" % (server, TOKEN)
        state = {}

        def drive():
            ex = self.example(server, "tracing")
            try:
                target = "http://127.0.0.1:%d/hello/%s" % (ex.port, case_in)
                status, body = get(self.py.port, "/upstream?" + urllib.parse.urlencode({"case": case_in, "target": target}))
                check(status == 200, "the Python service's /upstream answers", status, body)
                state["upstream"] = json.loads(body)
                check(state["upstream"]["status"] == 200 and state["upstream"]["body"] == "hello " + case_in,
                      "our /hello answered the Python service", state["upstream"])
                callee = "%s/downstream?case=%s&status=203" % (self.py.base, case_out)
                status, body = get(ex.port, "/call?" + urllib.parse.urlencode({"url": callee}))
                check(status == 203 and body.strip() == "203", "/call answers the callee's status (203)", status, body)
                status, body = get(self.py.port, "/received/" + case_out)
                check(status == 200, "the Python service saw our call", status, body)
                state["received"] = json.loads(body)
                ex.stop()
            finally:
                ex.kill()
            state["ours"] = read_outbox(ex.outbox)
            state["py_in"] = wait_for("the Python transaction of %s at the sink" % case_in,
                                      lambda: sink_transactions(self.sink, case_in), 15, 0.2)
            state["py_out"] = wait_for("the Python transaction of %s at the sink" % case_out,
                                       lambda: sink_transactions(self.sink, case_out), 15, 0.2)

        def trace_in():
            if "py_out" not in state:
                drive()
            py_header, py_tx = one(state["py_in"], "Python transaction for " + case_in)
            trace_id = py_tx["contexts"]["trace"]["trace_id"]
            clients = [s for s in py_tx.get("spans") or []
                       if s.get("op") == "http.client" and "/hello/" + case_in in (s.get("description") or "")]
            check(len(clients) == 1, "one Python http.client span for the call", py_tx.get("spans"))
            client_span = clients[0]["span_id"]
            header, tx = one(by_url_suffix(state["ours"], "transaction", "/hello/" + case_in), "our /hello transaction")
            got = {k.lower(): v for k, v in (tx["request"].get("headers") or {}).items()}
            check((got.get("sentry-trace") or "").startswith("%s-%s" % (trace_id, client_span)),
                  "we received sentry-trace <its trace>-<its http.client span>", got)
            check("sentry-trace_id=" + trace_id in (got.get("baggage") or ""), "and its baggage", got)
            trace = tx["contexts"]["trace"]
            check(trace["op"] == "http.server", "our transaction is http.server", trace)
            check(trace["trace_id"] == trace_id, "our transaction has the Python transaction's trace_id",
                  trace["trace_id"], trace_id)
            check(trace.get("parent_span_id") == client_span, "its parent is the Python http.client span",
                  trace.get("parent_span_id"), client_span)
            dsc = header.get("trace") or {}
            check(dsc.get("trace_id") == trace_id and dsc.get("release") == "py-service@1.0"
                  and dsc.get("public_key") == py_header.get("trace", {}).get("public_key"),
                  "our envelope carries the Python head's DSC (frozen)", dsc, py_header.get("trace"))
            return "trace %s, parent = Python http.client span %s" % (trace_id, client_span)

        def trace_out():
            if "py_out" not in state:
                raise AssertionError("the traffic did not run (see trace-in)")
            header, tx = one(by_url_suffix(state["ours"], "transaction", "/call"), "our /call transaction")
            trace = tx["contexts"]["trace"]
            clients = [s for s in tx.get("spans") or [] if s.get("op") == "http.client"]
            check(len(clients) == 1, "one http.client span in our /call transaction", tx.get("spans"))
            span = clients[0]
            check(span["trace_id"] == trace["trace_id"] and span["parent_span_id"] == trace["span_id"],
                  "our http.client span is a child of our transaction", span, trace)
            check("/downstream" in span.get("description", "") and (span.get("data") or {}).get("http.response.status_code") == 203,
                  "our http.client span names the call and its status", span)
            received = state["received"]
            check((received.get("sentry-trace") or "").startswith("%s-%s" % (trace["trace_id"], span["span_id"])),
                  "the Python service received sentry-trace <our trace>-<our http.client span>", received)
            check("sentry-trace_id=" + trace["trace_id"] in (received.get("baggage") or ""), "and our baggage", received)
            py_header, py_tx = one(state["py_out"], "Python transaction for " + case_out)
            py_trace = py_tx["contexts"]["trace"]
            check(py_trace["trace_id"] == trace["trace_id"], "the Python transaction continues our trace",
                  py_trace["trace_id"], trace["trace_id"])
            check(py_trace.get("parent_span_id") == span["span_id"], "its parent is our http.client span",
                  py_trace.get("parent_span_id"), span["span_id"])
            py_dsc = py_header.get("trace") or {}
            check(py_dsc.get("trace_id") == trace["trace_id"] and py_dsc.get("release") == tx["release"],
                  "the Python envelope carries our DSC", py_dsc)
            return "trace %s, Python parent = our http.client span %s" % (trace["trace_id"], span["span_id"])

        self.report(server, "trace-in", trace_in)
        self.report(server, "trace-out", trace_out)

    # -------------------------------------------------------------- 2. isolation under concurrency

    def concurrency(self, server):
        ids = ["%s-%03d-%s" % (server[:2], i, TOKEN) for i in range(CONCURRENT)]
        id_pattern = re.compile(r"%s-\d{3}-%s" % (server[:2], TOKEN))

        def run():
            ex = self.example(server, "concurrency")
            try:
                barrier = threading.Barrier(CONCURRENT, timeout=30)
                statuses = {}

                def one_request(i):
                    c = http.client.HTTPConnection("127.0.0.1", ex.port, timeout=60)
                    try:
                        c.connect()  # all connected first, then all sent at once
                        barrier.wait()
                        c.request("GET", "/fail/" + ids[i])
                        r = c.getresponse()
                        r.read()
                        statuses[ids[i]] = r.status
                    except Exception as e:  # noqa: BLE001 - recorded
                        statuses[ids[i]] = repr(e)
                    finally:
                        c.close()

                threads = [threading.Thread(target=one_request, args=(i,), daemon=True) for i in range(CONCURRENT)]
                for t in threads:
                    t.start()
                deadline = time.time() + 90
                for t in threads:
                    t.join(max(0.1, deadline - time.time()))
                check(not any(t.is_alive() for t in threads), "all %d requests finished within 90 s" % CONCURRENT)
                bad = {k: v for k, v in statuses.items() if v != 500}
                check(len(statuses) == CONCURRENT and not bad, "every /fail request answered 500", len(statuses), bad)
                ex.stop()
            finally:
                ex.kill()
            items = read_outbox(ex.outbox)
            errors = [(h, p) for h, t, p, _ in items if t == "event"]
            txs = {request_url(p).rsplit("/", 1)[-1]: p for h, t, p, _ in items if t == "transaction"}
            txs = {k: v for k, v in txs.items() if k in ids}
            check(len(errors) == CONCURRENT, "one error event per request", len(errors))
            seen = set()
            for header, e in errors:
                url = request_url(e)
                own = url.rsplit("/", 1)[-1]
                check(own in ids and url.endswith("/fail/" + own), "the error's request.url ends with /fail/<id>", url)
                check(own not in seen, "one error for " + own)
                seen.add(own)
                check((e.get("tags") or {}).get("example.id") == own, "%s: tag example.id is its own" % own, e.get("tags"))
                crumbs = [c.get("message") for c in (e.get("breadcrumbs") or {}).get("values") or []]
                handling = [c for c in crumbs if c and c.startswith("handling ")]
                check(handling == ["handling " + own], "%s: exactly its own breadcrumb" % own, crumbs)
                exc = e["exception"]["values"][-1]
                check(exc.get("value") == "example failure " + own, "%s: its own exception" % own, exc.get("value"))
                mech = exc.get("mechanism") or {}
                check(mech.get("handled") is False and mech.get("type") == server,
                      "%s: mechanism {type: %s, handled: false}" % (own, server), mech)
                others = set(id_pattern.findall(json.dumps(e))) - {own}
                check(not others, "%s: nothing of another request's" % own, sorted(others)[:5])
                tx = txs.get(own)
                check(tx is not None, "%s: its transaction was written" % own)
                check(e["contexts"]["trace"]["trace_id"] == tx["contexts"]["trace"]["trace_id"]
                      and (header.get("trace") or {}).get("trace_id") == tx["contexts"]["trace"]["trace_id"],
                      "%s: the error is in its transaction's trace" % own, e["contexts"]["trace"], tx["contexts"]["trace"])
                check(tx["contexts"]["trace"].get("status") == "internal_error"
                      and (tx.get("contexts", {}).get("response") or {}).get("status_code") == 500,
                      "%s: the transaction's status is 500" % own, tx["contexts"])
            check(len({p["contexts"]["trace"]["trace_id"] for p in txs.values()}) == CONCURRENT,
                  "every request has its own trace")
            overlap = max_overlap([(iso_time(p["start_timestamp"]), iso_time(p["timestamp"])) for p in txs.values()])
            check(overlap >= 10, "the requests overlapped in the server (10 or more in flight at once)", overlap)
            return "%d concurrent /fail (up to %d in flight at once): %d errors, each with only its own tag, " \
                "breadcrumb and URL, unhandled, in its own trace" % (CONCURRENT, overlap, len(errors))

        self.report(server, "concurrency", run)

    # -------------------------------------------------------------- 5. bad input

    BOGUS_TRACE = "0123456789abcdef0123456789abcdef"
    BOGUS_SPAN = "0123456789abcdef"

    def bad_header_cases(self):
        t, s = self.BOGUS_TRACE, self.BOGUS_SPAN
        st = [  # malformed sentry-trace values: sentry-python's parser rejects each (checked below)
            "garbage", "x" * 8000, t[:-1] + "-" + s + "-1", t + "0-" + s + "-1", t + "-" + s[:-1] + "-1",
            t + "-" + s + "0-1", (t + "-" + s).upper() + "-1", t[:-1] + "g-" + s + "-1", t + "-" + s + "-2",
            t + "-" + s + "-1-extra", "\xff\xfe" + t + "-" + s + "-1", "\t,,;;" + t + "=" + s, "-" * 200,
        ]
        from sentry_sdk.tracing_utils import extract_sentrytrace_data
        for v in st:
            check(extract_sentrytrace_data(v) is None, "test premise: sentry-python rejects sentry-trace %r" % v[:60])
        tp = [  # malformed traceparent values (W3C)
            "garbage", "00-%s-%s" % (t, s), "00-%s-%s-01" % ("0" * 32, s), "00-%s-%s-01" % (t, "0" * 16),
            "ff-%s-%s-01" % (t, s), "00-%s0-%s-01" % (t, s), "00-%s-%s-0" % (t, s), "00-%s-%s-01" % (t.upper(), s),
            "t" * 8000,
        ]
        bag = [  # baggage alone (no trace to continue) and with broken trace headers
            "sentry-trace_id=%s,sentry-sampled=true,;;,===,%%ZZ,sentry-sample_rate=abc,sentry-release=bogus" % t,
            ",".join("sentry-k%d=%s" % (i, "v" * 50) for i in range(1200)),  # ~66 KB
            "\xff\xfe=\xfd,sentry-release=%ff%fe",
        ]
        cases = [[("sentry-trace", v)] for v in st] + [[("traceparent", v)] for v in tp] + [[("baggage", v)] for v in bag]
        cases += [
            [("sentry-trace", "garbage"), ("traceparent", "00-xyz"), ("baggage", "sentry-trace_id=" + t)],
            [("sentry-trace", "a"), ("sentry-trace", "b"), ("baggage", "sentry-release=bogus")],  # two bad values
            [("sentry-trace", ""), ("traceparent", "")],
        ]
        return cases

    def bad_input(self, server):
        state = {}

        def drive():
            ex = state["ex"] = self.example(server, "bad-input")
            cases = self.bad_header_cases()
            state["cases"] = []
            for i, headers in enumerate(cases):
                name = "bad-%02d-%s" % (i, TOKEN)
                status, body = get(ex.port, "/hello/" + name, headers)
                check(status == 200 and body == "hello " + name, "malformed headers %r: 200" % (
                    [(k, v[:50]) for k, v in headers]), status, body[:200])
                state["cases"].append((name, headers))
            # Requests past Relay's limits on the request interface (url 256 characters, headers
            # 8 KB, query 1 KB): answered, and (relay check) written so that Relay changes nothing.
            long_name = "long-%s-%s" % (TOKEN, "n" * 600)
            many = [("X-Header-%03d" % i, "v" * 100) for i in range(150)]
            query = "&".join(["k%03d=%s" % (i, "q" * 20) for i in range(100)] + ["big=" + "%41" * 1000])
            state["long"] = [
                ("/hello/" + long_name, [], 200, "a 600-character path"),
                ("/hello/longq-%s?%s" % (TOKEN, query), [], 200, "a 5 KB query string"),
                ("/hello/headers-%s" % TOKEN, many, 200, "150 headers of 100 bytes"),
                ("/hello/utf8-%s" % TOKEN, [("X-Utf8", "\u00e9" * 20000)], 200, "a 40 KB header of 2-byte characters"),
                # no digits: Relay replaces digit-bearing segments of a transaction named by its URL
                ("/nope/%s" % ("p" * 600), [], 404, "an unmatched 600-character path"),
            ]
            for path, headers, expected, what in state["long"]:
                status, _ = get(ex.port, path, [(k, v.encode("utf-8").decode("latin-1")) for k, v in headers])
                check(status == expected, "%s: %d" % (what, expected), status)

        def bad_headers():
            try:
                drive()
            except BaseException:
                if "ex" in state:
                    state["ex"].kill()
                raise
            return ("%d requests with malformed trace headers answered 200 (traces checked after shutdown); "
                    "long path, query, headers answered" % len(state["cases"]))

        def huge_header():
            ex = state.get("ex")
            check(ex is not None and ex.alive(), "the server is up")
            outcomes = []
            for name in ("x-big", "sentry-trace", "baggage"):
                outcome = probe_huge_header(ex.port, name, 1 << 20)
                check(re.match(r"answered [45]|closed|reset", outcome),
                      "a 1 MB %s header: an error status or a closed connection" % name, outcome)
                outcomes.append("%s: %s" % (name, outcome))
                check(ex.alive(), "still running after the 1 MB %s header" % name, ex.log_tail())
                status, body = get(ex.port, "/hello/after-big")
                check(status == 200, "still serving after the 1 MB %s header" % name, status, body)
            return "; ".join(outcomes) + "; /hello still 200"

        def disconnects():
            ex = state.get("ex")
            check(ex is not None and ex.alive(), "the server is up")
            leave(ex.port, b"GET /hello/partial-requ")  # mid request line
            leave(ex.port, b"GET /hello/partial HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ab")  # mid headers
            leave(ex.port, b"POST /hello/body HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nabc")  # mid body
            slow = "%s/slow?s=1.5" % self.py.base
            leave(ex.port, ("GET /call?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % urllib.parse.urlencode({"url": slow})).encode(),
                  wait=0.3)  # while the handler awaits its upstream call
            leave(ex.port, b"GET /fail/reset-%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % TOKEN.encode(), reset=True)
            for _ in range(5):  # many at once, half-sent
                threads = [threading.Thread(target=leave, args=(ex.port, b"GET /hello/burst HTTP/1.1\r\nHo"), daemon=True)
                           for _ in range(20)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(10)
            status, body = get(ex.port, "/hello/after-disconnects")
            check(status == 200, "serving right after the disconnects", status, body)
            time.sleep(1.6)  # the abandoned /call's upstream answers now
            check(ex.alive(), "still running", ex.log_tail())
            status, body = get(ex.port, "/hello/after-disconnects-2")
            check(status == 200 and body == "hello after-disconnects-2", "still serving /hello", status, body)
            ex.stop()
            return "mid request line, mid headers, mid body, mid upstream call, RST, 100 half-sent; /hello still 200; exit in %.1f s" % ex.exit

        def new_traces():
            ex = state.get("ex")
            if ex is None:
                raise AssertionError("the server did not run (see bad-headers)")
            if ex.exit is None:
                ex.kill()
                raise AssertionError("the server was not shut down gracefully (see disconnects)")
            items = read_outbox(ex.outbox)
            traces = set()
            for name, headers in state["cases"]:
                header, tx = one(by_url_suffix(items, "transaction", "/hello/" + name), "transaction for " + name)
                trace = tx["contexts"]["trace"]
                what = "%s (%r)" % (name, [(k, v[:40]) for k, v in headers])
                check(HEX32.match(trace["trace_id"]) and trace["trace_id"] != "0" * 32, "%s: a valid trace id" % what, trace)
                check(trace["trace_id"] not in " ".join(v for _, v in headers).lower(), "%s: a new trace" % what, trace)
                check(trace.get("parent_span_id") is None, "%s: no parent" % what, trace)
                dsc = header.get("trace") or {}
                check(dsc.get("trace_id") == trace["trace_id"] and dsc.get("release") == tx.get("release")
                      and "k0" not in dsc, "%s: our own DSC" % what, dsc)
                traces.add(trace["trace_id"])
            check(len(traces) == len(state["cases"]), "a distinct trace per request", len(traces))
            for path, _, expected, what in state["long"]:
                found = [p for _, t, p, _ in items if t == "transaction"
                         and (p.get("contexts", {}).get("response") or {}).get("status_code") == expected
                         and path.split("?")[0].split("/")[2][:20] in request_url(p)]
                check(len(found) == 1, "%s: one transaction" % what, len(found))
            return "%d malformed sets: each a new trace with our own DSC" % len(state["cases"])

        try:
            self.report(server, "bad-headers", bad_headers)
            self.report(server, "huge-header", huge_header)
            self.report(server, "disconnects", disconnects)
            self.report(server, "new-traces", new_traces)
        finally:
            if "ex" in state:
                state["ex"].kill()

    # -------------------------------------------------------------- 5b. a handler past its deadline

    def timeout(self, server):
        # Hummingbird's handler runs in the middleware's task: cancelled at the deadline, answered 503.
        # Vapor runs an async handler in a task of its own that no middleware can cancel: it goes
        # on and answers late, as it is; the transaction and the error are sent at the deadline.
        seconds = 60 if server == "hummingbird" else 3
        slow = "/slow/%d" % seconds

        def run():
            ex = self.example(server, "timeout", args=("--request-timeout", "1"))
            try:
                answer = {}

                def hang():
                    t0 = time.time()
                    answer["got"] = get(ex.port, slow, timeout=30)
                    answer["after"] = time.time() - t0

                t = threading.Thread(target=hang, daemon=True)
                t.start()
                time.sleep(0.3)
                during = [get(ex.port, "/hello/during-%d" % i, timeout=5)[0] for i in range(5)]
                check(during == [200] * 5, "/hello answered while %s hangs" % slow, during)
                t.join(30)
                check("got" in answer, "%s answered within 30 s" % slow)
                status, body = answer["got"]
                if server == "hummingbird":
                    check(status == 503, "%s past the 1 s deadline: 503" % slow, status, body[:200])
                    check(0.9 <= answer["after"] < 10, "answered about the deadline, not after 60 s", answer["after"])
                else:
                    check((status, body) == (200, "slept 3"), "%s: its own late answer" % slow, status, body[:200])
                status, body = get(ex.port, "/slow/0")
                check((status, body) == (200, "slept 0"), "/slow/0 within the deadline: 200", status, body)
                check(ex.alive(), "still running", ex.log_tail())
                ex.stop()
            finally:
                ex.kill()
            items = read_outbox(ex.outbox)
            _, tx = one(by_url_suffix(items, "transaction", slow), "transaction of " + slow)
            trace = tx["contexts"]["trace"]
            check(trace.get("status") == "deadline_exceeded", "its transaction: deadline_exceeded", trace)
            check((tx["contexts"].get("response") or {}).get("status_code") == 503, "with the status 503",
                  tx["contexts"].get("response"))
            length = iso_time(tx["timestamp"]) - iso_time(tx["start_timestamp"])
            check(0.9 <= length < 5, "finished at the deadline (1 s)", length)
            check(tx["transaction"] in ("/slow/{seconds}", "/slow/:seconds"), "named by its route", tx["transaction"])
            _, event = one(by_url_suffix(items, "event", slow), "error event of " + slow)
            exc = event["exception"]["values"][-1]
            check(exc["type"] == "RequestTimeout" and exc["mechanism"] == {"type": server, "handled": False},
                  "a RequestTimeout error, unhandled", exc)
            check(event["contexts"]["trace"]["trace_id"] == trace["trace_id"], "in the request's trace",
                  event["contexts"]["trace"], trace)
            _, ok = one(by_url_suffix(items, "transaction", "/slow/0"), "transaction of /slow/0")
            check(ok["contexts"]["trace"].get("status") == "ok", "/slow/0: ok", ok["contexts"]["trace"])
            others = [p for _, t, p, _ in items if t == "event" and not request_url(p).endswith(slow)]
            check(not others, "no other error event", [request_url(p) for p in others])
            return ("%s answered %d after %.1f s while /hello kept answering; transaction deadline_exceeded "
                    "(%.1f s), a RequestTimeout error in its trace" % (slow, answer["got"][0], answer["after"], length))

        self.report(server, "timeout", run)

    # -------------------------------------------------------------- 6. graceful shutdown

    def shutdown(self, server):
        def run(sig, count):
            ex = self.example(server, "shutdown-" + sig.name.lower())
            try:
                ids = ["sd-%s-%d-%s" % (sig.name.lower(), i, TOKEN) for i in range(count)]
                results = {}

                def fail(i):
                    try:
                        results[i] = get(ex.port, "/fail/" + ids[i])[0]
                    except Exception as e:  # noqa: BLE001
                        results[i] = repr(e)

                threads = [threading.Thread(target=fail, args=(i,), daemon=True) for i in range(count)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(30)
                check(all(results.get(i) == 500 for i in range(count)), "the /fail requests answered 500", results)
                took = ex.stop(sig)  # at once: the SDK still holds what it captured
            finally:
                ex.kill()
            items = read_outbox(ex.outbox)
            for i in ids:
                check(len(by_url_suffix(items, "event", "/fail/" + i)) == 1, "%s: the error was flushed" % i,
                      len(items), ex.log_tail())
                check(len(by_url_suffix(items, "transaction", "/fail/" + i)) == 1, "%s: the transaction was flushed" % i)
            return "%s: exit in %.2f s, %d errors + %d transactions flushed" % (sig.name, took, count, count)

        self.report(server, "shutdown", lambda: run(signal.SIGTERM, 20) + "; " + run(signal.SIGINT, 3))

    # -------------------------------------------------------------- 3. Relay

    def relay(self, server):
        def run():
            counts = {"event": 0, "transaction": 0}
            findings = {}
            files = 0
            for folder in self.outboxes[server]:
                if not os.path.isdir(folder):
                    continue
                for name in sorted(os.listdir(folder)):
                    if not name.endswith(".envelope"):
                        continue
                    files += 1
                    path = os.path.join(folder, name)
                    findings.update({k: v for k, v in relay_check.check_file(path).items() if v})
                    for _, t, _, _ in read_outbox_file(path):
                        counts[t] += 1
            check(counts["event"] >= CONCURRENT and counts["transaction"] >= CONCURRENT,
                  "the outboxes hold this server's events and transactions", counts)
            check(not findings, "Relay normalizes every event and transaction unchanged",
                  json.dumps(dict(list(findings.items())[:3]))[:1500], "%d with findings" % len(findings))
            return "%d events + %d transactions in %d envelopes (%d outboxes): none repaired or rejected" % (
                counts["event"], counts["transaction"], files, len(self.outboxes[server]))

        self.report(server, "relay", run)

    # -------------------------------------------------------------- 4. Bugsink

    def bugsink(self, server):
        def run():
            ident = "bs-%s-%s" % (server[:2], TOKEN)
            ex = self.example(server, "bugsink", dsn=self.bugsink_dsn)
            try:
                status, _ = get(ex.port, "/fail/" + ident)
                check(status == 500, "/fail answered 500", status)
                ex.stop()
            finally:
                ex.kill()

            def stored():
                from_bugsink = bugsink_events([])
                return [e for e in from_bugsink.values() if (e["data"].get("tags") or {}).get("example.id") == ident]

            found = wait_for("Bugsink to hold the error of /fail/" + ident, stored, 15, 0.5)
            check(len(found) == 1, "Bugsink stored exactly one error for " + ident, len(found))
            e = found[0]
            d = e["data"]
            exc = d["exception"]["values"][-1]
            check(exc.get("value") == "example failure " + ident and exc["mechanism"].get("handled") is False
                  and exc["mechanism"].get("type") == server, "the stored exception", exc.get("value"), exc.get("mechanism"))
            check(e["tags"].get("example.id") == ident, "the tag is indexed", e["tags"])
            check(request_url(d).endswith("/fail/" + ident), "the request URL", d.get("request"))
            crumbs = [c.get("message") for c in (d.get("breadcrumbs") or {}).get("values") or []]
            check("handling " + ident in crumbs, "the breadcrumb", crumbs)
            check(e["release"].startswith("sentry-example-%s@" % server) and e["environment"] == "example"
                  and e["sdk_name"] == "sentry.swift.server", "release, environment, sdk", e["release"], e["environment"])
            check(len(d["contexts"]["trace"]["trace_id"]) == 32, "trace context", d["contexts"].get("trace"))
            check(not relay_check.check_event(d), "the stored event passes Relay", relay_check.check_event(d))
            return "event %s stored: exception, tag, request, breadcrumb, release" % e["event_id"]

        self.report(server, "bugsink", run)


def iso_time(value):
    """Seconds of an RFC 3339 timestamp (the SDK writes UTC with a Z) or of a number."""
    if isinstance(value, (int, float)):
        return float(value)
    import datetime
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def max_overlap(intervals):
    """The largest number of (start, end) intervals open at one instant."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    best = cur = 0
    for _, d in events:
        cur += d
        best = max(best, cur)
    return best


def read_outbox_file(path):
    header, items = relay_check.split_envelope(open(path, "rb").read())
    return [(header, ih["type"], json.loads(p), path) for ih, p in items if ih.get("type") in ("event", "transaction")]


def probe_huge_header(port, name, size):
    """Sends a request with a `size`-byte header `name` while reading: 'answered NNN', 'closed' or 'reset'."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    got, errors = [], []

    def reader():
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                got.append(d)
        except OSError as e:
            errors.append(e)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    request = b"GET /hello/big HTTP/1.1\r\nHost: 127.0.0.1\r\n" + name.encode() + b": " + b"a" * size + b"\r\n\r\n"
    try:
        for i in range(0, len(request), 16384):
            s.sendall(request[i:i + 16384])
    except OSError as e:
        errors.append(e)
    t.join(15)
    hung = t.is_alive()
    s.close()
    check(not hung, "the server answered or closed within 15 s of a %d-byte %s header" % (size, name))
    data = b"".join(got)
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    if m:
        return "answered %s" % m.group(1).decode()
    return "reset" if errors and not data else "closed"


def leave(port, data, wait=0.05, reset=False):
    """Connects, sends `data`, waits, and goes away (with a RST when `reset`)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(data)
        time.sleep(wait)
        if reset:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    finally:
        s.close()


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bindir")
    ap.add_argument("--bugsink-dsn")
    ap.add_argument("--servers", default=",".join(SERVERS))
    ap.add_argument("--keep", action="store_true", help="keep the work folder (outboxes, logs)")
    a = ap.parse_args(argv)
    servers = [s for s in a.servers.split(",") if s]
    for s in servers:
        check(s in SERVERS, "a known server", s)
        check(os.access(os.path.join(a.bindir, "sentry-example-" + s), os.X_OK), "sentry-example-%s in %s" % (s, a.bindir))
    work = tempfile.mkdtemp(prefix="csc-frameworks-e2e-")
    sink = py = None
    t0 = time.time()
    try:
        sink = FaultServer()
        py = PyService(sink.dsn, work)
        print("Python service (sentry-sdk %s) on port %d, its sink on port %d; work in %s" % (
            __import__("sentry_sdk").VERSION, py.port, sink.port, work), flush=True)
        run = Run(os.path.abspath(a.bindir), work, sink, py, a.bugsink_dsn)
        for s in servers:
            run.tracing(s)
            run.concurrency(s)
            run.bad_input(s)
            run.timeout(s)
            run.shutdown(s)
            run.relay(s)
            if a.bugsink_dsn:
                run.bugsink(s)
            else:
                print("SKIP %-11s %-12s no --bugsink-dsn" % (s, "bugsink"))
    finally:
        if py:
            py.stop()
        if sink:
            sink.stop()
        for p in STARTED:
            if p.poll() is None:
                p.kill()
                p.wait(10)
    print("frameworks e2e: %.0f s; work folder %s" % (time.time() - t0, work if a.keep else "removed"))
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (run.passed, run.failed))
    return 1 if run.failed else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a timeout: run the finally blocks, kill what we started
    try:
        sys.exit(main(sys.argv[1:]))
    except AssertionError as e:
        print("FAIL frameworks e2e: %s" % e)
        sys.exit(1)
