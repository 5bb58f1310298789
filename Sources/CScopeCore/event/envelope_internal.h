/* Internal: envelope representation. */
#ifndef CSC_ENVELOPE_INTERNAL_H
#define CSC_ENVELOPE_INTERNAL_H

#include "cscope.h"

typedef struct csc__item_s {
    char *type;         /* "event", "attachment", "client_report", "session", ... */
    char *content_type; /* may be NULL */
    char *filename;     /* may be NULL */
    char *payload;      /* owned bytes */
    size_t len;
    size_t item_count; /* the header's item_count (a batch of logs), 0 = none */
} csc__item_t;

/* An event item still to be rendered: the capture took the scopes' snapshots and
 * left the merge and serialization to whoever needs the bytes first (the HTTP
 * transport's worker), so capturing does not cost the caller the event's JSON. */
typedef struct csc__pending_s csc__pending_t;
struct csc__pending_s {
    /* Renders into env (its items then hold the event); frees p either way. */
    int (*render)(csc__pending_t *p, csc_envelope_t *env);
    /* Frees p without rendering. */
    void (*discard)(csc__pending_t *p);
    /* Calls fn with the length of each attachment rendering would add (a file's size now), for
     * client reports when the envelope is lost unrendered. NULL: none. */
    void (*each_attachment)(const csc__pending_t *p, void (*fn)(uint64_t len, void *ud), void *ud);
};

struct csc_envelope_s {
    csc__pending_t *pending; /* set: items[0] is an "event" placeholder without payload */
    char event_id[33];       /* "" when none */
    char *trace_json;        /* DSC object JSON for the header, or NULL */
    uint32_t spans;          /* child spans of its transaction item: client reports count spans + 1 as `span` */
    csc__item_t *items;
    size_t count, cap;
    char *bytes; /* last serialization */
    size_t bytes_len;
};

csc_envelope_t *csc__envelope_new(const char *event_id);
/* Appends an item; takes ownership of payload (malloc'd). Returns 0 or CSC_ERR_NOMEM (payload freed). */
int csc__envelope_add_item(csc_envelope_t *env, const char *type, const char *content_type, const char *filename,
                           char *payload, size_t len);
/* Renders a pending event (no-op when none). On failure the envelope is left
 * without items (the caller drops it) and the error is returned. Not thread-safe:
 * call it from the envelope's owner. */
int csc__envelope_finalize(csc_envelope_t *env);
/* Parses serialized envelope bytes (e.g. from the disk cache). NULL when malformed. */
csc_envelope_t *csc__envelope_parse(const char *data, size_t len);

#endif
