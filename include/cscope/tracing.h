/*
 * cscope/tracing.h: transactions and spans, sampling, and trace propagation
 * (sentry-trace, baggage, W3C traceparent), following the Python SDK 2.75.0.
 *
 *   csc_transaction_options_t to = CSC_TRANSACTION_OPTIONS_INIT;
 *   to.name = "GET /cart"; to.op = "http.server"; to.source = "route";
 *   to.headers = incoming; to.header_count = n;        // continue the caller's trace
 *   csc_span_t *tx = csc_transaction_start(&to);
 *   csc_scope_bind_span(csc_current_scope(), tx);       // errors now carry tx's trace
 *   csc_span_t *db = csc_span_start_child(tx, "db.query", "SELECT ...");
 *   csc_span_finish(db); csc_span_release(db);
 *   csc_span_set_http_status(tx, 200);
 *   csc_span_finish(tx);                                // sent: the worker builds the JSON
 *   csc_scope_bind_span(csc_current_scope(), NULL);
 *   csc_span_release(tx);
 *
 * Tracing is on when the options have a traces_sample_rate or a traces_sampler;
 * without either every transaction is unsampled (nothing is sent) and only trace
 * propagation runs.
 *
 * Ownership: csc_transaction_start, csc_span_start_child, csc_start_span and
 * csc_active_span return a reference the caller releases with csc_span_release.
 * A transaction never finished is freed with its last reference and not sent.
 * Functions taking `json_t *value` STEAL it (also on error). Strings are copied.
 *
 * Thread safety: every function may be called from any thread; spans of one
 * transaction share one lock. Finishing is idempotent: the second call returns
 * CSC_ERR_INVALID. Once its transaction is finished, a span no longer changes
 * (setters return CSC_ERR_INVALID); a child finished after its transaction is
 * not sent.
 */
#ifndef CSCOPE_TRACING_H
#define CSCOPE_TRACING_H

#include <jansson.h>

#include "capture.h"
#include "common.h"
#include "options.h"
#include "scope.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct csc_span_s csc_span_t;

/** One HTTP header (name matched case-insensitively). Borrowed for the call. */
typedef struct csc_header_s {
    const char *name;
    const char *value;
} csc_header_t;

/** A sampling decision: unset, no, yes. */
#define CSC_SAMPLED_UNSET (-1)
#define CSC_SAMPLED_NO    0
#define CSC_SAMPLED_YES   1

/** Default and upper bound of csc_options_set_max_spans. */
#define CSC_DEFAULT_MAX_SPANS 1000
#define CSC_MAX_SPANS_LIMIT   100000
/** Incoming baggage beyond this many bytes is ignored (cut at the last item that fits). */
#define CSC_MAX_BAGGAGE_LEN 8192

/* ------------------------------------------------------------ options */

/** 0.0..1.0: the probability that a transaction is sampled; a negative value (or NaN) unsets it. Default: SENTRY_TRACES_SAMPLE_RATE, else unset. CSC_ERR_INVALID above 1. */
CSC_API int csc_options_set_traces_sample_rate(csc_options_t *opts, double rate);

/** What a traces_sampler sees. Valid only during the call. */
typedef struct csc_sampling_context_s {
    const char *name;          /* the transaction's name, never NULL */
    const char *op;            /* may be NULL */
    int parent_sampled;        /* CSC_SAMPLED_*: the incoming trace's decision */
    double parent_sample_rate; /* the incoming DSC's sample_rate, NaN when absent */
    const json_t *custom;      /* csc_transaction_options_t.custom_sampling_context, may be NULL */
} csc_sampling_context_t;
/**
 * traces_sampler: returns the sample rate (0..1) for one transaction; anything else (NaN,
 * negative, above 1) unsamples it. Runs on the thread starting the transaction and must not
 * start transactions itself. It decides alone: to honour the parent's decision, return
 * parent_sampled when it is set. Takes precedence over traces_sample_rate.
 */
