/* The capture pipeline: merge -> event processors -> before_send -> sample
 * rate -> envelope -> transport. Never waits on I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>

#include "client_internal.h"
#include "default_contexts.h"
#include "health/health_internal.h"
#include "merge.h"
#include "tracing/tracing_internal.h"
#include "transport/category.h"
#include "transport/http_transport.h"
#include "support/log.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

static void resolve_scopes(const csc_scopes_t *in, csc_scopes_t *out) {
    if (in) {
        *out = *in;
        return;
    }
    out->global = csc_global_scope();
    out->isolation = csc_isolation_scope();
    out->current = csc_current_scope();
    out->extra = NULL;
}

/* `h` NULL: an error event. A transaction also counts its spans and itself as `span`s. */
static void record_lost(csc__client_t *c, const char *reason, const csc__capture_hooks_t *h) {
    csc__debug_log("%s dropped: %s", h ? h->item_type : "event", reason);
    if (!c->http) return;
    csc__http_transport_record_lost(c->http, reason, h ? h->category : "error", 1);
    const char *second = h ? csc__item_secondary_category(h->item_type) : NULL; /* transaction -> span */
    if (second) csc__http_transport_record_lost(c->http, reason, second, h->spans + 1);
}

static size_t span_count(const json_t *ev) { return json_array_size(json_object_get(ev, "spans")); }

/* A transaction's processors or before_send_transaction may keep it but remove spans: those
 * count as lost spans (reason `reason`), as in sentry-python. Returns the spans left. */
static size_t record_removed_spans(csc__client_t *c, const char *reason, const csc__capture_hooks_t *h,
                                   size_t spans_before, const json_t *ev) {
    size_t left = span_count(ev);
    const char *spans = h ? csc__item_secondary_category(h->item_type) : NULL;
    if (spans && left < spans_before && c->http) {
        csc__debug_log("%s removed %zu span(s)", reason, spans_before - left);
        csc__http_transport_record_lost(c->http, reason, spans, spans_before - left);
    }
    return left;
}

/* The event's id (kept when it has a valid one) and timestamp: capture-time facts. */
static void set_id_and_timestamp(json_t *ev, char id[33]) {
    json_t *eid = json_object_get(ev, "event_id");
    if (json_is_string(eid) && json_string_length(eid) == 32)
        memcpy(id, json_string_value(eid), 33);
    else {
        csc_uuid4_hex(id);
        json_object_set_new(ev, "event_id", json_string(id));
    }
    if (!json_object_get(ev, "timestamp")) {
        char ts[32];
        csc__format_timestamp(csc_now_us(), ts);
        json_object_set_new(ev, "timestamp", json_string(ts));
    }
}

/* platform, sdk and the default contexts, after the merge. */
static void fill_defaults(json_t *ev, const csc_options_t *o) {
    json_object_set_new(ev, "platform", json_string(o->platform));
    csc__default_contexts_apply(ev, o->default_contexts);
    json_t *pkgs = json_pack("[{s:s,s:s}]", "name", "github:cscope", "version", CSC_VERSION);
    json_object_set_new(ev, "sdk",
                        json_pack("{s:s,s:s,s:o,s:[]}", "name", o->sdk_name, "version", o->sdk_version, "packages",
                                  pkgs, "integrations"));
}


static const char *guess_content_type(const char *filename) {
    static const char *const map[][2] = {
        {".txt", "text/plain"},      {".log", "text/plain"}, {".json", "application/json"},
        {".html", "text/html"},      {".htm", "text/html"},  {".xml", "application/xml"},
        {".csv", "text/csv"},        {".png", "image/png"},  {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},     {".gif", "image/gif"},  {".pdf", "application/pdf"},
        {".zip", "application/zip"},
    };
    const char *dot = strrchr(filename, '.');
    if (dot)
        for (size_t i = 0; i < sizeof map / sizeof *map; i++)
            if (!strcasecmp(dot, map[i][0])) return map[i][1];
    return "application/octet-stream";
}

#define CSC_MAX_ATTACHMENT_BYTES (100u << 20)

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            if (cap >= CSC_MAX_ATTACHMENT_BYTES) {
                free(buf);
                fclose(f);
                return NULL;
            }
            cap = cap ? cap * 2 : 4096;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    bool err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf ? buf : malloc(1);
}

static void add_attachments(csc_envelope_t *env, const csc__merge_t *m) {
    for (int i = 0; i < CSC__NSCOPES; i++) {
        const csc__list_t *l = m->snap[i].attachments;
        for (uint32_t k = 0; l && k < l->count; k++) {
            const csc__attachment_t *a = l->items[k];
            size_t len = a->len;
            char *data;
            if (a->path) {
                data = read_file(a->path, &len);
                if (!data) {
                    csc__debug_log("attachment %s could not be read; left out", a->filename);
                    continue;
                }
            } else {
                data = malloc(len ? len : 1);
                if (!data) continue;
                memcpy(data, a->data, len);
            }
            const char *ct = a->content_type ? a->content_type : guess_content_type(a->filename);
            csc__envelope_add_item(env, "attachment", ct, a->filename, data, len);
        }
    }
}

