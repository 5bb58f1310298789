/* Internal: a bounded FIFO of envelopes (not thread-safe: the transport's mutex guards it). */
#ifndef CSC_TRANSPORT_QUEUE_H
#define CSC_TRANSPORT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "cscope.h"

typedef struct {
    csc_envelope_t **slots;
    size_t cap, head, count;
} csc__queue_t;

bool csc__queue_init(csc__queue_t *q, size_t cap);
void csc__queue_destroy(csc__queue_t *q); /* frees the envelopes still queued */
/* False when full (the caller keeps `env`). */
bool csc__queue_push(csc__queue_t *q, csc_envelope_t *env);
csc_envelope_t *csc__queue_pop(csc__queue_t *q); /* NULL when empty */

#endif