typedef double (*csc_traces_sampler_fn)(const csc_sampling_context_t *ctx, void *user_data);
CSC_API int csc_options_set_traces_sampler(csc_options_t *opts, csc_traces_sampler_fn fn, void *user_data);
/** before_send_transaction: may change the transaction event in place; false drops it. Runs after event processors (before_send never sees transactions). */
CSC_API int csc_options_set_before_send_transaction(csc_options_t *opts, csc_before_send_fn fn, void *user_data);
/** 1..CSC_MAX_SPANS_LIMIT child spans recorded per transaction (default 1000); the rest are counted as dropped `span`s in client reports. */
CSC_API int csc_options_set_max_spans(csc_options_t *opts, size_t max_spans);
/** The organization id (decimal) used by strict trace continuation and in the DSC; default: the DSN's `oNNN` host prefix. NULL unsets. */
CSC_API int csc_options_set_org_id(csc_options_t *opts, const char *org_id);
/** Continue an incoming trace only when its org_id equals ours, both being known (default false: only a known mismatch starts a new trace). */
CSC_API int csc_options_set_strict_trace_continuation(csc_options_t *opts, bool enabled);
/** Also emit a W3C `traceparent` header on outgoing requests (default false). */
CSC_API int csc_options_set_propagate_traceparent(csc_options_t *opts, bool enabled);
/**
 * Which outgoing URLs get trace headers: POSIX extended regular expressions searched
 * anywhere in the URL (as the Python SDK's substring matching). Default: every URL. `count`
 * 0 propagates nowhere. The DSN's host never gets them. Copied. CSC_ERR_INVALID (nothing
 * changed) if a pattern does not compile.
 */
CSC_API int csc_options_set_trace_propagation_targets(csc_options_t *opts, const char *const *patterns, size_t count);

/* ------------------------------------------------------------ transactions and spans */

typedef struct csc_transaction_options_s {
    const char *name;        /* NULL or "": "<unlabeled transaction>" when sent */
    const char *op;          /* may be NULL */
    const char *description; /* may be NULL */
    const char *source;      /* transaction_info.source; NULL = "custom" */
    const char *origin;      /* NULL = "manual" */
    /* Incoming headers: when count > 0, the trace they carry is continued (as
     * csc_continue_trace does on `scopes`) and the transaction joins it. */
    const csc_header_t *headers;
    size_t header_count;
    const csc_scopes_t *scopes; /* where headers are continued; NULL = this context's isolation and current scopes */
    int sampled;                /* CSC_SAMPLED_*: a forced decision beats the sampler and the rate */
    const json_t *custom_sampling_context; /* BORROWED: handed to the traces_sampler */
    int64_t start_timestamp_us;            /* 0 = now */
} csc_transaction_options_t;

#define CSC_TRANSACTION_OPTIONS_INIT                                                                                   \
    { NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, CSC_SAMPLED_UNSET, NULL, 0 }

/**
 * Starts a transaction (a new trace unless `headers` continue one) and makes the sampling
 * decision: the forced decision, else the traces_sampler, else the parent's decision, else
 * traces_sample_rate. Never NULL except on OOM; with the SDK disabled or tracing off the
 * transaction is unsampled and nothing is ever sent. Caller releases.
 */
CSC_API csc_span_t *csc_transaction_start(const csc_transaction_options_t *opts);
/** A child of `parent` (same trace, same decision). NULL on NULL or OOM. Caller releases. */
CSC_API csc_span_t *csc_span_start_child(csc_span_t *parent, const char *op, const char *description);
/**
 * A child of this context's active span (csc_active_span); without one, a span that belongs
 * to no transaction and is never sent (its trace is the scope's propagation context).
 */
CSC_API csc_span_t *csc_start_span(const char *op, const char *description);

/**
 * Finishes a span (end timestamp now). For a transaction: sends it with its finished
 * children, the data of this context's scopes applied (tags, user, contexts, extras,
 * event processors; no breadcrumbs), then before_send_transaction. The caller pays for
 * reference-counted snapshots only; the JSON is built on the transport's worker.
 * Returns CSC_OK, CSC_ERR_INVALID (already finished), CSC_ERR_DROPPED (unsampled, dropped
 * by a processor, before_send_transaction or the queue) or CSC_ERR_DISABLED.
 */
CSC_API int csc_span_finish(csc_span_t *span);
/** Same, with the scopes to apply (NULL = this context's), an end time (0 = now) and the sent transaction's event id (33 bytes, may be NULL). */
CSC_API int csc_span_finish_ex(csc_span_t *span, const csc_scopes_t *scopes, int64_t end_us, char *event_id_out);

CSC_API csc_span_t *csc_span_retain(csc_span_t *span);
/** NULL-safe. The last reference frees the span; an unfinished transaction is then discarded. */
CSC_API void csc_span_release(csc_span_t *span);

/** Status as Sentry names it ("ok", "internal_error", "not_found", ...). NULL unsets. */
CSC_API int csc_span_set_status(csc_span_t *span, const char *status);
/**
 * As the Python SDK's set_http_status: status from the code (403 permission_denied,
 * 404 not_found, 429 resource_exhausted, 5xx internal_error, ...), tag `http.status_code`,
 * data `http.response.status_code`; on a transaction also contexts.response.status_code.
 */
