/* Sentry Logs: the caller's side (csc_log_record copies a line and queues it) and the logs
 * thread that sends queued lines in envelopes of at most 100 (sentry-python's LogBatcher:
 * every 5 s, as soon as 100 wait, and at flush and close; at most 1,000 wait). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cscope.h"
#include "logs_internal.h"
#include "scope/scope_internal.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */
#include "support/log.h"
#include "support/util.h"

static struct {
    pthread_mutex_t mu; /* the thread and configuration changes */
    pthread_cond_t cv;
    pthread_mutex_t drain_mu; /* one drain at a time: envelopes leave in queue order */
    atomic_bool active;       /* logs on, with a send function */
    atomic_bool pii;          /* send_default_pii of the live configuration */
    csc__lock_t q_lock;
    csc__log_t *q[CSC__LOGS_MAX_QUEUED];
    size_t n;
    csc__lock_t opts_lock; /* opts, send, lost */
    csc_options_t *opts;   /* retained */
    csc__logs_send_fn send;
    csc__logs_lost_fn lost;
    bool thread_on, stop, kick;
    pthread_t thread;
} L = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .drain_mu = PTHREAD_MUTEX_INITIALIZER};

/* Set while this thread sends logs (the logs thread, a flush, before_send_log): a line made
 * then is dropped, as sentry-python's Batcher does, so no logging backend can loop. */
static _Thread_local bool t_in_logs;

bool csc_logs_enabled(void) { return atomic_load_explicit(&L.active, memory_order_relaxed); }

/* ------------------------------------------------------------ the caller's side */

static size_t cap_len(const char *s, size_t max) { return s ? strnlen(s, max) : 0; }

static const char *put_str(char **p, const char *s, size_t n) {
    if (!s) return NULL;
    char *d = *p;
    memcpy(d, s, n);
    d[n] = 0;
    *p += n + 1;
    return d;
}

static void take_trace(csc__log_t *l, csc_scope_t *const tiers[3]) {
    for (int i = 0; i < 2; i++) {
        csc_span_t *sp = tiers[i] ? csc_scope_get_bound_span(tiers[i]) : NULL;
        if (!sp) continue;
        csc_span_get_trace_id(sp, l->trace_id);
        csc_span_get_span_id(sp, l->span_id);
        csc_span_release(sp);
        return;
    }
    for (int i = 0; i < 3; i++)
        if (tiers[i] && csc_scope_get_trace_id(tiers[i], l->trace_id)) return;
    /* nothing owns a trace: start one on the isolation scope, as events do (client/merge.c) */
    if (tiers[1] && csc_scope_new_trace(tiers[1]) == CSC_OK && csc_scope_get_trace_id(tiers[1], l->trace_id)) return;
    csc__random_hex(l->trace_id, 32);
}

/* The user of the merged scopes (current over isolation over global), retained. */
static json_t *take_user(csc_scope_t *const tiers[3]) {
    for (int i = 0; i < 3; i++) {
        csc_scope_t *s = tiers[i];
        if (!s) continue;
        csc__lock(&s->lock);
        json_t *u = s->user ? json_incref(s->user) : NULL;
        csc__unlock(&s->lock);
        if (u) return u;
    }
    return NULL;
}

static void lost(const char *reason, uint32_t items, size_t bytes) {
    csc__lock(&L.opts_lock);
    csc__logs_lost_fn fn = L.lost;
    csc__unlock(&L.opts_lock);
    if (!fn) return;
    fn(reason, "log_item", items);
    if (bytes) fn(reason, "log_byte", (uint32_t)(bytes > UINT32_MAX ? UINT32_MAX : bytes));
}

static void wake_thread(void);

