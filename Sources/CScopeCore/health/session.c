/* Sessions: request mode (per-minute aggregates, sentry-python's SessionFlusher) and
 * application mode (one session per run, kept in a file of the cache directory until it ends). */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "health_internal.h"
#include "scope/scope_internal.h"
#include "support/log.h"
#include "support/util.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

#define FLUSH_INTERVAL_S            60
#define MAX_AGGREGATES_PER_ENVELOPE 100
#define SESSION_FILE                "cscope-session.json"

/* A tracked session. Request sessions live in their isolation scope's slot (shared by forks). */
typedef struct {
    atomic_int refs;
    atomic_uint errors;
    atomic_bool crashed;
    atomic_bool ended;
    bool request;
    int64_t started_us;
    char sid[37];
} session_t;

typedef struct {
    int64_t minute; /* started, in minutes since the epoch */
    uint32_t exited, errored, crashed, abnormal;
} bucket_t;

static struct {
    pthread_mutex_t mu; /* configuration, flushes, the application session, the thread */
    pthread_cond_t cv;
    atomic_bool active; /* tracking on, a release, a send function */
    csc__lock_t agg;    /* buckets */
    bucket_t *b;
    size_t n, cap;
    csc__lock_t opts_lock; /* opts, send */
    csc_options_t *opts;   /* retained */
    csc__health_send_fn send;
    session_t *app; /* the application session (guarded by mu) */
    char *file;     /* its file, NULL without a cache directory */
    bool thread_on, stop;
    atomic_bool thread_wanted;
    pthread_t thread;
} H = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* ------------------------------------------------------------ session objects */

static void session_retain(void *p) { atomic_fetch_add_explicit(&((session_t *)p)->refs, 1, memory_order_relaxed); }
/* One freed session kept per thread: a request's start and end then allocate nothing. */
static _Thread_local session_t *t_spare;

static _Thread_local bool t_spare_registered;
static pthread_key_t g_spare_key;
static pthread_once_t g_spare_once = PTHREAD_ONCE_INIT;

static void spare_free(void *unused) { /* thread exit: the key's destructor runs before the TLS goes */
    (void)unused;
    free(t_spare);
    t_spare = NULL;
}
static void spare_key_init(void) { pthread_key_create(&g_spare_key, spare_free); }

static void session_release(void *p) {
    session_t *s = p;
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
    if (t_spare) {
        free(s);
        return;
    }
    if (!t_spare_registered) {
        pthread_once(&g_spare_once, spare_key_init);
        t_spare_registered = pthread_setspecific(g_spare_key, (void *)1) == 0;
        if (!t_spare_registered) {
            free(s);
            return;
        }
    }
    t_spare = s;
}

