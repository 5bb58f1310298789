/* Copy-on-write, insertion-ordered string-keyed map with its own string arena. */
#include "map.h"

#include <stdlib.h>
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

csc__map_t *csc__map_new(void) {
    csc__map_t *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    atomic_init(&m->refs, 1);
    return m;
}

void csc__map_release(csc__map_t *m) {
    if (!m || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1) return;
    for (uint32_t i = 0; i < m->count; i++) json_decref(m->e[i].j);
    free(m->e);
    free(m->heap);
    free(m);
}

/* Copies live strings of src into a fresh heap of capacity `cap` in dst (entries already copied). */
static int rebuild_heap(csc__map_t *dst, const csc__map_t *src, uint32_t cap) {
    char *h = malloc(cap ? cap : 1);
    if (!h) return CSC_ERR_NOMEM;
    uint32_t used = 0;
    for (uint32_t i = 0; i < dst->count; i++) {
        csc__entry_t *e = &dst->e[i];
        if (e->klen) memcpy(h + used, src->heap + e->koff, e->klen);
        e->koff = used;
        used += e->klen;
        if (!e->j) {
            if (e->vlen) memcpy(h + used, src->heap + e->voff, e->vlen);
            e->voff = used;
            e->vcap = e->vlen;
            used += e->vlen;
        }
    }
    dst->heap = h;
    dst->heap_used = used;
    dst->heap_cap = cap;
    dst->garbage = 0;
    return CSC_OK;
}

static uint32_t live_bytes(const csc__map_t *m) { return m->heap_used - m->garbage; }

int csc__map_make_unique(csc__map_t **mp) {
    csc__map_t *m = *mp;
    if (!m) {
        *mp = csc__map_new();
        return *mp ? CSC_OK : CSC_ERR_NOMEM;
    }
    if (atomic_load_explicit(&m->refs, memory_order_acquire) == 1) return CSC_OK;
    csc__map_t *c = calloc(1, sizeof *c);
    if (!c) return CSC_ERR_NOMEM;
    atomic_init(&c->refs, 1);
    c->cap = m->count ? m->count + 4 : 0;
    if (c->cap) {
        c->e = malloc(c->cap * sizeof *c->e);
        if (!c->e) {
            free(c);
            return CSC_ERR_NOMEM;
        }
        memcpy(c->e, m->e, m->count * sizeof *c->e);
    }
    c->count = m->count;
    if (rebuild_heap(c, m, live_bytes(m) + 64) != CSC_OK) {
        free(c->e);
        free(c);
        return CSC_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < c->count; i++) json_incref(c->e[i].j);
    *mp = c;
    csc__map_release(m);
    return CSC_OK;
}

/* Reserves n heap bytes; may compact or grow (offsets stay valid for live data). */
static int heap_alloc(csc__map_t *m, uint32_t n, uint32_t *off) {
    if (m->heap_used + n > m->heap_cap) {
        uint32_t live = live_bytes(m);
        uint32_t cap = live + n;
        cap = cap < 64 ? 128 : cap * 2;
        csc__map_t tmp = *m;
        if (rebuild_heap(m, &tmp, cap) != CSC_OK) {
            *m = tmp;
            return CSC_ERR_NOMEM;
        }
        free(tmp.heap);
    }
    *off = m->heap_used;
    m->heap_used += n;
    return CSC_OK;
}

static csc__entry_t *find(csc__map_t *m, const char *k, size_t kl, uint32_t h) {
    for (uint32_t i = 0; i < m->count; i++) {
        csc__entry_t *e = &m->e[i];
        if (e->hash == h && e->klen == kl && (!kl || memcmp(m->heap + e->koff, k, kl) == 0)) return e;
    }
    return NULL;
}

static csc__entry_t *find_or_add(csc__map_t *m, const char *k, size_t kl) {
    uint32_t h = csc__hash(k, kl);
    csc__entry_t *e = find(m, k, kl, h);
    if (e) return e;
    if (m->count == m->cap) {
        uint32_t nc = m->cap ? m->cap * 2 : 8;
        csc__entry_t *ne = realloc(m->e, nc * sizeof *ne);
        if (!ne) return NULL;
        m->e = ne;
        m->cap = nc;
    }
    uint32_t koff;
    if (heap_alloc(m, (uint32_t)kl, &koff) != CSC_OK) return NULL;
    if (kl) memcpy(m->heap + koff, k, kl); /* an empty key may have no heap yet: no NULL to memcpy */
    e = &m->e[m->count++];
    *e = (csc__entry_t){.hash = h, .koff = koff, .klen = (uint32_t)kl};
    return e;
}

int csc__map_set_str(csc__map_t *m, const char *k, size_t kl, const char *v, size_t vl) {
    csc__entry_t *e = find_or_add(m, k, kl);
    if (!e) return CSC_ERR_NOMEM;
    if (e->j) {
        json_decref(e->j);
        e->j = NULL;
        e->vcap = 0;
        e->vlen = 0;
    }
    if (e->vcap >= vl) {
        if (vl) memcpy(m->heap + e->voff, v, vl);
        e->vlen = (uint32_t)vl;
        return CSC_OK;
    }
    m->garbage += e->vcap;
    e->vcap = 0;
    e->vlen = 0; /* the entry holds nothing while the heap may move */
    size_t idx = (size_t)(e - m->e);
    uint32_t off;
    if (heap_alloc(m, (uint32_t)vl, &off) != CSC_OK) return CSC_ERR_NOMEM;
    e = &m->e[idx];
    if (vl) memcpy(m->heap + off, v, vl);
    e->voff = off;
    e->vlen = e->vcap = (uint32_t)vl;
    return CSC_OK;
}

int csc__map_set_json(csc__map_t *m, const char *k, size_t kl, json_t *v) {
    csc__entry_t *e = find_or_add(m, k, kl);
    if (!e) {
        json_decref(v);
        return CSC_ERR_NOMEM;
    }
    if (!e->j) {
        m->garbage += e->vcap;
        e->vcap = e->vlen = 0;
    }
    json_decref(e->j);
    e->j = v;
    return CSC_OK;
}

bool csc__map_remove(csc__map_t *m, const char *k, size_t kl) {
    if (!m) return false;
    csc__entry_t *e = find(m, k, kl, csc__hash(k, kl));
    if (!e) return false;
    m->garbage += e->klen + (e->j ? 0 : e->vcap);
    json_decref(e->j);
    size_t idx = (size_t)(e - m->e);
    memmove(e, e + 1, (m->count - idx - 1) * sizeof *e);
    m->count--;
    return true;
}

json_t *csc__map_value_json(const csc__map_t *m, const csc__entry_t *e) {
    if (e->j) return json_incref(e->j);
    return json_stringn_nocheck(e->vlen ? m->heap + e->voff : "", e->vlen);
}

int csc__map_update_json(json_t *dst, const csc__map_t *src) {
    if (!src) return CSC_OK;
    for (uint32_t i = 0; i < src->count; i++) {
        const csc__entry_t *e = &src->e[i];
        json_t *v = csc__map_value_json(src, e);
        if (!v || json_object_setn_new_nocheck(dst, csc__map_key(src, e), e->klen, v) != 0) return CSC_ERR_NOMEM;
    }
    return CSC_OK;
}
