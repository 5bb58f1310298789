#!/usr/bin/env python3
"""The demo's tracing, end to end: sentry-demo (Examples/SentryDemo) runs with
SENTRY_TRACES_SAMPLE_RATE=1 and no DSN, so its envelopes land in an outbox folder. Every simulated
request must be one transaction (op http.server, source route) with at least two finished child
spans of its trace; the request's error or message must carry the same trace (and, with the
transaction's DSC, the same envelope `trace` header); requests that received upstream headers
continue the upstream trace with the upstream's frozen DSC; and Relay's normalizer (sentry-relay)
must accept every transaction and event unchanged.

Usage: test_demo_tracing.py DSN SWIFT_BIN_DIR     (DSN unused: the arguments of the Swift e2e tests)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import relay_check  # noqa: E402
from e2e_lib import check, run_test  # noqa: E402

REQUESTS = 6


def envelopes(folder):
    out = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".envelope"):
            continue
        header, items = relay_check.split_envelope(open(os.path.join(folder, name), "rb").read())
        for ih, payload in items:
            if ih.get("type") in ("event", "transaction"):
                out.append((header, ih["type"], json.loads(payload)))
    return out


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    demo = os.path.join(os.path.abspath(argv[1]), "sentry-demo")
    check(os.access(demo, os.X_OK), "sentry-demo built in %s" % argv[1])
    work = tempfile.mkdtemp(prefix="csc-demo-tracing-")
    try:
        env = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"}
        env["SENTRY_TRACES_SAMPLE_RATE"] = "1"
        outbox = os.path.join(work, "outbox")
        p = subprocess.run([demo, "--outbox", outbox, "--requests", str(REQUESTS), "--cache", os.path.join(work, "cache")],
                           capture_output=True, text=True, timeout=60, env=env)
        check(p.returncode == 0, "the demo ran", p.stdout[-800:], p.stderr[-800:])
        found = envelopes(outbox)
        txs = [(h, e) for h, t, e in found if t == "transaction"]
        events = [(h, e) for h, t, e in found if t == "event"]
        check(len(txs) == REQUESTS, "one transaction per request", len(txs))
        check(len(events) == REQUESTS, "one error or message per request", len(events))
        by_request = {}
        for header, tx in txs:
            trace = tx["contexts"]["trace"]
            check(tx["type"] == "transaction" and trace["op"] == "http.server", "op http.server", trace)
            check(tx["transaction_info"]["source"] == "route", "source route", tx["transaction_info"])
            spans = tx["spans"]
            check(len(spans) >= 2, "at least two child spans", len(spans))
            check(all(s["trace_id"] == trace["trace_id"] and s["parent_span_id"] == trace["span_id"] for s in spans),
                  "the spans are children of the transaction", spans)
            check(header["trace"]["trace_id"] == trace["trace_id"], "the DSC is the transaction's trace", header["trace"])
            by_request[tx["tags"]["request_id"]] = (header, tx)
        upstream = 0
        for header, event in events:
            request = event["tags"]["request_id"]
            check(request in by_request, "the event's request has a transaction", request)
            tx_header, tx = by_request[request]
            check(event["contexts"]["trace"]["trace_id"] == tx["contexts"]["trace"]["trace_id"],
                  "%s: the error shares the transaction's trace" % request, event["contexts"]["trace"])
            check(header.get("trace") == tx_header["trace"], "%s: the same DSC" % request, header.get("trace"), tx_header["trace"])
            if tx["contexts"]["trace"]["trace_id"].startswith("0" * 24):
                upstream += 1
                check(tx_header["trace"].get("release") == "storefront@1.0" and tx["contexts"]["trace"]["parent_span_id"],
                      "%s: the upstream trace and its frozen DSC" % request, tx_header["trace"])
        check(upstream == REQUESTS // 3, "every third request continues the upstream trace", upstream)
        findings = {}
        for name in os.listdir(outbox):
            findings.update({k: v for k, v in relay_check.check_file(os.path.join(outbox, name)).items() if v})
        check(not findings, "Relay normalizes every transaction and event without repairs", findings)
        print("demo_tracing: %d transactions, %d events: passed" % (len(txs), len(events)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    run_test("demo_tracing", main)
