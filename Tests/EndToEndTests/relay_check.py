#!/usr/bin/env python3
"""Checks events with Relay's own normalizer (PyPI `sentry-relay`): every event must come out
exactly as sent: no `_meta` entry (nothing invalid, trimmed or replaced), no `errors[]`, and the
protocol's required fields (event_id, timestamp, platform) sent by the SDK itself.

Usage: relay_check.py FILE...     each FILE an event JSON or an envelope (every event and transaction item is checked)
Exit 0 when all are clean, 1 otherwise (findings printed as JSON). Also importable: check_event().
Needs sentry_relay (scripts/test-e2e.sh installs it into .venv/e2e).
"""
import json
import sys

import sentry_relay

CONFIG = {"project_id": 1, "enable_trimming": True, "max_secs_in_past": 30 * 24 * 3600, "max_secs_in_future": 60}
REQUIRED = ("event_id", "timestamp", "platform")


def _meta_findings(meta, path, out):
    if not isinstance(meta, dict):
        return
    for key, sub in meta.items():
        if key == "":
            if isinstance(sub, dict) and any(sub.get(k) for k in ("err", "rem", "len", "val")):
                out.append({"path": path or "<root>", "meta": sub})
        else:
            _meta_findings(sub, "%s.%s" % (path, key) if path else str(key), out)


def check_event(payload):
    """payload: bytes/str/dict of one event. Returns a list of findings (empty = clean)."""
    raw = json.dumps(payload) if isinstance(payload, dict) else payload
    raw = raw.encode() if isinstance(raw, str) else raw
    try:
        normalized = sentry_relay.StoreNormalizer(**CONFIG).normalize_event(raw_event=raw)
    except sentry_relay.RelayError as e:
        return [{"path": "<root>", "rejected": str(e).split("\n")[0]}]
    findings = []
    _meta_findings(normalized.get("_meta") or {}, "", findings)
    for e in normalized.get("errors") or []:
        findings.append({"path": e.get("name", "?"), "error": e})
    sent = json.loads(raw)
    for k in REQUIRED:
        if k not in sent:
            findings.append({"path": k, "missing": "filled in by Relay"})
    return findings


def split_envelope(data):
    lines = data.split(b"\n")
    pos = len(lines[0]) + 1
    header = json.loads(lines[0])
    items = []
    while pos < len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end == -1 else end
        if end == pos:
            pos += 1
            continue
        ih = json.loads(data[pos:end])
        pos = end + 1
        if "length" in ih:
            payload = data[pos:pos + int(ih["length"])]
            pos += int(ih["length"]) + 1
        else:
            end = data.find(b"\n", pos)
            end = len(data) if end == -1 else end
            payload, pos = data[pos:end], end + 1
        items.append((ih, payload))
    return header, items


def check_file(path):
    data = open(path, "rb").read()
    first = data.split(b"\n", 1)[0]
    try:
        second = json.loads(data.split(b"\n", 2)[1]) if b"\n" in data else None
    except (ValueError, IndexError):
        second = None
    if isinstance(second, dict) and "type" in second:
        _, items = split_envelope(data)
        return {path + "#%d" % i: check_event(p) for i, (ih, p) in enumerate(items) if ih.get("type") in ("event", "transaction")}
    del first
    return {path: check_event(data)}


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    result = {}
    for path in argv:
        result.update(check_file(path))
    bad = {k: v for k, v in result.items() if v}
    print(json.dumps({"checked": len(result), "repaired_or_rejected": bad}, indent=2))
    return 1 if bad or not result else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
