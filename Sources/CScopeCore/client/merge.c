/* Merging global -> isolation -> current -> extra into an event, exactly as
 * the Python SDK's Scope._merge_scopes + apply_to_event. */
#include <stdlib.h>

#include "databag.h"
#include "merge.h"
#include "scope/scrubber.h"
#include "support/log.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

bool csc__merge_has_processors(const csc__merge_t *m) {
    for (int i = CSC__G; i <= CSC__C; i++)
        if (m->snap[i].processors && m->snap[i].processors->count) return true;
    return false;
}

static json_t *last_set(const csc__merge_t *m, size_t off) {
    json_t *v = NULL;
    for (int i = 0; i < CSC__NSCOPES; i++) {
        json_t *x = *(json_t **)((const char *)&m->snap[i] + off);
        if (x) v = x;
    }
    return v;
}

static void set_if_absent(json_t *ev, const char *key, json_t *v) {
    json_t *cur = json_object_get(ev, key);
    if (v && (!cur || json_is_null(cur))) json_object_set(ev, key, v);
}

static void set_str_if_absent(json_t *ev, const char *key, const char *v) {
    if (!v) return;
    json_t *cur = json_object_get(ev, key);
    if (!cur || json_is_null(cur)) json_object_set_new(ev, key, json_string(v));
}

/* event[key].update(g..x maps), creating the object only when something is added. */
static int update_object(json_t *ev, const char *key, const csc__merge_t *m, size_t off) {
    json_t *obj = json_object_get(ev, key);
    for (int i = 0; i < CSC__NSCOPES; i++) {
        csc__map_t *src = *(csc__map_t **)((const char *)&m->snap[i] + off);
        if (!src || !src->count) continue;
        if (!json_is_object(obj)) {
            obj = json_object();
            if (!obj || json_object_set_new(ev, key, obj)) return CSC_ERR_NOMEM;
        }
        if (csc__map_update_json(obj, src) != CSC_OK) return CSC_ERR_NOMEM;
    }
    return CSC_OK;
}

static void meta_put(csc__merge_t *m, const char *key, json_t *v) {
    if (!v) return;
    if (!m->meta) m->meta = json_object();
    json_object_set_new(m->meta, key, v);
}

/* Deep merge of src's annotations into dst (an object of ours). What dst holds may be shared (a
 * breadcrumb's cached meta): merged into a copy. */
static void meta_merge(json_t *dst, json_t *src) {
    const char *k;
    json_t *v;
    json_object_foreach(src, k, v) {
        json_t *cur = json_object_get(dst, k);
        if (json_is_object(cur) && json_is_object(v)) {
            json_t *copy = json_deep_copy(cur);
            if (!copy) continue;
            json_object_set_new(dst, k, copy);
            meta_merge(copy, v);
        } else {
            json_object_set(dst, k, v);
        }
    }
}

/* stable insertion sort by timestamp: the input is nearly sorted */
static void sort_crumbs(csc__crumb_t **a, size_t n) {
    for (size_t i = 1; i < n; i++) {
        csc__crumb_t *x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1]->ts_us > x->ts_us) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

typedef struct {
    json_t *crumb;
    int64_t ts;
} tree_crumb_t;