int csc_log_record(const csc_log_record_t *r, const csc_scopes_t *scopes) {
    if (!r) return CSC_ERR_NULL;
    json_t *params = r->parameters, *attrs = r->attributes;
    int rc = CSC_OK;
    if (!r->body)
        rc = CSC_ERR_NULL;
    else if (!csc_log_level_name(r->level))
        rc = CSC_ERR_INVALID;
    else if (!atomic_load_explicit(&L.active, memory_order_relaxed) || t_in_logs)
        rc = CSC_ERR_DISABLED;
    if (rc != CSC_OK) {
        json_decref(params);
        json_decref(attrs);
        return rc;
    }
    if (attrs && !json_is_object(attrs)) {
        json_decref(attrs);
        attrs = NULL;
    }
    if (params && !json_is_array(params) && !json_is_object(params)) {
        json_decref(params);
        params = NULL;
    }
    /* one allocation: the struct and its strings (a body is kept up to 4 bytes per character it may keep) */
    size_t nb = cap_len(r->body, CSC__LOGS_MAX_BODY * 4), nt = cap_len(r->message_template, CSC_MAX_STRING_LEN),
           no = cap_len(r->origin, 256), nl = cap_len(r->logger_name, 1024), nf = cap_len(r->code_file, 4096),
           nfn = cap_len(r->code_function, 4096);
    size_t total = sizeof(csc__log_t) + nb + 1 + (r->message_template ? nt + 1 : 0) + (r->origin ? no + 1 : 0) +
                   (r->logger_name ? nl + 1 : 0) + (r->code_file ? nf + 1 : 0) + (r->code_function ? nfn + 1 : 0);
    csc__log_t *l = malloc(total);
    if (!l) {
        json_decref(params);
        json_decref(attrs);
        return CSC_ERR_NOMEM;
    }
    char *p = (char *)(l + 1);
    l->ts_us = csc_now_us();
    l->level = r->level;
    l->span_id[0] = 0;
    l->parameters = params;
    l->attributes = attrs;
    l->body = put_str(&p, r->body, nb);
    l->body_len = nb;
    l->message_template = put_str(&p, r->message_template, nt);
    l->origin = put_str(&p, r->origin, no);
    l->logger_name = put_str(&p, r->logger_name, nl);
    l->code_file = put_str(&p, r->code_file, nf);
    l->code_function = put_str(&p, r->code_function, nfn);
    l->code_line = r->code_line;
    csc_scope_t *tiers[3] = {scopes ? scopes->current : csc_current_scope(),
                             scopes ? scopes->isolation : csc_isolation_scope(),
                             scopes ? scopes->global : csc_global_scope()};
    take_trace(l, tiers);
    l->user = atomic_load_explicit(&L.pii, memory_order_relaxed) ? take_user(tiers) : NULL;

    csc__lock(&L.q_lock);
    size_t n = L.n;
    if (n < CSC__LOGS_MAX_QUEUED) L.q[L.n++] = l;
    csc__unlock(&L.q_lock);
    if (n >= CSC__LOGS_MAX_QUEUED) {
        /* dropped: counted with its bytes, as sentry-python's Batcher._record_lost */
        csc__lock(&L.opts_lock);
        csc_options_t *o = L.opts ? csc__options_retain(L.opts) : NULL;
        csc__unlock(&L.opts_lock);
        json_t *item = csc__log_item_json(l, o);
        lost("queue_overflow", 1, item ? csc__log_item_bytes(item) : 0);
        json_decref(item);
        csc_options_free(o);
        csc__log_free(l);
        return CSC_ERR_DROPPED;
    }
    if (n + 1 == CSC__LOGS_MAX_PER_ENVELOPE) wake_thread();
    return CSC_OK;
}

int csc_log(csc_log_level_t level, const char *body, json_t *attributes) {
    csc_log_record_t r = {.level = level, .body = body, .attributes = attributes};
    return csc_log_record(&r, NULL);
}

/* ------------------------------------------------------------ sending */

static void send_items(json_t *items, csc__logs_send_fn send) {
    size_t len = 0, count = json_array_size(items);
    char *payload = csc__log_payload(items, &len);
    csc_envelope_t *env = payload ? csc__envelope_new(NULL) : NULL;
    if (!env || csc__envelope_add_item(env, "log", CSC__LOGS_CONTENT_TYPE, NULL, payload, len) != CSC_OK) {
        if (!env) free(payload);
        csc_envelope_free(env);
        lost("internal_sdk_error", (uint32_t)count, len);
        return;
    }
    env->items[env->count - 1].item_count = count;
    send(env);
}

