"""Helpers for the transport e2e tests: the fault server process, the C driver, record queries."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
# everything here talks to 127.0.0.1: a proxy from the environment (honoured by libcurl and urllib) must not interfere
for _k in [k for k in os.environ if k.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")]:
    del os.environ[_k]
KEY = "0123456789abcdef0123456789abcdef"
# timing bounds are multiplied by this under sanitizers (CSC_SANITIZE=address|thread)
SLOW = 20 if os.environ.get("CSC_SANITIZE") else 1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class FaultServer:
    """fault_server.py in its own process (so the test's own work never slows it down)."""

    def __init__(self, port=0, tls=None, control_port=False, compact=False):
        """control_port: /control and /records on a port of their own (mode "refuse" closes the envelope port);
        compact: records keep only ids and counts (long soaks)."""
        self.port_file = tempfile.mktemp(prefix="fault-port-")
        cport_file = self.port_file + ".control"
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "fault_server.py"), "--port", str(port),
                                      "--port-file", self.port_file] + (["--tls"] + list(tls) if tls else []) +
                                     (["--control-port-file", cport_file] if control_port else []) +
                                     (["--compact"] if compact else []),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not os.path.exists(self.port_file) or (control_port and not os.path.exists(cport_file)):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("fault server did not start")
            time.sleep(0.02)
        self.port = int(open(self.port_file).read())
        os.unlink(self.port_file)
        scheme = "https" if tls else "http"
        self.base = "%s://127.0.0.1:%d" % (scheme, self.port)
        self.control_base = self.base
        if control_port:
            self.control_base = "%s://127.0.0.1:%d" % (scheme, int(open(cport_file).read()))
            os.unlink(cport_file)
        self.dsn = "%s://%s@127.0.0.1:%d/42" % (scheme, KEY, self.port)
        self.tls_ctx = None
        if tls:
            import ssl
            self.tls_ctx = ssl.create_default_context(cafile=tls[0])

    def control(self, **cmd):
        req = urllib.request.Request(self.control_base + "/control", data=json.dumps(cmd).encode(), method="POST")
        urllib.request.urlopen(req, timeout=5, context=self.tls_ctx).read()

    def records(self):
        return json.loads(urllib.request.urlopen(self.control_base + "/records", timeout=60, context=self.tls_ctx).read())

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def driver_path():
    p = os.environ.get("E2E_DRIVER")
    if not p or not os.access(p, os.X_OK):
        raise SystemExit("E2E_DRIVER must point at the built e2e_driver (scripts/test-e2e.sh sets it)")
    return p


def run_driver(args, dsn, cache_dir=None, timeout=120):
    """Runs e2e_driver; returns (parsed JSON stdout, stderr text)."""
    env = dict(os.environ, E2E_DSN=dsn)
    env.pop("E2E_CACHE_DIR", None)
    if cache_dir:
        env["E2E_CACHE_DIR"] = cache_dir
    p = subprocess.run([driver_path()] + args, env=env, capture_output=True, text=True, timeout=timeout)
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "WARNING: ThreadSanitizer", "runtime error:"):
        if marker in p.stderr:
            raise AssertionError("sanitizer report from the driver:\n" + p.stderr[-4000:])
    if p.returncode != 0 and not p.stdout.strip():
        raise AssertionError("driver failed (%d): %s" % (p.returncode, p.stderr[-2000:]))
    return json.loads(p.stdout.strip().splitlines()[-1]), p.stderr


def events(records, status=200):
    """Event payloads delivered (answered `status`), in arrival order."""
    out = []
    for r in records:
        if r.get("status") != status:
            continue
        for it in r.get("items", []):
            if it["header"].get("type") == "event":
                out.append(it["json"])
    return out


def event_ids(records, status=200):
    return [e["event_id"] for e in events(records, status)]


def reports(records):
    """All discarded_events entries of client reports delivered, summed by (reason, category)."""
    total = {}
    for r in records:
        if r.get("status") != 200:
            continue
        for it in r.get("items", []):
            if it["header"].get("type") == "client_report":
                for d in it["json"]["discarded_events"]:
                    k = (d["reason"], d["category"])
                    total[k] = total.get(k, 0) + d["quantity"]
    return total


def client_report_payloads(records):
    return [it["json"] for r in records for it in r.get("items", []) if it["header"].get("type") == "client_report"]


def cache_files(d):
    return sorted(f for f in os.listdir(d) if f.endswith(".envelope")) if os.path.isdir(d) else []


def check(cond, msg, *detail):
    """Raises AssertionError(msg) with the details (each cut to 1500 characters) unless cond."""
    if not cond:
        raise AssertionError(msg + ("" if not detail else ": " + " | ".join(str(d)[:1500] for d in detail)))


def bugsink_events(ids):
    """{event_id: stored event} for the ids held by the Bugsink of bugsink_up.sh (bugsink_read.py)."""
    args = [sys.executable, os.path.join(HERE, "bugsink_read.py")]
    for i in ids:
        args += ["--event-id", i]
    return {e["event_id"]: e for e in json.loads(subprocess.check_output(args))["events"]}


def run_test(name, main):
    """Runs main(sys.argv[1:]) and prints FAIL name: reason (exit 1) on an AssertionError."""
    try:
        main(sys.argv[1:])
    except AssertionError as e:
        print("FAIL %s: %s" % (name, e))
        sys.exit(1)