/* Slow path: event crumbs + scope crumbs as a JSON array, sorted when every timestamp parses. */
static json_t *tree_breadcrumbs(csc__merge_t *m, json_t *ev, bool scrub, json_t **values_meta) {
    json_t *own = json_object_get(json_object_get(ev, "breadcrumbs"), "values");
    if (!json_is_array(own))
        own = json_is_array(json_object_get(ev, "breadcrumbs")) ? json_object_get(ev, "breadcrumbs") : NULL;
    size_t n_own = own ? json_array_size(own) : 0;
    size_t total = n_own + m->crumb_count;
    tree_crumb_t *tc = calloc(total ? total : 1, sizeof *tc);
    json_t **metas = calloc(total ? total : 1, sizeof *metas);
    json_t *values = json_array();
    if (!tc || !metas || !values) {
        free(tc);
        free(metas);
        json_decref(values);
        return NULL;
    }
    bool sortable = true;
    for (size_t i = 0; i < n_own; i++) {
        json_t *c = json_array_get(own, i);
        tc[i].crumb = json_incref(c);
        json_t *ts = json_object_get(c, "timestamp");
        if (json_is_string(ts) && csc__parse_timestamp(json_string_value(ts), &tc[i].ts)) {
            char buf[32];
            csc__format_timestamp(tc[i].ts, buf);
            if (json_is_object(c)) json_object_set_new(c, "timestamp", json_string(buf));
        } else if (json_is_number(ts))
            tc[i].ts = (int64_t)(json_number_value(ts) * 1e6);
        else
            sortable = false;
        if (scrub && json_is_object(c)) {
            json_t *dm = NULL;
            csc__scrub_object(json_object_get(c, "data"), &dm);
            if (dm) metas[i] = json_pack("{s:o}", "data", dm);
        }
    }
    for (size_t i = 0; i < m->crumb_count; i++) {
        tc[n_own + i].crumb = csc__crumb_to_json(m->crumbs[i]);
        tc[n_own + i].ts = m->crumbs[i]->ts_us;
        metas[n_own + i] = json_incref(m->crumbs[i]->meta);
    }
    if (sortable) {
        for (size_t i = 1; i < total; i++) {
            tree_crumb_t x = tc[i];
            json_t *xm = metas[i];
            size_t j = i;
            while (j > 0 && tc[j - 1].ts > x.ts) {
                tc[j] = tc[j - 1];
                metas[j] = metas[j - 1];
                j--;
            }
            tc[j] = x;
            metas[j] = xm;
        }
    }
    for (size_t i = 0; i < total; i++) {
        json_array_append_new(values, tc[i].crumb ? tc[i].crumb : json_object());
        if (metas[i]) {
            if (!*values_meta) *values_meta = json_object();
            char idx[24];
            snprintf(idx, sizeof idx, "%zu", i);
            json_object_set_new(*values_meta, idx, metas[i]);
        }
    }
    free(tc);
    free(metas);
    return values;
}

void csc__merge_snapshot(csc__merge_t *m, const csc_scopes_t *sc) {
    memset(m, 0, sizeof *m);
    csc_scope_t *scopes[CSC__NSCOPES] = {sc->global, sc->isolation, sc->current, sc->extra};
    for (int i = 0; i < CSC__NSCOPES; i++) csc__scope_snapshot(scopes[i], &m->snap[i]);
    for (int i = 0; i < CSC__NSCOPES; i++)
        if (m->snap[i].propagation) m->propagation = m->snap[i].propagation;
    if (!m->propagation && sc->isolation) {
        /* nothing owns a trace: start one on the isolation scope, as the Python SDK does */
        csc_scope_new_trace(sc->isolation);
        csc__snapshot_release(&m->snap[CSC__I]);
        csc__scope_snapshot(sc->isolation, &m->snap[CSC__I]);
        m->propagation = m->snap[CSC__I].propagation;
    }
}

int csc__merge_into(csc__merge_t *m, json_t *ev, const csc_scopes_t *sc, const csc_options_t *opts, bool tree_crumbs) {
    csc__merge_snapshot(m, sc);
    return csc__merge_apply(m, ev, opts, tree_crumbs);
}

