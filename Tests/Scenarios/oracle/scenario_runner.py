"""Runs one scenario's ops on sentry-python and collects raw records.

A raw record is one of
    ("sent", envelope)              a capture or a finished transaction was sent
    ("dropped", None)               a processor / before_send* returned None
    ("unsampled", None)             a transaction that sampling decided against
    ("last_event_id", event_id)     probe: sentry_sdk.last_event_id()
    ("trace_headers", {..})         probe: outgoing sentry-trace and baggage
in the order the scenario produces them; normalise.py turns them into the
expected-file records. The op vocabulary is described in Tests/Scenarios/README.md.
"""
import builtins
import json
import re
import time

from sdk_harness import event_action, run_on_fresh_sdk, sent_count, sent_envelope
import sentry_sdk
from sentry_sdk.scope import Scope

# Waiting before and after each breadcrumb keeps SDK-made timestamps strictly
# increasing, so the SDK's breadcrumb order is deterministic.
BREADCRUMB_PAUSE_S = 0.002

_SCOPE_GETTERS = {
    "global": sentry_sdk.get_global_scope,
    "isolation": sentry_sdk.get_isolation_scope,
    "current": sentry_sdk.get_current_scope,
}
_HEX_ID = re.compile(r"\b[0-9a-f]{32}\b|\b[0-9a-f]{16}\b")


def _add_breadcrumb(target, op):
    time.sleep(BREADCRUMB_PAUSE_S)
    target.add_breadcrumb(dict(op["crumb"]))
    time.sleep(BREADCRUMB_PAUSE_S)


def _add_attachment(target, op):
    target.add_attachment(bytes=op["data"].encode("utf-8"), filename=op["filename"],
                          content_type=op.get("content_type"))


def _set_fingerprint(scope, op):
    scope.fingerprint = op["fingerprint"]


def _add_event_processor(scope, op):
    scope.add_event_processor(event_action(op["action"]))


# Ops that exist both on Scope and as a top-level sentry_sdk function with the
# same signature: `target` is a Scope or the sentry_sdk module itself ("api").
SCOPE_OR_API_OPS = {
    "set_tag": lambda target, op: target.set_tag(op["key"], op["value"]),
    "set_tags": lambda target, op: target.set_tags(op["tags"]),
    "set_extra": lambda target, op: target.set_extra(op["key"], op["value"]),
    "set_context": lambda target, op: target.set_context(op["key"], op["value"]),
    "set_user": lambda target, op: target.set_user(op["value"]),
    "set_level": lambda target, op: target.set_level(op["level"]),
    "set_transaction_name": lambda target, op: target.set_transaction_name(op["name"], op.get("source")),
    "add_breadcrumb": _add_breadcrumb,
    "add_attachment": _add_attachment,
}

# Ops that need a Scope object (no top-level function in sentry-python).
SCOPE_ONLY_OPS = {
    "remove_tag": lambda scope, op: scope.remove_tag(op["key"]),
    "remove_extra": lambda scope, op: scope.remove_extra(op["key"]),
    "remove_context": lambda scope, op: scope.remove_context(op["key"]),
    "set_fingerprint": _set_fingerprint,
    "clear_breadcrumbs": lambda scope, op: scope.clear_breadcrumbs(),
    "clear": lambda scope, op: scope.clear(),
    "add_event_processor": _add_event_processor,
}

_exception_types = {}


def exception_type(name):
    """A builtin exception class, or a made-up one that Sentry reports like a builtin."""
    found = getattr(builtins, name, None)
    if isinstance(found, type) and issubclass(found, BaseException):
        return found
    if name not in _exception_types:
        # module "builtins" => the event's exception has no module, as for a builtin
        _exception_types[name] = type(name, (Exception,), {"__module__": "builtins"})
    return _exception_types[name]


