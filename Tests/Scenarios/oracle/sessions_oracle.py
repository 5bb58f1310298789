#!/usr/bin/env python3
"""Runs Tests/Scenarios/sessions-scenario.json through sentry-python's request-mode session
tracking (sentry_sdk.sessions.track_session(scope, session_mode="request"), as its framework
integrations do) and prints the `sessions` aggregates it sends, with the `started` minute left
out (the counts of all minutes summed per attrs), as JSON. scripts/regenerate-sessions-oracle.sh
writes that to Tests/Scenarios/sessions-expected.json; the C test test_health compares.
"""
import json
import sys

import sentry_sdk
from sentry_sdk.sessions import track_session
from sentry_sdk.transport import Transport
from sentry_sdk.utils import event_from_exception

sent = []


class Collect(Transport):
    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type == "sessions":
                sent.append(json.loads(item.get_bytes()))


def fail(kind):
    try:
        raise ValueError(kind)
    except ValueError:
        if kind == "unhandled":
            # what the framework integrations do with an exception escaping the handler
            event, hint = event_from_exception(sys.exc_info(), client_options=sentry_sdk.get_client().options,
                                               mechanism={"type": "oracle", "handled": False})
            sentry_sdk.capture_event(event, hint=hint)
        else:
            sentry_sdk.capture_exception()


def request(outcome):
    if outcome == "handled_error":
        fail("handled")
    elif outcome == "unhandled_error":
        fail("unhandled")
    elif outcome == "error_message":
        sentry_sdk.capture_message("boom", level="error")
    elif outcome == "two_handled":
        fail("handled")
        fail("handled")
    elif outcome == "handled_then_unhandled":
        fail("handled")
        fail("unhandled")
    elif outcome not in ("ok", "http_500"):
        raise SystemExit("unknown outcome %r" % outcome)


def main():
    scenario = json.load(open(sys.argv[1]))
    sentry_sdk.init(dsn="https://key@o0.ingest.sentry.io/1", transport=Collect, release=scenario["release"],
                    environment=scenario["environment"], default_integrations=False, auto_session_tracking=True)
    for outcome in scenario["requests"]:
        with sentry_sdk.isolation_scope() as scope:
            with track_session(scope, session_mode="request"):
                request(outcome)
    sentry_sdk.flush()
    totals = {}
    for item in sent:
        key = json.dumps(item["attrs"], sort_keys=True)
        t = totals.setdefault(key, {"attrs": item["attrs"], "counts": {}})
        for agg in item["aggregates"]:
            for k, v in agg.items():
                if k != "started":
                    t["counts"][k] = t["counts"].get(k, 0) + v
    out = {"sdk": "sentry-python " + sentry_sdk.VERSION, "requests": len(scenario["requests"]),
           "sessions": sorted(totals.values(), key=lambda t: json.dumps(t["attrs"], sort_keys=True))}
    print(json.dumps(out, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
