/*
 * cscope/logs.h: Sentry Logs (structured log lines sent as `log` envelope items).
 *
 * With csc_options_set_enable_logs, csc_log and csc_log_record queue a log line; a
 * background thread sends the queued lines in envelopes of at most 100 (one `log` item
 * each, content type application/vnd.sentry.items.log+json), every 5 seconds, as soon as 100
 * are waiting, and at csc_flush and csc_close. At most 1,000 lines wait: a line beyond that
 * is dropped and counted in client reports (`queue_overflow`, categories `log_item` and
 * `log_byte`), as sentry-python's LogBatcher does. The transport honours rate limits for
 * `log_item` like any other category.
 *
 * Each line carries the trace of the calling thread's scopes (trace_id; span_id when a span
 * is active), its level, body and attributes, and the SDK's attributes (sentry.sdk.name,
 * sentry.sdk.version, sentry.environment, sentry.release, server.address,
 * sentry.severity_number, sentry.severity_text, and the user's id, username, email and
 * ip_address with send_default_pii only).
 *
 * Thread safety: csc_log and csc_log_record may be called from any thread; they never wait
 * on I/O (the caller copies its strings and takes the current trace; JSON is built on the
 * logs thread). A log line made while the SDK sends logs (inside before_send_log, or on the
 * logs thread) is dropped, so a logging backend that routes the SDK's own output back into
 * csc_log cannot loop.
 */
#ifndef CSCOPE_LOGS_H
#define CSCOPE_LOGS_H

#include <jansson.h>

#include "capture.h"
#include "common.h"
#include "options.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Log levels; the value is the OpenTelemetry severity number sent as `severity_number`. */
typedef enum csc_log_level {
    CSC_LOG_TRACE = 1,
    CSC_LOG_DEBUG = 5,
    CSC_LOG_INFO = 9,
    CSC_LOG_WARN = 13,
    CSC_LOG_ERROR = 17,
    CSC_LOG_FATAL = 21,
} csc_log_level_t;

/** The level's name as sent (`trace`, `debug`, `info`, `warn`, `error`, `fatal`); NULL if unknown. Static. */
CSC_API const char *csc_log_level_name(csc_log_level_t level);

/** Turns Sentry Logs on (default off, as sentry-python's enable_logs). */
CSC_API int csc_options_set_enable_logs(csc_options_t *opts, bool enabled);

/**
 * before_send_log: sees each log item as it will be sent (`timestamp`, `trace_id`, `span_id`,
 * `level`, `severity_number`, `body`, `attributes` of typed values `{"value": ..., "type": ...}`)
 * and may change it in place; false drops it (counted as `before_send`). Runs on the SDK's
 * logs thread, not the caller's; a csc_log call made inside it is dropped.
 */
CSC_API int csc_options_set_before_send_log(csc_options_t *opts, csc_before_send_fn fn, void *user_data);

/** True when the live client sends logs (one atomic load): skip building a line when false. */
CSC_API bool csc_logs_enabled(void);

/** One log line for csc_log_record. Strings are copied; NULL fields are left out. */
typedef struct csc_log_record {
    csc_log_level_t level;
    /** The line as read (required). */
    const char *body;
    /**
     * A parameterized line's template (sent as `sentry.message.template`) and its parameters
     * (an array, sent as `sentry.message.parameter.0`, `.1`, ..., or an object, sent as
     * `sentry.message.parameter.<name>`). `parameters` is STOLEN (also on error).
     */
    const char *message_template;
    json_t *parameters;
    /**
     * Attributes (a JSON object, STOLEN, also on error). A plain value is typed as Sentry
     * wants it (string, integer, double, boolean, or an array of one of them); an object
     * `{"value": v, "type": t}` is sent as it is; anything else is sent as its JSON text.
     */
    json_t *attributes;
    /** `sentry.origin` (for example "auto.log.swift_log"); leave NULL for direct API calls. */
    const char *origin;
    /** `logger.name`, `code.file.path`, `code.line.number` (if > 0), `code.function.name`. */
    const char *logger_name;
    const char *code_file;
    int code_line;
    const char *code_function;
} csc_log_record_t;

/**
 * Queues a log line with the trace (and, with send_default_pii, the user) of `scopes`
 * (NULL = this context's three tiers). Returns CSC_OK, CSC_ERR_DISABLED (no client, or logs off: nothing is
 * counted), CSC_ERR_NULL (no record or body), CSC_ERR_INVALID (a level that is not one of
 * csc_log_level_t), CSC_ERR_NOMEM, or CSC_ERR_DROPPED (1,000 lines already waiting: dropped and
 * counted as `queue_overflow`). A line made from inside before_send_log returns CSC_ERR_DISABLED.
 */
CSC_API int csc_log_record(const csc_log_record_t *record, const csc_scopes_t *scopes);

/** csc_log_record with a body and attributes only, in this context's scopes (`attributes` STOLEN, may be NULL). */
CSC_API int csc_log(csc_log_level_t level, const char *body, json_t *attributes);

#ifdef __cplusplus
}
#endif
#endif /* CSCOPE_LOGS_H */