static bool run_processors(const csc__merge_t *m, json_t *ev) {
    for (int i = CSC__G; i <= CSC__C; i++) {
        const csc__list_t *l = m->snap[i].processors;
        for (uint32_t k = 0; l && k < l->count; k++) {
            const csc__processor_t *p = l->items[k];
            if (!p->fn(ev, p->user_data)) return false;
        }
    }
    return true;
}

/* An event on its way: the snapshots taken at capture time, and what rendering needs. */
typedef struct {
    csc__pending_t base; /* first: the envelope sees a csc__pending_t */
    json_t *event;       /* event_id and timestamp already set */
    csc__merge_t m;
    csc_options_t *opts; /* retained: the client may be gone when the worker renders */
    bool has_key;
    char public_key[sizeof((csc__dsn_t *)0)->public_key];
    char org_id[sizeof((csc__dsn_t *)0)->org_id];
    json_t *dsc; /* the envelope's `trace` when known (a bound span's transaction); else the propagation context's */
    json_t *span_trace; /* contexts.trace of the bound span, NULL when none */
    bool has_hooks;
    csc__capture_hooks_t hooks; /* a transaction (tracing/transaction.c) */
    int health;                 /* csc__health_event_verdict; applied once before_send kept the event */
    csc_scope_t *isolation;     /* borrowed, for that (the capture's caller holds it) */
} pending_event_t;

static void pending_free(pending_event_t *p) {
    if (p->has_hooks && p->hooks.free_ctx) p->hooks.free_ctx(p->hooks.ctx);
    json_decref(p->dsc);
    json_decref(p->span_trace);
    csc__merge_release(&p->m);
    json_decref(p->event);
    csc_options_free(p->opts);
    free(p);
}

static void pending_discard(csc__pending_t *base) { pending_free((pending_event_t *)base); }

/* What add_attachments would add, by length (a file that cannot be read would be left out). */
static void pending_each_attachment(const csc__pending_t *base, void (*fn)(uint64_t len, void *ud), void *ud) {
    const pending_event_t *p = (const pending_event_t *)base;
    if (p->has_hooks) return; /* transactions take no attachments (finish_envelope) */
    for (int i = 0; i < CSC__NSCOPES; i++) {
        const csc__list_t *l = p->m.snap[i].attachments;
        for (uint32_t k = 0; l && k < l->count; k++) {
            const csc__attachment_t *a = l->items[k];
            struct stat st;
            if (!a->path)
                fn(a->len, ud);
            else if (stat(a->path, &st) == 0)
                fn((uint64_t)st.st_size, ud);
        }
    }
}

static const char *item_type(const pending_event_t *p) { return p->has_hooks ? p->hooks.item_type : "event"; }

/* A transaction's own fields (hooks), before the merge. */
static int build_event(pending_event_t *p) {
    if (!p->has_hooks || !p->hooks.build) return CSC_OK;
    json_t *dsc = p->hooks.build(p->hooks.ctx, p->event, p->opts, p->has_key ? p->public_key : NULL,
                                 p->org_id[0] ? p->org_id : NULL);
    json_decref(p->dsc);
    p->dsc = dsc;
    return CSC_OK;
}

/* An error captured while a span is bound carries that span's trace context and its
 * transaction's DSC (taken now: the span may change later). */
static void bound_span_context(const csc__client_t *c, const csc_scopes_t *sc, pending_event_t *p) {
    csc_span_t *span = csc__span_from_scopes(sc);
    if (!span) return;
    csc__lock_t *l = span->tree ? &span->tree->lock : &span->own;
    csc__lock(l);
    p->span_trace = csc__span_trace_context(span);
    if (span->tree) p->dsc = csc__dsc_of_tree_client(c, span->tree, span->trace_id);
    csc__unlock(l);
    p->m.span_trace = p->span_trace;
    csc_span_release(span);
}

/* The envelope's trace header and attachments, once the event is rendered. */
static void finish_envelope(csc_envelope_t *env, const pending_event_t *p) {
    json_t *ctx_trace = json_object_get(json_object_get(p->event, "contexts"), "trace");
    json_t *dsc = NULL;
    if (p->dsc && (p->has_hooks || p->m.trace_injected))
        dsc = json_incref(p->dsc);
    else if (p->m.trace_injected && p->m.propagation && json_is_object(ctx_trace))
        dsc = csc__dsc_of_propagation(p->opts, p->has_key ? p->public_key : NULL, p->org_id, p->m.propagation);
    if (dsc && json_object_size(dsc)) env->trace_json = json_dumps(dsc, JSON_COMPACT);
    json_decref(dsc);
    if (p->has_hooks)
        env->spans = p->hooks.spans;
    else
        add_attachments(env, &p->m); /* transactions take no attachments (none is add_to_transactions) */
}

