/* Internal: Sentry Logs (cscope/logs.h).
 *
 * Layering: logs sits between tracing and client. The caller's side (log_queue.c) copies a
 * line into one allocation, takes the trace of the calling thread's scopes and queues it;
 * the logs thread turns queued lines into `log` items (log_item.c) and hands envelopes to
 * the send function the client configured (csc__logs_configure). It never calls up. */
#ifndef CSC_LOGS_INTERNAL_H
#define CSC_LOGS_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "event/envelope_internal.h"
#include "options/options_internal.h"

#define CSC__LOGS_MAX_PER_ENVELOPE 100  /* sentry-python's LogBatcher.MAX_BEFORE_FLUSH */
#define CSC__LOGS_MAX_QUEUED       1000 /* ... MAX_BEFORE_DROP */
#define CSC__LOGS_FLUSH_MS         5000 /* ... FLUSH_WAIT_TIME */
#define CSC__LOGS_MAX_BODY         8192 /* bytes kept of a body (Relay's message limit) */
#define CSC__LOGS_CONTENT_TYPE     "application/vnd.sentry.items.log+json"

/* A queued line: one allocation, the strings after the struct. */
typedef struct csc__log_s {
    int64_t ts_us;
    int level; /* csc_log_level_t */
    char trace_id[33];
    char span_id[17];                       /* "" when no span is active */
    json_t *parameters, *attributes, *user; /* owned; NULL when none (user: with send_default_pii) */
    const char *body, *message_template, *origin, *logger_name, *code_file, *code_function;
    size_t body_len;
    int code_line;
} csc__log_t;

void csc__log_free(csc__log_t *l);

/* log_item.c: the item as sent (sentry-python's LogBatcher._to_transport_format, plus the
 * SDK's attributes of `o`). New reference, NULL on OOM. */
json_t *csc__log_item_json(const csc__log_t *l, const csc_options_t *o);
/* The `log` envelope item's payload for `items` (an array, borrowed): {"version":2,"items":[...]}. */
char *csc__log_payload(json_t *items, size_t *len);
/* Bytes of one item in its own envelope item (client reports count lost logs' bytes). */
size_t csc__log_item_bytes(json_t *item);

/* Queues `env` on the live client's transport (TAKES it). */
typedef void (*csc__logs_send_fn)(csc_envelope_t *env);
/* Counts lost items for client reports. */
typedef void (*csc__logs_lost_fn)(const char *reason, const char *category, uint32_t quantity);

/* Adopts `opts` (NULL: logs off). The previous configuration's queued lines go out first with
 * its options; the logs thread is stopped and started as needed. */
void csc__logs_configure(const csc_options_t *opts, csc__logs_send_fn send, csc__logs_lost_fn lost);
/* csc_flush: the queued lines go out now (on the calling thread). */
void csc__logs_flush(void);

#endif
