"""Helpers for the crash reporting tests (stdlib only): run crash_child, read the
crash envelope it leaves in the cache directory, a fake Sentry that records the
envelopes the next start sends, and symbol ranges of the child (nm -S)."""
import glob
import gzip
import http.server
import json
import os
import signal
import shlex
import subprocess
import threading
import time

CHILD_TIMEOUT = 20  # seconds: a hanging handler fails the test instead of the whole ctest run


class Result:
    def __init__(self, rc, out, err, timed_out):
        self.rc, self.out, self.err, self.timed_out = rc, out, err, timed_out

    @property
    def signal(self):
        return -self.rc if self.rc is not None and self.rc < 0 else None

    def funcs(self):
        """{name: runtime address} announced by the child before it crashed."""
        res = {}
        for line in self.out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == "FUNC":
                res[parts[1]] = int(parts[2], 16)
        return res


def run_child(child, mode, cache_dir, dsn, env=None, timeout=CHILD_TIMEOUT):
    e = dict(os.environ)
    e.pop("SENTRY_DSN", None)
    e.update(env or {})
    try:
        # CSC_CRASH_EMULATOR: a cross build's emulator (qemu-aarch64 -L ..., scripts/test-arm64.sh)
        prefix = shlex.split(os.environ.get("CSC_CRASH_EMULATOR", ""))
        p = subprocess.run(prefix + [child, mode, cache_dir, dsn], capture_output=True, text=True, timeout=timeout, env=e)
        return Result(p.returncode, p.stdout, p.stderr, False)
    except subprocess.TimeoutExpired as ex:
        out = ex.stdout.decode() if isinstance(ex.stdout, bytes) else (ex.stdout or "")
        err = ex.stderr.decode() if isinstance(ex.stderr, bytes) else (ex.stderr or "")
        return Result(None, out, err, True)


def crash_files(cache_dir):
    """Reports written by the handler (renamed to *-crash.envelope by the next start)."""
    return sorted(glob.glob(os.path.join(cache_dir, "*-crash.pending")))


def queued_crash_files(cache_dir):
    """Reports the next start handed to the transport (sent and removed when the server took them)."""
    return sorted(glob.glob(os.path.join(cache_dir, "*-crash.envelope")))


def parse_envelope(data):
    """Envelope bytes -> (header, [(item_header, payload bytes)]); strict like envelope_parse.c."""
    lines = data.split(b"\n", 1)
    header = json.loads(lines[0])
    rest = lines[1] if len(lines) > 1 else b""
    items = []
    while rest:
        if rest.startswith(b"\n"):
            rest = rest[1:]
            continue
        ih_raw, _, rest = rest.partition(b"\n")
        ih = json.loads(ih_raw)
        if "length" in ih:
            payload, rest = rest[:ih["length"]], rest[ih["length"]:]
            if rest.startswith(b"\n"):
                rest = rest[1:]
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((ih, payload))
    return header, items


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate keys in a JSON object: %s" % keys)
    return dict(pairs)


def event_of(data):
    """(envelope header, event) of a report; duplicate object keys (a broken tier merge) are an error."""
    header, items = parse_envelope(data)
    events = [json.loads(p, object_pairs_hook=_no_duplicates) for ih, p in items if ih.get("type") == "event"]
    assert len(events) == 1, "one event item"
    return header, events[0]


def symbol_ranges(binary, keep_suffix=False):
    """{name: (address, size)} of the binary's defined functions (link-time addresses, nm -S, the
    static table). Names lose a ".suffix" (gcc's clones) unless keep_suffix."""
    out = subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tT":
            res[parts[3] if keep_suffix else parts[3].split(".")[0]] = (int(parts[0], 16), int(parts[1], 16))
    return res


class FakeSentry:
    """A local envelope endpoint: records every envelope POSTed to /api/<id>/envelope/."""

    def __init__(self):
        self.envelopes = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                with outer.lock:
                    outer.envelopes.append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.dsn = "http://publickey@127.0.0.1:%d/1" % self.server.server_address[1]

    def events(self):
        with self.lock:
            envs = list(self.envelopes)
        res = []
        for e in envs:
            _, items = parse_envelope(e)
            res += [json.loads(p) for ih, p in items if ih.get("type") == "event"]
        return res

    def close(self):
        self.server.shutdown()
        self.server.server_close()


SIGNALS = {"segv": signal.SIGSEGV, "abort": signal.SIGABRT, "ill": signal.SIGILL, "fpe": signal.SIGFPE,
           "bus": signal.SIGBUS, "trap": signal.SIGTRAP, "overflow": signal.SIGSEGV, "thread": signal.SIGSEGV,
           "chain": signal.SIGSEGV, "handler_fault": signal.SIGSEGV, "handler_fault_fatal": signal.SIGSEGV,
           "corrupt_scope": signal.SIGSEGV, "unwritable": signal.SIGSEGV, "two_threads": signal.SIGSEGV,
           "locked_scope": signal.SIGSEGV}
FUNCS = {"segv": "crash_segv", "abort": "crash_abort", "ill": "crash_ill", "fpe": "crash_fpe", "bus": "crash_bus",
         "trap": "crash_trap", "overflow": "crash_overflow", "thread": "crash_segv", "chain": "crash_segv",
         "handler_fault": "crash_segv", "corrupt_scope": "crash_segv", "two_threads": "crash_segv",
         "locked_scope": "crash_segv"}
VALUES = {signal.SIGSEGV: "Segmentation fault", signal.SIGABRT: "Aborted", signal.SIGILL: "Illegal instruction",
          signal.SIGFPE: "Integer divide by zero", signal.SIGBUS: "Bus error", signal.SIGTRAP: "Trace/breakpoint trap"}


def run_cases(names, run_one, label=""):
    """Calls run_one(name) for each name; an exception (a failed check) fails that name only.
    Prints a PASS or FAIL line per name (after `label`) and returns the names that failed."""
    failed = []
    for name in names:
        t0 = time.time()
        try:
            run_one(name)
            print("PASS %s%-20s %.1fs" % (label, name, time.time() - t0), flush=True)
        except Exception as e:  # noqa: BLE001  (AssertionError, or a check's own exception type)
            failed.append(name)
            print("FAIL %s%-20s %s" % (label, name, e), flush=True)
    return failed
