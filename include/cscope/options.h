/*
 * cscope/options.h: client options and the SDK's life cycle.
 *
 * Thread safety: build options on one thread; csc_init/csc_close may be called
 * from any thread, captures on other threads see either the old or the new client.
 */
#ifndef CSCOPE_OPTIONS_H
#define CSCOPE_OPTIONS_H

#include <jansson.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csc_options_s csc_options_t;

/** New options with defaults (environment from SENTRY_ENVIRONMENT or "production", release from SENTRY_RELEASE, dsn from SENTRY_DSN, max_breadcrumbs 100, sample_rate 1). Caller frees with csc_options_free unless passed to csc_init. */
CSC_API csc_options_t *csc_options_new(void);
CSC_API void csc_options_free(csc_options_t *opts);

/** String setters copy; NULL resets to "unset". */
CSC_API int csc_options_set_dsn(csc_options_t *opts, const char *dsn);
CSC_API int csc_options_set_release(csc_options_t *opts, const char *release);
CSC_API int csc_options_set_environment(csc_options_t *opts, const char *environment);
CSC_API int csc_options_set_dist(csc_options_t *opts, const char *dist);
CSC_API int csc_options_set_server_name(csc_options_t *opts, const char *server_name);
/** `platform` of events: "native" by default (Relay accepts a fixed list; the Swift overlay sends "native" too). */
CSC_API int csc_options_set_platform(csc_options_t *opts, const char *platform);
/** `sdk.name`/`sdk.version` of events (default "sentry.cscope"/CSC_VERSION). */
CSC_API int csc_options_set_sdk(csc_options_t *opts, const char *name, const char *version);
/**
 * The `runtime` context of events: the host's language runtime (the Swift overlay sends
 * "swift" and its compiler version). Default (NULL): the C library ("glibc" and its version).
 * Every event also gets an `os` context (uname and /etc/os-release) and a `device` context
 * (arch, processor_count, memory_size, boot_time) unless a scope or the event sets one.
 */
CSC_API int csc_options_set_runtime(csc_options_t *opts, const char *name, const char *version);
/** 0..CSC_MAX_BREADCRUMBS_LIMIT; 0 keeps none (each is still counted as evicted). */
CSC_API int csc_options_set_max_breadcrumbs(csc_options_t *opts, size_t max_breadcrumbs);
/**
 * The Python SDK's `max_value_length`: every string value of an event longer than `n` UTF-8
 * bytes is cut to its first n-3 bytes (at a character boundary) plus "...", with the `_meta`
 * Python writes (`{"": {"len": N, "rem": [["!limit", "x", n-3, n]]}}`). 0 (the default, as
 * sentry-sdk 2.75.0's None) sends strings whole; 1 and 2 are CSC_ERR_INVALID.
 */
CSC_API int csc_options_set_max_value_length(csc_options_t *opts, size_t n);
/** 0.0..1.0: probability that an error event is sent. */
CSC_API int csc_options_set_sample_rate(csc_options_t *opts, double rate);
CSC_API int csc_options_set_send_default_pii(csc_options_t *opts, bool enabled);
CSC_API int csc_options_set_debug(csc_options_t *opts, bool enabled);
/**
 * Where diagnostics go (with debug on, and the few that are always reported, such as a
 * malformed DSN): `message` is one line without a newline, valid only during the call. May
 * run on any thread, including the transport's worker, and must not call into the SDK.
 * NULL (the default): stderr, prefixed "[sentry] ". Diagnostics never include the DSN's key.
 */
typedef void (*csc_logger_fn)(const char *message, void *user_data);
CSC_API int csc_options_set_logger(csc_options_t *opts, csc_logger_fn fn, void *user_data);

/** before_send: may change `event` in place; return false to drop it. Runs after event processors, before sampling. */
typedef bool (*csc_before_send_fn)(json_t *event, void *user_data);
CSC_API int csc_options_set_before_send(csc_options_t *opts, csc_before_send_fn fn, void *user_data);
/** before_breadcrumb: `crumb` is the breadcrumb as a JSON object, changeable in place; return false to drop it. */
typedef bool (*csc_before_breadcrumb_fn)(json_t *crumb, void *user_data);
CSC_API int csc_options_set_before_breadcrumb(csc_options_t *opts, csc_before_breadcrumb_fn fn, void *user_data);

/**
 * The transport: receives each envelope, TAKES ownership (free it with
 * csc_envelope_free). Called on the capturing thread; it must not block.
 * Without a transport and without a DSN, captures return CSC_ERR_DISABLED.
 */
typedef void (*csc_transport_fn)(csc_envelope_t *envelope, void *user_data);
CSC_API int csc_options_set_transport(csc_options_t *opts, csc_transport_fn fn, void *user_data);

/**
 * Starts the SDK with `opts`, which it TAKES (also on error). Replaces a client
 * started earlier. A malformed DSN leaves the SDK disabled and returns CSC_ERR_PARSE.
 */
CSC_API int csc_init(csc_options_t *opts);
/** Stops the SDK; later captures are no-ops returning CSC_ERR_DISABLED. */
CSC_API int csc_close(void);
/**
 * True while a client is live: from a csc_init that started one (a valid DSN,
 * or a custom transport) until the next csc_close, or a csc_init that leaves the
 * SDK disabled (no DSN and no transport, malformed DSN). While false, captures
 * return CSC_ERR_DISABLED and scope breadcrumbs are not recorded; scope data
 * setters work either way. True does NOT promise delivery: the HTTP transport
 * may have failed to start, and sampling, rate limits or a full queue drop
 * events. Cost: one relaxed atomic load (a cheap guard for hot paths).
 */
CSC_API bool csc_is_enabled(void);

/**
 * True while a started client has tracing on (a traces sample rate, from the options or
 * SENTRY_TRACES_SAMPLE_RATE, or a traces sampler). While false, transactions are never sent and
 * only trace propagation runs: an integration may skip starting them. One relaxed atomic load.
 */
CSC_API bool csc_is_tracing_enabled(void);

#ifdef __cplusplus
}
#endif
#endif /* CSCOPE_OPTIONS_H */