int csc__merge_apply(csc__merge_t *m, json_t *ev, const csc_options_t *opts, bool tree_crumbs) {
    bool scrub = opts ? !opts->send_default_pii : true;
    bool strip = opts && opts->max_value_length; /* breadcrumb strings are cut too: in the tree */

    /* contexts, then the trace context */
    if (update_object(ev, "contexts", m, offsetof(csc__snapshot_t, contexts)) != CSC_OK) return CSC_ERR_NOMEM;
    json_t *contexts = json_object_get(ev, "contexts");
    if (!json_is_object(contexts)) {
        contexts = json_object();
        json_object_set_new(ev, "contexts", contexts);
    }
    json_t *trace = json_object_get(contexts, "trace");
    if ((!trace || json_is_null(trace)) && m->span_trace) {
        json_object_set_new(contexts, "trace", json_deep_copy(m->span_trace));
        m->trace_injected = true;
    } else if ((!trace || json_is_null(trace)) && m->propagation) {
        json_t *t = json_pack("{s:s,s:s}", "trace_id", m->propagation->trace_id, "span_id", m->propagation->span_id);
        json_object_set_new(t, "parent_span_id",
                            m->propagation->parent_span_id[0] ? json_string(m->propagation->parent_span_id)
                                                              : json_null());
        json_object_set_new(contexts, "trace", t);
        m->trace_injected = true;
    }

    /* level: the scope's wins whenever set */
    int8_t level = CSC_LEVEL_NONE;
    for (int i = 0; i < CSC__NSCOPES; i++)
        if (m->snap[i].level != CSC_LEVEL_NONE) level = m->snap[i].level;
    if (level != CSC_LEVEL_NONE) json_object_set_new(ev, "level", json_string(csc_level_name((csc_level_t)level)));

    /* whole-object fields: the event's own value is kept */
    set_if_absent(ev, "fingerprint", last_set(m, offsetof(csc__snapshot_t, fingerprint)));
    set_if_absent(ev, "user", last_set(m, offsetof(csc__snapshot_t, user)));
    set_if_absent(ev, "transaction", last_set(m, offsetof(csc__snapshot_t, transaction)));
    if (!json_object_get(ev, "transaction_info")) {
        json_t *src = last_set(m, offsetof(csc__snapshot_t, transaction_source));
        json_object_set_new(ev, "transaction_info", src ? json_pack("{s:O}", "source", src) : json_object());
    }
    if (update_object(ev, "tags", m, offsetof(csc__snapshot_t, tags)) != CSC_OK) return CSC_ERR_NOMEM;
    if (update_object(ev, "extra", m, offsetof(csc__snapshot_t, extras)) != CSC_OK) return CSC_ERR_NOMEM;

    /* breadcrumbs: global ++ isolation ++ current ++ extra, then sorted by time; none on transactions */
    if (json_is_string(json_object_get(ev, "type")) &&
        !strcmp(json_string_value(json_object_get(ev, "type")), "transaction")) {
        m->inline_crumbs = true; /* nothing to splice */
        goto options_fields;
    }
    size_t n = 0;
    for (int i = 0; i < CSC__NSCOPES; i++) {
        if (m->snap[i].crumbs) n += m->snap[i].crumbs->count;
        m->evicted += m->snap[i].crumbs_evicted;
    }
    m->crumbs = malloc((n ? n : 1) * sizeof *m->crumbs);
    if (!m->crumbs) return CSC_ERR_NOMEM;
    for (int i = 0; i < CSC__NSCOPES; i++)
        for (uint32_t k = 0; m->snap[i].crumbs && k < m->snap[i].crumbs->count; k++)
            m->crumbs[m->crumb_count++] = csc__ring_at(m->snap[i].crumbs, k);
    json_t *values_meta = NULL;
    size_t crumb_total = m->crumb_count;
    if (tree_crumbs || strip || json_object_get(ev, "breadcrumbs")) {
        json_t *values = tree_breadcrumbs(m, ev, scrub, &values_meta);
        if (!values) return CSC_ERR_NOMEM;
        crumb_total = json_array_size(values);
        json_object_set_new(ev, "breadcrumbs", json_pack("{s:o}", "values", values));
        m->inline_crumbs = true;
    } else {
        sort_crumbs(m->crumbs, m->crumb_count);
        for (size_t i = 0; i < m->crumb_count; i++) {
            if (!m->crumbs[i]->meta) continue;
            if (!values_meta) values_meta = json_object();
            char idx[24];
            snprintf(idx, sizeof idx, "%zu", i);
            json_object_set(values_meta, idx, m->crumbs[i]->meta);
        }
    }
    json_t *crumbs_meta = NULL;
    if (m->evicted) crumbs_meta = json_pack("{s:{s:I}}", "", "len", (json_int_t)(crumb_total + m->evicted));
    if (values_meta) {
        if (!crumbs_meta) crumbs_meta = json_object();
        json_object_set_new(crumbs_meta, "values", values_meta);
    }
    meta_put(m, "breadcrumbs", crumbs_meta);

    /* options-provided fields */
options_fields:
    if (opts) {
        set_str_if_absent(ev, "release", opts->release);
        set_str_if_absent(ev, "environment", opts->environment);
        set_str_if_absent(ev, "server_name", opts->server_name);
        set_str_if_absent(ev, "dist", opts->dist);
    }

    /* data hygiene: scrubber on extra and user (copies; the scopes' values stay untouched), then databag limits */
    json_t *extra = json_object_get(ev, "extra");
    json_t *extra_meta = NULL;
    if (json_is_object(extra)) {
        if (scrub) csc__scrub_object(extra, &extra_meta);
        json_t *trimmed = csc__databag_trim(extra, CSC_DATABAG_DEPTH, &extra_meta);
        if (trimmed != extra)
            json_object_set_new(ev, "extra", trimmed);
        else
            json_decref(trimmed);
    }
    meta_put(m, "extra", extra_meta);
    json_t *user = json_object_get(ev, "user");
    if (scrub && json_is_object(user)) {
        bool needs = json_object_get(user, "ip_address") != NULL;
        const char *k;
        json_t *v;
        json_object_foreach(user, k, v) if (csc__scrub_key(k, strlen(k))) needs = true;
        if (needs) {
            json_t *copy = json_deep_copy(user);
            json_object_del(copy, "ip_address");
            json_t *user_meta = NULL;
            csc__scrub_object(copy, &user_meta);
            json_object_set_new(ev, "user", copy);
            meta_put(m, "user", user_meta);
        }
    }
    if (strip) {
        json_t *smeta = NULL;
        json_decref(csc__strip_strings(ev, opts->max_value_length, &smeta)); /* ev is changed in place */
        if (smeta) {
            if (!m->meta) m->meta = json_object();
            meta_merge(m->meta, smeta);
            json_decref(smeta);
        }
    }
    return CSC_OK;
}

