/* csc_scope_update_from and csc_scope_to_json: the whole-scope operations. */
#include <stdlib.h>

#include "scope_internal.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

static int map_update(csc__map_t **dst, const csc__map_t *src) {
    if (!src || src->count == 0) return CSC_OK;
    int rc = csc__map_make_unique(dst);
    for (uint32_t i = 0; rc == CSC_OK && i < src->count; i++) {
        const csc__entry_t *e = &src->e[i];
        const char *k = csc__map_key(src, e);
        rc = e->j ? csc__map_set_json(*dst, k, e->klen, json_incref(e->j))
                  : csc__map_set_str(*dst, k, e->klen, e->vlen ? src->heap + e->voff : "", e->vlen);
    }
    return rc;
}

static void replace_json(json_t **slot, json_t *v) {
    if (!v) return;
    json_decref(*slot);
    *slot = json_incref(v);
}

int csc_scope_update_from(csc_scope_t *s, csc_scope_t *other) {
    if (!s || !other) return CSC_ERR_NULL;
    if (s == other) return CSC_OK;
    csc__snapshot_t o;
    csc__scope_snapshot(other, &o);
    int rc = CSC_OK;
    csc__lock(&s->lock);
    if (o.level != CSC_LEVEL_NONE) s->level = o.level;
    replace_json(&s->fingerprint, o.fingerprint);
    replace_json(&s->transaction, o.transaction);
    replace_json(&s->user, o.user);
    replace_json(&s->transaction_source, o.transaction_source);
    if (rc == CSC_OK) rc = map_update(&s->tags, o.tags);
    if (rc == CSC_OK) rc = map_update(&s->extras, o.extras);
    if (rc == CSC_OK) rc = map_update(&s->contexts, o.contexts);
    if (rc == CSC_OK && o.crumbs && o.crumbs->count) {
        /* like deque.extend: keep everything; the next add trims to max_breadcrumbs */
        uint32_t have = s->crumbs ? s->crumbs->count : 0;
        uint32_t cap = have + o.crumbs->count;
        if (s->crumbs && s->crumbs->cap > cap) cap = s->crumbs->cap;
        rc = csc__ring_make_unique(&s->crumbs, cap, NULL);
        for (uint32_t i = 0; rc == CSC_OK && i < o.crumbs->count; i++)
            csc__ring_push(s->crumbs, csc__crumb_retain(csc__ring_at(o.crumbs, i)));
    }
    s->crumbs_evicted += o.crumbs_evicted;
    if (rc == CSC_OK && o.attachments) {
        for (uint32_t i = 0; rc == CSC_OK && i < o.attachments->count; i++) {
            csc__list_t *l = s->attachments;
            uint32_t count = l ? l->count : 0;
            if (!l || atomic_load(&l->refs) != 1 || l->count == l->cap) {
                uint32_t cap = (count + o.attachments->count) * 2 + 4;
                csc__list_t *n = malloc(sizeof *n + cap * sizeof(void *));
                if (!n) {
                    rc = CSC_ERR_NOMEM;
                    break;
                }
                atomic_init(&n->refs, 1);
                n->count = count;
                n->cap = cap;
                for (uint32_t j = 0; j < count; j++) {
                    n->items[j] = l->items[j];
                    atomic_fetch_add(&((csc__attachment_t *)n->items[j])->refs, 1);
                }
                csc__list_release(l, csc__attachment_release);
                s->attachments = l = n;
            }
            csc__attachment_t *a = o.attachments->items[i];
            atomic_fetch_add(&a->refs, 1);
            l->items[l->count++] = a;
        }
    }
    if (o.propagation) {
        csc__propagation_release(s->propagation);
        s->propagation = o.propagation;
        o.propagation = NULL;
    }
    csc__unlock(&s->lock);
    csc__snapshot_release(&o);
    return rc;
}

static json_t *map_to_json(const csc__map_t *m) {
    json_t *o = json_object();
    if (o && csc__map_update_json(o, m) != CSC_OK) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *csc_scope_to_json(csc_scope_t *s) {
    if (!s) return NULL;
    csc__snapshot_t o;
    csc__scope_snapshot(s, &o);
    json_t *j = json_object();
    if (!j) {
        csc__snapshot_release(&o);
        return NULL;
    }
    const char *lvl = csc_level_name((csc_level_t)o.level);
    if (lvl) json_object_set_new(j, "level", json_string(lvl));
    if (o.transaction) json_object_set(j, "transaction", o.transaction);
    if (o.transaction_source)
        json_object_set_new(j, "transaction_info", json_pack("{s:O}", "source", o.transaction_source));
    if (o.user) json_object_set(j, "user", o.user);
    if (o.fingerprint) json_object_set(j, "fingerprint", o.fingerprint);
    if (o.tags && o.tags->count) json_object_set_new(j, "tags", map_to_json(o.tags));
    if (o.extras && o.extras->count) json_object_set_new(j, "extra", map_to_json(o.extras));
    if (o.contexts && o.contexts->count) json_object_set_new(j, "contexts", map_to_json(o.contexts));
    json_t *crumbs = json_array();
    for (uint32_t i = 0; o.crumbs && i < o.crumbs->count; i++)
        json_array_append_new(crumbs, csc__crumb_to_json(csc__ring_at(o.crumbs, i)));
    json_object_set_new(j, "breadcrumbs", crumbs);
    if (o.crumbs_evicted) json_object_set_new(j, "breadcrumbs_evicted", json_integer((json_int_t)o.crumbs_evicted));
    if (o.propagation) {
        json_object_set_new(j, "trace_id", json_string(o.propagation->trace_id));
        json_object_set_new(j, "span_id", json_string(o.propagation->span_id));
    }
    json_object_set_new(j, "attachments", json_integer(o.attachments ? o.attachments->count : 0));
    json_object_set_new(j, "event_processors", json_integer(o.processors ? o.processors->count : 0));
    csc__snapshot_release(&o);
    return j;
}
