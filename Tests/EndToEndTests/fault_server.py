#!/usr/bin/env python3
"""A local Sentry envelope endpoint with injectable faults, for the transport e2e tests.

Usage: fault_server.py [--port N] [--port-file F] [--tls CERT KEY] [--control-port-file F] [--compact]
Listens on 127.0.0.1 (a free port unless --port), prints "PORT <n>" and writes it to --port-file.
--control-port-file: /control and /records are also served on a second port (written there), which stays
open while mode "refuse" closes the envelope port. --compact keeps only what soak.py counts of each item
(ids, span counts, lengths; the payloads of client reports, sessions and check-ins), for long runs.
--tls serves HTTPS with that certificate. Also acts as an HTTP proxy: a request for an absolute URL
(http://host/api/<project>/envelope/) is handled the same way and recorded with "proxied": true.

POST /api/<project>/envelope/   records the envelope (gunzipped, parsed) and answers per the current mode
GET  /records                   JSON list of records: {t, status, mode, auth, encoding, user_agent, header, items}
                                items: [{"header": {...}, "json": <payload as JSON or null>, "len": n}]
POST /control                   JSON body, any of:
     {"mode": "ok"|"down"|"500"|"429"|"ratelimit"|"stall"|"hang"|"slowread"|"refuse", "count": N}
                                 next N requests (default: until changed)
     {"retry_after": "2"}        Retry-After sent with mode 429
     {"rate_limits": "60:attachment:key"}   X-Sentry-Rate-Limits sent with mode ratelimit (with status 200)
     {"rate_limits_429": "3::key"}          X-Sentry-Rate-Limits sent with mode 429 too (default none)
     {"stall_s": 10}             how long mode stall waits before answering 200
     {"script": ["stall", "500"]}  modes of the next requests, one each, before the current mode applies again
     {"slowread_bps": 20000}     how fast mode slowread reads a request body (bytes/s), then answers 200
     {"reset": true}             forget the records, back to mode ok
  "down" closes the connection without an answer (the client sees a network error).
  "hang" reads the request, then neither answers nor closes for stall_s seconds; then closes without an answer.
  "refuse" (needs --control-port-file) closes the envelope port: connections are refused (open keep-alive
  connections are closed as in "down") until another mode is set, which listens on the same port again.
"""
import argparse
import gzip
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"mode": "ok", "count": None, "retry_after": "2", "rate_limits": "60:attachment:key", "stall_s": 10.0,
         "slowread_bps": 20000, "rate_limits_429": None, "script": []}
RECORDS = []
COMPACT = False
LISTENER = None  # the envelope port's Listener when --control-port-file is given


def parse_envelope(raw):
    lines_pos = 0

    def line_at(p):
        end = raw.find(b"\n", p)
        return (raw[p:], len(raw)) if end == -1 else (raw[p:end], end + 1)

    first, pos = line_at(lines_pos)
    header = json.loads(first)
    items = []
    while pos < len(raw):
        line, pos = line_at(pos)
        if not line.strip():
            continue
        ih = json.loads(line)
        if "length" in ih:
            n = int(ih["length"])
            payload = raw[pos:pos + n]
            if len(payload) != n:
                raise ValueError("truncated item")
            pos += n
            if raw[pos:pos + 1] == b"\n":
                pos += 1
        else:
            payload, pos = line_at(pos)
        try:
            js = json.loads(payload) if ih.get("type") != "attachment" else None
        except ValueError:
            js = None
        items.append({"header": ih, "json": js, "len": len(payload)})
    return header, items


def compact_item(it):
    """What soak.py counts of an item: events and transactions shrink to their id and span count."""
    js = it["json"]
    if it["header"].get("type") in ("event", "transaction") and isinstance(js, dict):
        it["json"] = {"event_id": js.get("event_id"), "span_count": len(js.get("spans") or [])}
    return it


