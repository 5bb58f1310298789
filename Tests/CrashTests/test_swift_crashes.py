#!/usr/bin/env python3
"""Crash reporting for Swift processes: runs the Swift demo (sentry-demo, Examples/SentryDemo) as a
child that crashes inside a request, for each KIND of crash, and checks:

 1. the child dies by the expected signal (Swift runtime traps: SIGILL on x86_64, SIGTRAP on arm64;
    the NULL write: SIGSEGV; abort(): SIGABRT) within the time limit;
 2. its cache directory holds exactly one crash report ("*-crash.pending") and the marker; the
    event: level fatal, mechanism signal (handled false, the signal number), the scopes of the
    crashing task (the isolation scope forked in the request: user, tags, the last breadcrumbs;
    the tag set in a withScope that finished before the crash is NOT there), a stack whose
    frames include the crashing function, resolved by instruction address: debug_meta's image of
    the executable + `nm -S` of the binary;
 3. the next start (same cache directory, the demo's outbox transport, no DSN) prints that the
    previous run crashed (SentrySDK.crashedLastRun), hands the report to its custom transport
    (the outbox holds it; the cache does not any more), symbolicated: the crashing function is
    named (demangled Swift name) and in_app; a third start no longer reports a crash;
 4. when .venv/e2e (scripts/test-e2e.sh) has sentry_relay: Relay's normalizer finds nothing to
    repair in the report (skipped otherwise, said in the summary).

Usage: test_swift_crashes.py SWIFT_BIN_DIR [KIND...]
  SWIFT_BIN_DIR: `swift build --show-bin-path` (holds sentry-demo). Runs every KIND by default.
The children run with SWIFT_BACKTRACE=enable=no (see docs/crash-reporting.md); set
CSC_SWIFT_BACKTRACE to run them with another value (e.g. "enable=yes,interactive=no").
"""
import glob
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from crash_lib import crash_files, event_of, queued_crash_files, run_cases, symbol_ranges  # noqa: E402

TIMEOUT = 30
TRAP = signal.SIGTRAP if platform.machine() in ("aarch64", "arm64") else signal.SIGILL
# kind -> (signal, crashing function (Swift name), whether it must be a frame: abort() goes through
# glibc, which has no frame pointers: its caller is found by the stack scan, usually but not surely)
KINDS = {
    "force-unwrap": (TRAP, "crashForceUnwrap"),
    "index-out-of-range": (TRAP, "crashIndexOutOfRange"),
    "fatal-error": (TRAP, "crashFatalError"),
    "precondition": (TRAP, "crashPrecondition"),
    "null-deref": (signal.SIGSEGV, "crashNullDeref"),
    "abort": (signal.SIGABRT, "crashAbort"),
}
SIGNAL_NAMES = {signal.SIGILL: "SIGILL", signal.SIGTRAP: "SIGTRAP", signal.SIGSEGV: "SIGSEGV", signal.SIGABRT: "SIGABRT"}


def check(cond, msg, *detail):
    if not cond:
        raise AssertionError(msg + ("" if not detail else ": " + " | ".join(str(d)[:1500] for d in detail)))


def run_demo(demo, args, env_extra=None):
    env = dict(os.environ)
    env.pop("SENTRY_DSN", None)
    env["SWIFT_BACKTRACE"] = os.environ.get("CSC_SWIFT_BACKTRACE", "enable=no")
    env.update(env_extra or {})
    try:
        p = subprocess.run([demo] + args, capture_output=True, text=True, timeout=TIMEOUT, env=env)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as ex:
        return None, str(ex.stdout), str(ex.stderr)


def function_range(symbols, swift_name):
    """The range of the demo function `swift_name` (mangled $s10SentryDemo<len><name>yyF)."""
    mangled = "$s10SentryDemo%d%syyF" % (len(swift_name), swift_name)
    check(mangled in symbols, "the demo binary has %s" % mangled)
    return symbols[mangled]


def exe_image(event, demo):
    real = os.path.realpath(demo)
    imgs = [i for i in event["debug_meta"]["images"] if os.path.realpath(i.get("code_file", "")) == real]
    check(len(imgs) == 1, "debug_meta has the demo executable", [i.get("code_file") for i in event["debug_meta"]["images"]])
    check(imgs[0].get("code_id") and imgs[0].get("debug_id"), "the executable's build id", imgs[0])
    return imgs[0]


def frame_in(frames, image, rng):
    """Index of a frame inside link-time range `rng` of `image` (return addresses: addr - 1), else None."""
    base, vmaddr = int(image["image_addr"], 16), int(image.get("image_vmaddr", "0x0"), 16)
    lo, size = rng
    for i, f in enumerate(frames):
        addr = int(f["instruction_addr"], 16)
        if i != len(frames) - 1:
            addr -= 1  # instruction_addr_adjustment all_but_first: the call, not the return address
        vaddr = addr - base + vmaddr
        if lo <= vaddr < lo + size:
            return i
    return None


def relay_python():
    repo = os.path.abspath(os.path.join(HERE, "..", ".."))
    py = os.environ.get("CSC_RELAY_PYTHON") or os.path.join(repo, ".venv", "e2e", "bin", "python")
    if not os.access(py, os.X_OK):
        return None
    return py if subprocess.run([py, "-c", "import sentry_relay"], capture_output=True).returncode == 0 else None


def relay_check(path, kind):
    py = relay_python()
    if not py:
        return
    p = subprocess.run([py, os.path.join(HERE, "..", "EndToEndTests", "relay_check.py"), path], capture_output=True, text=True)
    check(p.returncode == 0, "%s: Relay's normalizer finds nothing to repair" % kind, p.stdout[-1500:], p.stderr[-500:])


