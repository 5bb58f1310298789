#!/usr/bin/env python3
"""Crash reporting tests: for each way to crash, run crash_child (it sets up scopes,
then crashes), check it died by the expected signal within a timeout, validate the
crash envelope it left in the cache directory, then run a second child with the same
cache directory: csc_crashed_last_run() must be true and the report must reach a local
fake Sentry; a third start must read false. Plus the failure paths: a fault inside the
handler (recovered while reading scopes / fatal elsewhere), a corrupted scope, an
unusable cache directory, and a host handler that must still run (chaining).

Usage: run_crash_tests.py path/to/crash_child [mode...]
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_lib import (FUNCS, SIGNALS, VALUES, FakeSentry, crash_files, event_of, queued_crash_files,  # noqa: E402
                       run_cases, run_child, symbol_ranges)

FULL = ["segv", "abort", "ill", "fpe", "bus", "trap", "overflow", "thread", "chain", "two_threads", "locked_scope"]
FAILURES = ["handler_fault", "corrupt_scope", "handler_fault_fatal", "unwritable"]


class Failure(Exception):
    pass


def check(cond, msg, *detail):
    if not cond:
        raise Failure(msg + ("" if not detail else ": " + " | ".join(str(d)[:1500] for d in detail)))


def check_died(res, mode):
    check(not res.timed_out, "%s: the child did not end within the timeout (hang)" % mode, res.err[-800:])
    want = SIGNALS[mode]
    check(res.signal == want, "%s: died by %s" % (mode, signal.Signals(want).name), "rc=%s" % res.rc, res.err[-800:])


def check_frames(ev, res, child, mode):
    exc = ev["exception"]["values"][0]
    frames = exc["stacktrace"]["frames"]
    check(len(frames) >= 2, "%s: at least two frames" % mode, frames)
    check(all(f["instruction_addr"].startswith("0x") for f in frames), "%s: hex instruction_addr" % mode, frames)
    check(frames[-1]["trust"] == "context", "%s: innermost frame is the interrupted PC" % mode, frames[-1])
    fn = FUNCS[mode]
    ranges = symbol_ranges(child)
    runtime = res.funcs().get(fn)
    check(fn in ranges and runtime, "%s: %s announced and in the symbol table" % (mode, fn))
    start, size = runtime, ranges[fn][1]
    # return addresses are looked up at address - 1 (a call to a noreturn function ends its caller)
    addrs = [int(f["instruction_addr"], 16) - (0 if f["trust"] == "context" else 1) for f in frames]
    check(any(start <= a < start + size for a in addrs), "%s: a frame inside %s [%#x, %#x)" % (mode, fn, start, start + size),
          [hex(a) for a in addrs])
    main_start = runtime - ranges[fn][0] + ranges["main"][0]
    if mode not in ("overflow", "thread", "two_threads"):
        check(any(main_start <= a < main_start + ranges["main"][1] for a in addrs), "%s: main is a caller" % mode,
              [hex(a) for a in addrs])
    imgs = ev["debug_meta"]["images"]
    exe = [i for i in imgs if os.path.realpath(i["code_file"]) == os.path.realpath(child)]
    check(exe and exe[0].get("debug_id") and exe[0].get("code_id"), "%s: debug_meta has the executable with ids" % mode, imgs[:2])
    base = int(exe[0]["image_addr"], 16)
    check(base <= start < base + exe[0]["image_size"], "%s: the crashing function lies in the executable's image" % mode)


def check_event(ev, header, res, child, mode):
    want = SIGNALS[mode]
    check(header["event_id"] == ev["event_id"] and len(ev["event_id"]) == 32, "event id", header, ev["event_id"])
    check(ev["level"] == "fatal", "%s: level fatal" % mode, ev.get("level"))
    check(abs(ev["timestamp"] - time.time()) < 120, "%s: timestamp is now" % mode, ev["timestamp"])
    exc = ev["exception"]["values"][0]
    check(exc["type"] == signal.Signals(want).name and exc["value"] == VALUES[want], "%s: exception type/value" % mode, exc["type"], exc["value"])
    mech = exc["mechanism"]
    check(mech["type"] == "signal" and mech["handled"] is False, "%s: mechanism" % mode, mech)
    check(mech["meta"]["signal"]["number"] == int(want) and mech["meta"]["signal"]["name"] == signal.Signals(want).name,
          "%s: signal meta" % mode, mech["meta"])
    check(ev["release"] == "crash-test@1.0" and ev["environment"] == "crash-env" and ev["platform"] == "native",
          "%s: release/environment/platform" % mode, ev.get("release"), ev.get("environment"))
    check(ev["sdk"]["name"] == "sentry.cscope", "%s: sdk" % mode, ev.get("sdk"))
    check_frames(ev, res, child, mode)
    if mode in ("handler_fault", "corrupt_scope"):
        check(ev["contexts"]["cscope_crash"] == {"scope_fault": True}, "%s: scope fault reported" % mode, ev.get("contexts"))
        check(ev["contexts"]["os"]["name"] == os.uname().sysname, "%s: default os context" % mode, ev.get("contexts"))
        check("tags" not in ev and "breadcrumbs" not in ev, "%s: no (possibly torn) scope data" % mode, ev.get("tags"))
        return
    if mode == "two_threads":  # a worker thread's report: the global scope only (no thread scopes there)
        check(ev["tags"] == {"global_tag": "g", "mode": "shadowed by the isolation scope"}, "two_threads: the global scope's tags",
              ev.get("tags"))
        return
    if mode == "locked_scope":  # the isolation scope is left out, the others are there, and the event says so
        check(ev["contexts"]["cscope_crash"] == {"scopes_skipped": 1}, "locked_scope: skip reported", ev.get("contexts"))
        check(ev["tags"] == {"global_tag": "g", "mode": "shadowed by the isolation scope", "current_tag": "c"} and "user" not in ev,
              "locked_scope: other scopes", ev.get("tags"))
        check([c["message"] for c in ev["breadcrumbs"]["values"]] == ["last before crash"], "locked_scope: current's crumbs")
        return
    if mode == "thread":
        check(ev["tags"] == {"global_tag": "g", "thread_tag": "worker", "mode": "thread"},
              "thread: the worker's registered scopes (not the main thread's)", ev.get("tags"))
        return
    check(ev["tags"] == {"global_tag": "g", "mode": mode, "quote": "say \"hi\" \u00e9\u2713", "current_tag": "c"},
          "%s: tags of all tiers" % mode, ev.get("tags"))
    check(ev["user"] == {"id": "42", "email": "crash@example.com", "num": 7}, "%s: user (ip_address dropped)" % mode, ev.get("user"))
    check(ev["extra"] == {"escapes": "line\nbreak\ttab\x01ctl \\ \"q\"", "answer": 42, "password": "[Filtered]"},
          "%s: extra (escaped, scrubbed)" % mode, ev.get("extra"))
    check(ev["contexts"]["app_state"] == {"phase": "crashing", "ratio": 0.25, "ok": False, "list": [1, 2]},
          "%s: contexts" % mode, ev["contexts"])
    check(len(ev["contexts"]["trace"]["trace_id"]) == 32, "%s: trace context" % mode, ev["contexts"])
    check(ev["contexts"]["os"]["kernel_version"] == os.uname().release and ev["contexts"]["device"]["arch"] == os.uname().machine,
          "%s: default os and device contexts" % mode, ev["contexts"])
    check(ev["contexts"]["runtime"] == {"name": "crash-runtime"}, "%s: a scope's context beats the default" % mode, ev["contexts"])
    crumbs = ev["breadcrumbs"]["values"]
    check(len(crumbs) == 101, "%s: 100 (max) isolation breadcrumbs + 1 current" % mode, len(crumbs))
    check(crumbs[-1]["message"] == "last before crash" and crumbs[-1]["level"] == "warning", "%s: last breadcrumb" % mode, crumbs[-1])
    check(crumbs[-2]["message"] == "step 120" and crumbs[-2]["data"] == {"i": 120} and crumbs[0]["message"] == "step 21",
          "%s: newest breadcrumbs kept, in order" % mode, crumbs[0], crumbs[-2])
    check(all(crumbs[i]["timestamp"] <= crumbs[i + 1]["timestamp"] for i in range(len(crumbs) - 1)), "%s: sorted by time" % mode)


def relay_python():
    """A python with sentry_relay (the e2e venv), or None: Relay's normalizer is then skipped."""
    repo = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    py = os.environ.get("CSC_RELAY_PYTHON") or os.path.join(repo, ".venv", "e2e", "bin", "python")
    if not os.access(py, os.X_OK):
        return None
    ok = subprocess.run([py, "-c", "import sentry_relay"], capture_output=True).returncode == 0
    return py if ok else None


