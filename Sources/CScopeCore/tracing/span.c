/* Spans and transactions: creation, the span recorder, setters, finishing, binding to scopes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tracing_internal.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */
#include "cscope_spi.h"            /* csc_span_set_start_timestamp, for the overlay */

/* ------------------------------------------------------------ life cycle */

static csc__tree_t *tree_retain(csc__tree_t *t) {
    if (t) atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}

static void tree_release(csc__tree_t *t) {
    if (!t || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1) return;
    free(t->rec);
    free(t->name);
    free(t->source);
    json_decref(t->dsc);
    free(t->baggage);
    json_decref(t->contexts);
    json_decref(t->measurements);
    free(t);
}

static csc__lock_t *lock_of(csc_span_t *s) { return s->tree ? &s->tree->lock : &s->own; }

csc_span_t *csc__span_alloc(csc__tree_t *tree) { return csc__span_alloc_at(tree, 0); }

csc_span_t *csc__span_alloc_at(csc__tree_t *tree, int64_t start_us) {
    csc_span_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    atomic_init(&s->refs, 1);
    s->tree = tree_retain(tree);
    s->same_process = true;
    s->sampled = CSC_SAMPLED_UNSET;
    csc__random_hex(s->span_id, 16);
    s->start_us = start_us > 0 ? start_us : csc_now_us();
    return s;
}