/* Wall-clock µs; request sessions only need the minute, so the coarse clock will do there. */
static int64_t now_us(bool coarse) {
    struct timespec ts;
    clock_gettime(coarse ? CLOCK_REALTIME_COARSE : CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static session_t *session_new(bool request) {
    session_t *s = t_spare;
    if (s)
        t_spare = NULL;
    else if (!(s = malloc(sizeof *s)))
        return NULL;
    atomic_init(&s->refs, 1);
    atomic_init(&s->errors, 0);
    atomic_init(&s->crashed, false);
    atomic_init(&s->ended, false);
    s->request = request;
    s->started_us = now_us(request);
    s->sid[0] = 0;
    return s;
}

bool csc__health_active(void) { return atomic_load_explicit(&H.active, memory_order_relaxed); }

csc_options_t *csc__health_retain_opts(void) {
    csc__lock(&H.opts_lock);
    csc_options_t *o = H.opts ? csc__options_retain(H.opts) : NULL;
    csc__unlock(&H.opts_lock);
    return o;
}

void csc__health_send(csc_envelope_t *env) {
    csc__lock(&H.opts_lock);
    csc__health_send_fn send = H.send;
    csc__unlock(&H.opts_lock);
    if (send)
        send(env);
    else
        csc_envelope_free(env);
}

/* ------------------------------------------------------------ request mode */

static void flusher_start(void);

void csc__health_aggregate(int64_t started_us, const char *field) {
    int64_t minute = started_us >= 0 ? started_us / 60000000 : -1 - (-started_us - 1) / 60000000;
    csc__lock(&H.agg);
    bucket_t *b = NULL;
    for (size_t i = H.n; i-- > 0;)
        if (H.b[i].minute == minute) {
            b = &H.b[i];
            break;
        }
    if (!b) {
        if (H.n == H.cap) {
            size_t cap = H.cap ? H.cap * 2 : 8;
            bucket_t *nb = realloc(H.b, cap * sizeof *nb);
            if (!nb) {
                csc__unlock(&H.agg);
                return;
            }
            H.b = nb;
            H.cap = cap;
        }
        b = &H.b[H.n++];
        *b = (bucket_t){.minute = minute};
    }
    if (field[0] == 'c')
        b->crashed++;
    else if (field[0] == 'a')
        b->abnormal++;
    else if (field[1] == 'r')
        b->errored++;
    else
        b->exited++;
    csc__unlock(&H.agg);
    if (!atomic_load_explicit(&H.thread_wanted, memory_order_relaxed)) flusher_start();
}

static const char *end_status(session_t *s, csc_session_end_t how) {
    if (how == CSC_SESSION_CRASHED || atomic_load(&s->crashed)) return "crashed";
    if (how == CSC_SESSION_ABNORMAL) return "abnormal";
    return atomic_load(&s->errors) ? "errored" : "exited";
}

int csc_start_request_session(csc_scope_t *isolation) {
    if (!isolation) return CSC_ERR_NULL;
    if (!csc__health_active()) return CSC_ERR_DISABLED;
    session_t *s = session_new(true);
    if (!s) return CSC_ERR_NOMEM;
    csc__span_slot_t old;
    csc__scope_swap_session(isolation, (csc__span_slot_t){s, session_retain, session_release, NULL}, &old);
    if (old.span) {
        session_t *o = old.span;
        /* sentry-python ends the running session before starting another */
        if (o->request && !atomic_exchange(&o->ended, true))
            csc__health_aggregate(o->started_us, end_status(o, CSC_SESSION_EXITED));
        session_release(o);
    }
    return CSC_OK;
}

int csc_end_request_session(csc_scope_t *isolation, csc_session_end_t how) {
    if (!isolation) return CSC_ERR_NULL;
    if (how != CSC_SESSION_EXITED && how != CSC_SESSION_CRASHED && how != CSC_SESSION_ABNORMAL) return CSC_ERR_INVALID;
    csc__span_slot_t old;
    csc__scope_swap_session(isolation, (csc__span_slot_t){0}, &old);
    session_t *s = old.span;
    if (!s) return CSC_ERR_INVALID;
    int rc = CSC_ERR_INVALID;
    if (s->request && !atomic_exchange(&s->ended, true)) {
        /* counted only while tracking is on: a session started before csc_close is not sent to the next client */
        if (csc__health_active()) csc__health_aggregate(s->started_us, end_status(s, how));
        rc = CSC_OK;
    }
    session_release(s);
    return rc;
}

/* ------------------------------------------------------------ verdicts */

int csc__health_event_verdict(const json_t *event) {
    json_t *values = json_object_get(json_object_get(event, "exception"), "values");
    if (!json_is_array(values) || json_array_size(values) == 0) return 0;
    size_t i;
    json_t *e;
    json_array_foreach(values, i, e) {
        json_t *handled = json_object_get(json_object_get(e, "mechanism"), "handled");
        if (json_is_false(handled)) return 2;
    }
    return 1;
}

static void app_persist_locked(void);

void csc__health_mark(csc_scope_t *isolation, int verdict) {
    if (!verdict) return;
    session_t *s = csc__scope_get_session(isolation);
    if (s) {
        if (!atomic_load(&s->ended)) {
            atomic_fetch_add(&s->errors, 1);
            if (verdict == 2) atomic_store(&s->crashed, true);
        }
        session_release(s);
        return;
    }
    pthread_mutex_lock(&H.mu);
    if (H.app) {
        unsigned before = atomic_fetch_add(&H.app->errors, 1);
        bool was = verdict == 2 && atomic_exchange(&H.app->crashed, true);
        /* the file follows what changes the outcome (first error, crashed); not every count */
        if (before == 0 || (verdict == 2 && !was)) app_persist_locked();
    }
    pthread_mutex_unlock(&H.mu);
}

/* ------------------------------------------------------------ envelopes */

static json_t *attrs_json(const csc_options_t *o) {
    json_t *a = json_pack("{s:s}", "release", o->release);
    json_object_set_new(a, "environment", json_string(o->environment ? o->environment : "production"));
    return a;
}

static void send_item(const char *type, json_t *payload) {
    char *s = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
    json_decref(payload);
    csc_envelope_t *env = s ? csc__envelope_new(NULL) : NULL;
    if (!env) {
        free(s);
        return;
    }
    if (csc__envelope_add_item(env, type, "application/json", NULL, s, strlen(s)) != CSC_OK) {
        csc_envelope_free(env);
        return;
    }
    csc__health_send(env);
}

static int cmp_bucket(const void *a, const void *b) {
    int64_t x = ((const bucket_t *)a)->minute, y = ((const bucket_t *)b)->minute;
    return x < y ? -1 : x > y;
}

/* Sends the pending aggregates (`sessions` items, at most 100 aggregates per envelope). */
static void flush_aggregates(const csc_options_t *o) {
    csc__lock(&H.agg);
    bucket_t *b = H.b;
    size_t n = H.n;
    H.b = NULL;
    H.n = H.cap = 0;
    csc__unlock(&H.agg);
    if (!n || !o || !o->release) {
        free(b);
        return;
    }
    qsort(b, n, sizeof *b, cmp_bucket);
    for (size_t first = 0; first < n; first += MAX_AGGREGATES_PER_ENVELOPE) {
        json_t *list = json_array();
        for (size_t i = first; i < n && i < first + MAX_AGGREGATES_PER_ENVELOPE; i++) {
            char ts[32];
            csc__format_timestamp(b[i].minute * 60000000, ts);
            json_t *a = json_pack("{s:s}", "started", ts);
            if (b[i].exited) json_object_set_new(a, "exited", json_integer(b[i].exited));
            if (b[i].errored) json_object_set_new(a, "errored", json_integer(b[i].errored));
            if (b[i].crashed) json_object_set_new(a, "crashed", json_integer(b[i].crashed));
            if (b[i].abnormal) json_object_set_new(a, "abnormal", json_integer(b[i].abnormal));
            json_array_append_new(list, a);
        }
        send_item("sessions", json_pack("{s:o,s:o}", "attrs", attrs_json(o), "aggregates", list));
    }
    free(b);
}

void csc__health_flush(void) {
    csc_options_t *o = csc__health_retain_opts();
    flush_aggregates(o);
    csc_options_free(o);
}

static void *flusher_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&H.mu);
    while (!H.stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += FLUSH_INTERVAL_S;
        int rc = 0;
        while (!H.stop && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&H.cv, &H.mu, &ts);
        if (H.stop) break;
        pthread_mutex_unlock(&H.mu);
        csc__health_flush();
        pthread_mutex_lock(&H.mu);
    }
    pthread_mutex_unlock(&H.mu);
    return NULL;
}

