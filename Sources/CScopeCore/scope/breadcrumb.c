/* Breadcrumbs: construction, rendering and the ring buffer. */
#include "breadcrumb.h"

#include <stdlib.h>

#include "scrubber.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

/* ---------------------------------------------------------------- settings (published by the client) */

static atomic_long g_crumb_max = -1;
static atomic_bool g_scrub = true;
static atomic_bool g_has_before_breadcrumb;
static _Atomic(csc__crumb_filter_fn) g_filter;

csc__crumb_config_t csc__crumb_config(void) {
    return (csc__crumb_config_t){
        .max = atomic_load_explicit(&g_crumb_max, memory_order_relaxed),
        .scrub = atomic_load_explicit(&g_scrub, memory_order_relaxed),
        .has_before_breadcrumb = atomic_load_explicit(&g_has_before_breadcrumb, memory_order_relaxed),
    };
}

void csc__crumb_config_publish(csc__crumb_config_t cfg, csc__crumb_filter_fn filter) {
    if (filter) atomic_store(&g_filter, filter);
    atomic_store(&g_scrub, cfg.scrub);
    atomic_store(&g_has_before_breadcrumb, cfg.has_before_breadcrumb);
    atomic_store(&g_crumb_max, cfg.max);
}

int csc__crumb_filter(json_t *crumb) {
    csc__crumb_filter_fn f = atomic_load(&g_filter);
    return f ? f(crumb) : -1;
}

typedef struct {
    char *p;
    size_t used, cap;
} arena_t;

static const char *arena_put(arena_t *a, const char *s, size_t n) {
    char *d = a->p + a->used;
    memcpy(d, s, n);
    d[n] = 0;
    a->used += n + 1;
    return d;
}

/* Renders kv pairs (breadth-capped) into b; records scrubbed keys and the breadth cut in *meta. */
static void render_data(csc__buf_t *b, const csc_kv_t *kv, size_t n, json_t *extra_obj, bool scrub, json_t **meta,
                        int *status) {
    size_t written = 0, total = 0;
    json_t *data_meta = NULL;
    csc__buf_putc(b, '{');
    for (size_t pass = 0; pass < 2; pass++) {
        size_t count = pass == 0 ? n : (extra_obj ? json_object_size(extra_obj) : 0);
        void *iter = pass == 1 && extra_obj ? json_object_iter(extra_obj) : NULL;
        for (size_t i = 0; i < count; i++) {
            const char *key;
            size_t kl;
            csc_kv_t tmp;
            const csc_kv_t *e;
            if (pass == 0) {
                e = &kv[i];
                if (!e->key) continue;
                key = e->key;
                kl = e->key_len ? e->key_len : strlen(e->key);
            } else {
                key = json_object_iter_key(iter);
                kl = json_object_iter_key_len(iter);
                tmp = (csc_kv_t){.key = key, .type = CSC_KV_JSON, .v = {.json = json_object_iter_value(iter)}};
                e = &tmp;
                iter = json_object_iter_next(extra_obj, iter);
            }
            total++;
            if (written == CSC_MAX_DATABAG_BREADTH) continue;
            const char *ck;
            size_t ckl;
            if (written++) csc__buf_putc(b, ',');
            if (CSC_LIKELY(kl <= CSC_MAX_TAG_KEY_LEN && csc__plain_ascii(key, kl))) {
                ck = key;
                ckl = kl; /* the common case: one pass, no escaping */
                csc__buf_put_plain_string(b, ck, ckl);
            } else {
                int st = csc__utf8_clean(key, kl, CSC_MAX_TAG_KEY_LEN, &ck, &ckl);
                if (st < 0) {
                    b->oom = true;
                    return;
                }
                *status |= st;
                csc__buf_put_json_string(b, ck, ckl);
            }
            csc__buf_putc(b, ':');
            if (scrub && csc__scrub_key(ck, ckl)) {
                csc__buf_put(b, "\"[Filtered]\"", 12);
                if (!data_meta) data_meta = json_object();
                json_object_setn_new_nocheck(data_meta, ck, ckl, csc__scrub_meta());
                if (ck != key) free((void *)ck);
                continue;
            }
            if (ck != key) free((void *)ck);
            switch (e->type) {
                case CSC_KV_NULL: csc__buf_put(b, "null", 4); break;
                case CSC_KV_BOOL: e->v.b ? csc__buf_put(b, "true", 4) : csc__buf_put(b, "false", 5); break;
                case CSC_KV_INT: csc__buf_put_i64(b, e->v.i); break;
                case CSC_KV_DOUBLE: {
                    json_t *d = json_real(e->v.d);
                    csc__buf_put_json(b, d);
                    json_decref(d);
                    break;
                }
                case CSC_KV_STRING: {
                    const char *s = e->v.s ? e->v.s : "";
                    size_t sl = e->s_len ? e->s_len : strlen(s);
                    if (CSC_LIKELY(sl <= CSC_MAX_STRING_LEN && csc__plain_ascii(s, sl))) {
                        csc__buf_put_plain_string(b, s, sl);
                        break;
                    }
                    const char *cs;
                    size_t csl;
                    int st2 = csc__utf8_clean(s, sl, CSC_MAX_STRING_LEN, &cs, &csl);
                    if (st2 < 0) {
                        b->oom = true;
                        return;
                    }
                    *status |= st2;
                    csc__buf_put_json_string(b, cs, csl);
                    if (cs != s) free((void *)cs);
                    break;
                }
                case CSC_KV_JSON:
                    if (csc__json_depth(e->v.json, CSC_MAX_JSON_DEPTH) > CSC_MAX_JSON_DEPTH)
                        csc__buf_put(b, "null", 4);
                    else
                        csc__buf_put_json(b, e->v.json);
                    break;
            }
        }
    }
    csc__buf_putc(b, '}');
    if (total > CSC_MAX_DATABAG_BREADTH) {
        if (!data_meta) data_meta = json_object();
        json_object_set_new(data_meta, "", json_pack("{s:I}", "len", (json_int_t)total));
    }
    if (data_meta) {
        *meta = json_object();
        json_object_set_new(*meta, "data", data_meta);
    }
}