class Listener:
    """The envelope port, closed (connections refused) and opened again on the same port by mode "refuse"."""

    def __init__(self, port, make):
        self.port, self.make, self.srv, self.lock = port, make, None, threading.Lock()

    def open(self):
        with self.lock:
            if self.srv is None:
                self.srv = self.make(self.port)
                self.port = self.srv.server_address[1]
                threading.Thread(target=self.srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def close(self):
        with self.lock:
            if self.srv is not None:
                self.srv.shutdown()
                self.srv.server_close()
                self.srv = None


def take_mode():
    with LOCK:
        if STATE["script"]:
            return STATE["script"].pop(0), dict(STATE)
        mode = STATE["mode"]
        if STATE["count"] is not None:
            STATE["count"] -= 1
            if STATE["count"] <= 0:
                STATE["mode"], STATE["count"] = "ok", None
        return mode, dict(STATE)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid the 40 ms delayed-ACK stall

    def log_message(self, *a):
        pass

    def _reply(self, status, body=b"{}", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/records":
            with LOCK:
                body = json.dumps(RECORDS).encode()
            return self._reply(200, body)
        self._reply(404)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if self.path == "/control":
            cmd = json.loads(self.rfile.read(n) or b"{}")
            with LOCK:
                if cmd.get("reset"):
                    RECORDS.clear()
                    STATE.update(mode="ok", count=None)
                for k in ("mode", "count", "retry_after", "rate_limits", "rate_limits_429", "stall_s", "slowread_bps",
                          "script"):
                    if k in cmd:
                        STATE[k] = cmd[k]
                refuse = STATE["mode"] == "refuse"
            if LISTENER:
                LISTENER.close() if refuse else LISTENER.open()
            return self._reply(200)
        self.proxied = self.path.startswith("http://")
        if self.proxied:  # we are the proxy: answer for the origin server
            self.path = "/" + self.path.split("/", 3)[3]
        if not (self.path.startswith("/api/") and self.path.endswith("/envelope/")):
            self.rfile.read(n)
            return self._reply(404)
        mode, st = take_mode()
        t = time.time()
        if mode == "slowread":
            body = self._read_slowly(n, float(st["slowread_bps"]))
            if body is None:  # the client gave up: nothing was accepted
                self.close_connection = True
                return
        else:
            body = self.rfile.read(n)
        if mode in ("down", "refuse", "hang"):
            if mode == "hang":
                time.sleep(float(st["stall_s"]))
            self.close_connection = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._record(t, None, mode, body)
            return
        if mode == "stall":
            time.sleep(float(st["stall_s"]))
        status, headers = 200, {}
        if mode == "500":
            status = 500
        elif mode == "429":
            status = 429
            if st["retry_after"]:
                headers["Retry-After"] = str(st["retry_after"])
            if st.get("rate_limits_429"):
                headers["X-Sentry-Rate-Limits"] = st["rate_limits_429"]
        elif mode == "ratelimit":
            headers["X-Sentry-Rate-Limits"] = st["rate_limits"]
        rec = self._record(t, status, mode, body)
        if rec.get("error"):
            status = 400
        self._reply(status, json.dumps({"id": (rec.get("header") or {}).get("event_id")}).encode(), headers)

    def _read_slowly(self, n, bps):
        """The body at `bps` bytes/s in 1 KiB reads; None when the client closes first."""
        chunks, got = [], 0
        try:
            while got < n:
                c = self.rfile.read1(min(1024, n - got)) if hasattr(self.rfile, "read1") else self.rfile.read(min(1024, n - got))
                if not c:
                    return None
                chunks.append(c)
                got += len(c)
                time.sleep(len(c) / bps)
        except OSError:
            return None
        return b"".join(chunks)

    def _record(self, t, status, mode, body):
        rec = {"t": t, "status": status, "mode": mode, "peer": self.client_address[1], "path": self.path,
               "proxied": self.proxied, "host": self.headers.get("Host"),
               "auth": self.headers.get("X-Sentry-Auth"),
               "encoding": self.headers.get("Content-Encoding"), "user_agent": self.headers.get("User-Agent"),
               "content_type": self.headers.get("Content-Type")}
        try:
            raw = gzip.decompress(body) if rec["encoding"] == "gzip" else body
            rec["header"], rec["items"] = parse_envelope(raw)
            if COMPACT:
                rec["items"] = [compact_item(it) for it in rec["items"]]
        except Exception as e:  # noqa: BLE001 - recorded for the test to see
            rec["error"] = "%s: %s" % (type(e).__name__, e)
        with LOCK:
            RECORDS.append(rec)
        return rec


def make_server(port, tls=None):
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.daemon_threads = True
    return srv


def write_port(path, port):
    import os
    with open(path + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(path + ".tmp", path)


def main():
    global COMPACT, LISTENER
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--control-port-file")
    ap.add_argument("--compact", action="store_true")
    a = ap.parse_args()
    COMPACT = a.compact
    if a.control_port_file:
        LISTENER = Listener(a.port, lambda p: make_server(p, a.tls))
        LISTENER.open()
        port = LISTENER.port
        srv = make_server(0, a.tls)
        write_port(a.control_port_file, srv.server_address[1])
    else:
        srv = make_server(a.port, a.tls)
        port = srv.server_address[1]
    if a.port_file:
        write_port(a.port_file, port)
    print("PORT %d" % port, flush=True)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
