/* Internal: envelope representation. */
#ifndef CSC_ENVELOPE_INTERNAL_H
#define CSC_ENVELOPE_INTERNAL_H

#include "cscope.h"

typedef struct csc__item_s {
    char *type;          /* "event", "attachment", "client_report", "session", ... */
    char *content_type;  /* may be NULL */
    char *filename;      /* may be NULL */
    char *payload;       /* owned bytes */
    size_t len;
} csc__item_t;

struct csc_envelope_s {
    char event_id[33];   /* "" when none */
    char *trace_json;    /* DSC object JSON for the header, or NULL */
    csc__item_t *items;
    size_t count, cap;
    char *bytes;         /* last serialization */
    size_t bytes_len;
};

csc_envelope_t *csc__envelope_new(const char *event_id);
/* Appends an item; takes ownership of payload (malloc'd). Returns 0 or CSC_ERR_NOMEM (payload freed). */
int csc__envelope_add_item(csc_envelope_t *env, const char *type, const char *content_type, const char *filename, char *payload, size_t len);
/* Parses serialized envelope bytes (e.g. from the disk cache). NULL when malformed. */
csc_envelope_t *csc__envelope_parse(const char *data, size_t len);

#endif