class ScenarioRun:
    """The ops of one scenario, executed in order on the current SDK."""

    def __init__(self, name):
        self.name = name
        self.records = []
        # ids and sample_rand values that the scenario itself supplies (kept verbatim)
        self.verbatim = set()

    # -------------------------------------------------------- dispatch
    def run_ops(self, ops, standalone=None):
        """Run ops; `standalone` (a Scope) replaces every op's `scope` field."""
        for op in ops:
            self.run_op(op, standalone)

    def run_op(self, op, standalone=None):
        kind = op["op"]
        method = getattr(self, "op_" + kind, None)
        if method is not None:
            method(op, standalone)
        elif kind in SCOPE_OR_API_OPS:
            SCOPE_OR_API_OPS[kind](self.target(op, standalone), op)
        elif kind in SCOPE_ONLY_OPS:
            SCOPE_ONLY_OPS[kind](self.scope_object(op, standalone), op)
        else:
            raise ValueError("scenario %r: unknown op %r" % (self.name, kind))

    def target(self, op, standalone=None):
        """The Scope an op acts on, or the sentry_sdk module for scope "api"."""
        if standalone is not None:
            return standalone
        return self.named_scope("scope", op.get("scope", "current"))

    def named_scope(self, field, which):
        """global / isolation / current -> that Scope; api -> the sentry_sdk module."""
        if which == "api":
            return sentry_sdk
        if which not in _SCOPE_GETTERS:
            raise ValueError("scenario %r: bad %s %r" % (self.name, field, which))
        return _SCOPE_GETTERS[which]()

    def scope_object(self, op, standalone=None):
        target = self.target(op, standalone)
        if target is sentry_sdk:
            raise ValueError("scenario %r: op %r has no top-level API; use scope "
                             "global, isolation or current" % (self.name, op["op"]))
        return target

    # -------------------------------------------------------- scope structure
    def op_new_scope(self, op, standalone):
        with sentry_sdk.new_scope():
            self.run_ops(op.get("ops", []))

    def op_isolation_scope(self, op, standalone):
        with sentry_sdk.isolation_scope():
            self.run_ops(op.get("ops", []))

    def op_update_from_scope(self, op, standalone):
        source = Scope()
        self.run_ops(op.get("ops", []), standalone=source)
        self.scope_object(op, standalone).update_from_scope(source)

    # -------------------------------------------------------- captures and probes
    def op_capture_message(self, op, standalone):
        kwargs = self.capture_kwargs(op)
        if "level" in kwargs:
            raise ValueError("scenario %r: capture_message takes op.level, not kwargs.level" % self.name)
        self.record_send(lambda: self.capturer(op).capture_message(op["message"], op.get("level"), **kwargs))

    def op_capture_exception(self, op, standalone):
        kwargs = self.capture_kwargs(op)
        error = exception_type(op.get("type", "ValueError"))(op.get("value", "boom"))

        def capture():
            try:
                raise error
            except BaseException as raised:  # noqa: B902 - any type the scenario names
                self.capturer(op).capture_exception(raised, **kwargs)

        self.record_send(capture)

    def op_capture_event(self, op, standalone):
        kwargs = self.capture_kwargs(op)
        event = json.loads(json.dumps(op["event"]))  # the SDK may mutate it
        self.record_send(lambda: self.capturer(op).capture_event(event, **kwargs))

    def capture_kwargs(self, op):
        kwargs = dict(op.get("kwargs", {}))
        if "with_scope" in op:
            extra = Scope()
            self.run_ops(op["with_scope"], standalone=extra)
            kwargs["scope"] = extra
        return kwargs

    def capturer(self, op):
        """Who captures: the top-level API (default) or the scope named by `via`."""
        return self.named_scope("via", op.get("via", "api"))

    def record_send(self, capture):
        """Call capture(); record the one envelope it sent, or a drop."""
        before = sent_count()
        capture()
        self.record_outcome(before)

    def record_outcome(self, before):
        sent = sent_count() - before
        if sent == 0:
            self.records.append(("dropped", None))
            return
        if sent != 1:
            raise RuntimeError("scenario %r: %d envelopes for one capture" % (self.name, sent))
        self.records.append(("sent", sent_envelope(before)))

    def op_last_event_id(self, op, standalone):
        self.records.append(("last_event_id", sentry_sdk.last_event_id()))

    # -------------------------------------------------------- tracing
    def remember_inputs(self, headers):
        """Trace/span ids and sample_rand given by the scenario stay verbatim in the output."""
        for value in headers.values():
            self.verbatim.update(_HEX_ID.findall(str(value)))
        for item in str(headers.get("baggage") or "").split(","):
            key, _, value = item.partition("=")
            if key.strip() == "sentry-sample_rand":
                self.verbatim.add(value.strip())

    def op_continue_trace(self, op, standalone):
        self.remember_inputs(op["headers"])
        sentry_sdk.continue_trace(dict(op["headers"]))

    def op_start_transaction(self, op, standalone):
        transaction = self.new_transaction(op)
        custom = op.get("custom")
        with sentry_sdk.start_transaction(transaction, custom_sampling_context=custom) as started:
            apply_span_fields(started, op)
            self.run_ops(op.get("ops", []))
            # what the inner ops sent is theirs; the transaction sends when it finishes
            before = sent_count()
        if not started.sampled:
            self.records.append(("unsampled", None))
        else:
            self.record_outcome(before)

    def new_transaction(self, op):
        kwargs = {argument: op[key] for key, argument in
                  (("name", "name"), ("span_op", "op"), ("source", "source"))
                  if op.get(key) is not None}
        if "headers" in op:
            self.remember_inputs(op["headers"])
            transaction = sentry_sdk.continue_trace(dict(op["headers"]), **kwargs)
        else:
            transaction = sentry_sdk.tracing.Transaction(**kwargs)
        if "sampled" in op:
            transaction.sampled = op["sampled"]
        return transaction

    def op_start_span(self, op, standalone):
        with sentry_sdk.start_span(op=op.get("span_op"), name=op.get("description")) as span:
            apply_span_fields(span, op)
            self.run_ops(op.get("ops", []))

    def op_set_http_status(self, op, standalone):
        span = sentry_sdk.get_current_span()
        if span is not None:
            span.set_http_status(op["code"])

    def op_trace_headers(self, op, standalone):
        self.records.append(("trace_headers", {
            "sentry-trace": sentry_sdk.get_traceparent(),
            "baggage": sentry_sdk.get_baggage(),
        }))


def apply_span_fields(span, op):
    """The optional data / tags / status / http_status of a transaction or span op."""
    for key, value in (op.get("data") or {}).items():
        span.set_data(key, value)
    for key, value in (op.get("tags") or {}).items():
        span.set_tag(key, value)
    if op.get("status") is not None:
        span.set_status(op["status"])
    if op.get("http_status") is not None:
        span.set_http_status(op["http_status"])


def run_scenario(scenario, default_init):
    """Run one scenario on a fresh SDK; return (raw records, verbatim values)."""
    options = dict(default_init)
    options.update(scenario.get("init", {}))
    run = ScenarioRun(scenario["name"])
    run_on_fresh_sdk(options, lambda: run.run_ops(scenario["ops"]))
    return run.records, run.verbatim