csc_span_t *csc_span_retain(csc_span_t *s) {
    if (s) atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

/* Drops the recorder's children (a transaction freed unfinished). */
static void tree_close(csc__tree_t *t) {
    csc__lock(&t->lock);
    t->closed = true;
    csc_span_t **rec = t->rec;
    size_t n = t->nrec;
    t->rec = NULL;
    t->nrec = t->caprec = 0;
    csc__unlock(&t->lock);
    for (size_t i = 0; i < n; i++) csc_span_release(rec[i]);
    free(rec);
}

void csc_span_release(csc_span_t *s) {
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
    if (s->is_tx && s->tree) tree_close(s->tree); /* never finished: discarded, not sent */
    free(s->op);
    free(s->description);
    free(s->origin);
    free(s->status);
    json_decref(s->tags);
    json_decref(s->data);
    tree_release(s->tree);
    free(s);
}

void csc__span_slot_retain(void *span) { csc_span_retain(span); }
void csc__span_slot_release(void *span) { csc_span_release(span); }

/* ------------------------------------------------------------ strings */

/* A copy cut to CSC_MAX_STRING_LEN with invalid UTF-8 repaired; NULL for NULL. *oom on failure. */
static char *clean_dup(const char *v, size_t max, bool *oom) {
    if (!v) return NULL;
    const char *out;
    size_t len;
    int st = csc__utf8_clean(v, strlen(v), max, &out, &len);
    (void)st;
    char *c = csc__strndup(out, len);
    if (out != v) free((void *)out);
    if (!c) *oom = true;
    return c;
}

static int swap_str(csc_span_t *s, char **slot, const char *v, size_t max) {
    if (!s) return CSC_ERR_NULL;
    bool oom = false;
    char *c = clean_dup(v, max, &oom);
    if (oom) return CSC_ERR_NOMEM;
    csc__lock_t *l = lock_of(s);
    csc__lock(l);
    if (s->tree && s->tree->closed) {
        csc__unlock(l);
        free(c);
        return CSC_ERR_INVALID;
    }
    char *old = *slot;
    *slot = c;
    csc__unlock(l);
    free(old);
    return CSC_OK;
}

int csc_span_set_op(csc_span_t *s, const char *op) {
    return s ? swap_str(s, &s->op, op, CSC_MAX_STRING_LEN) : CSC_ERR_NULL;
}
int csc_span_set_description(csc_span_t *s, const char *d) {
    return s ? swap_str(s, &s->description, d, CSC_MAX_STRING_LEN) : CSC_ERR_NULL;
}
int csc_span_set_origin(csc_span_t *s, const char *o) {
    return s ? swap_str(s, &s->origin, o, CSC_MAX_STRING_LEN) : CSC_ERR_NULL;
}
int csc_span_set_status(csc_span_t *s, const char *st) { return s ? swap_str(s, &s->status, st, 64) : CSC_ERR_NULL; }

/* cscope_spi.h: the start time of a span the overlay's tracer started at a given instant. */
int csc_span_set_start_timestamp(csc_span_t *s, int64_t start_us) {
    if (!s) return CSC_ERR_NULL;
    if (start_us <= 0) return CSC_ERR_INVALID;
    csc__lock_t *l = lock_of(s);
    csc__lock(l);
    int rc = CSC_ERR_INVALID;
    if (!s->finished) {
        s->start_us = start_us;
        rc = CSC_OK;
    }
    csc__unlock(l);
    return rc;
}

/* Sets key in *obj (created on first use) under the span's lock; `value` STOLEN (NULL deletes). */
static int put_json(csc_span_t *s, json_t **obj, const char *key, json_t *value) {
    if (!s || !key) {
        json_decref(value);
        return CSC_ERR_NULL;
    }
    if (value && csc__json_depth(value, CSC_MAX_JSON_DEPTH) > CSC_MAX_JSON_DEPTH) {
        json_decref(value);
        return CSC_ERR_DEPTH;
    }
    csc__lock_t *l = lock_of(s);
    csc__lock(l);
    int rc = CSC_OK;
    if (s->tree && s->tree->closed)
        rc = CSC_ERR_INVALID;
    else if (!value) {
        if (*obj) json_object_del(*obj, key);
    } else if (!*obj && !(*obj = json_object()))
        rc = CSC_ERR_NOMEM;
    else if (json_object_set_new(*obj, key, value) != 0) {
        rc = CSC_ERR_NOMEM;
        value = NULL;
    } else
        value = NULL;
    csc__unlock(l);
    json_decref(value);
    return rc;
}

int csc_span_set_tag(csc_span_t *s, const char *key, const char *value) {
    if (!s || !key || !value) return CSC_ERR_NULL;
    int st = 0;
    json_t *v = csc__json_string_clean(value, strlen(value), CSC_MAX_TAG_VALUE_LEN, &st);
    if (!v) return CSC_ERR_NOMEM;
    int rc = put_json(s, &s->tags, key, v);
    return rc == CSC_OK ? st : rc;
}

int csc_span_set_data(csc_span_t *s, const char *key, json_t *value) {
    if (!s) {
        json_decref(value);
        return CSC_ERR_NULL;
    }
    return put_json(s, &s->data, key, value);
}

const char *csc_span_status_from_http(int code) {
    if (code < 400) return "ok";
    if (code < 500) {
        switch (code) {
            case 403: return "permission_denied";
            case 404: return "not_found";
            case 429: return "resource_exhausted";
            case 413: return "failed_precondition";
            case 401: return "unauthenticated";
            case 409: return "already_exists";
            default: return "invalid_argument";
        }
    }
    if (code < 600) {
        switch (code) {
            case 504: return "deadline_exceeded";
            case 501: return "unimplemented";
            case 503: return "unavailable";
            default: return "internal_error";
        }
    }
    return "unknown_error";
}

int csc_span_set_http_status(csc_span_t *s, int code) {
    if (!s) return CSC_ERR_NULL;
    char num[16];
    snprintf(num, sizeof num, "%d", code);
    int rc = csc_span_set_tag(s, "http.status_code", num);
    if (rc < 0) return rc;
    if ((rc = csc_span_set_data(s, "http.response.status_code", json_integer(code))) < 0) return rc;
    if ((rc = csc_span_set_status(s, csc_span_status_from_http(code))) < 0) return rc;
    if (s->is_tx) rc = csc_transaction_set_context(s, "response", json_pack("{s:i}", "status_code", code));
    return rc;
}

static int tx_put(csc_span_t *tx, int which, const char *key, json_t *value) {
    if (!tx || !key || !value) {
        json_decref(value);
        return CSC_ERR_NULL;
    }
    if (!tx->is_tx || !tx->tree) {
        json_decref(value);
        return CSC_ERR_INVALID;
    }
    csc__tree_t *t = tx->tree;
    csc__lock(&t->lock);
    json_t **obj = which ? &t->measurements : &t->contexts;
    int rc = CSC_OK;
    if (t->closed)
        rc = CSC_ERR_INVALID;
    else if (!*obj && !(*obj = json_object()))
        rc = CSC_ERR_NOMEM;
    else {
        rc = json_object_set_new(*obj, key, value) ? CSC_ERR_NOMEM : CSC_OK;
        value = NULL;
    }
    csc__unlock(&t->lock);
    json_decref(value);
    return rc;
}

int csc_transaction_set_context(csc_span_t *tx, const char *key, json_t *value) {
    if (value && !json_is_object(value)) {
        json_decref(value);
        return CSC_ERR_INVALID;
    }
    return tx_put(tx, 0, key, value);
}

int csc_transaction_set_measurement(csc_span_t *tx, const char *name, double value, const char *unit) {
    if (!isfinite(value)) return CSC_ERR_INVALID;
    return tx_put(tx, 1, name, json_pack("{s:f,s:s}", "value", value, "unit", unit ? unit : ""));
}

int csc_transaction_set_name(csc_span_t *tx, const char *name, const char *source) {
    if (!tx) return CSC_ERR_NULL;
    if (!tx->is_tx || !tx->tree) return CSC_ERR_INVALID;
    bool oom = false;
    char *n = clean_dup(name, CSC_MAX_TRANSACTION_LEN, &oom);
    char *src = clean_dup(source && *source ? source : NULL, 64, &oom);
    if (oom) {
        free(n);
        free(src);
        return CSC_ERR_NOMEM;
    }
    csc__tree_t *t = tx->tree;
    csc__lock(&t->lock);
    if (t->closed) {
        csc__unlock(&t->lock);
        free(n);
        free(src);
        return CSC_ERR_INVALID;
    }
    char *old = t->name, *old_src = NULL;
    t->name = n;
    if (src) {
        old_src = t->source;
        t->source = src;
    }
    csc__unlock(&t->lock);
    free(old);
    free(old_src);
    return CSC_OK;
}

void csc__span_scope_renamed(void *span, const char *name, const char *source) {
    csc_span_t *s = span;
    if (s->tree && name) {
        csc_span_t tx_view = {.is_tx = true, .tree = s->tree};
        csc_transaction_set_name(&tx_view, name, source);
    }
}

/* ------------------------------------------------------------ reading */

bool csc_span_get_trace_id(const csc_span_t *s, char out[33]) {
    if (!s || !out) return false;
    memcpy(out, s->trace_id, 33);
    return true;
}

bool csc_span_get_span_id(const csc_span_t *s, char out[17]) {
    if (!s || !out) return false;
    memcpy(out, s->span_id, 17);
    return true;
}

int csc_span_get_sampled(const csc_span_t *s) { return s ? s->sampled : CSC_SAMPLED_UNSET; }
bool csc_span_is_transaction(const csc_span_t *s) { return s && s->is_tx; }

bool csc_span_is_finished(const csc_span_t *s) {
    if (!s) return false;
    csc_span_t *m = (csc_span_t *)s;
    csc__lock(lock_of(m));
    bool f = s->finished;
    csc__unlock(lock_of(m));
    return f;
}

static const char *or_default(const char *s, const char *d) { return s ? s : d; }

json_t *csc__span_trace_context(const csc_span_t *s) {
    json_t *t = json_pack("{s:s,s:s}", "trace_id", s->trace_id, "span_id", s->span_id);
    if (!t) return NULL;
    json_object_set_new(t, "parent_span_id", s->parent_span_id[0] ? json_string(s->parent_span_id) : json_null());
    json_object_set_new(t, "op", s->op ? json_string(s->op) : json_null());
    json_object_set_new(t, "description", s->description ? json_string(s->description) : json_null());
    json_object_set_new(t, "origin", json_string(or_default(s->origin, "manual")));
    if (s->status) json_object_set_new(t, "status", json_string(s->status));
    if (s->is_tx && s->data && json_object_size(s->data)) json_object_set_new(t, "data", json_deep_copy(s->data));
    return t;
}

json_t *csc__span_to_json(const csc_span_t *s) {
    json_t *j = csc__span_trace_context(s);
    if (!j) return NULL;
    char ts[32];
    json_object_set_new(j, "same_process_as_parent", json_boolean(s->same_process));
    csc__format_timestamp(s->start_us, ts);
    json_object_set_new(j, "start_timestamp", json_string(ts));
    csc__format_timestamp(s->end_us, ts);
    json_object_set_new(j, "timestamp", json_string(ts));
    json_t *tags = s->tags ? json_copy(s->tags) : NULL;
    if (s->status) {
        if (!tags) tags = json_object();
        json_object_set_new(tags, "status", json_string(s->status));
    }
    if (tags && json_object_size(tags))
        json_object_set_new(j, "tags", tags);
    else
        json_decref(tags);
    if (!s->is_tx && s->data && json_object_size(s->data)) json_object_set_new(j, "data", json_deep_copy(s->data));
    return j;
}

/* ------------------------------------------------------------ children */

csc_span_t *csc_span_start_child(csc_span_t *parent, const char *op, const char *description) {
    return csc_span_start_child_at(parent, op, description, 0);
}

/* cscope_spi.h */
csc_span_t *csc_span_start_child_at(csc_span_t *parent, const char *op, const char *description, int64_t start_us) {
    if (!parent) return NULL;
    csc_span_t *c = csc__span_alloc_at(parent->tree, start_us);
    if (!c) return NULL;
    bool oom = false;
    c->op = clean_dup(op, CSC_MAX_STRING_LEN, &oom);
    c->description = clean_dup(description, CSC_MAX_STRING_LEN, &oom);
    if (oom) {
        csc_span_release(c);
        return NULL;
    }
    memcpy(c->trace_id, parent->trace_id, 33);
    memcpy(c->parent_span_id, parent->span_id, 17);
    c->sampled = parent->sampled;
    csc__tree_t *t = parent->tree;
    if (t && t->sampled == CSC_SAMPLED_YES) { /* the recorder: only a sampled transaction keeps spans */
        csc__lock(&t->lock);
        if (!t->closed) {
            if (t->nrec >= t->max)
                t->overflow++;
            else {
                if (t->nrec == t->caprec) {
                    size_t cap = t->caprec ? t->caprec * 2 : 8;
                    if (cap > t->max) cap = t->max;
                    csc_span_t **nr = realloc(t->rec, cap * sizeof *nr);
                    if (nr) {
                        t->rec = nr;
                        t->caprec = cap;
                    }
                }
                if (t->nrec < t->caprec)
                    t->rec[t->nrec++] = csc_span_retain(c);
                else
                    t->overflow++;
            }
        }
        csc__unlock(&t->lock);
    }
    return c;
}

/* ------------------------------------------------------------ finishing */

int csc_span_finish(csc_span_t *s) { return csc_span_finish_ex(s, NULL, 0, NULL); }

int csc_span_finish_ex(csc_span_t *s, const csc_scopes_t *scopes, int64_t end_us, char *id_out) {
    if (!s) return CSC_ERR_NULL;
    csc__lock_t *l = lock_of(s);
    csc__lock(l);
    if (s->finished) {
        csc__unlock(l);
        return CSC_ERR_INVALID;
    }
    s->finished = true;
    s->end_us = end_us ? end_us : csc_now_us();
    if (!s->is_tx || !s->tree) {
        csc__unlock(l);
        return CSC_OK;
    }
    /* the transaction: close the tree and take the finished children */
    csc__tree_t *t = s->tree;
    t->closed = true;
    csc_span_t **rec = t->rec;
    size_t n = t->nrec, kept = 0;
    uint64_t dropped = t->overflow;
    t->rec = NULL;
    t->nrec = t->caprec = 0;
    for (size_t i = 0; i < n; i++) {
        if (rec[i]->finished)
            rec[kept++] = rec[i];
        else {
            dropped++;
            csc_span_release(rec[i]);
        } /* never frees the tree: s holds it */
    }
    csc__unlock(l);
    return csc__transaction_send(s, rec, kept, dropped, scopes, id_out);
}

/* ------------------------------------------------------------ binding */

int csc_scope_bind_span(csc_scope_t *scope, csc_span_t *span) {
    if (!scope) return CSC_ERR_NULL;
    int rc =
        csc__scope_set_span_slot(scope, span, csc__span_slot_retain, csc__span_slot_release, csc__span_scope_renamed);
    if (rc == CSC_OK && span && span->is_tx && span->tree) {
        csc__tree_t *t = span->tree;
        csc__lock(&t->lock);
        char *name = t->name && *t->name ? csc__strdup(t->name) : NULL;
        char *src = t->source ? csc__strdup(t->source) : NULL;
        csc__unlock(&t->lock);
        /* as the Python SDK's span setter: the scope takes the transaction's name and source */
        if (name) csc_scope_set_transaction(scope, name, src);
        free(name);
        free(src);
    }
    return rc;
}

csc_span_t *csc_scope_get_bound_span(csc_scope_t *scope) {
    if (!scope) return NULL;
    csc__lock(&scope->lock);
    csc_span_t *s = scope->span.release == csc__span_slot_release ? csc_span_retain(scope->span.span) : NULL;
    csc__unlock(&scope->lock);
    return s;
}

csc_span_t *csc__span_from_scopes(const csc_scopes_t *sc) {
    csc_scope_t *order[4] = {sc->extra, sc->current, sc->isolation, sc->global};
    for (int i = 0; i < 4; i++) {
        csc_span_t *s = csc_scope_get_bound_span(order[i]);
        if (s) return s;
    }
    return NULL;
}

csc_span_t *csc_active_span(void) {
    csc_span_t *s = csc_scope_get_bound_span(csc_current_scope());
    return s ? s : csc_scope_get_bound_span(csc_isolation_scope());
}

csc_span_t *csc_start_span(const char *op, const char *description) {
    csc_span_t *parent = csc_active_span();
    if (parent) {
        csc_span_t *c = csc_span_start_child(parent, op, description);
        csc_span_release(parent);
        return c;
    }
    csc_span_t *s = csc__span_alloc(NULL); /* outside any transaction: never sent */
    if (!s) return NULL;
    bool oom = false;
    s->op = clean_dup(op, CSC_MAX_STRING_LEN, &oom);
    s->description = clean_dup(description, CSC_MAX_STRING_LEN, &oom);
    csc_scope_t *scopes[2] = {csc_current_scope(), csc_isolation_scope()};
    bool have = false;
    for (int i = 0; i < 2 && !have; i++) have = csc_scope_get_trace_id(scopes[i], s->trace_id);
    if (!have) csc_uuid4_hex(s->trace_id);
    if (oom) {
        csc_span_release(s);
        return NULL;
    }
    return s;
}
