/* Envelopes: items and framing per Sentry's envelope format. */
#include <stdlib.h>

#include "envelope_internal.h"
#include "support/util.h"

csc_envelope_t *csc__envelope_new(const char *event_id) {
    csc_envelope_t *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    if (event_id) {
        strncpy(e->event_id, event_id, 32);
        e->event_id[32] = 0;
    }
    return e;
}

static char *clean_dup(const char *s) {
    if (!s) return NULL;
    const char *c;
    size_t n;
    if (csc__utf8_clean(s, strlen(s), CSC_MAX_STRING_LEN, &c, &n) < 0) return NULL;
    return c == s ? csc__strdup(s) : (char *)c;
}

int csc__envelope_add_item(csc_envelope_t *env, const char *type, const char *content_type, const char *filename,
                           char *payload, size_t len) {
    if (env->count == env->cap) {
        size_t nc = env->cap ? env->cap * 2 : 4;
        csc__item_t *ni = realloc(env->items, nc * sizeof *ni);
        if (!ni) {
            free(payload);
            return CSC_ERR_NOMEM;
        }
        env->items = ni;
        env->cap = nc;
    }
    csc__item_t *it = &env->items[env->count];
    it->type = csc__strdup(type);
    /* the item header must parse back (a cached envelope that does not is deleted as corrupt):
     * invalid UTF-8 and NUL in a host's filename or content type become U+FFFD */
    it->content_type = clean_dup(content_type);
    it->filename = clean_dup(filename);
    it->payload = payload;
    it->len = len;
    it->item_count = 0;
    if (!it->type || (content_type && !it->content_type) || (filename && !it->filename)) {
        free(it->type);
        free(it->content_type);
        free(it->filename);
        free(payload);
        return CSC_ERR_NOMEM;
    }
    env->count++;
    return CSC_OK;
}

static void free_items(csc_envelope_t *env) {
    for (size_t i = 0; i < env->count; i++) {
        free(env->items[i].type);
        free(env->items[i].content_type);
        free(env->items[i].filename);
        free(env->items[i].payload);
    }
    env->count = 0;
}

int csc__envelope_finalize(csc_envelope_t *env) {
    if (!env || !env->pending) return CSC_OK;
    csc__pending_t *p = env->pending;
    env->pending = NULL;
    int rc = p->render(p, env);
    if (rc != CSC_OK) free_items(env);
    return rc;
}

/* The public accessors see rendered envelopes only (an envelope is used by one thread at a time). */
static const csc_envelope_t *rendered(const csc_envelope_t *env) {
    if (env && env->pending) (void)csc__envelope_finalize((csc_envelope_t *)env);
    return env;
}

const char *csc_envelope_serialize(csc_envelope_t *env, size_t *len) {
    if (!env) return NULL;
    if (csc__envelope_finalize(env) != CSC_OK) return NULL;
    size_t total = 256;
    for (size_t i = 0; i < env->count; i++) total += env->items[i].len + 160;
    csc__buf_t b = {0};
    csc__buf_reserve(&b, total + (env->trace_json ? strlen(env->trace_json) : 0));
    char ts[32];
    size_t tl = csc__format_timestamp(csc_now_us(), ts);
    csc__buf_putc(&b, '{');
    bool first = true;
    if (env->event_id[0]) {
        csc__buf_put(&b, "\"event_id\":\"", 12);
        csc__buf_put(&b, env->event_id, strlen(env->event_id));
        csc__buf_putc(&b, '"');
        first = false;
    }
    if (!first) csc__buf_putc(&b, ',');
    csc__buf_put(&b, "\"sent_at\":\"", 11);
    csc__buf_put(&b, ts, tl);
    csc__buf_putc(&b, '"');
    if (env->trace_json) {
        csc__buf_put(&b, ",\"trace\":", 9);
        csc__buf_put(&b, env->trace_json, strlen(env->trace_json));
    }
    csc__buf_put(&b, "}\n", 2);
    for (size_t i = 0; i < env->count; i++) {
        csc__item_t *it = &env->items[i];
        csc__buf_putc(&b, '{');
        if (it->filename) {
            csc__buf_put(&b, "\"filename\":", 11);
            csc__buf_put_json_string(&b, it->filename, strlen(it->filename));
            csc__buf_putc(&b, ',');
        }
        csc__buf_put(&b, "\"type\":", 7);
        csc__buf_put_json_string(&b, it->type, strlen(it->type));
        if (it->content_type) {
            csc__buf_put(&b, ",\"content_type\":", 16);
            csc__buf_put_json_string(&b, it->content_type, strlen(it->content_type));
        }
        if (it->item_count) {
            csc__buf_put(&b, ",\"item_count\":", 14);
            csc__buf_put_i64(&b, (int64_t)it->item_count);
        }
        csc__buf_put(&b, ",\"length\":", 10);
        csc__buf_put_i64(&b, (int64_t)it->len);
        csc__buf_put(&b, "}\n", 2);
        csc__buf_put(&b, it->payload, it->len);
        csc__buf_putc(&b, '\n');
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    free(env->bytes);
    env->bytes = b.p;
    env->bytes_len = b.len;
    if (len) *len = b.len;
    return env->bytes;
}

const char *csc_envelope_event_id(const csc_envelope_t *env) { return env ? env->event_id : ""; }
size_t csc_envelope_item_count(const csc_envelope_t *env) { return (env = rendered(env)) ? env->count : 0; }
const char *csc_envelope_item_type(const csc_envelope_t *env, size_t i) {
    env = rendered(env);
    return env && i < env->count ? env->items[i].type : NULL;
}
const char *csc_envelope_item_payload(const csc_envelope_t *env, size_t i, size_t *len) {
    env = rendered(env);
    if (!env || i >= env->count) return NULL;
    if (len) *len = env->items[i].len;
    return env->items[i].payload;
}

json_t *csc_envelope_get_event(const csc_envelope_t *env) {
    env = rendered(env);
    if (!env) return NULL;
    for (size_t i = 0; i < env->count; i++)
        if (!strcmp(env->items[i].type, "event") || !strcmp(env->items[i].type, "transaction"))
            return json_loadb(env->items[i].payload, env->items[i].len, 0, NULL);
    return NULL;
}

void csc_envelope_free(csc_envelope_t *env) {
    if (!env) return;
    if (env->pending) env->pending->discard(env->pending);
    free_items(env);
    free(env->items);
    free(env->trace_json);
    free(env->bytes);
    free(env);
}
