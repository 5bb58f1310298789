/* One scope's data: setters, fork (copy-on-write), clear, update_from, reading. */
#include <stdlib.h>

#include "support/log.h"
#include "scope_internal.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

/* ------------------------------------------------------------ shared small objects */

csc__propagation_t *csc__propagation_new(void) {
    csc__propagation_t *p = malloc(sizeof *p);
    if (!p) return NULL;
    atomic_init(&p->refs, 1);
    csc_uuid4_hex(p->trace_id);
    csc__random_hex(p->span_id, 16);
    p->parent_span_id[0] = 0;
    p->parent_sampled = CSC_SAMPLED_UNSET;
    p->dsc = NULL;
    return p;
}

static csc__propagation_t *prop_retain(csc__propagation_t *p) {
    if (p) atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return p;
}

void csc__propagation_release(csc__propagation_t *p) {
    if (p && atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1) {
        json_decref(p->dsc);
        free(p);
    }
}

static csc__list_t *list_retain(csc__list_t *l) {
    if (l) atomic_fetch_add_explicit(&l->refs, 1, memory_order_relaxed);
    return l;
}

void csc__list_release(csc__list_t *l, void (*release_item)(void *)) {
    if (!l || atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) != 1) return;
    for (uint32_t i = 0; i < l->count; i++) release_item(l->items[i]);
    free(l);
}

/* Returns an unshared copy of *lp with room for one more item (items retained via `retain_item`). */
static int list_make_unique(csc__list_t **lp, void (*retain_item)(void *), void (*release_item)(void *)) {
    csc__list_t *l = *lp;
    if (l && atomic_load_explicit(&l->refs, memory_order_acquire) == 1 && l->count < l->cap) return CSC_OK;
    uint32_t count = l ? l->count : 0;
    uint32_t cap = count < 4 ? 4 : count * 2;
    csc__list_t *n = malloc(sizeof *n + cap * sizeof(void *));
    if (!n) return CSC_ERR_NOMEM;
    atomic_init(&n->refs, 1);
    n->count = count;
    n->cap = cap;
    for (uint32_t i = 0; i < count; i++) {
        n->items[i] = l->items[i];
        retain_item(n->items[i]);
    }
    csc__list_release(l, release_item);
    *lp = n;
    return CSC_OK;
}

static void processor_retain(void *p) {
    atomic_fetch_add_explicit(&((csc__processor_t *)p)->refs, 1, memory_order_relaxed);
}
void csc__processor_release(void *p) {
    csc__processor_t *x = p;
    if (atomic_fetch_sub_explicit(&x->refs, 1, memory_order_acq_rel) != 1) return;
    if (x->free_user_data) x->free_user_data(x->user_data);
    free(x);
}
static void attachment_retain(void *a) {
    atomic_fetch_add_explicit(&((csc__attachment_t *)a)->refs, 1, memory_order_relaxed);
}
void csc__attachment_release(void *a) {
    csc__attachment_t *x = a;
    if (atomic_fetch_sub_explicit(&x->refs, 1, memory_order_acq_rel) != 1) return;
    free(x->filename);
    free(x->content_type);
    free(x->path);
    free(x->data);
    free(x);
}

/* ------------------------------------------------------------ life cycle */

csc_scope_t *csc__scope_new_bare(void) {
    csc_scope_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    atomic_init(&s->refs, 1);
    s->level = CSC_LEVEL_NONE;
    return s;
}

csc_scope_t *csc_scope_new(void) {
    csc_scope_t *s = csc__scope_new_bare();
    if (!s) return NULL;
    s->propagation = csc__propagation_new();
    if (!s->propagation) {
        free(s);
        return NULL;
    }
    return s;
}

