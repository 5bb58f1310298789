#!/usr/bin/env python3
"""The Python peer of the framework e2e test: a Flask app instrumented by sentry-sdk (2.75.0,
traces_sample_rate=1.0) and served by waitress on 127.0.0.1. Its envelopes go to --dsn (the test's
envelope sink, Tests/EndToEndTests/fault_server.py).

Routes (each request is a sentry-sdk transaction tagged case=<case>):
  GET /upstream?case=C&target=URL   calls URL with `requests` (sentry-sdk's stdlib integration makes an
                                    http.client span and adds sentry-trace/baggage); answers JSON
                                    {"status", "body"} of that call
  GET /downstream?case=C&status=N   answers N (default 200) and remembers the trace headers it received
  GET /received/C                   JSON: the trace headers /downstream received for case C (404 if none)
  GET /slow?s=S                     answers after S seconds (at most 10)
  GET /health                       200

Usage: py_service.py --dsn DSN --port-file FILE   (a free port; the port is written to FILE when serving)
"""
import argparse
import os
import threading
import time

import requests
import sentry_sdk
import waitress
from flask import Flask, jsonify, request

TRACE_HEADERS = ("sentry-trace", "baggage", "traceparent")
RECEIVED = {}
LOCK = threading.Lock()


def make_app():
    app = Flask("py_service")

    @app.get("/health")
    def health():
        return "ok"

    @app.get("/upstream")
    def upstream():
        sentry_sdk.set_tag("case", request.args["case"])
        r = requests.get(request.args["target"], timeout=10)
        return jsonify(status=r.status_code, body=r.text)

    @app.get("/downstream")
    def downstream():
        case = request.args.get("case", "")
        sentry_sdk.set_tag("case", case)
        with LOCK:
            RECEIVED[case] = {k: request.headers.get(k) for k in TRACE_HEADERS}
        return "downstream %s\n" % case, int(request.args.get("status", "200"))

    @app.get("/received/<case>")
    def received(case):
        with LOCK:
            got = RECEIVED.get(case)
        return (jsonify(got), 200) if got is not None else ("none", 404)

    @app.get("/slow")
    def slow():
        time.sleep(min(float(request.args.get("s", "2")), 10.0))
        return "slow"

    return app


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    sentry_sdk.init(dsn=a.dsn, traces_sample_rate=1.0, release="py-service@1.0", environment="e2e",
                    # the sink (fault_server.py) reads gzip, not brotli
                    _experiments={"transport_compression_algo": "gzip"})
    server = waitress.create_server(make_app(), host="127.0.0.1", port=0, threads=16)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(server.effective_port))
    os.replace(a.port_file + ".tmp", a.port_file)
    server.run()


if __name__ == "__main__":
    main()
