"""Raw records of one scenario -> the deterministic records of an expected file.

What varies from run to run is removed or replaced by a placeholder:
- event ids -> "<event:N>" (N = index among the scenario's sent envelopes, from 0);
- trace ids -> "<trace:N>", span ids -> "<span:N>" (N from 1, in order of first
  appearance in the scenario's output) unless the scenario supplied the id itself;
- generated sample_rand -> "<sample_rand>", sent_at -> "<sent_at>", SDK-made
  breadcrumb timestamps -> "<ts>" (explicit pre-2010 timestamps are kept);
- dropped outright: event timestamps, sdk/platform/server/module/thread data,
  stack traces, the runtime/os/device/app/culture/cloud_resource contexts, and
  the Python runtime's thread.id/thread.name in span data.
Everything else is kept exactly as sentry-python sent it.

Placeholder numbers depend on the order in which ids are met, so the walk order
here (records in order; per sent record the event, spans before contexts, then
the envelope) is part of the file format.
"""
import json
import re
from urllib.parse import unquote

TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
SPAN_ID = re.compile(r"^[0-9a-f]{16}$")
EXPLICIT_OLD_TIMESTAMP = re.compile(r"^(19\d\d|200\d)-")

EVENT_KEYS_DROPPED = ("event_id", "timestamp", "start_timestamp", "sdk", "server_name",
                      "platform", "modules", "threads")
CONTEXTS_DROPPED = {"runtime", "os", "device", "app", "culture", "cloud_resource"}
SPAN_KEYS_DROPPED = {"timestamp", "start_timestamp"}
RUNTIME_SPAN_DATA = {"thread.id", "thread.name"}
SPAN_ID_KEYS = {"span_id", "parent_span_id"}


class Normaliser:
    """Placeholder state for one scenario; call record() on each raw record in order."""

    def __init__(self, verbatim):
        self.verbatim = verbatim
        self.placeholders = {"trace": {}, "span": {}}
        self.event_placeholders = {}

    # -------------------------------------------------------- ids
    def placeholder(self, kind, raw):
        seen = self.placeholders[kind]
        if raw not in seen:
            seen[raw] = "<%s:%d>" % (kind, len(seen) + 1)
        return seen[raw]

    def id_value(self, kind, pattern, value):
        if value in self.verbatim or not isinstance(value, str) or not pattern.match(value):
            return value
        return self.placeholder(kind, value)

    def trace_fields(self, fields):
        """A trace context, span, DSC or baggage dict with its volatile parts replaced."""
        out = {}
        for key, value in fields.items():
            if key in SPAN_KEYS_DROPPED:
                continue
            if key == "trace_id":
                out[key] = self.id_value("trace", TRACE_ID, value)
            elif key in SPAN_ID_KEYS:
                out[key] = self.id_value("span", SPAN_ID, value)
            elif key == "sample_rand" and value is not None:
                out[key] = value if str(value) in self.verbatim else "<sample_rand>"
            elif key == "data" and isinstance(value, dict):
                data = {k: v for k, v in value.items() if k not in RUNTIME_SPAN_DATA}
                if data:
                    out[key] = data
            else:
                out[key] = value
        return out

    # -------------------------------------------------------- records
    def record(self, kind, payload):
        if kind == "sent":
            return self.sent(payload)
        if kind in ("dropped", "unsampled"):
            return {kind: True}
        if kind == "last_event_id":
            value = None if payload is None else self.event_placeholders.get(payload, "<unknown-event>")
            return {"probe": kind, "value": value}
        if kind == "trace_headers":
            return {"probe": kind, "value": {
                "sentry-trace": self.sentry_trace(payload.get("sentry-trace")),
                "baggage": self.baggage(payload.get("baggage")),
            }}
        raise ValueError("unknown raw record %r" % kind)

    def sent(self, envelope):
        event_placeholder = "<event:%d>" % len(self.event_placeholders)
        self.event_placeholders[envelope.headers.get("event_id")] = event_placeholder
        event = envelope.get_event() or envelope.get_transaction_event()
        return {"event": self.event(event),
                "envelope": self.envelope(envelope, event_placeholder)}

    # -------------------------------------------------------- events
    def event(self, event):
        event = json.loads(json.dumps(event))
        for key in EVENT_KEYS_DROPPED:
            event.pop(key, None)
        if isinstance(event.get("spans"), list):
            event["spans"] = [self.trace_fields(span) for span in event["spans"]]
        strip_exception_noise(event.get("exception"))
        contexts = event.get("contexts")
        if isinstance(contexts, dict):
            for name in CONTEXTS_DROPPED & set(contexts):
                del contexts[name]
            if isinstance(contexts.get("trace"), dict):
                contexts["trace"] = self.trace_fields(contexts["trace"])
        breadcrumbs = event.get("breadcrumbs")
        if isinstance(breadcrumbs, dict):
            for crumb in breadcrumbs.get("values") or []:
                if isinstance(crumb, dict) and "timestamp" in crumb:
                    crumb["timestamp"] = breadcrumb_timestamp(crumb["timestamp"])
        return event

    def envelope(self, envelope, event_placeholder):
        headers = {}
        for key, value in envelope.headers.items():
            if key == "event_id":
                value = event_placeholder
            elif key == "sent_at":
                value = "<sent_at>"
            elif key == "trace" and isinstance(value, dict):
                value = self.trace_fields(value)
            headers[key] = value
        return {"headers": headers, "items": [item_headers(item) for item in envelope.items]}

    # -------------------------------------------------------- propagation headers
    def sentry_trace(self, header):
        if not header:
            return None
        parts = header.split("-")
        return {
            "trace_id": self.id_value("trace", TRACE_ID, parts[0]),
            "span_id": self.id_value("span", SPAN_ID, parts[1]) if len(parts) > 1 else None,
            "sampled": parts[2] if len(parts) > 2 else None,
        }

    def baggage(self, header):
        if not header:
            return None
        sentry, other = {}, []
        for item in (part.strip() for part in header.split(",")):
            key, has_value, value = item.partition("=")
            key = key.strip()
            if key.startswith("sentry-") and has_value:
                sentry[unquote(key[len("sentry-"):])] = unquote(value.strip())
            elif item:
                other.append(item)
        return {"sentry": self.trace_fields(sentry), "other": other}


def strip_exception_noise(exception):
    """Stack traces differ per host; a null module says nothing."""
    if not isinstance(exception, dict):
        return
    for value in exception.get("values") or []:
        value.pop("stacktrace", None)
        if value.get("module") is None:
            value.pop("module", None)


def breadcrumb_timestamp(timestamp):
    if timestamp is None:
        return None
    if isinstance(timestamp, str) and EXPLICIT_OLD_TIMESTAMP.match(timestamp):
        return timestamp  # given by the scenario
    return "<ts>"


def item_headers(item):
    """Event/transaction items: their headers. Others (attachments): headers, length, payload."""
    headers = dict(item.headers)
    if headers.get("type") in ("event", "transaction"):
        return headers
    data = item.get_bytes()
    headers["length"] = len(data)
    try:
        headers["payload"] = data.decode("utf-8")
    except UnicodeDecodeError:
        headers["payload_hex"] = data.hex()
    return headers


def normalise_records(raw_records, verbatim):
    normaliser = Normaliser(verbatim)
    return [normaliser.record(kind, payload) for kind, payload in raw_records]