static void flusher_start(void) {
    pthread_mutex_lock(&H.mu);
    if (!H.thread_on && csc__health_active()) {
        H.stop = false;
        if (pthread_create(&H.thread, NULL, flusher_main, NULL) == 0)
            H.thread_on = true;
        else
            csc__debug_log("sessions: no flush thread; aggregates go out at flush and close");
    }
    atomic_store(&H.thread_wanted, true);
    pthread_mutex_unlock(&H.mu);
}

/* ------------------------------------------------------------ application mode */

static void uuid_dashed(char out[37]) {
    char h[33];
    csc_uuid4_hex(h);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

static json_t *app_json(const session_t *s, const csc_options_t *o, const char *status, bool with_duration) {
    char started[32], now[32];
    int64_t t = csc_now_us();
    csc__format_timestamp(s->started_us, started);
    csc__format_timestamp(t, now);
    json_t *j = json_pack("{s:s,s:b,s:s,s:s,s:s,s:I,s:o}", "sid", s->sid, "init", 1, "started", started, "timestamp",
                          now, "status", status, "errors", (json_int_t)atomic_load(&s->errors), "attrs", attrs_json(o));
    if (with_duration) json_object_set_new(j, "duration", json_real((double)(t - s->started_us) / 1e6));
    return j;
}

/* Writes the running session to its file (mu held). Written at start and when the outcome changes. */
static void app_persist_locked(void) {
    if (!H.file || !H.app || !H.opts) return;
    json_t *j = app_json(H.app, H.opts, atomic_load(&H.app->crashed) ? "crashed" : "ok", false);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", H.file);
    if (json_dump_file(j, tmp, JSON_COMPACT) == 0)
        rename(tmp, H.file);
    else
        csc__debug_log("sessions: cannot write %s", tmp);
    json_decref(j);
}

/* The session file of a previous run that did not end its session: sent once, crashed when the
 * crash handler left a report, else abnormal. */
static void send_previous_run(const char *file) {
    json_error_t err;
    json_t *j = json_load_file(file, 0, &err);
    if (unlink(file) != 0 && errno != ENOENT) {
        json_decref(j);
        return;
    } /* never twice */
    if (!json_is_object(j) || !json_is_string(json_object_get(j, "sid"))) {
        json_decref(j);
        return;
    }
    bool crashed = csc_crashed_last_run() || json_is_true(json_object_get(j, "crashed")) ||
                   !strcmp(json_string_value(json_object_get(j, "status")) ?: "", "crashed");
    json_object_set_new(j, "status", json_string(crashed ? "crashed" : "abnormal"));
    char now[32];
    csc__format_timestamp(csc_now_us(), now);
    json_object_set_new(j, "timestamp", json_string(now));
    csc__debug_log("sessions: the previous run's session is sent as %s", crashed ? "crashed" : "abnormal");
    send_item("session", j);
}

/* Ends the application session (mu held). */
static int app_end_locked(csc_session_end_t how) {
    session_t *s = H.app;
    if (!s) return CSC_ERR_INVALID;
    H.app = NULL;
    /* as sentry-python's Session.close: "exited" with the error count (Sentry derives errored) */
    const char *status = end_status(s, how);
    if (!strcmp(status, "errored")) status = "exited";
    if (H.opts && H.opts->release) send_item("session", app_json(s, H.opts, status, true));
    if (H.file) unlink(H.file);
    session_release(s);
    return CSC_OK;
}

static int app_start_locked(void) {
    if (!csc__health_active()) return CSC_ERR_DISABLED;
    if (H.app) return CSC_ERR_INVALID;
    H.app = session_new(false);
    if (!H.app) return CSC_ERR_NOMEM;
    uuid_dashed(H.app->sid);
    app_persist_locked();
    return CSC_OK;
}

int csc_start_session(void) {
    pthread_mutex_lock(&H.mu);
    int rc = app_start_locked();
    pthread_mutex_unlock(&H.mu);
    return rc;
}

int csc_end_session(csc_session_end_t how) {
    if (how != CSC_SESSION_EXITED && how != CSC_SESSION_CRASHED && how != CSC_SESSION_ABNORMAL) return CSC_ERR_INVALID;
    pthread_mutex_lock(&H.mu);
    int rc = app_end_locked(how);
    pthread_mutex_unlock(&H.mu);
    return rc;
}

/* ------------------------------------------------------------ configuration */

void csc__health_configure(const csc_options_t *opts, csc__health_send_fn send) {
    /* the old configuration's leftovers go out first, with its release */
    pthread_mutex_lock(&H.mu);
    app_end_locked(CSC_SESSION_EXITED);
    bool join = H.thread_on;
    H.stop = true;
    pthread_cond_broadcast(&H.cv);
    pthread_mutex_unlock(&H.mu);
    if (join) pthread_join(H.thread, NULL);
    pthread_mutex_lock(&H.mu);
    H.thread_on = false;
    atomic_store(&H.thread_wanted, false);
    atomic_store(&H.active, false);
    csc__health_flush();

    csc_options_t *keep = opts ? csc__options_retain((csc_options_t *)opts) : NULL;
    csc__lock(&H.opts_lock);
    csc_options_t *old = H.opts;
    H.opts = keep;
    H.send = keep ? send : NULL;
    csc__unlock(&H.opts_lock);
    csc_options_free(old);
    free(H.file);
    H.file = NULL;
    if (keep && keep->cache_dir && *keep->cache_dir) {
        size_t n = strlen(keep->cache_dir) + sizeof SESSION_FILE + 2;
        H.file = malloc(n);
        if (H.file) snprintf(H.file, n, "%s/%s", keep->cache_dir, SESSION_FILE);
    }
    bool tracking = keep && keep->session_tracking != 2 && send;
    if (tracking && !(keep->release && *keep->release)) {
        csc__debug_log("sessions: no release, no sessions");
        tracking = false;
    }
    if (H.file && send) send_previous_run(H.file); /* even with tracking off now: it belongs to that run */
    atomic_store(&H.active, tracking);
    if (tracking && keep->session_mode == CSC_SESSION_MODE_APPLICATION) app_start_locked();
    pthread_mutex_unlock(&H.mu);
}