static csc__crumb_t *build(const char *type, size_t tl, const char *cat, size_t cl, const char *msg, size_t ml,
                           const char *data, size_t dl) {
    size_t need = tl + cl + ml + dl + 4;
    csc__crumb_t *c = malloc(sizeof *c + need);
    if (!c) return NULL;
    memset(c, 0, sizeof *c);
    atomic_init(&c->refs, 1);
    arena_t a = {c->storage, 0, need};
    c->type = type ? arena_put(&a, type, tl) : NULL;
    c->type_len = (uint32_t)tl;
    c->category = cat ? arena_put(&a, cat, cl) : NULL;
    c->category_len = (uint32_t)cl;
    c->message = msg ? arena_put(&a, msg, ml) : NULL;
    c->message_len = (uint32_t)ml;
    c->data = data ? arena_put(&a, data, dl) : NULL;
    c->data_len = (uint32_t)dl;
    return c;
}

/* Cleans an optional string field; returns the cleaned pointer (maybe malloc'd) in *out. */
static int clean_field(const char *s, const char **out, size_t *len, size_t max) {
    if (!s) {
        *out = NULL;
        *len = 0;
        return 0;
    }
    size_t n = strlen(s);
    if (CSC_LIKELY(n <= max && csc__is_ascii(s, n))) {
        *out = s;
        *len = n;
        return 0;
    } /* as csc__utf8_clean */
    return csc__utf8_clean(s, n, max, out, len);
}

