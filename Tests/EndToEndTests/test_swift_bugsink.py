#!/usr/bin/env python3
"""End-to-end through the Swift API into a real Bugsink: sentry-e2e-driver (Tests/EndToEndTests/SentryE2EDriver)
runs two concurrent requests, each in its own isolation scope, and captures a message, an error,
an error with a cause, and a message in a nested scope; the events are read back from Bugsink's
store and checked field by field: tags, user, contexts (ours and the default os/device/runtime),
extra, breadcrumbs, level, message, exception with its stack trace (the capture site in-app, at
the driver's file and line) and chained cause, debug_meta images with the driver's build id,
and no data leaking from one request into the other. Each stored event must pass Relay's
normalizer without repairs.

Usage: test_swift_bugsink.py DSN SWIFT_BIN_DIR
  (start Bugsink with Tests/EndToEndTests/bugsink_up.sh; SWIFT_BIN_DIR = `swift build --show-bin-path`)
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import relay_check  # noqa: E402
from e2e_lib import bugsink_events as stored, check, run_test  # noqa: E402  (clears proxy variables)

DRIVER_SOURCE = os.path.join(REPO, "Tests", "EndToEndTests", "SentryE2EDriver", "main.swift")


def build_id(path):
    """The GNU build id of an ELF file, from `readelf -n`, or None."""
    try:
        out = subprocess.check_output(["readelf", "-n", path], text=True, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError):
        return None
    m = re.search(r"Build ID:\s*([0-9a-f]+)", out)
    return m.group(1) if m else None


def capture_line():
    for n, line in enumerate(open(DRIVER_SOURCE, encoding="utf-8"), 1):
        if '"CAPTURE-ERROR"' in line:
            return n
    raise AssertionError("no CAPTURE-ERROR marker in " + DRIVER_SOURCE)


def message_text(d):
    msg = d.get("message")
    return msg.get("formatted", msg.get("message")) if isinstance(msg, dict) else (msg or d.get("logentry", {}).get("formatted"))


def check_request_a(e, run):
    d = e["data"]
    check(e["release"] == "e2e-swift@1.0.0" and e["environment"] == "e2e" and e["server_name"] == "e2e-swift-host",
          "release/environment/server_name", e)
    check(e["sdk_name"] == "sentry.swift.server" and d["platform"] == "native", "sdk/platform", d.get("sdk"), d.get("platform"))
    tags = d["tags"]
    check(tags.get("run") == run and tags.get("feature") == "swift-checkout" and tags.get("unicode") == "h\u00e9llo \u2713",
          "tags intact", tags)
    check(e["tags"].get("feature") == "swift-checkout", "tags indexed", e["tags"])
    check(d["user"] == {"id": "u-7", "email": "ada@example.org", "username": "ada"}, "user intact", d.get("user"))
    ctx = d["contexts"]
    check(ctx["order"] == {"id": 1234, "total": 99.5, "express": True, "items": ["book", "pen"]}, "context intact", ctx)
    check(len(ctx["trace"]["trace_id"]) == 32, "trace context", ctx)
    check(ctx["os"]["name"] == os.uname().sysname and ctx["os"]["kernel_version"] == os.uname().release, "os context", ctx.get("os"))
    check(ctx["runtime"]["name"] == "swift" and re.match(r"^\d+\.\d+$", ctx["runtime"]["version"]), "runtime context", ctx.get("runtime"))
    check(ctx["device"]["arch"] == os.uname().machine and ctx["device"]["processor_count"] == os.cpu_count(), "device context", ctx.get("device"))
    check(d["extra"] == {"attempt": 2}, "extra intact", d.get("extra"))
    crumbs = d["breadcrumbs"]["values"]
    check([c.get("message") for c in crumbs] == ["GET /cart", "SELECT * FROM orders"], "breadcrumbs in order", crumbs)
    check(crumbs[0]["category"] == "http" and crumbs[0]["data"] == {"status_code": 200, "url": "/cart"}, "breadcrumb data", crumbs[0])


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    dsn, bindir = argv[0], argv[1]
    driver = os.path.join(bindir, "sentry-e2e-driver")
    run = "swift-e2e-%d" % int(time.time())
    env = dict(os.environ, SENTRY_DSN=dsn)
    p = subprocess.run([driver, run], env=env, capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, "the driver ran", p.returncode, p.stdout, p.stderr[-800:])
    ids = json.loads(p.stdout.strip().splitlines()[-1])
    check(ids.get("flushed") is True, "flushed within 10 s", ids)
    names = ("message", "error", "chained", "scoped", "other")
    check(all(len(ids.get(k, "")) == 32 for k in names), "five event ids", ids)
    got = {}
    for _ in range(50):
        got = stored([ids[k] for k in names])
        if len(got) == len(names):
            break
        time.sleep(0.2)
    check(set(got) == {ids[k] for k in names}, "all five events stored by Bugsink", sorted(got), ids)
    ev = {k: got[ids[k]] for k in names}

    for k in ("message", "error", "chained", "scoped"):
        check_request_a(ev[k], run)
    check(ev["message"]["level"] == "warning" and message_text(ev["message"]["data"]) == "swift e2e message " + run,
          "message level and text", ev["message"]["data"].get("message"))
    check(ev["scoped"]["data"]["tags"].get("step") == "inner" and "step" not in ev["message"]["data"]["tags"],
          "withScope tag only on the inner event", ev["scoped"]["data"]["tags"])
    # attachStacktrace (default true): messages carry the capturing thread's stack
    threads = ev["message"]["data"].get("threads", {}).get("values", [])
    check(threads and threads[0].get("stacktrace", {}).get("frames"), "message has the thread's stack trace", threads)

    o = ev["other"]["data"]
    check(o["user"] == {"id": "u-8"} and o["tags"].get("feature") == "swift-search" and o["tags"].get("run") == run,
          "request b has its own user and tags", o.get("user"), o.get("tags"))
    check("unicode" not in o["tags"] and "order" not in o["contexts"] and not o.get("extra")
          and not o.get("breadcrumbs", {}).get("values"), "nothing of request a in request b", o)

    x = ev["error"]
    check(x["level"] == "error", "error level", x["level"])
    check(x["calculated_type"] == "SentryE2EDriver.CheckoutError" and x["calculated_value"] == "card declined (code 51)",
          "exception type (fully qualified) and value", x["calculated_type"], x["calculated_value"])
    exc = x["data"]["exception"]["values"][-1]
    check(exc["module"] == "SentryE2EDriver" and exc["mechanism"] == {"type": "generic", "handled": True},
          "module and mechanism", exc)
    frames = exc["stacktrace"]["frames"]
    top = frames[-1]
    check("chargeCard" in top.get("function", "") and top.get("in_app") is True, "the capture site is the last frame, in-app", top)
    check(top.get("filename", "").endswith("main.swift") and top.get("lineno") == capture_line(),
          "the capture site's file and line", top, capture_line())
    check(not any((f.get("module") or "").startswith("Sentry") and f.get("module") != "SentryE2EDriver" for f in frames[-3:]),
          "the SDK's frames are trimmed", frames[-3:])
    check(all(re.match(r"^0x[0-9a-f]+$", f.get("instruction_addr", "")) for f in frames), "instruction addresses", frames[:3])
    images = x["data"].get("debug_meta", {}).get("images", [])
    want = build_id(os.path.realpath(driver))
    check(images and all(i.get("code_id") and i.get("image_addr") for i in images), "debug_meta images", images[:3])
    if want:
        check(any(i.get("code_id") == want for i in images), "the driver's build id among the images", want, images)

    c = ev["chained"]["data"]["exception"]["values"]
    check([v["type"] for v in c] == ["SentryE2EDriver.GatewayTimeout", "SentryE2EDriver.PaymentFailed"],
          "chained exceptions, cause first", [v["type"] for v in c])
    check(c[1]["mechanism"].get("exception_id") == 0 and c[0]["mechanism"].get("parent_id") == 0, "exception ids", c)

    for k, e in ev.items():
        findings = relay_check.check_event(e["data"])
        check(not findings, "Relay normalizes the stored %s event without repairs" % k, json.dumps(findings))
    print("PASS swift_bugsink (5 events through the Swift API: fields, isolation, stack trace, chain, Relay-clean)")


if __name__ == "__main__":
    run_test("swift_bugsink", main)
