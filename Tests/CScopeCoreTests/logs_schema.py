#!/usr/bin/env python3
"""Checks `log` item payloads against Sentry's logs protocol (develop.sentry.dev
sdk/telemetry/logs, version 2; attribute types from sdk/foundations/state-management/scopes/attributes).
sentry_relay (PyPI) has no normalizer for log items, so the fields are checked here: the payload
is {"items": [...]} (plus sentry-python's "version": 2), each item has the required fields of
their types (timestamp, trace_id, level, body), only known fields, severity_number agreeing
with the level, and every attribute is {"value": v, "type": t} with v of type t.

Usage: logs_schema.py DIR     DIR holds NNN-log.json payloads (test_logs --dump DIR, or the
Swift tests' SENTRY_TEST_DUMP_LOGS folder)
Exit 0 when all are valid and there is at least one, 1 otherwise."""
import json
import os
import re
import sys

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
LEVELS = {"trace": (1, 4), "debug": (5, 8), "info": (9, 12), "warn": (13, 16), "error": (17, 20), "fatal": (21, 24)}
KNOWN = {"timestamp", "trace_id", "span_id", "level", "severity_number", "body", "attributes"}
SDK_ATTRS = ("sentry.sdk.name", "sentry.sdk.version", "sentry.environment", "sentry.severity_number", "sentry.severity_text")


def scalar_ok(v, t):
    if t == "string":
        return isinstance(v, str)
    if t == "boolean":
        return isinstance(v, bool)
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63
    if t == "double":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return False


def check_attribute(key, a, errs, where):
    if not isinstance(a, dict) or set(a) != {"value", "type"}:
        return errs.append("%s: attribute %r is not {value, type}: %r" % (where, key, a))
    t, v = a["type"], a["value"]
    if t == "array":
        if not isinstance(v, list):
            errs.append("%s: attribute %r: array value is not a list" % (where, key))
        elif v:
            kinds = {type(x) for x in v}
            if len(kinds) != 1 or not any(scalar_ok(v[0], k) for k in ("string", "boolean", "integer", "double")):
                errs.append("%s: attribute %r: array of mixed or non-scalar values" % (where, key))
    elif t in ("string", "boolean", "integer", "double"):
        if not scalar_ok(v, t):
            errs.append("%s: attribute %r: value %r is not a %s" % (where, key, v, t))
    else:
        errs.append("%s: attribute %r: unknown type %r" % (where, key, t))


def check_item(it, errs, where):
    if not isinstance(it, dict):
        return errs.append(where + ": not an object")
    if set(it) - KNOWN:
        errs.append("%s: unknown fields %s" % (where, sorted(set(it) - KNOWN)))
    ts = it.get("timestamp")
    if not isinstance(ts, (int, float)) or isinstance(ts, bool) or not 1.5e9 < ts < 4.1e9:
        errs.append("%s: timestamp %r is not seconds since the epoch" % (where, ts))
    if not HEX32.match(str(it.get("trace_id", ""))) or set(str(it.get("trace_id"))) == {"0"}:
        errs.append("%s: trace_id %r is not 32 lowercase hex digits" % (where, it.get("trace_id")))
    if "span_id" in it and not HEX16.match(str(it["span_id"])):
        errs.append("%s: span_id %r is not 16 lowercase hex digits" % (where, it["span_id"]))
    level = it.get("level")
    if level not in LEVELS:
        errs.append("%s: level %r" % (where, level))
    if "severity_number" in it:
        n = it["severity_number"]
        lo, hi = LEVELS.get(level, (0, -1))
        if not isinstance(n, int) or not lo <= n <= hi:
            errs.append("%s: severity_number %r does not match level %r" % (where, n, level))
    if not isinstance(it.get("body"), str):
        errs.append(where + ": body is not a string")
    attrs = it.get("attributes", {})
    if not isinstance(attrs, dict):
        return errs.append(where + ": attributes is not an object")
    for k, a in attrs.items():
        if not isinstance(k, str) or not k:
            errs.append("%s: attribute key %r" % (where, k))
        check_attribute(k, a, errs, where)
    for k in SDK_ATTRS:
        if k not in attrs:
            errs.append("%s: the SDK's attribute %s is missing" % (where, k))


def check_payload(p, errs, where):
    if not isinstance(p, dict) or not isinstance(p.get("items"), list):
        return errs.append(where + ": payload is not {items: [...]}")
    if set(p) - {"items", "version"}:
        errs.append("%s: unknown payload fields %s" % (where, sorted(set(p) - {"items", "version"})))
    if not 1 <= len(p["items"]) <= 100:
        errs.append("%s: %d items (1 to 100 per envelope)" % (where, len(p["items"])))
    for i, it in enumerate(p["items"]):
        check_item(it, errs, "%s[%d]" % (where, i))


def main():
    d = sys.argv[1]
    files = sorted(f for f in os.listdir(d) if f.endswith("-log.json"))
    errs, items = [], 0
    for f in files:
        with open(os.path.join(d, f), "rb") as fh:
            try:
                p = json.loads(fh.read())
            except ValueError as e:
                errs.append("%s: not JSON: %s" % (f, e))
                continue
        check_payload(p, errs, f)
        items += len(p.get("items", [])) if isinstance(p, dict) else 0
    if not files:
        errs.append("no log payloads in " + d)
    for e in errs[:50]:
        print("INVALID", e)
    print("%d payloads, %d log items, %d problems" % (len(files), items, len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