char *csc__merge_serialize(csc__merge_t *m, json_t *ev, size_t *len) {
    if (m->meta) {
        json_t *existing = json_object_get(ev, "_meta");
        if (json_is_object(existing))
            json_object_update(existing, m->meta);
        else
            json_object_set(ev, "_meta", m->meta);
    }
    csc__buf_t b = {0};
    size_t est = 1024;
    if (!m->inline_crumbs)
        for (size_t i = 0; i < m->crumb_count; i++)
            est += 64 + m->crumbs[i]->message_len + m->crumbs[i]->data_len + m->crumbs[i]->category_len;
    csc__buf_reserve(&b, est);
    /* a host's json_t may hold what jansson cannot write or read back (invalid UTF-8, NUL):
     * those strings are repaired (U+FFFD), never a reason to drop the event */
    int st = csc__buf_put_json_flags(&b, ev, JSON_COMPACT);
    if (st < 0 || b.oom || b.len < 2) {
        free(b.p);
        return NULL;
    }
    if (st > 0) csc__debug_log("event: invalid UTF-8 or NUL in a string or key replaced by U+FFFD");
    if (!m->inline_crumbs) {
        /* splice the breadcrumbs in from their cached JSON */
        b.len--; /* drop the closing brace */
        csc__buf_put(&b, b.len > 1 ? ",\"breadcrumbs\":{\"values\":[" : "\"breadcrumbs\":{\"values\":[",
                     b.len > 1 ? 26 : 25);
        for (size_t i = 0; i < m->crumb_count; i++) {
            uint32_t cl;
            const char *cj = csc__crumb_json(m->crumbs[i], &cl);
            if (!cj) {
                free(b.p);
                return NULL;
            }
            if (i) csc__buf_putc(&b, ',');
            csc__buf_put(&b, cj, cl);
        }
        csc__buf_put(&b, "]}}", 3);
    }
    csc__buf_putc(&b, 0);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.len - 1;
    return b.p;
}

void csc__merge_release(csc__merge_t *m) {
    free(m->crumbs);
    m->crumbs = NULL;
    json_decref(m->meta);
    m->meta = NULL;
    for (int i = 0; i < CSC__NSCOPES; i++) csc__snapshot_release(&m->snap[i]);
}
