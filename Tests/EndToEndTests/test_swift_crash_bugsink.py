#!/usr/bin/env python3
"""End-to-end crash reports of a Swift process into a real Bugsink: the Swift demo (sentry-demo,
Examples/SentryDemo) runs with SENTRY_DSN and a cache directory and crashes inside a request
(`--crash KIND`, every kind: Swift runtime traps, a NULL write, abort()); the signal handler writes
the report into the cache directory; a second run with the same directory and DSN reports that
the previous run crashed and sends the report (HTTP transport, flushed). The event read back
from Bugsink's store must have: level fatal, the signal as exception type/value, mechanism
signal (handled false), an in-app frame naming the crashing function (the next start symbolicates
the demo's frames from its symbol table), the request's tags, user and last breadcrumbs (the
crashing task's isolation scope), release; and pass Relay's normalizer without repairs.

Usage: test_swift_crash_bugsink.py DSN SWIFT_BIN_DIR [KIND...]
  (start Bugsink with Tests/EndToEndTests/bugsink_up.sh; SWIFT_BIN_DIR = `swift build --show-bin-path`, holding
   sentry-demo). The children run with SWIFT_BACKTRACE=enable=no (see docs/crash-reporting.md).
"""
import glob
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "CrashTests"))
import relay_check  # noqa: E402
from crash_lib import crash_files, event_of, queued_crash_files, run_cases  # noqa: E402
from e2e_lib import bugsink_events as stored, check  # noqa: E402  (clears proxy variables)

TIMEOUT = 30
TRAP = signal.SIGTRAP if platform.machine() in ("aarch64", "arm64") else signal.SIGILL
NAMES = {signal.SIGILL: ("SIGILL", "Illegal instruction"), signal.SIGTRAP: ("SIGTRAP", "Trace/breakpoint trap"),
         signal.SIGSEGV: ("SIGSEGV", "Segmentation fault"), signal.SIGABRT: ("SIGABRT", "Aborted")}
KINDS = {
    "force-unwrap": (TRAP, "crashForceUnwrap"),
    "index-out-of-range": (TRAP, "crashIndexOutOfRange"),
    "fatal-error": (TRAP, "crashFatalError"),
    "precondition": (TRAP, "crashPrecondition"),
    "null-deref": (signal.SIGSEGV, "crashNullDeref"),
    "abort": (signal.SIGABRT, "crashAbort"),
}


def run_demo(demo, args, dsn):
    env = dict(os.environ)
    env["SENTRY_DSN"] = dsn
    env["SWIFT_BACKTRACE"] = "enable=no"
    try:
        p = subprocess.run([demo] + args, capture_output=True, text=True, timeout=TIMEOUT, env=env)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as ex:
        return None, str(ex.stdout), str(ex.stderr)


def run_kind(demo, dsn, kind, work):
    sig, func = KINDS[kind]
    cache = os.path.join(work, kind)
    rc, out, err = run_demo(demo, ["--cache", cache, "--crash", kind], dsn)
    check(rc == -sig, "%s: the demo died by %s" % (kind, NAMES[sig][0]), rc, err[-800:])
    files = crash_files(cache)
    check(len(files) == 1, "%s: one crash report in the cache" % kind, os.listdir(cache))
    _, written = event_of(open(files[0], "rb").read())
    eid = written["event_id"]

    rc, out, err = run_demo(demo, ["--cache", cache, "--requests", "0"], dsn)
    check(rc == 0 and "the previous run crashed" in out, "%s: the next start reports crashedLastRun" % kind, rc, out, err[-800:])
    check(not crash_files(cache) and not queued_crash_files(cache), "%s: the report left the cache once sent" % kind,
          os.listdir(cache))

    got = {}
    for _ in range(50):  # eager digestion: normally there at once
        got = stored([eid])
        if got:
            break
        time.sleep(0.1)
    check(eid in got, "%s: Bugsink stored the crash report" % kind, eid)
    e = got[eid]
    d = e["data"]
    check(e["level"] == "fatal" and d["level"] == "fatal", "%s: level fatal" % kind, e["level"])
    check((e["calculated_type"], e["calculated_value"]) == NAMES[sig], "%s: type/value" % kind,
          e["calculated_type"], e["calculated_value"])
    exc = d["exception"]["values"][0]
    mech = exc["mechanism"]
    check(mech["type"] == "signal" and mech["handled"] is False and mech["meta"]["signal"]["number"] == sig,
          "%s: mechanism" % kind, mech)
    frames = exc["stacktrace"]["frames"]
    crashing = [f for f in frames if "SentryDemo.%s()" % func in (f.get("function") or "")]
    check(crashing and crashing[0].get("in_app") is True, "%s: an in-app frame names %s" % (kind, func),
          [(f.get("function"), f.get("in_app")) for f in frames])
    check(e["release"].startswith("sentry-demo@"), "%s: release" % kind, e["release"])
    tags = d["tags"]
    check(tags.get("crash_kind") == kind and tags.get("request_id") == "req-crash" and tags.get("service") == "checkout-api"
          and "finished_step" not in tags, "%s: tags" % kind, tags)
    check(e["tags"].get("crash_kind") == kind, "%s: tags indexed" % kind, e["tags"])
    check(d["user"].get("id") == "user-crash" and d["user"].get("username") == "crasher", "%s: user" % kind, d.get("user"))
    crumbs = [c.get("message") for c in d["breadcrumbs"]["values"]]
    check(crumbs[-2:] == ["POST /checkout", "about to crash: %s" % kind], "%s: last breadcrumbs" % kind, crumbs)
    check(d["debug_meta"]["images"], "%s: debug_meta images" % kind)
    findings = relay_check.check_event(d)
    check(not findings, "%s: Relay normalizes the stored crash event without repairs" % kind, findings)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    dsn, bin_dir = argv[0], os.path.abspath(argv[1])
    demo = os.path.join(bin_dir, "sentry-demo")
    check(os.access(demo, os.X_OK), "sentry-demo built in %s" % bin_dir)
    kinds = argv[2:] or list(KINDS)
    work = tempfile.mkdtemp(prefix="csc-swift-crash-e2e-")
    try:
        failed = run_cases(kinds, lambda kind: run_kind(demo, dsn, kind, work), "swift_crash_bugsink ")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("swift_crash_bugsink: %d/%d passed" % (len(kinds) - len(failed), len(kinds)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
