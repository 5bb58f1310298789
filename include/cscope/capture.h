/*
 * cscope/capture.h: capturing events.
 *
 * A capture merges global -> isolation -> current -> extra scope into the event
 * exactly as the Python SDK does, runs event processors (global, isolation,
 * current), before_send, the sample rate, and hands the envelope to the
 * transport. It never waits on I/O.
 */
#ifndef CSCOPE_CAPTURE_H
#define CSCOPE_CAPTURE_H

#include "event.h"
#include "scope.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The scopes a capture merges. Any may be NULL (then absent from the merge).
 * `extra` is a per-call scope applied last (its event processors are ignored,
 * as the Python SDK ignores those of a `scope=` argument). The last event id is
 * recorded on `isolation`.
 */
typedef struct csc_scopes_s {
    csc_scope_t *global;
    csc_scope_t *isolation;
    csc_scope_t *current;
    csc_scope_t *extra;
} csc_scopes_t;

/**
 * Captures `event` (STOLEN, also on error). `scopes` NULL = this context's
 * three tiers. Writes the event id into `event_id_out` (33 bytes, may be NULL)
 * when the event was handed to the transport. Returns CSC_OK, CSC_ERR_DROPPED,
 * CSC_ERR_DISABLED, CSC_ERR_NULL or CSC_ERR_NOMEM.
 */
CSC_API int csc_capture_event(json_t *event, const csc_scopes_t *scopes, char *event_id_out);
/** Message shortcut (level CSC_LEVEL_NONE = "info"). */
CSC_API int csc_capture_message(const char *message, csc_level_t level, const csc_scopes_t *scopes, char *event_id_out);
/** Exception shortcut. */
CSC_API int csc_capture_exception(const csc_exception_t *exc, const csc_scopes_t *scopes, char *event_id_out);
/** The last event id captured in this context (its isolation scope). False if none. */
CSC_API bool csc_last_event_id(char out[33]);

/**
 * Merges the scopes into `event` without processors, sampling or sending, and
 * returns the serialized event JSON (NULL on error). BORROWS `event`: the
 * caller still owns it and finds the merged fields set in it. Caller frees the
 * result with free(). For tests, benchmarks and hosts that ship events themselves.
 */
CSC_API char *csc_event_prepare_json(json_t *event, const csc_scopes_t *scopes, size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* CSCOPE_CAPTURE_H */
