/* Internal: an insertion-ordered, copy-on-write string-keyed map (tags,
 * extras, contexts). One block of entries plus one string heap (the map's
 * arena): overwriting a value reuses its slot when it fits, and the heap is
 * compacted when garbage dominates, so memory stays bounded. Values are either
 * strings in the heap or jansson values (owned references).
 * Not locked: the owning scope's lock protects it. A map with refs > 1 is
 * shared and must be copied before writing (csc__map_make_unique). */
#ifndef CSC_MAP_H
#define CSC_MAP_H

#include "util.h"

typedef struct csc__entry_s {
    uint32_t hash;
    uint32_t koff, klen;
    uint32_t voff, vlen, vcap; /* string value (when j == NULL) */
    json_t *j;                 /* JSON value, owned */
} csc__entry_t;

typedef struct csc__map_s {
    atomic_int refs;
    uint32_t count, cap;
    uint32_t heap_used, heap_cap, garbage;
    csc__entry_t *e;
    char *heap;
} csc__map_t;

csc__map_t *csc__map_new(void);
static inline csc__map_t *csc__map_retain(csc__map_t *m) {
    if (m) atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}
void csc__map_release(csc__map_t *m);
/* Ensures *mp is non-NULL and not shared (copies if needed). CSC_OK or CSC_ERR_NOMEM. */
int csc__map_make_unique(csc__map_t **mp);
int csc__map_set_str(csc__map_t *m, const char *k, size_t kl, const char *v, size_t vl);
/* Takes `v`. */
int csc__map_set_json(csc__map_t *m, const char *k, size_t kl, json_t *v);
bool csc__map_remove(csc__map_t *m, const char *k, size_t kl);
/* An empty key in an empty heap has no storage: return "" rather than NULL. */
static inline const char *csc__map_key(const csc__map_t *m, const csc__entry_t *e) {
    return m->heap ? m->heap + e->koff : "";
}
/* Entry's value as a new jansson reference. */
json_t *csc__map_value_json(const csc__map_t *m, const csc__entry_t *e);
/* Copies every entry of src into the json object dst (dict.update semantics). */
int csc__map_update_json(json_t *dst, const csc__map_t *src);

#endif
