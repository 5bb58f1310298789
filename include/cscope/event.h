/*
 * cscope/event.h: building events and envelopes.
 *
 * Events are jansson objects (`json_t *`) in Sentry's event schema. The helpers
 * here build the common shapes; anything else can be set with jansson directly.
 */
#ifndef CSCOPE_EVENT_H
#define CSCOPE_EVENT_H

#include <jansson.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** `{"message": msg, "level": level}`; CSC_LEVEL_NONE gives "info". Caller owns. NULL on NULL/OOM. */
CSC_API json_t *csc_event_new_message(const char *message, csc_level_t level);

/** A stack frame supplied by the caller. NULL strings / 0 numbers are left out. */
typedef struct csc_frame_s {
    const char *function;
    const char *module;
    const char *filename;
    const char *abs_path;
    const char *package;
    uint32_t lineno;
    uint32_t colno;
    uint64_t instruction_addr;
    /** -1 unknown (left out), 0 false, 1 true. */
    int in_app;
} csc_frame_t;

/** One exception. `frames` are ordered oldest first (the crashing frame last), as Sentry wants. */
typedef struct csc_exception_s {
    const char *type;
    const char *value;
    const char *module;
    const char *mechanism_type; /**< NULL = "generic" */
    int handled;                /**< -1 left out, 0 false, 1 true */
    const csc_frame_t *frames;
    size_t frame_count;
} csc_exception_t;

/** `{"level": "error", "exception": {"values": [exc]}}`. Caller owns. */
CSC_API json_t *csc_event_new_exception(const csc_exception_t *exc);
/** Appends one more exception to `event`'s `exception.values` (chained errors: cause first). */
CSC_API int csc_event_add_exception(json_t *event, const csc_exception_t *exc);

/** A 32-hex uuid4 (33 bytes with NUL). */
CSC_API void csc_uuid4_hex(char out[33]);

/* ------------------------------------------------------------ envelopes */

/** Serialized envelope bytes (headers with a fresh `sent_at`). BORROWED: valid until the envelope is freed. NULL on OOM. */
CSC_API const char *csc_envelope_serialize(csc_envelope_t *env, size_t *len);
/** The event id of the envelope's event (33 bytes incl. NUL), or "" for envelopes without one. BORROWED. */
CSC_API const char *csc_envelope_event_id(const csc_envelope_t *env);
/** Number of items. */
CSC_API size_t csc_envelope_item_count(const csc_envelope_t *env);
/** Item `i`'s type ("event", "attachment", "client_report", ...). BORROWED; NULL when out of range. */
CSC_API const char *csc_envelope_item_type(const csc_envelope_t *env, size_t i);
/** Item `i`'s payload. BORROWED. */
CSC_API const char *csc_envelope_item_payload(const csc_envelope_t *env, size_t i, size_t *len);
/** Parses the event (or transaction) item back into JSON. Caller owns. NULL when there is none. */
CSC_API json_t *csc_envelope_get_event(const csc_envelope_t *env);
CSC_API void csc_envelope_free(csc_envelope_t *env);

#ifdef __cplusplus
}
#endif
#endif /* CSCOPE_EVENT_H */
