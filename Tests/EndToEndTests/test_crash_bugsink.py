#!/usr/bin/env python3
"""End-to-end crash report into a real Bugsink: Tests/CrashTests's crash_child sets up scopes and
dies by SIGSEGV (the report is written into its cache directory by the signal handler); a
second run with the same cache directory and the Bugsink DSN must report
csc_crashed_last_run() and send the cached report; Bugsink must then hold the event with level
fatal, the signal as exception, the tags/user/breadcrumbs set before the crash, release and
environment; the stored event must pass Relay's normalizer untouched.

Usage: test_crash_bugsink.py DSN CRASH_CHILD
  (start Bugsink with Tests/EndToEndTests/bugsink_up.sh; CRASH_CHILD is Tests/CrashTests's crash_child binary,
   e.g. cmake -S Tests/CrashTests -B build-crash && cmake --build build-crash --target crash_child)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "CrashTests"))
import e2e_lib  # noqa: E402,F401  (clears proxy variables: everything here is 127.0.0.1)
import relay_check  # noqa: E402
from crash_lib import crash_files, event_of, queued_crash_files, run_child  # noqa: E402


def check(cond, msg, *detail):
    if not cond:
        raise AssertionError(msg + ("" if not detail else ": " + " | ".join(str(d)[:800] for d in detail)))


def stored(event_id):
    out = subprocess.check_output([sys.executable, os.path.join(HERE, "bugsink_read.py"), "--event-id", event_id])
    return {e["event_id"]: e for e in json.loads(out)["events"]}


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    dsn, child = argv[0], os.path.abspath(argv[1])
    work = tempfile.mkdtemp(prefix="csc-crash-e2e-")
    cache = os.path.join(work, "cache")
    try:
        res = run_child(child, "segv", cache, dsn)
        check(res.signal == 11, "the child died by SIGSEGV", res.rc, res.err[-500:])
        files = crash_files(cache)
        check(len(files) == 1, "one crash report in the cache", os.listdir(cache))
        _, written = event_of(open(files[0], "rb").read())
        eid = written["event_id"]

        nxt = run_child(child, "check", cache, dsn)
        check(nxt.rc == 0 and "crashed_last_run=1" in nxt.out and "flush=ok" in nxt.out,
              "next start: crashed_last_run and flushed", nxt.out, nxt.err[-500:])
        check(not crash_files(cache) and not queued_crash_files(cache), "the report left the cache once sent", os.listdir(cache))

        got = {}
        for _ in range(50):  # eager digestion: normally there at once
            got = stored(eid)
            if got:
                break
            time.sleep(0.1)
        check(eid in got, "Bugsink stored the crash report", eid)
        e = got[eid]
        d = e["data"]
        check(e["level"] == "fatal" and d["level"] == "fatal", "level fatal", e["level"])
        check(e["calculated_type"] == "SIGSEGV" and e["calculated_value"] == "Segmentation fault", "type/value", e)
        exc = d["exception"]["values"][0]
        mech = exc["mechanism"]
        check(mech["type"] == "signal" and mech["handled"] is False and mech["meta"]["signal"]["number"] == 11,
              "mechanism", mech)
        check(len(exc["stacktrace"]["frames"]) >= 2, "frames", exc["stacktrace"])
        check(e["release"] == "crash-test@1.0" and e["environment"] == "crash-env", "release/environment", e)
        check(d["tags"].get("mode") == "segv" and d["tags"].get("global_tag") == "g" and d["tags"].get("current_tag") == "c",
              "tags", d.get("tags"))
        check(e["tags"].get("mode") == "segv", "tags indexed", e["tags"])
        check(d["user"]["id"] == "42", "user", d.get("user"))
        crumbs = d["breadcrumbs"]["values"]
        check(crumbs[-1]["message"] == "last before crash", "last breadcrumb", crumbs[-1])
        check(d["debug_meta"]["images"], "debug_meta images")
        findings = relay_check.check_event(d)
        check(not findings, "Relay normalizes the stored crash event without repairs", json.dumps(findings))
        print("PASS bugsink_crash (SIGSEGV report written by the handler, sent at the next start, stored fatal)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except AssertionError as e:
        print("FAIL bugsink_crash: %s" % e)
        sys.exit(1)
