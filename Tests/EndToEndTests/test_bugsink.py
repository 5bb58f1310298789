#!/usr/bin/env python3
"""End-to-end against a real Bugsink: the C driver sends rich events (tags, user, contexts, extra,
breadcrumbs, level, message, exception with frames) through the public API and the HTTP transport;
the events are read back from Bugsink's store and every field is compared; then each stored event
goes through Relay's normalizer (relay_check.py), which must find nothing to repair.

Usage: test_bugsink.py DSN     (start Bugsink with Tests/EndToEndTests/bugsink_up.sh; needs E2E_DRIVER)
"""
import json
import os
import subprocess
import sys

from e2e_lib import bugsink_events as stored, check, run_driver, run_test
import relay_check

HERE = os.path.dirname(os.path.abspath(__file__))


def check_common(e, run):
    d = e["data"]
    check(e["release"] == "e2e-app@1.0.0" and e["environment"] == "e2e" and e["server_name"] == "e2e-host",
          "release/environment/server_name columns", e)
    check(e["sdk_name"] == "sentry.cscope" and d["platform"] == "native" and e["platform"] == "native", "sdk/platform", e)
    check(d["tags"] == {"run": run, "feature": "checkout", "unicode": "h\u00e9llo \u2713"}, "tags intact", d.get("tags"))
    check(e["tags"].get("feature") == "checkout" and e["tags"].get("unicode") == "h\u00e9llo \u2713", "tags indexed", e["tags"])
    check(d["user"] == {"id": "u-42", "email": "jane@example.org", "username": "jane"}, "user intact", d.get("user"))
    check(d["contexts"]["device_info"] == {"model": "rack-7", "load": 0.5, "virtual": True}, "context intact", d["contexts"])
    check(len(d["contexts"]["trace"]["trace_id"]) == 32, "trace context", d["contexts"])
    check(d["extra"] == {"answer": 42}, "extra intact", d.get("extra"))
    crumbs = d["breadcrumbs"]["values"]
    check(len(crumbs) == 2, "two breadcrumbs", crumbs)
    check({k: crumbs[0][k] for k in ("type", "category", "message", "level")} ==
          {"type": "default", "category": "ui.click", "message": "pressed buy", "level": "info"}, "breadcrumb 1", crumbs[0])
    check(crumbs[1]["type"] == "http" and crumbs[1]["category"] == "http" and
          crumbs[1]["data"] == {"url": "/api/cart", "status_code": 200}, "breadcrumb 2", crumbs[1])
    check(all(isinstance(c["timestamp"], (str, float, int)) for c in crumbs), "breadcrumb timestamps")


def main(argv):
    if not argv:
        sys.exit(__doc__)
    dsn, run = argv[0], "bugsink-e2e"
    out, err = run_driver(["rich", "--run", run, "--flush-ms", "15000"], dsn)
    check(out["rc"] == [0, 0] and out["flush_rc"] == 0, "captured and flushed", out, err[-500:])
    got = stored([out["message"], out["exception"]])
    check(set(got) == {out["message"], out["exception"]}, "both events stored by Bugsink", list(got))

    m = got[out["message"]]
    check_common(m, run)
    check(m["level"] == "warning" and m["data"]["level"] == "warning", "message level", m["level"])
    msg = m["data"].get("message")
    msg = msg.get("formatted", msg.get("message")) if isinstance(msg, dict) else msg
    check(msg == "rich message \u2713", "message text", m["data"].get("message"))

    x = got[out["exception"]]
    check_common(x, run)
    check(x["level"] == "error", "exception level", x["level"])
    check(x["calculated_type"] == "ValueError" and x["calculated_value"] == "bad cart", "exception type/value", x)
    exc = x["data"]["exception"]["values"][0]
    check(exc["module"] == "shop" and exc["mechanism"]["type"] == "generic" and exc["mechanism"]["handled"] is True,
          "exception module/mechanism", exc)
    frames = exc["stacktrace"]["frames"]
    check([(f["function"], f["filename"], f["lineno"]) for f in frames] == [("main", "main.c", 10), ("checkout", "shop.c", 99)],
          "frames in order", frames)
    check(frames[1]["colno"] == 7 and frames[1]["module"] == "shop" and frames[1]["in_app"] is True, "frame fields", frames[1])

    for eid, e in got.items():
        findings = relay_check.check_event(e["data"])
        check(not findings, "Relay normalizes the stored event %s without repairs" % eid, json.dumps(findings))
    print("PASS bugsink_roundtrip (2 events, every field intact, Relay-clean)")


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    run_test("bugsink_roundtrip", main)