def check_scopes(kind, ev):
    tags = ev.get("tags", {})
    check(tags.get("crash_kind") == kind and tags.get("request_id") == "req-crash", "%s: the request's tags" % kind, tags)
    check(tags.get("service") == "checkout-api", "%s: the tag of the main task's isolation scope (forked)" % kind, tags)
    check("finished_step" not in tags, "%s: a withScope that finished before the crash is not reported" % kind, tags)
    check(ev.get("user", {}).get("id") == "user-crash" and ev["user"].get("username") == "crasher", "%s: user" % kind,
          ev.get("user"))
    crumbs = [c.get("message") for c in ev.get("breadcrumbs", {}).get("values", [])]
    check(crumbs[-2:] == ["POST /checkout", "about to crash: %s" % kind], "%s: the last breadcrumbs" % kind, crumbs)
    check(ev.get("release", "").startswith("sentry-demo@"), "%s: release" % kind, ev.get("release"))


def run_kind(demo, symbols, kind, work):
    sig, func = KINDS[kind]
    d = os.path.join(work, kind)
    cache, outbox = os.path.join(d, "cache"), os.path.join(d, "outbox")
    rc, out, err = run_demo(demo, ["--cache", cache, "--outbox", outbox, "--crash", kind])
    check(rc is not None, "%s: the demo died within %d s" % (kind, TIMEOUT), err[-800:])
    check(rc == -sig, "%s: the demo died by %s" % (kind, SIGNAL_NAMES[sig]), rc, err[-800:])
    files = crash_files(cache)
    check(len(files) == 1, "%s: one crash report in the cache" % kind, os.listdir(cache))
    check(os.path.exists(os.path.join(cache, "cscope-crash.marker")), "%s: the marker" % kind)
    _, ev = event_of(open(files[0], "rb").read())
    check(ev["level"] == "fatal", "%s: level fatal" % kind, ev["level"])
    exc = ev["exception"]["values"][0]
    check(exc["type"] == SIGNAL_NAMES[sig], "%s: exception type" % kind, exc["type"])
    mech = exc["mechanism"]
    check(mech["type"] == "signal" and mech["handled"] is False and mech["meta"]["signal"]["number"] == sig,
          "%s: mechanism" % kind, mech)
    check_scopes(kind, ev)
    frames = exc["stacktrace"]["frames"]
    check(frames and frames[-1].get("trust") == "context", "%s: the innermost frame is the interrupted PC" % kind, frames[-1:])
    image = exe_image(ev, demo)
    i = frame_in(frames, image, function_range(symbols, func))
    check(i is not None, "%s: a frame in %s (by address, debug_meta + nm)" % (kind, func),
          [(f["instruction_addr"], f.get("trust")) for f in frames])
    relay_check(files[0], kind)

    # the next start: the outbox transport gets the report, symbolicated; the demo says it crashed
    rc, out, err = run_demo(demo, ["--cache", cache, "--outbox", outbox, "--requests", "0"])
    check(rc == 0, "%s: the next start exits 0" % kind, rc, err[-800:])
    check("the previous run crashed" in out, "%s: the next start reports crashedLastRun" % kind, out)
    check(not crash_files(cache) and not queued_crash_files(cache), "%s: the report left the cache" % kind, os.listdir(cache))
    check(not os.path.exists(os.path.join(cache, "cscope-crash.marker")), "%s: marker removed" % kind)
    everything = glob.glob(os.path.join(outbox, "*.envelope"))
    delivered = [p for p in everything if b'"type":"event"' in open(p, "rb").read()]
    check(len(delivered) == 1, "%s: the outbox transport got the report" % kind, everything, out)
    # release health: the crashed run's application session, reported by this start
    check(session_statuses(outbox) == ["crashed", "exited"], "%s: the crashed run's session is crashed" % kind,
          session_statuses(outbox))
    _, sent = event_of(open(delivered[0], "rb").read())
    check(sent["event_id"] == ev["event_id"], "%s: the same event" % kind)
    sframes = sent["exception"]["values"][0]["stacktrace"]["frames"]
    named = sframes[i]
    check("SentryDemo.%s()" % func in named.get("function", "") and named.get("in_app") is True,
          "%s: the next start names the crashing function (demangled, in_app)" % kind, named)
    check_scopes(kind, sent)

    rc, out, err = run_demo(demo, ["--cache", cache, "--outbox", outbox, "--requests", "0"])
    check(rc == 0 and "the previous run crashed" not in out, "%s: a third start reports no crash" % kind, rc, out)
    check(session_statuses(outbox) == ["crashed", "exited", "exited"], "%s: the crashed session is sent once" % kind,
          session_statuses(outbox))


def session_statuses(outbox):
    """The statuses of the `session` items in the outbox, sorted."""
    out = []
    for path in glob.glob(os.path.join(outbox, "*.envelope")):
        lines = open(path, "rb").read().split(b"\n")
        for i, line in enumerate(lines[1:-1], 1):
            if line.startswith(b"{") and b'"type":"session"' in line and i + 1 < len(lines):
                out.append(json.loads(lines[i + 1])["status"])
    return sorted(out)


def main(argv):
    if not argv:
        sys.exit(__doc__)
    demo = os.path.join(os.path.abspath(argv[0]), "sentry-demo")
    check(os.access(demo, os.X_OK), "sentry-demo built in %s" % argv[0])
    kinds = argv[1:] or list(KINDS)
    symbols = symbol_ranges(demo, keep_suffix=True)
    work = tempfile.mkdtemp(prefix="csc-swift-crash-")
    try:
        failed = run_cases(kinds, lambda kind: run_kind(demo, symbols, kind, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d/%d passed%s" % (len(kinds) - len(failed), len(kinds), "" if relay_python() else
                              " (Relay's normalizer skipped: no .venv/e2e with sentry_relay)"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