csc_scope_t *csc_scope_retain(csc_scope_t *s) {
    if (s) atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

static void span_clear(csc__span_slot_t *slot) {
    if (slot->span && slot->release) slot->release(slot->span);
    *slot = (csc__span_slot_t){0};
}

/* Releases all data fields (not processors unless asked). Caller holds the lock or owns the scope. */
static void drop_data(csc_scope_t *s, bool processors) {
    csc__map_release(s->tags);
    csc__map_release(s->extras);
    csc__map_release(s->contexts);
    s->tags = s->extras = s->contexts = NULL;
    json_decref(s->user);
    json_decref(s->fingerprint);
    json_decref(s->transaction);
    json_decref(s->transaction_source);
    s->user = s->fingerprint = s->transaction = s->transaction_source = NULL;
    csc__ring_release(s->crumbs);
    s->crumbs = NULL;
    s->crumbs_evicted = 0;
    csc__list_release(s->attachments, csc__attachment_release);
    s->attachments = NULL;
    if (processors) {
        csc__list_release(s->processors, csc__processor_release);
        s->processors = NULL;
    }
    csc__propagation_release(s->propagation);
    s->propagation = NULL;
    span_clear(&s->span);
    span_clear(&s->session);
    s->level = CSC_LEVEL_NONE;
    s->last_event_id[0] = 0;
}

void csc_scope_release(csc_scope_t *s) {
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
    drop_data(s, true);
    free(s);
}

/* Retains every shared table of `s` into `o`. The caller holds s->lock. */
static inline __attribute__((always_inline)) void snapshot_locked(csc_scope_t *s, csc__snapshot_t *o) {
    o->present = true;
    o->level = s->level;
    o->tags = csc__map_retain(s->tags);
    o->extras = csc__map_retain(s->extras);
    o->contexts = csc__map_retain(s->contexts);
    o->user = json_incref(s->user);
    o->fingerprint = json_incref(s->fingerprint);
    o->transaction = json_incref(s->transaction);
    o->transaction_source = json_incref(s->transaction_source);
    o->crumbs = csc__ring_retain(s->crumbs);
    o->crumbs_evicted = s->crumbs_evicted;
    o->attachments = list_retain(s->attachments);
    o->processors = list_retain(s->processors);
    o->propagation = prop_retain(s->propagation);
}

csc_scope_t *csc_scope_fork(csc_scope_t *src) {
    if (!src) return NULL;
    csc_scope_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    atomic_init(&s->refs, 1);
    csc__snapshot_t o;
    csc__lock(&src->lock);
    snapshot_locked(src, &o);
    s->span = src->span;
    if (s->span.span && s->span.retain) s->span.retain(s->span.span);
    s->session = src->session;
    if (s->session.span && s->session.retain) s->session.retain(s->session.span);
    memcpy(s->last_event_id, src->last_event_id, sizeof s->last_event_id);
    csc__unlock(&src->lock);
    /* the snapshot's references move into the new scope */
    s->level = o.level;
    s->tags = o.tags;
    s->extras = o.extras;
    s->contexts = o.contexts;
    s->user = o.user;
    s->fingerprint = o.fingerprint;
    s->transaction = o.transaction;
    s->transaction_source = o.transaction_source;
    s->crumbs = o.crumbs;
    s->crumbs_evicted = o.crumbs_evicted;
    s->attachments = o.attachments;
    s->processors = o.processors;
    s->propagation = o.propagation;
    return s;
}

int csc_scope_clear(csc_scope_t *s) {
    if (!s) return CSC_ERR_NULL;
    csc_scope_t old = {0};
    csc__lock(&s->lock);
    /* move the data out, release it outside the lock */
    old.tags = s->tags;
    old.extras = s->extras;
    old.contexts = s->contexts;
    old.user = s->user;
    old.fingerprint = s->fingerprint;
    old.transaction = s->transaction;
    old.transaction_source = s->transaction_source;
    old.crumbs = s->crumbs;
    old.attachments = s->attachments;
    old.propagation = s->propagation;
    old.span = s->span;
    old.session = s->session;
    s->tags = s->extras = s->contexts = NULL;
    s->user = s->fingerprint = s->transaction = s->transaction_source = NULL;
    s->crumbs = NULL;
    s->crumbs_evicted = 0;
    s->attachments = NULL;
    s->propagation = NULL;
    s->span = (csc__span_slot_t){0};
    s->session = (csc__span_slot_t){0};
    s->level = CSC_LEVEL_NONE;
    s->last_event_id[0] = 0;
    csc__unlock(&s->lock);
    drop_data(&old, false);
    return CSC_OK;
}

/* ------------------------------------------------------------ snapshot */

void csc__scope_snapshot(csc_scope_t *s, csc__snapshot_t *o) {
    memset(o, 0, sizeof *o);
    if (!s) {
        o->level = CSC_LEVEL_NONE;
        return;
    }
    csc__lock(&s->lock);
    snapshot_locked(s, o);
    csc__unlock(&s->lock);
}

void csc__snapshot_release(csc__snapshot_t *o) {
    csc__map_release(o->tags);
    csc__map_release(o->extras);
    csc__map_release(o->contexts);
    json_decref(o->user);
    json_decref(o->fingerprint);
    json_decref(o->transaction);
    json_decref(o->transaction_source);
    csc__ring_release(o->crumbs);
    csc__list_release(o->attachments, csc__attachment_release);
    csc__list_release(o->processors, csc__processor_release);
    csc__propagation_release(o->propagation);
    memset(o, 0, sizeof *o);
}

/* ------------------------------------------------------------ maps */

static int clean_key(const char *key, size_t kl, const char **ck, size_t *ckl) {
    return csc__utf8_clean(key, kl, CSC_MAX_TAG_KEY_LEN, ck, ckl);
}

static int map_set_json(csc_scope_t *s, csc__map_t **slot, const char *key, json_t *value) {
    if (!s || !key || !value) {
        json_decref(value);
        return CSC_ERR_NULL;
    }
    if (csc__json_depth(value, CSC_MAX_JSON_DEPTH) > CSC_MAX_JSON_DEPTH) {
        json_decref(value);
        return CSC_ERR_DEPTH;
    }
    const char *ck;
    size_t ckl;
    int st = clean_key(key, strlen(key), &ck, &ckl);
    if (st < 0) {
        json_decref(value);
        return st;
    }
    csc__lock(&s->lock);
    int rc = csc__map_make_unique(slot);
    if (rc == CSC_OK)
        rc = csc__map_set_json(*slot, ck, ckl, value);
    else
        json_decref(value);
    csc__unlock(&s->lock);
    if (ck != key) free((void *)ck);
    return rc < 0 ? rc : st;
}

int csc_scope_set_tag_n(csc_scope_t *s, const char *key, size_t kl, const char *value, size_t vl) {
    if (CSC_UNLIKELY(!s || !key || !value)) return CSC_ERR_NULL;
    const char *ck, *cv;
    size_t ckl, cvl;
    int st = clean_key(key, kl, &ck, &ckl);
    if (CSC_UNLIKELY(st < 0)) return st;
    int st2 = csc__utf8_clean(value, vl, CSC_MAX_TAG_VALUE_LEN, &cv, &cvl);
    if (CSC_UNLIKELY(st2 < 0)) {
        if (ck != key) free((void *)ck);
        return st2;
    }
    csc__lock(&s->lock);
    int rc = csc__map_make_unique(&s->tags);
    if (CSC_LIKELY(rc == CSC_OK)) rc = csc__map_set_str(s->tags, ck, ckl, cv, cvl);
    csc__unlock(&s->lock);
    if (CSC_UNLIKELY(ck != key)) free((void *)ck);
    if (CSC_UNLIKELY(cv != value)) free((void *)cv);
    return rc < 0 ? rc : (st | st2);
}

int csc_scope_set_tag(csc_scope_t *s, const char *key, const char *value) {
    if (CSC_UNLIKELY(!key || !value)) return CSC_ERR_NULL;
    return csc_scope_set_tag_n(s, key, strlen(key), value, strlen(value));
}

int csc_scope_set_tag_json(csc_scope_t *s, const char *key, json_t *value) {
    if (json_is_string(value)) {
        int rc = s && key
                     ? csc_scope_set_tag_n(s, key, strlen(key), json_string_value(value), json_string_length(value))
                     : CSC_ERR_NULL;
        json_decref(value);
        return rc;
    }
    return map_set_json(s, s ? &s->tags : NULL, key, value);
}

int csc_scope_set_extra(csc_scope_t *s, const char *key, json_t *value) {
    return map_set_json(s, s ? &s->extras : NULL, key, value);
}

int csc_scope_set_context(csc_scope_t *s, const char *key, json_t *value) {
    if (value && !json_is_object(value)) {
        json_decref(value);
        return s && key ? CSC_ERR_INVALID : CSC_ERR_NULL;
    }
    return map_set_json(s, s ? &s->contexts : NULL, key, value);
}

/* Removal must not write into a map shared with a fork: copy first, but only when the key exists. */
static int remove_cow(csc_scope_t *s, csc__map_t **slot, const char *key) {
    if (!s || !key) return CSC_ERR_NULL;
    const char *ck;
    size_t ckl;
    int st = clean_key(key, strlen(key), &ck, &ckl);
    if (st < 0) return st;
    int rc = CSC_OK;
    csc__lock(&s->lock);
    if (*slot) {
        bool present = false;
        uint32_t h = csc__hash(ck, ckl);
        for (uint32_t i = 0; i < (*slot)->count; i++) {
            csc__entry_t *e = &(*slot)->e[i];
            if (e->hash == h && e->klen == ckl && (!ckl || !memcmp(csc__map_key(*slot, e), ck, ckl))) {
                present = true;
                break;
            }
        }
        if (present) {
            rc = csc__map_make_unique(slot);
            if (rc == CSC_OK) csc__map_remove(*slot, ck, ckl);
        }
    }
    csc__unlock(&s->lock);
    if (ck != key) free((void *)ck);
    return rc;
}

int csc_scope_remove_tag(csc_scope_t *s, const char *key) { return remove_cow(s, s ? &s->tags : NULL, key); }
int csc_scope_remove_extra(csc_scope_t *s, const char *key) { return remove_cow(s, s ? &s->extras : NULL, key); }
int csc_scope_remove_context(csc_scope_t *s, const char *key) { return remove_cow(s, s ? &s->contexts : NULL, key); }

/* ------------------------------------------------------------ scalars */

/* Stores a json value in a scalar slot; the old one is released outside the lock. */
static int swap_json(csc_scope_t *s, json_t **slot, json_t *value) {
    csc__lock(&s->lock);
    json_t *old = *slot;
    *slot = value;
    csc__unlock(&s->lock);
    json_decref(old);
    return CSC_OK;
}

int csc_scope_set_user(csc_scope_t *s, json_t *value) {
    if (!s) {
        json_decref(value);
        return CSC_ERR_NULL;
    }
    if (value && !json_is_object(value)) {
        json_decref(value);
        return CSC_ERR_INVALID;
    }
    if (value && csc__json_depth(value, CSC_MAX_JSON_DEPTH) > CSC_MAX_JSON_DEPTH) {
        json_decref(value);
        return CSC_ERR_DEPTH;
    }
    /* the stored user is shared with events: keep a private copy the caller can't change */
    json_t *copy = value ? json_deep_copy(value) : NULL;
    json_decref(value);
    if (value && !copy) return CSC_ERR_NOMEM;
    return swap_json(s, &s->user, copy);
}

int csc_scope_set_level(csc_scope_t *s, csc_level_t level) {
    if (!s) return CSC_ERR_NULL;
    if (level < CSC_LEVEL_NONE || level > CSC_LEVEL_FATAL) return CSC_ERR_INVALID;
    csc__lock(&s->lock);
    s->level = (int8_t)level;
    csc__unlock(&s->lock);
    return CSC_OK;
}

csc_level_t csc_scope_get_level(csc_scope_t *s) {
    if (!s) return CSC_LEVEL_NONE;
    csc__lock(&s->lock);
    csc_level_t l = (csc_level_t)s->level;
    csc__unlock(&s->lock);
    return l;
}

int csc_scope_set_transaction(csc_scope_t *s, const char *name, const char *source) {
    if (!s) return CSC_ERR_NULL;
    int st = 0;
    json_t *n = NULL, *src = NULL;
    if (name && !(n = csc__json_string_clean(name, strlen(name), CSC_MAX_TRANSACTION_LEN, &st))) return CSC_ERR_NOMEM;
    if (source && *source && !(src = csc__json_string_clean(source, strlen(source), 64, &st))) {
        json_decref(n);
        return CSC_ERR_NOMEM;
    }
    csc__lock(&s->lock);
    json_t *old = s->transaction, *old_src = NULL;
    s->transaction = n;
    if (src) {
        old_src = s->transaction_source;
        s->transaction_source = src;
    }
    csc__span_slot_t bound = s->span.renamed ? s->span : (csc__span_slot_t){0};
    if (bound.span && bound.retain) bound.retain(bound.span);
    csc__unlock(&s->lock);
    json_decref(old);
    json_decref(old_src);
    if (bound.span) { /* a bound transaction is renamed too, as the Python SDK's set_transaction_name does */
        bound.renamed(bound.span, name, source);
        if (bound.release) bound.release(bound.span);
    }
    return st;
}

int csc_scope_set_fingerprint(csc_scope_t *s, const char *const *parts, size_t count) {
    if (!s) return CSC_ERR_NULL;
    json_t *fp = NULL;
    int st = 0;
    if (parts) {
        fp = json_array();
        if (!fp) return CSC_ERR_NOMEM;
        for (size_t i = 0; i < count; i++) {
            if (!parts[i]) {
                json_decref(fp);
                return CSC_ERR_NULL;
            }
            json_t *p = csc__json_string_clean(parts[i], strlen(parts[i]), CSC_MAX_STRING_LEN, &st);
            if (!p || json_array_append_new(fp, p)) {
                json_decref(fp);
                return CSC_ERR_NOMEM;
            }
        }
    }
    swap_json(s, &s->fingerprint, fp);
    return st;
}

/* ------------------------------------------------------------ breadcrumbs */

static int add_crumb(csc_scope_t *s, csc__crumb_t *c, long max) {
    csc__lock(&s->lock);
    int rc = csc__ring_make_unique(&s->crumbs, (uint32_t)max, &s->crumbs_evicted);
    csc__crumb_t *old = NULL;
    if (CSC_LIKELY(rc == CSC_OK)) {
        old = csc__ring_push(s->crumbs, c);
        if (old) s->crumbs_evicted++;
    } else {
        old = c;
    }
    csc__unlock(&s->lock);
    if (old) csc__crumb_release(old);
    return rc;
}

/* Runs before_breadcrumb on the crumb; returns the crumb to store (maybe rebuilt) or NULL when dropped. */
static csc__crumb_t *run_before_breadcrumb(csc__crumb_t *c, bool scrub, int *st) {
    json_t *j = csc__crumb_to_json(c);
    if (!j) return c;
    int verdict = csc__crumb_filter(j);
    if (verdict < 0) {
        json_decref(j);
        return c;
    } /* the client has no before_breadcrumb (any more) */
    bool keep = verdict > 0;
    csc__crumb_t *out = NULL;
    if (keep) {
        out = csc__crumb_from_json(j, scrub, st);
        if (out && !json_object_get(j, "type")) { /* the callback removed type: keep it absent */
        }
    }
    json_decref(j);
    csc__crumb_release(c);
    return out;
}

int csc_scope_add_breadcrumb(csc_scope_t *s, const csc_breadcrumb_t *d) {
    if (CSC_UNLIKELY(!s || !d)) return CSC_ERR_NULL;
    csc__crumb_config_t cfg = csc__crumb_config();
    if (cfg.max < 0) return CSC_ERR_DISABLED;
    if (!d->type && !d->category && !d->message && d->level == CSC_LEVEL_NONE && !d->timestamp_us &&
        !(d->data && d->data_count) && !d->data_json)
        return CSC_OK; /* empty: nothing recorded */
    if (d->data_json && csc__json_depth(d->data_json, CSC_MAX_JSON_DEPTH) >= CSC_MAX_JSON_DEPTH) return CSC_ERR_DEPTH;
    for (size_t i = 0; d->data && i < d->data_count; i++)
        if (d->data[i].type == CSC_KV_JSON &&
            csc__json_depth(d->data[i].v.json, CSC_MAX_JSON_DEPTH) >= CSC_MAX_JSON_DEPTH)
            return CSC_ERR_DEPTH;
    int st = 0;
    csc__crumb_t *c = csc__crumb_new(d, cfg.scrub, &st);
    if (!c) return CSC_ERR_NOMEM;
    if (CSC_UNLIKELY(cfg.has_before_breadcrumb)) {
        c = run_before_breadcrumb(c, cfg.scrub, &st);
        if (!c) return CSC_OK;
    }
    int rc = add_crumb(s, c, cfg.max);
    return rc < 0 ? rc : st;
}

int csc_scope_add_breadcrumb_json(csc_scope_t *s, json_t *crumb) {
    if (!s || !crumb) return CSC_ERR_NULL;
    if (!json_is_object(crumb)) return CSC_ERR_INVALID;
    csc__crumb_config_t cfg = csc__crumb_config();
    if (cfg.max < 0) return CSC_ERR_DISABLED;
    if (json_object_size(crumb) == 0) return CSC_OK;
    if (csc__json_depth(crumb, CSC_MAX_JSON_DEPTH) > CSC_MAX_JSON_DEPTH) return CSC_ERR_DEPTH;
    int st = 0;
    csc__crumb_t *c = csc__crumb_from_json(crumb, cfg.scrub, &st);
    if (!c) return CSC_ERR_NOMEM;
    if (cfg.has_before_breadcrumb) {
        c = run_before_breadcrumb(c, cfg.scrub, &st);
        if (!c) return CSC_OK;
    }
    int rc = add_crumb(s, c, cfg.max);
    return rc < 0 ? rc : st;
}

int csc_scope_clear_breadcrumbs(csc_scope_t *s) {
    if (!s) return CSC_ERR_NULL;
    csc__lock(&s->lock);
    csc__ring_t *old = s->crumbs;
    s->crumbs = NULL;
    s->crumbs_evicted = 0;
    csc__unlock(&s->lock);
    csc__ring_release(old);
    return CSC_OK;
}

size_t csc_scope_breadcrumb_count(csc_scope_t *s) {
    if (!s) return 0;
    csc__lock(&s->lock);
    size_t n = s->crumbs ? s->crumbs->count : 0;
    csc__unlock(&s->lock);
    return n;
}

/* ------------------------------------------------------------ attachments, processors */

static int list_append(csc_scope_t *s, csc__list_t **slot, void *item, void (*retain)(void *),
                       void (*release)(void *)) {
    csc__lock(&s->lock);
    int rc = list_make_unique(slot, retain, release);
    if (rc == CSC_OK) (*slot)->items[(*slot)->count++] = item;
    csc__unlock(&s->lock);
    if (rc != CSC_OK) release(item);
    return rc;
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int add_attachment(csc_scope_t *s, const void *data, size_t len, const char *path, const char *filename,
                          const char *content_type) {
    csc__attachment_t *a = calloc(1, sizeof *a);
    if (!a) return CSC_ERR_NOMEM;
    atomic_init(&a->refs, 1);
    a->filename = csc__strdup(filename ? filename : base_name(path));
    a->content_type = csc__strdup(content_type);
    a->path = csc__strdup(path);
    a->len = len;
    if (data) {
        a->data = malloc(len ? len : 1);
        if (a->data) memcpy(a->data, data, len);
    }
    if (!a->filename || (content_type && !a->content_type) || (path && !a->path) || (data && !a->data)) {
        csc__attachment_release(a);
        return CSC_ERR_NOMEM;
    }
    return list_append(s, &s->attachments, a, attachment_retain, csc__attachment_release);
}

int csc_scope_add_attachment_bytes(csc_scope_t *s, const void *data, size_t len, const char *filename,
                                   const char *content_type) {
    if (!s || (!data && len) || !filename) return CSC_ERR_NULL;
    return add_attachment(s, data ? data : "", len, NULL, filename, content_type);
}

int csc_scope_add_attachment_path(csc_scope_t *s, const char *path, const char *filename, const char *content_type) {
    if (!s || !path) return CSC_ERR_NULL;
    if (!*path) return CSC_ERR_PARSE;
    return add_attachment(s, NULL, 0, path, filename, content_type);
}

/* Empties one of the scope's lists; the items are released outside the lock (their
 * destructors may run user code). Forks made before keep their copy-on-write share. */
static int list_clear(csc_scope_t *s, csc__list_t **lp, void (*release_item)(void *)) {
    if (!s) return CSC_ERR_NULL;
    csc__lock(&s->lock);
    csc__list_t *old = *lp;
    *lp = NULL;
    csc__unlock(&s->lock);
    csc__list_release(old, release_item);
    return CSC_OK;
}

int csc_scope_clear_attachments(csc_scope_t *s) {
    return list_clear(s, s ? &s->attachments : NULL, csc__attachment_release);
}

int csc_scope_add_event_processor(csc_scope_t *s, csc_event_processor_fn fn, void *user_data,
                                  void (*free_user_data)(void *)) {
    if (!s || !fn) return CSC_ERR_NULL;
    csc__processor_t *p = malloc(sizeof *p);
    if (!p) return CSC_ERR_NOMEM;
    atomic_init(&p->refs, 1);
    p->fn = fn;
    p->user_data = user_data;
    p->free_user_data = free_user_data;
    csc__list_t *dropped = NULL;
    csc__lock(&s->lock);
    if (s->processors && s->processors->count > CSC_MAX_EVENT_PROCESSORS) {
        dropped = s->processors;
        s->processors = NULL;
    }
    csc__unlock(&s->lock);
    if (dropped)
        csc__debug_log("more than %d event processors on one scope: the list was emptied", CSC_MAX_EVENT_PROCESSORS);
    csc__list_release(dropped, csc__processor_release);
    return list_append(s, &s->processors, p, processor_retain, csc__processor_release);
}

int csc_scope_clear_event_processors(csc_scope_t *s) {
    return list_clear(s, s ? &s->processors : NULL, csc__processor_release);
}

/* ------------------------------------------------------------ propagation, span, last event id */

static bool is_hex(const char *s, size_t n) {
    if (!s || strlen(s) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

int csc_scope_set_propagation_context(csc_scope_t *s, const char *trace_id, const char *span_id,
                                      const char *parent_span_id) {
    if (!s || !trace_id || !span_id) return CSC_ERR_NULL;
    if (!is_hex(trace_id, 32) || !is_hex(span_id, 16) || (parent_span_id && !is_hex(parent_span_id, 16)))
        return CSC_ERR_INVALID;
    csc__propagation_t *p = csc__propagation_new();
    if (!p) return CSC_ERR_NOMEM;
    memcpy(p->trace_id, trace_id, 33);
    memcpy(p->span_id, span_id, 17);
    if (parent_span_id) memcpy(p->parent_span_id, parent_span_id, 17);
    csc__scope_put_propagation(s, p);
    csc__propagation_release(p);
    return CSC_OK;
}

void csc__scope_put_propagation(csc_scope_t *s, csc__propagation_t *p) {
    prop_retain(p);
    csc__lock(&s->lock);
    csc__propagation_t *old = s->propagation;
    s->propagation = p;
    csc__unlock(&s->lock);
    csc__propagation_release(old);
}

int csc_scope_new_trace(csc_scope_t *s) {
    if (!s) return CSC_ERR_NULL;
    csc__propagation_t *p = csc__propagation_new();
    if (!p) return CSC_ERR_NOMEM;
    csc__lock(&s->lock);
    csc__propagation_t *old = s->propagation;
    s->propagation = p;
    csc__unlock(&s->lock);
    csc__propagation_release(old);
    return CSC_OK;
}

bool csc_scope_get_trace_id(csc_scope_t *s, char out[33]) {
    if (!s || !out) return false;
    csc__lock(&s->lock);
    bool ok = s->propagation != NULL;
    if (ok) memcpy(out, s->propagation->trace_id, 33);
    csc__unlock(&s->lock);
    return ok;
}

int csc__scope_set_span_slot(csc_scope_t *s, void *span, void (*retain)(void *), void (*release)(void *),
                             void (*renamed)(void *span, const char *name, const char *source)) {
    if (!s) return CSC_ERR_NULL;
    if (span && retain) retain(span);
    csc__lock(&s->lock);
    csc__span_slot_t old = s->span;
    s->span = (csc__span_slot_t){span, span ? retain : NULL, span ? release : NULL, span ? renamed : NULL};
    csc__unlock(&s->lock);
    span_clear(&old);
    return CSC_OK;
}

int csc_scope_set_span(csc_scope_t *s, void *span, void (*retain)(void *), void (*release)(void *)) {
    return csc__scope_set_span_slot(s, span, retain, release, NULL);
}

void *csc_scope_get_span(csc_scope_t *s) {
    if (!s) return NULL;
    csc__lock(&s->lock);
    void *sp = s->span.span;
    if (sp && s->span.retain) s->span.retain(sp);
    csc__unlock(&s->lock);
    return sp;
}

void csc__scope_swap_session(csc_scope_t *s, csc__span_slot_t slot, csc__span_slot_t *old) {
    csc__lock(&s->lock);
    *old = s->session;
    s->session = slot;
    csc__unlock(&s->lock);
}

void *csc__scope_get_session(csc_scope_t *s) {
    if (!s) return NULL;
    csc__lock(&s->lock);
    void *p = s->session.span;
    if (p && s->session.retain) s->session.retain(p);
    csc__unlock(&s->lock);
    return p;
}

void csc__scope_set_last_event_id(csc_scope_t *s, const char *id) {
    if (!s) return;
    csc__lock(&s->lock);
    memcpy(s->last_event_id, id, 33);
    csc__unlock(&s->lock);
}

bool csc_scope_get_last_event_id(csc_scope_t *s, char out[33]) {
    if (!s || !out) return false;
    csc__lock(&s->lock);
    bool ok = s->last_event_id[0] != 0;
    if (ok) memcpy(out, s->last_event_id, 33);
    csc__unlock(&s->lock);
    return ok;
}