csc__crumb_t *csc__crumb_new(const csc_breadcrumb_t *d, bool scrub, int *status) {
    const char *t, *c, *m;
    size_t tl, cl, ml;
    int st = 0, s1, s2, s3;
    const char *tsrc = d->type ? d->type : "default";
    s1 = clean_field(tsrc, &t, &tl, CSC_MAX_STRING_LEN);
    s2 = clean_field(d->category, &c, &cl, CSC_MAX_STRING_LEN);
    s3 = clean_field(d->message, &m, &ml, CSC_MAX_STRING_LEN);
    csc__crumb_t *crumb = NULL;
    json_t *meta = NULL;
    char stackbuf[512];
    csc__buf_t b = {stackbuf, 0, sizeof stackbuf, false, true};
    bool have_data = (d->data && d->data_count) || (d->data_json && json_is_object(d->data_json));
    if (s1 < 0 || s2 < 0 || s3 < 0) goto out;
    st = s1 | s2 | s3;
    if (have_data)
        render_data(&b, d->data, d->data_count, json_is_object(d->data_json) ? d->data_json : NULL, scrub, &meta, &st);
    if (b.oom) goto out;
    crumb = build(t, tl, c, cl, m, ml, have_data ? b.p : NULL, b.len);
    if (crumb) {
        crumb->level = (int8_t)(d->level >= CSC_LEVEL_DEBUG && d->level <= CSC_LEVEL_FATAL ? d->level : CSC_LEVEL_NONE);
        crumb->ts_us = d->timestamp_us ? d->timestamp_us : csc_now_us();
        crumb->meta = meta;
        meta = NULL;
    }
out:
    if (t && t != tsrc) free((void *)t);
    if (c && c != d->category) free((void *)c);
    if (m && m != d->message) free((void *)m);
    if (!b.borrowed) free(b.p);
    json_decref(meta);
    if (status) *status |= st;
    return crumb;
}

static const char *json_str_or_null(json_t *o, const char *k, bool *is_null) {
    json_t *v = json_object_get(o, k);
    if (is_null) *is_null = v && json_is_null(v);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

csc__crumb_t *csc__crumb_from_json(json_t *obj, bool scrub, int *status) {
    if (!json_is_object(obj)) return NULL;
    csc_breadcrumb_t d = {0};
    d.level = CSC_LEVEL_NONE;
    bool level_null = false, cat_null = false;
    d.type = json_str_or_null(obj, "type", NULL);
    d.category = json_str_or_null(obj, "category", &cat_null);
    d.message = json_str_or_null(obj, "message", NULL);
    const char *lvl = json_str_or_null(obj, "level", &level_null);
    if (lvl) d.level = csc_level_parse(lvl);
    json_t *ts = json_object_get(obj, "timestamp");
    if (json_is_string(ts))
        csc__parse_timestamp(json_string_value(ts), &d.timestamp_us);
    else if (json_is_number(ts))
        d.timestamp_us = (int64_t)(json_number_value(ts) * 1e6);
    json_t *data = json_object_get(obj, "data");
    if (json_is_object(data)) d.data_json = data;
    csc__crumb_t *c = csc__crumb_new(&d, scrub, status);
    if (!c) return NULL;
    c->level_null = level_null && d.level == CSC_LEVEL_NONE;
    c->category_null = cat_null;
    /* keep unknown top-level keys (and a level string we don't know) verbatim */
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (!strcmp(k, "type") || !strcmp(k, "category") || !strcmp(k, "message") || !strcmp(k, "timestamp") ||
            !strcmp(k, "data") || (!strcmp(k, "level") && (d.level != CSC_LEVEL_NONE || json_is_null(v))))
            continue;
        if (!c->extra_keys) c->extra_keys = json_object();
        json_object_set(c->extra_keys, k, v);
    }
    return c;
}

void csc__crumb_release(csc__crumb_t *c) {
    if (!c || atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1) return;
    json_decref(c->meta);
    json_decref(c->extra_keys);
    free(atomic_load(&c->json));
    free(c);
}