/* Sends every queued line (the caller holds none of the locks). */
static void drain(void) {
    pthread_mutex_lock(&L.drain_mu);
    bool was = t_in_logs;
    t_in_logs = true;
    csc__lock(&L.opts_lock);
    csc_options_t *o = L.opts ? csc__options_retain(L.opts) : NULL;
    csc__logs_send_fn send = L.send;
    csc__unlock(&L.opts_lock);
    for (;;) {
        csc__log_t *batch[CSC__LOGS_MAX_PER_ENVELOPE];
        csc__lock(&L.q_lock);
        size_t n = L.n < CSC__LOGS_MAX_PER_ENVELOPE ? L.n : CSC__LOGS_MAX_PER_ENVELOPE;
        memcpy(batch, L.q, n * sizeof *batch);
        memmove(L.q, L.q + n, (L.n - n) * sizeof *L.q);
        L.n -= n;
        csc__unlock(&L.q_lock);
        if (!n) break;
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *item = items && send ? csc__log_item_json(batch[i], o) : NULL;
            csc__log_free(batch[i]);
            if (!item) {
                if (send) lost("internal_sdk_error", 1, 0);
                continue;
            }
            if (o && o->before_send_log && !o->before_send_log(item, o->before_send_log_data)) {
                lost("before_send", 1, csc__log_item_bytes(item));
                json_decref(item);
                continue;
            }
            json_array_append_new(items, item);
        }
        if (json_array_size(items)) send_items(items, send);
        json_decref(items);
    }
    csc_options_free(o);
    t_in_logs = was;
    pthread_mutex_unlock(&L.drain_mu);
}

void csc__logs_flush(void) {
    if (!t_in_logs) drain(); /* csc_flush from before_send_log (the logs thread) must not wait on itself */
}

static void *logs_main(void *arg) {
    (void)arg;
    t_in_logs = true;
    pthread_mutex_lock(&L.mu);
    while (!L.stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += CSC__LOGS_FLUSH_MS / 1000;
        int rc = 0;
        while (!L.stop && !L.kick && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&L.cv, &L.mu, &ts);
        if (L.stop) break;
        L.kick = false;
        pthread_mutex_unlock(&L.mu);
        drain();
        pthread_mutex_lock(&L.mu);
    }
    pthread_mutex_unlock(&L.mu);
    return NULL;
}

static void wake_thread(void) {
    pthread_mutex_lock(&L.mu);
    L.kick = true;
    pthread_cond_signal(&L.cv);
    pthread_mutex_unlock(&L.mu);
}

/* ------------------------------------------------------------ configuration */

void csc__logs_configure(const csc_options_t *opts, csc__logs_send_fn send, csc__logs_lost_fn lost_fn) {
    pthread_mutex_lock(&L.mu);
    atomic_store(&L.active, false);
    bool join = L.thread_on;
    L.stop = true;
    pthread_cond_broadcast(&L.cv);
    pthread_mutex_unlock(&L.mu);
    if (join) pthread_join(L.thread, NULL);
    pthread_mutex_lock(&L.mu);
    L.thread_on = false;
    drain(); /* the old configuration's lines go out with its options */

    bool on = opts && opts->enable_logs && send;
    csc_options_t *keep = on ? csc__options_retain((csc_options_t *)opts) : NULL;
    csc__lock(&L.opts_lock);
    csc_options_t *old = L.opts;
    L.opts = keep;
    L.send = on ? send : NULL;
    L.lost = on ? lost_fn : NULL;
    csc__unlock(&L.opts_lock);
    csc_options_free(old);
    if (on) {
        L.stop = L.kick = false;
        if (pthread_create(&L.thread, NULL, logs_main, NULL) == 0)
            L.thread_on = true;
        else
            csc__debug_log("logs: no logs thread; lines go out at flush and close");
        atomic_store(&L.pii, keep->send_default_pii);
    }
    atomic_store(&L.active, on);
    pthread_mutex_unlock(&L.mu);
}
