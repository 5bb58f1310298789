#!/usr/bin/env python3
"""Checks session, sessions and check_in payloads against Sentry's protocol (develop.sentry.dev
sdk/telemetry/sessions and check-ins; Relay's SessionUpdate, SessionAggregates and CheckIn types).
sentry_relay (PyPI) has no normalizer for these item types, so the fields are checked here: the
required ones present, every field known and of its type, timestamps RFC 3339 UTC, ids valid.
The release is checked with sentry_relay.parse_release when sentry_relay is importable.

Usage: health_schema.py DIR     DIR holds NNN-<type>.json files (test_health --dump DIR)
Exit 0 when all are valid, 1 otherwise."""
import json
import os
import re
import sys
import uuid

try:
    import sentry_relay
except ImportError:
    sentry_relay = None

TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
SLUG = re.compile(r"^[a-z0-9_-]{1,50}$")
TZ = re.compile(r"^[A-Za-z0-9_+/-]{1,64}$")


def check_attrs(a, errs, where):
    if not isinstance(a, dict):
        return errs.append(where + ": attrs not an object")
    unknown = set(a) - {"release", "environment", "ip_address", "user_agent"}
    if unknown:
        errs.append("%s: unknown attrs %s" % (where, sorted(unknown)))
    rel = a.get("release")
    if not isinstance(rel, str) or not rel:
        errs.append(where + ": attrs.release is required")
    elif sentry_relay:
        try:
            sentry_relay.parse_release(rel)
        except Exception as e:  # noqa: BLE001
            errs.append("%s: release %r rejected by relay: %s" % (where, rel, e))
    if "environment" in a and not isinstance(a["environment"], str):
        errs.append(where + ": attrs.environment not a string")


def check_session(s, errs):
    known = {"sid", "did", "seq", "init", "timestamp", "started", "duration", "status", "errors", "attrs", "abnormal_mechanism"}
    if set(s) - known:
        errs.append("session: unknown fields %s" % sorted(set(s) - known))
    try:
        uuid.UUID(s.get("sid", ""))
    except (ValueError, AttributeError, TypeError):
        errs.append("session: sid is not a UUID")
    for k in ("started", "timestamp"):
        if not TS.match(str(s.get(k, ""))):
            errs.append("session: %s %r not an RFC 3339 UTC timestamp" % (k, s.get(k)))
    if s.get("status") not in ("ok", "exited", "crashed", "abnormal", "errored"):
        errs.append("session: bad status %r" % s.get("status"))
    if not isinstance(s.get("errors", 0), int) or s.get("errors", 0) < 0:
        errs.append("session: errors not a non-negative integer")
    if "init" in s and not isinstance(s["init"], bool):
        errs.append("session: init not a boolean")
    if "duration" in s and (not isinstance(s["duration"], (int, float)) or s["duration"] < 0):
        errs.append("session: duration not a non-negative number")
    check_attrs(s.get("attrs"), errs, "session")


def check_sessions(s, errs):
    if set(s) - {"attrs", "aggregates"}:
        errs.append("sessions: unknown fields %s" % sorted(set(s) - {"attrs", "aggregates"}))
    check_attrs(s.get("attrs"), errs, "sessions")
    aggs = s.get("aggregates")
    if not isinstance(aggs, list) or not aggs or len(aggs) > 100:
        return errs.append("sessions: aggregates must be a list of 1..100")
    for a in aggs:
        if set(a) - {"started", "did", "exited", "errored", "abnormal", "crashed"}:
            errs.append("sessions: unknown aggregate fields %s" % sorted(set(a) - {"started", "did", "exited", "errored", "abnormal", "crashed"}))
        if not TS.match(str(a.get("started", ""))):
            errs.append("sessions: started %r not a timestamp" % a.get("started"))
        for k in ("exited", "errored", "abnormal", "crashed"):
            if k in a and (not isinstance(a[k], int) or a[k] <= 0):
                errs.append("sessions: %s must be a positive integer" % k)


def check_check_in(c, errs):
    known = {"check_in_id", "monitor_slug", "status", "duration", "release", "environment", "monitor_config", "contexts"}
    if set(c) - known:
        errs.append("check_in: unknown fields %s" % sorted(set(c) - known))
    if not re.match(r"^[0-9a-f]{32}$", str(c.get("check_in_id", ""))):
        errs.append("check_in: check_in_id not 32 hex digits")
    if not SLUG.match(str(c.get("monitor_slug", ""))):
        errs.append("check_in: monitor_slug %r not a slug" % c.get("monitor_slug"))
    if c.get("status") not in ("in_progress", "ok", "error"):
        errs.append("check_in: bad status %r" % c.get("status"))
    if "duration" in c and (not isinstance(c["duration"], (int, float)) or c["duration"] < 0):
        errs.append("check_in: duration not a non-negative number")
    mc = c.get("monitor_config")
    if mc is not None:
        sched = mc.get("schedule") or {}
        if sched.get("type") == "crontab":
            if not isinstance(sched.get("value"), str) or set(sched) != {"type", "value"}:
                errs.append("check_in: bad crontab schedule")
        elif sched.get("type") == "interval":
            if not isinstance(sched.get("value"), int) or sched["value"] < 1 or sched.get("unit") not in ("year", "month", "week", "day", "hour", "minute"):
                errs.append("check_in: bad interval schedule")
        else:
            errs.append("check_in: schedule type %r" % sched.get("type"))
        for k in ("checkin_margin", "max_runtime", "failure_issue_threshold", "recovery_threshold"):
            if k in mc and (not isinstance(mc[k], int) or mc[k] < 1):
                errs.append("check_in: %s not a positive integer" % k)
        if "timezone" in mc and not TZ.match(str(mc["timezone"])):
            errs.append("check_in: timezone %r" % mc["timezone"])
        if set(mc) - {"schedule", "checkin_margin", "max_runtime", "timezone", "failure_issue_threshold", "recovery_threshold", "owner"}:
            errs.append("check_in: unknown monitor_config fields")
    trace = (c.get("contexts") or {}).get("trace")
    if trace is not None:
        if not re.match(r"^[0-9a-f]{32}$", str(trace.get("trace_id", ""))) or not re.match(r"^[0-9a-f]{16}$", str(trace.get("span_id", ""))):
            errs.append("check_in: bad trace context")


def main():
    d = sys.argv[1]
    checks = {"session": check_session, "sessions": check_sessions, "check_in": check_check_in}
    seen = {k: 0 for k in checks}
    bad = 0
    for name in sorted(os.listdir(d)):
        kind = name.split("-", 1)[1].rsplit(".", 1)[0]
        errs = []
        checks[kind](json.load(open(os.path.join(d, name))), errs)
        seen[kind] += 1
        if errs:
            bad += 1
            print(name, json.dumps(errs))
    missing = [k for k, n in seen.items() if n == 0]
    print("checked %s; %d invalid%s" % (seen, bad, "; none of " + ",".join(missing) if missing else ""))
    sys.exit(1 if bad or missing else 0)


if __name__ == "__main__":
    main()