CSC_API int csc_span_set_http_status(csc_span_t *span, int code);
/** The Sentry status of an HTTP code (static string). */
CSC_API const char *csc_span_status_from_http(int code);
CSC_API int csc_span_set_tag(csc_span_t *span, const char *key, const char *value);
/** Sets span data `key` to `value` (STOLEN; NULL removes the key). */
CSC_API int csc_span_set_data(csc_span_t *span, const char *key, json_t *value);
CSC_API int csc_span_set_op(csc_span_t *span, const char *op);
CSC_API int csc_span_set_description(csc_span_t *span, const char *description);
CSC_API int csc_span_set_origin(csc_span_t *span, const char *origin);
/** Transactions only (CSC_ERR_INVALID otherwise): renames; a non-NULL source replaces transaction_info.source. */
CSC_API int csc_transaction_set_name(csc_span_t *tx, const char *name, const char *source);
/** Transactions only: a context of the transaction event (`value` STOLEN, an object). */
CSC_API int csc_transaction_set_context(csc_span_t *tx, const char *key, json_t *value);
/** Transactions only: measurements.<name> = {value, unit} (unit may be NULL = ""). */
CSC_API int csc_transaction_set_measurement(csc_span_t *tx, const char *name, double value, const char *unit);

/** Writes the trace id (33 bytes). False on NULL. */
CSC_API bool csc_span_get_trace_id(const csc_span_t *span, char out[33]);
/** Writes the span id (17 bytes). False on NULL. */
CSC_API bool csc_span_get_span_id(const csc_span_t *span, char out[17]);
/** CSC_SAMPLED_* (UNSET only for a span outside any transaction). */
CSC_API int csc_span_get_sampled(const csc_span_t *span);
CSC_API bool csc_span_is_transaction(const csc_span_t *span);
CSC_API bool csc_span_is_finished(const csc_span_t *span);

/* ------------------------------------------------------------ binding */

/**
 * Binds `span` (retained; NULL unbinds) to the scope's span slot: errors captured with that
 * scope carry the span's trace context and its transaction's DSC, csc_start_span makes
 * children of it, outgoing headers come from it. Binding a transaction also sets the scope's
 * transaction name and source (as the Python SDK's `scope.span = transaction`).
 */
CSC_API int csc_scope_bind_span(csc_scope_t *scope, csc_span_t *span);
/** The span bound to `scope` (retained), NULL if none. */
CSC_API csc_span_t *csc_scope_get_bound_span(csc_scope_t *scope);
/** This context's active span: the current scope's, else the isolation scope's. Retained; NULL if none. */
CSC_API csc_span_t *csc_active_span(void);

/* ------------------------------------------------------------ propagation */

/**
 * Continues the trace of incoming headers (`sentry-trace` and `baggage`; W3C `traceparent`
 * when there is no sentry-trace) on the isolation and current scopes of `scopes` (NULL =
 * this context's). Header names are matched case-insensitively; several values of one name
 * are joined with ','. A malformed sentry-trace, an org_id mismatch (see
 * csc_options_set_strict_trace_continuation) or no trace header at all starts a new trace,
 * as the Python SDK does. The incoming Sentry baggage items become the frozen DSC;
 * third-party items are dropped. Returns CSC_OK (continued), CSC_ERR_PARSE (new trace).
 */
CSC_API int csc_continue_trace(const csc_header_t *headers, size_t count, const csc_scopes_t *scopes);

/** Outgoing trace headers; "" / NULL for each header not to send. */
typedef struct csc_trace_headers_s {
    char sentry_trace[56];
    char traceparent[56];
    char *baggage; /* malloc'd: free with csc_trace_headers_clear */
} csc_trace_headers_t;

/**
 * The headers for an outgoing request to `url` (NULL: no target check), from this context's
 * active span, else from the propagation context. `existing_baggage` (may be NULL) is the
 * request's baggage header: its sentry- items are replaced by ours, others kept. Nothing is
 * set for a URL that tracePropagationTargets excludes or that is the DSN's host, nor for a
 * span outside any transaction (tracing on). Returns the number of headers set.
 */
CSC_API int csc_trace_headers(const char *url, const char *existing_baggage, csc_trace_headers_t *out);
/** Same, with the active span and propagation context of `scopes` (current, then isolation; NULL = this context's). */
CSC_API int csc_trace_headers_ex(const csc_scopes_t *scopes, const char *url, const char *existing_baggage,
                                 csc_trace_headers_t *out);
/** Frees out->baggage; out may be reused. */
CSC_API void csc_trace_headers_clear(csc_trace_headers_t *out);

#ifdef __cplusplus
}
#endif
#endif /* CSCOPE_TRACING_H */