/* The fast path's second half (no processors, no before_send, sampled in), on the transport's
 * worker: merge, defaults, JSON into the placeholder item, trace header, attachments. */
static int pending_render(csc__pending_t *base, csc_envelope_t *env) {
    pending_event_t *p = (pending_event_t *)base;
    int rc = build_event(p);
    if (rc == CSC_OK) rc = csc__merge_apply(&p->m, p->event, p->opts, false);
    size_t len = 0;
    char *payload = NULL;
    if (rc == CSC_OK) {
        fill_defaults(p->event, p->opts);
        payload = csc__merge_serialize(&p->m, p->event, &len);
        if (!payload) rc = CSC_ERR_NOMEM;
    }
    /* items[0] is the placeholder; the worker may have appended a client report since */
    if (rc == CSC_OK && env->count >= 1 && !env->items[0].payload && !strcmp(env->items[0].type, item_type(p))) {
        env->items[0].payload = payload;
        env->items[0].len = len;
        finish_envelope(env, p);
    } else {
        free(payload);
        if (rc == CSC_OK) rc = CSC_ERR_INVALID;
        csc__debug_log("event %s could not be rendered (%d); dropped", env->event_id, rc);
    }
    pending_free(p);
    return rc;
}

static bool sampled_out(const csc_options_t *o, const pending_event_t *p) {
    return !p->has_hooks && o->sample_rate < 1.0 && (double)(csc__rand64() >> 11) * 0x1.0p-53 >= o->sample_rate;
}

/* Processors or before_send must see the merged event, or a custom transport wants it now:
 * everything on the calling thread. Consumes p. */
static int capture_now(csc__client_t *c, pending_event_t *p, bool slow) {
    const csc_options_t *o = c->opts;
    const csc__capture_hooks_t *h = p->has_hooks ? &p->hooks : NULL;
    csc_before_send_fn before_send = h ? h->before_send : o->before_send;
    void *before_send_data = h ? h->before_send_data : o->before_send_data;
    int rc = build_event(p);
    if (rc == CSC_OK) rc = csc__merge_apply(&p->m, p->event, o, slow);
    if (rc == CSC_OK) fill_defaults(p->event, o);
    if (rc == CSC_OK && slow) {
        /* processors and before_send may change the event: give them a private copy */
        json_t *copy = json_deep_copy(p->event);
        json_decref(p->event);
        p->event = copy;
        if (!p->event)
            rc = CSC_ERR_NOMEM;
        else {
            size_t spans = span_count(p->event);
            if (!run_processors(&p->m, p->event)) {
                record_lost(c, "event_processor", h);
                rc = CSC_ERR_DROPPED;
            } else {
                spans = record_removed_spans(c, "event_processor", h, spans, p->event);
                if (before_send && !before_send(p->event, before_send_data)) {
                    record_lost(c, "before_send", h);
                    rc = CSC_ERR_DROPPED;
                } else
                    record_removed_spans(c, "before_send", h, spans, p->event);
            }
        }
    }
    if (rc == CSC_OK && p->health) csc__health_mark(p->isolation, p->health); /* before sampling, as sentry-python */
    if (rc == CSC_OK && sampled_out(o, p)) {
        record_lost(c, "sample_rate", h);
        rc = CSC_ERR_DROPPED;
    }
    csc_envelope_t *env = NULL;
    if (rc == CSC_OK) {
        size_t len;
        char *payload = csc__merge_serialize(&p->m, p->event, &len);
        const char *id = json_string_value(json_object_get(p->event, "event_id"));
        env = payload ? csc__envelope_new(id) : NULL;
        if (!env || csc__envelope_add_item(env, item_type(p), "application/json", NULL, payload, len) != CSC_OK) {
            if (!env) free(payload);
            csc_envelope_free(env);
            env = NULL;
            rc = CSC_ERR_NOMEM;
        }
    }
    if (env) finish_envelope(env, p);
    pending_free(p);
    if (env) {
        if (o->transport)
            o->transport(env, o->transport_data);
        else if (c->http)
            csc__http_transport_send(c->http, env);
        else {
            csc_envelope_free(env);
            record_lost(c, "network_error", h);
            rc = CSC_ERR_DROPPED;
        }
    }
    return rc;
}

/* The fast path's first half, on the calling thread: an envelope holding the snapshots,
 * queued for the transport's worker to render. Consumes p. */