static void render(const csc__crumb_t *c, csc__buf_t *b) {
    char ts[32];
    size_t tl = csc__format_timestamp(c->ts_us, ts);
    csc__buf_put(b, "{\"timestamp\":\"", 14);
    csc__buf_put(b, ts, tl);
    csc__buf_putc(b, '"');
    if (c->type) {
        csc__buf_put(b, ",\"type\":", 8);
        csc__buf_put_json_string(b, c->type, c->type_len);
    }
    if (c->category) {
        csc__buf_put(b, ",\"category\":", 12);
        csc__buf_put_json_string(b, c->category, c->category_len);
    } else if (c->category_null)
        csc__buf_put(b, ",\"category\":null", 16);
    if (c->message) {
        csc__buf_put(b, ",\"message\":", 11);
        csc__buf_put_json_string(b, c->message, c->message_len);
    }
    const char *lvl = csc_level_name((csc_level_t)c->level);
    if (lvl) {
        csc__buf_put(b, ",\"level\":\"", 10);
        csc__buf_put(b, lvl, strlen(lvl));
        csc__buf_putc(b, '"');
    } else if (c->level_null)
        csc__buf_put(b, ",\"level\":null", 13);
    if (c->data) {
        csc__buf_put(b, ",\"data\":", 8);
        csc__buf_put(b, c->data, c->data_len);
    }
    if (c->extra_keys) {
        const char *k;
        json_t *v;
        json_object_foreach(c->extra_keys, k, v) {
            csc__buf_putc(b, ',');
            csc__buf_put_json_string(b, k, strlen(k));
            csc__buf_putc(b, ':');
            csc__buf_put_json(b, v);
        }
    }
    csc__buf_putc(b, '}');
}

/* The cached rendering is one allocation: a uint32_t length followed by the JSON
 * bytes, published with one atomic pointer store, so readers never see a
 * length that doesn't belong to the buffer. */
const char *csc__crumb_json(csc__crumb_t *c, uint32_t *len) {
    char *j = atomic_load_explicit(&c->json, memory_order_acquire);
    if (j) {
        memcpy(len, j, sizeof *len);
        return j + sizeof(uint32_t);
    }
    csc__buf_t b = {0};
    csc__buf_reserve(&b, 96 + c->message_len + c->category_len + c->data_len);
    csc__buf_put(&b, "\0\0\0\0", sizeof(uint32_t));
    render(c, &b);
    csc__buf_putc(&b, 0);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    uint32_t n = (uint32_t)(b.len - 1 - sizeof(uint32_t));
    memcpy(b.p, &n, sizeof n);
    char *expected = NULL;
    if (!atomic_compare_exchange_strong_explicit(&c->json, &expected, b.p, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        free(b.p);
        j = expected;
    } else {
        j = b.p;
    }
    memcpy(len, j, sizeof *len);
    return j + sizeof(uint32_t);
}

json_t *csc__crumb_to_json(const csc__crumb_t *c) {
    csc__buf_t b = {0};
    render(c, &b);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    json_t *j = json_loadb(b.p, b.len, 0, NULL);
    free(b.p);
    return j;
}

/* ------------------------------------------------------------ ring */

csc__ring_t *csc__ring_new(uint32_t cap) {
    csc__ring_t *r = malloc(sizeof *r + (cap ? cap : 1) * sizeof(csc__crumb_t *));
    if (!r) return NULL;
    atomic_init(&r->refs, 1);
    r->cap = cap;
    r->start = 0;
    r->count = 0;
    return r;
}

void csc__ring_release(csc__ring_t *r) {
    if (!r || atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1) return;
    for (uint32_t i = 0; i < r->count; i++) csc__crumb_release(csc__ring_at(r, i));
    free(r);
}

int csc__ring_make_unique(csc__ring_t **rp, uint32_t cap, uint64_t *evicted) {
    csc__ring_t *r = *rp;
    if (r && r->cap == cap && atomic_load_explicit(&r->refs, memory_order_acquire) == 1) return CSC_OK;
    csc__ring_t *n = csc__ring_new(cap);
    if (!n) return CSC_ERR_NOMEM;
    if (r) {
        uint32_t keep = r->count < cap ? r->count : cap;
        uint32_t skip = r->count - keep;
        if (evicted) *evicted += skip;
        for (uint32_t i = 0; i < keep; i++) n->items[i] = csc__crumb_retain(csc__ring_at(r, skip + i));
        n->count = keep;
        csc__ring_release(r);
    }
    *rp = n;
    return CSC_OK;
}

csc__crumb_t *csc__ring_push(csc__ring_t *r, csc__crumb_t *c) {
    if (r->cap == 0) return c;
    if (r->count < r->cap) {
        r->items[(r->start + r->count++) % r->cap] = c;
        return NULL;
    }
    csc__crumb_t *old = r->items[r->start];
    r->items[r->start] = c;
    r->start = (r->start + 1) % r->cap;
    return old;
}
