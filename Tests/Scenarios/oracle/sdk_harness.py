"""The reference SDK, set up the same way for every scenario.

Everything that touches sentry-python's global state lives here: scrubbing the
SENTRY_* environment, importing the SDK, turning a scenario's declarative
`init` object into `sentry_sdk.init()` keyword arguments, the in-memory
transport that keeps envelopes instead of sending them, and running a piece of
work on a brand-new SDK (fresh scopes in an empty contextvars.Context).
"""
import contextvars
import os
import sys
import warnings

# The SDK reads these at init and when it creates scopes; a developer's shell
# must not leak into the expected files.
_SDK_ENVIRONMENT = (
    "SENTRY_DSN", "SENTRY_RELEASE", "SENTRY_ENVIRONMENT", "SENTRY_DEBUG",
    "SENTRY_TRACE", "SENTRY_BAGGAGE", "SENTRY_USE_ENVIRONMENT",
    "SENTRY_PRINT_ENVELOPES", "SENTRY_SPOTLIGHT", "SENTRY_KEEP_ALIVE",
)
for _name in _SDK_ENVIRONMENT:
    os.environ.pop(_name, None)

REFERENCE_VERSION = "2.75.0"

try:
    import sentry_sdk
    import sentry_sdk.scope
    import sentry_sdk.tracing
    from sentry_sdk.transport import Transport
except ImportError:
    sys.exit("sentry_sdk is not importable from %s.\n"
             "Run scripts/regenerate-scenarios.sh (it creates .venv/oracle with "
             "sentry-sdk==%s), or use a python that has it." % (sys.executable, REFERENCE_VERSION))

warnings.simplefilter("ignore")

DEFAULT_DSN = "https://public@127.0.0.1:1/1"
FIXED_SERVER_NAME = "oracle-host"


class MemoryTransport(Transport):
    """Keeps every envelope the client hands over; sends nothing."""

    sent = []  # one list for the whole process, emptied before each scenario

    def capture_envelope(self, envelope):
        MemoryTransport.sent.append(envelope)


def sent_count():
    return len(MemoryTransport.sent)


def sent_envelope(index):
    return MemoryTransport.sent[index]


# ------------------------------------------------------------ declarative callbacks
def event_action(action):
    """An *action* object -> fn(event, hint), for event processors and before_send*.

    Applied in this order: drop, drop_if_message, append_tag, set_tag.
    """

    def apply(event, hint):
        if action.get("drop"):
            return None
        unwanted = action.get("drop_if_message")
        if unwanted is not None and event.get("message") == unwanted:
            return None
        if "append_tag" in action:
            key, suffix = action["append_tag"]
            tags = event.get("tags")
            if not isinstance(tags, dict):
                tags = event["tags"] = {}
            tags[key] = str(tags.get(key) or "") + str(suffix)
        if "set_tag" in action:
            key, value = action["set_tag"]
            event.setdefault("tags", {})[key] = value
        return event

    return apply


def breadcrumb_action(action):
    """`before_breadcrumb` object -> fn(crumb, hint): drop a category, append to messages."""
    dropped_category = action.get("drop_category")

    def apply(crumb, hint):
        if dropped_category is not None and crumb.get("category") == dropped_category:
            return None
        if "append_message" in action:
            crumb["message"] = str(crumb.get("message") or "") + action["append_message"]
        return crumb

    return apply


def declarative_sampler(spec):
    """`traces_sampler` object -> sampler function.

    Order: the parent's decision (when inherit_parent and there is one), then the
    custom sampling context's value under custom_key, then the rate for the
    transaction's name, then `default` (0 when absent).
    """
    rates = spec.get("rates", {})
    custom_key = spec.get("custom_key")

    def sample(context):
        if spec.get("inherit_parent") and context.get("parent_sampled") is not None:
            return context["parent_sampled"]
        if custom_key is not None and custom_key in context:
            return context[custom_key]
        name = (context.get("transaction_context") or {}).get("name")
        return rates.get(name, spec.get("default", 0.0))

    return sample


# ------------------------------------------------------------ init options
_PASSED_THROUGH = ("max_breadcrumbs", "dist", "attach_stacktrace", "traces_sample_rate",
                   "org_id", "strict_trace_continuation")
_BUILT = {
    "traces_sampler": ("traces_sampler", declarative_sampler),
    "before_send": ("before_send", event_action),
    "before_send_transaction": ("before_send_transaction", event_action),
    "before_breadcrumb": ("before_breadcrumb", breadcrumb_action),
}
KNOWN_INIT_KEYS = {"dsn", "release", "environment", "max_spans"} | set(_PASSED_THROUGH) | set(_BUILT)


def init_kwargs(options):
    """A scenario's merged `init` object -> keyword arguments for sentry_sdk.init().

    No integrations, sessions or client reports: only what the scenario asks for.
    """
    unknown = set(options) - KNOWN_INIT_KEYS
    if unknown:
        raise ValueError("unknown init option(s): %s" % ", ".join(sorted(unknown)))
    kwargs = {
        "dsn": options.get("dsn", DEFAULT_DSN),
        "release": options.get("release"),
        "environment": options.get("environment"),
        "server_name": FIXED_SERVER_NAME,
        "transport": MemoryTransport,
        "integrations": [],
        "default_integrations": False,
        "auto_enabling_integrations": False,
        "auto_session_tracking": False,
        "send_client_reports": False,
    }
    for key in _PASSED_THROUGH:
        if key in options:
            kwargs[key] = options[key]
    for key, (argument, build) in _BUILT.items():
        if key in options:
            kwargs[argument] = build(options[key])
    if "max_spans" in options:
        kwargs["_experiments"] = {"max_spans": options["max_spans"]}
    return kwargs


# ------------------------------------------------------------ a fresh SDK per scenario
def _forget_scopes():
    sentry_sdk.scope._global_scope = None
    sentry_sdk.scope._isolation_scope.set(None)
    sentry_sdk.scope._current_scope.set(None)
    MemoryTransport.sent = []


def run_on_fresh_sdk(options, work):
    """Initialise a new client with `options` and call work() in a clean context.

    Before init the three scopes are created eagerly, as `import sentry_sdk` does
    in a main thread (hub.py builds its global Hub at import time). Without that
    the isolation scope would be created lazily at the first capture and the
    first event would carry the global scope's trace id.

    Returns work()'s result. Envelopes are only readable (sent_envelope) while
    work() runs: keep the objects themselves, not their indices.
    """

    def in_context():
        _forget_scopes()
        sentry_sdk.get_global_scope()
        sentry_sdk.get_isolation_scope()
        sentry_sdk.get_current_scope()
        sentry_sdk.init(**init_kwargs(options))
        result = work()
        sentry_sdk.get_client().close(timeout=0)
        return result

    try:
        return contextvars.Context().run(in_context)
    finally:
        _forget_scopes()
