#include "queue.h"

#include <stdlib.h>

bool csc__queue_init(csc__queue_t *q, size_t cap) {
    q->slots = calloc(cap, sizeof *q->slots);
    q->cap = q->slots ? cap : 0;
    q->head = q->count = 0;
    return q->slots != NULL;
}

void csc__queue_destroy(csc__queue_t *q) {
    csc_envelope_t *e;
    while ((e = csc__queue_pop(q))) csc_envelope_free(e);
    free(q->slots);
    q->slots = NULL;
    q->cap = 0;
}

bool csc__queue_push(csc__queue_t *q, csc_envelope_t *env) {
    if (q->count >= q->cap) return false;
    q->slots[(q->head + q->count) % q->cap] = env;
    q->count++;
    return true;
}

csc_envelope_t *csc__queue_pop(csc__queue_t *q) {
    if (!q->count) return NULL;
    csc_envelope_t *e = q->slots[q->head];
    q->slots[q->head] = NULL;
    q->head = (q->head + 1) % q->cap;
    q->count--;
    return e;
}
