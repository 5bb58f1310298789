/* Internal: immutable, reference-counted breadcrumbs and the copy-on-write ring
 * that holds them. A breadcrumb's JSON is rendered once, on first use, and
 * reused by every later event that carries it. */
#ifndef CSC_BREADCRUMB_H
#define CSC_BREADCRUMB_H

#include "support/util.h"

typedef struct csc__crumb_s {
    atomic_int refs;
    int8_t level;                   /* csc_level_t */
    bool level_null, category_null; /* explicit JSON null given (Python keeps it) */
    int64_t ts_us;
    const char *type, *category, *message; /* NUL-terminated, in `storage`, or NULL */
    uint32_t type_len, category_len, message_len;
    const char *data; /* rendered JSON object text of `data`, in storage, or NULL */
    uint32_t data_len;
    json_t *meta;         /* this crumb's _meta (data breadth cut, scrubbed keys), or NULL */
    json_t *extra_keys;   /* other top-level keys (object) from a JSON breadcrumb, or NULL */
    _Atomic(char *) json; /* rendered crumb JSON (uint32_t length + bytes), set once */
    char storage[];
} csc__crumb_t;

/* Builds a crumb from the descriptor (strings cleaned and cut). *status gets remark flags. */
csc__crumb_t *csc__crumb_new(const csc_breadcrumb_t *d, bool scrub, int *status);
/* Builds from a JSON object (as given to before_breadcrumb or csc_scope_add_breadcrumb_json). */
csc__crumb_t *csc__crumb_from_json(json_t *obj, bool scrub, int *status);
static inline csc__crumb_t *csc__crumb_retain(csc__crumb_t *c) {
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    return c;
}
void csc__crumb_release(csc__crumb_t *c);
/* The crumb as a JSON object (new reference). */
json_t *csc__crumb_to_json(const csc__crumb_t *c);
/* The crumb's rendered JSON (cached); NULL on OOM. */
const char *csc__crumb_json(csc__crumb_t *c, uint32_t *len);

typedef struct csc__ring_s {
    atomic_int refs;
    uint32_t cap, start, count;
    csc__crumb_t *items[];
} csc__ring_t;

csc__ring_t *csc__ring_new(uint32_t cap);
static inline csc__ring_t *csc__ring_retain(csc__ring_t *r) {
    if (r) atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
    return r;
}
void csc__ring_release(csc__ring_t *r);
static inline csc__crumb_t *csc__ring_at(const csc__ring_t *r, uint32_t i) { return r->items[(r->start + i) % r->cap]; }
/* Ensures *rp is unshared with capacity `cap` (keeping the newest). NULL ring + cap 0 stays NULL. */
int csc__ring_make_unique(csc__ring_t **rp, uint32_t cap, uint64_t *evicted);
/* Pushes (takes `c`), evicting the oldest when full; returns the evicted crumb (caller releases) or NULL. */
csc__crumb_t *csc__ring_push(csc__ring_t *r, csc__crumb_t *c);

/* ---- breadcrumb settings of the live client. The client (the layer above) publishes them at
 * csc_init / csc_close; the scope layer reads them on every breadcrumb without calling up. */
typedef struct {
    long max;   /* max_breadcrumbs, -1 when no client (breadcrumbs dropped) */
    bool scrub; /* !send_default_pii */
    bool has_before_breadcrumb;
} csc__crumb_config_t;

/* Runs the live client's before_breadcrumb on `crumb` (which it may change in place):
 * 1 keep, 0 drop, -1 no callback (any more). Installed by the client. */
typedef int (*csc__crumb_filter_fn)(json_t *crumb);

/* Three relaxed atomic loads. */
csc__crumb_config_t csc__crumb_config(void);
/* The client publishes its settings (max < 0: no client); `filter` is used while
 * cfg.has_before_breadcrumb is set. */
void csc__crumb_config_publish(csc__crumb_config_t cfg, csc__crumb_filter_fn filter);
/* The published filter's verdict on `crumb` (-1 when none is published). */
int csc__crumb_filter(json_t *crumb);

#endif