static int capture_deferred(csc__client_t *c, pending_event_t *p, const char *id) {
    if (p->health) csc__health_mark(p->isolation, p->health); /* nothing can drop it but sampling */
    if (sampled_out(c->opts, p)) { /* nothing could observe the event: sampling first is equivalent */
        record_lost(c, "sample_rate", NULL);
        pending_free(p);
        return CSC_ERR_DROPPED;
    }
    csc_envelope_t *env = csc__envelope_new(id);
    if (!env || csc__envelope_add_item(env, item_type(p), "application/json", NULL, NULL, 0) != CSC_OK) {
        csc_envelope_free(env);
        pending_free(p);
        return CSC_ERR_NOMEM;
    }
    p->base.render = pending_render;
    p->base.discard = pending_discard;
    p->base.each_attachment = pending_each_attachment;
    env->pending = &p->base;
    if (p->has_hooks) env->spans = p->hooks.spans; /* counted if the queue or a rate limit drops it */
    csc__http_transport_send(c->http, env);
    return CSC_OK;
}

int csc_capture_event(json_t *event, const csc_scopes_t *scopes, char *event_id_out) {
    return csc__capture_with_hooks(event, scopes, NULL, event_id_out);
}

int csc__capture_with_hooks(json_t *event, const csc_scopes_t *scopes, const csc__capture_hooks_t *hooks,
                            char *event_id_out) {
    csc__capture_hooks_t h = hooks ? *hooks : (csc__capture_hooks_t){0};
    if (!event || !json_is_object(event)) {
        if (h.free_ctx) h.free_ctx(h.ctx);
        if (!event) return CSC_ERR_NULL;
        json_decref(event);
        return CSC_ERR_INVALID;
    }
    csc__client_t *c = csc__client_get();
    if (!c) {
        json_decref(event);
        if (h.free_ctx) h.free_ctx(h.ctx);
        return CSC_ERR_DISABLED;
    }
    csc_options_t *o = c->opts;
    csc_scopes_t sc;
    resolve_scopes(scopes, &sc);
    pending_event_t *p = calloc(1, sizeof *p);
    if (!p) {
        json_decref(event);
        if (h.free_ctx) h.free_ctx(h.ctx);
        csc__client_release(c);
        return CSC_ERR_NOMEM;
    }
    p->event = event;
    p->opts = csc__options_retain(o);
    p->has_hooks = hooks != NULL;
    p->hooks = h;
    p->has_key = c->dsn.valid;
    if (c->dsn.valid) memcpy(p->public_key, c->dsn.public_key, sizeof p->public_key);
    const char *org = csc__tracing_org_id(c);
    if (org) snprintf(p->org_id, sizeof p->org_id, "%s", org);
    if (csc__health_active()) {
        p->health = csc__health_event_verdict(event);
        p->isolation = sc.isolation;
    }
    char id[33];
    set_id_and_timestamp(event, id);
    csc__merge_snapshot(&p->m, &sc);
    if (!hooks && csc__tracing_enabled(o)) bound_span_context(c, &sc, p);
    bool slow = (hooks ? h.before_send : o->before_send) || csc__merge_has_processors(&p->m);
    int rc = !slow && !o->transport && c->http ? capture_deferred(c, p, id) : capture_now(c, p, slow);
    if (rc == CSC_OK) {
        if (sc.isolation && !hooks) csc__scope_set_last_event_id(sc.isolation, id);
        if (event_id_out) memcpy(event_id_out, id, 33);
    }
    csc__client_release(c);
    return rc;
}

int csc_capture_message(const char *message, csc_level_t level, const csc_scopes_t *scopes, char *event_id_out) {
    if (!message) return CSC_ERR_NULL;
    json_t *ev = csc_event_new_message(message, level);
    if (!ev) return CSC_ERR_NOMEM;
    return csc_capture_event(ev, scopes, event_id_out);
}

int csc_capture_exception(const csc_exception_t *exc, const csc_scopes_t *scopes, char *event_id_out) {
    if (!exc) return CSC_ERR_NULL;
    json_t *ev = csc_event_new_exception(exc);
    if (!ev) return CSC_ERR_INVALID;
    return csc_capture_event(ev, scopes, event_id_out);
}

bool csc_last_event_id(char out[33]) { return csc_scope_get_last_event_id(csc_isolation_scope(), out); }

char *csc_event_prepare_json(json_t *event, const csc_scopes_t *scopes, size_t *len) {
    if (!event || !len) return NULL;
    csc__client_t *c = csc__client_get();
    csc_scopes_t sc;
    resolve_scopes(scopes, &sc);
    csc__merge_t m;
    char *out = NULL;
    if (csc__merge_into(&m, event, &sc, c ? c->opts : NULL, false) == CSC_OK) {
        if (c) {
            char id[33];
            set_id_and_timestamp(event, id);
            fill_defaults(event, c->opts);
        }
        out = csc__merge_serialize(&m, event, len);
    }
    csc__merge_release(&m);
    csc__client_release(c);
    return out;
}