def relay_check(path, mode):
    py = relay_python()
    if not py:
        return
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "EndToEndTests", "relay_check.py")
    p = subprocess.run([py, script, path], capture_output=True, text=True)
    check(p.returncode == 0, "%s: Relay's normalizer finds nothing to repair" % mode, p.stdout[-1500:], p.stderr[-500:])


def run_mode(child, mode, work):
    d = os.path.join(work, mode)
    cache = os.path.join(d, "cache")
    os.makedirs(cache)
    sentry = FakeSentry()
    try:
        res = run_child(child, mode, cache, sentry.dsn)
        check_died(res, mode)
        if mode in ("handler_fault_fatal", "unwritable"):
            # the report is lost; the process still ended by its signal, promptly
            if os.path.isdir(cache):
                check(not crash_files(cache) and not queued_crash_files(cache), "%s: no complete report" % mode, os.listdir(cache))
                check(not os.path.exists(os.path.join(cache, "cscope-crash.marker")), "%s: no marker" % mode)
            return
        files = crash_files(cache)
        check(len(files) == 1 and not queued_crash_files(cache), "%s: one pending crash report in the cache" % mode,
              os.listdir(cache))
        check(os.path.exists(os.path.join(cache, "cscope-crash.marker")), "%s: marker written" % mode)
        check(not [f for f in os.listdir(cache) if f.endswith(".tmp")], "%s: no temp file left" % mode, os.listdir(cache))
        try:
            header, ev = event_of(open(files[0], "rb").read())
        except ValueError as e:  # invalid JSON or duplicate keys
            raise Failure("%s: the report is not a valid envelope/event: %s" % (mode, e))
        check_event(ev, header, res, child, mode)
        relay_check(files[0], mode)
        if mode == "chain":
            check(os.path.exists(os.path.join(d, "host_handler_ran")), "chain: the host's handler ran after ours")
        # the next start: crashed_last_run, and the report reaches the server
        nxt = run_child(child, "check", cache, sentry.dsn)
        check(nxt.rc == 0 and "crashed_last_run=1" in nxt.out and "flush=ok" in nxt.out,
              "%s: next start sees csc_crashed_last_run() and flushes" % mode, nxt.out, nxt.err[-500:])
        got = [e for e in sentry.events() if e.get("event_id") == ev["event_id"]]
        addrs = lambda e: [f["instruction_addr"] for f in e["exception"]["values"][0]["stacktrace"]["frames"]]
        check(len(got) == 1 and got[0]["level"] == "fatal" and addrs(got[0]) == addrs(ev) and
              got[0].get("tags") == ev.get("tags"), "%s: the cached report was sent at the next start" % mode,
              [e.get("event_id") for e in sentry.events()])
        check(not crash_files(cache) and not queued_crash_files(cache), "%s: sent report removed from the cache" % mode,
              os.listdir(cache))
        if mode in FUNCS:  # the next start symbolicated the frames of this same binary
            names = [f.get("function") for f in got[0]["exception"]["values"][0]["stacktrace"]["frames"]]
            check(FUNCS[mode] in names, "%s: %s named by the next start's symbolication" % (mode, FUNCS[mode]), names)
        third = run_child(child, "check", cache, sentry.dsn)
        check(third.rc == 0 and "crashed_last_run=0" in third.out, "%s: the start after that reads false" % mode, third.out)
    finally:
        sentry.close()


def main(argv):
    if not argv:
        sys.exit(__doc__)
    child = os.path.abspath(argv[0])
    modes = argv[1:] or FULL + FAILURES
    work = tempfile.mkdtemp(prefix="csc-crash-")
    failed = run_cases(modes, lambda mode: run_mode(child, mode, work))
    for root, dirs, _ in os.walk(work):  # "unwritable" leaves a 0500 directory behind
        for x in dirs:
            os.chmod(os.path.join(root, x), 0o700)
    shutil.rmtree(work, ignore_errors=True)
    print("%d/%d passed%s" % (len(modes) - len(failed), len(modes), "" if relay_python() else
                              " (Relay's normalizer skipped: no .venv/e2e with sentry_relay)"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
