/* The HTTP transport's API: start, send (lock + push + signal), flush, shutdown.
 * The worker thread is in worker.c; see http_transport.h. */
#include "http_transport.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "transport_state.h"
#include "support/log.h"

/* ------------------------------------------------------------ API */

void csc__transport_destroy(csc__http_transport_t *t) {
    csc__queue_destroy(&t->q);
    csc__sender_free(t->sender);
    csc__cache_close(t->cache);
    csc__reports_destroy(&t->reports);
    pthread_cond_destroy(&t->wake);
    pthread_cond_destroy(&t->idle_cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

csc__http_transport_t *csc__http_transport_start(const csc_options_t *opts, const csc__dsn_t *dsn) {
    if (!opts || !dsn || !dsn->valid) {
        csc__debug_log("transport: not started (no valid DSN)");
        return NULL;
    }
    csc__http_transport_t *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->wake, &ca);
    pthread_cond_init(&t->idle_cv, &ca);
    pthread_condattr_destroy(&ca);
    csc__reports_init(&t->reports, opts->send_client_reports);
    size_t qsize = opts->max_queue_size ? opts->max_queue_size : DEFAULT_QUEUE_SIZE;
    csc__sender_config_t cfg = {
        .sdk_name = opts->sdk_name,
        .sdk_version = opts->sdk_version,
        .ca_certs = opts->ca_certs,
        .http_proxy = opts->http_proxy,
        .connect_timeout_ms = CONNECT_TIMEOUT_MS,
        .request_timeout_ms = REQUEST_TIMEOUT_MS,
    };
    t->sender = csc__sender_new(dsn, &cfg);
    if (!csc__queue_init(&t->q, qsize) || !t->sender) {
        csc__debug_log("transport: cannot start (out of memory or libcurl unavailable)");
        csc__transport_destroy(t);
        return NULL;
    }
    if (opts->cache_dir && *opts->cache_dir) {
        t->cache = csc__cache_open(opts->cache_dir, CSC__CACHE_MAX_FILES, CSC__CACHE_MAX_BYTES);
        t->cache_maybe = t->cache != NULL;
    }
    t->idle = !t->cache_maybe;
    /* The worker must not receive the host's signals. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&t->thread, NULL, csc__worker_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        csc__debug_log("transport: cannot start the worker thread: %s", strerror(rc));
        csc__transport_destroy(t);
        return NULL;
    }
    csc__debug_log("transport: sending to %s (queue %zu%s%s)", dsn->envelope_url, qsize, t->cache ? ", cache " : "",
                   t->cache ? opts->cache_dir : "");
    return t;
}

void csc__http_transport_send(csc__http_transport_t *t, csc_envelope_t *env) {
    if (!env) return;
    if (!t) {
        csc_envelope_free(env);
        return;
    }
    pthread_mutex_lock(&t->mu);
    bool queued = csc__queue_push(&t->q, env);
    if (queued) {
        t->idle = false;
        /* the worker finds the envelope without being woken: when busy or backing off at once or
         * after its backoff, when idle within IDLE_POLL_MS (a wake-up per capture cost the caller
         * a futex call, ~8 µs here, and the worker a context switch); spilling to disk is urgent */
        if (t->awaiting_work) pthread_cond_signal(&t->wake);
    }
    pthread_mutex_unlock(&t->mu);
    if (!queued) {
        csc__transport_count_items(t, env, "queue_overflow");
        csc_envelope_free(env);
    }
}

int csc__http_transport_flush(csc__http_transport_t *t, uint32_t timeout_ms) {
    if (!t) return CSC_OK;
    int64_t deadline = csc__mono_ms() + timeout_ms;
    struct timespec ts = csc__mono_ts(deadline);
    pthread_mutex_lock(&t->mu);
    if (t->reports.enabled && csc__reports_pending(&t->reports)) t->want_report = true;
    if (t->want_report || t->q.count) t->idle = false;
    pthread_cond_signal(&t->wake);
    while (!t->idle && !t->worker_done)
        if (pthread_cond_timedwait(&t->idle_cv, &t->mu, &ts) == ETIMEDOUT) break;
    int rc = t->idle || t->worker_done ? CSC_OK : CSC_ERR_TIMEOUT;
    pthread_mutex_unlock(&t->mu);
    return rc;
}

int csc__http_transport_shutdown(csc__http_transport_t *t, uint32_t timeout_ms) {
    if (!t) return CSC_OK;
    int64_t now = csc__mono_ms(), deadline = now + timeout_ms;
    int64_t margin = timeout_ms / 4 < SHUTDOWN_MARGIN_MS ? timeout_ms / 4 : SHUTDOWN_MARGIN_MS;
    struct timespec ts = csc__mono_ts(deadline);
    pthread_mutex_lock(&t->mu);
    t->stopping = true;
    t->want_report = t->reports.enabled;
    t->work_deadline = deadline - margin;
    atomic_store(&t->abort_at, t->work_deadline);
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->mu);
    csc__sender_wakeup(t->sender);

    pthread_mutex_lock(&t->mu);
    while (!t->worker_done)
        if (pthread_cond_timedwait(&t->idle_cv, &t->mu, &ts) == ETIMEDOUT) break;
    if (!t->worker_done) {
        pthread_t th = t->thread;
        t->orphaned = true; /* the worker frees t when it is done */
        pthread_mutex_unlock(&t->mu);
        pthread_detach(th);
        csc__debug_log("transport: shutdown timed out after %u ms", timeout_ms);
        return CSC_ERR_TIMEOUT;
    }
    bool leftovers = t->leftovers;
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    csc__transport_destroy(t);
    return leftovers ? CSC_ERR_TIMEOUT : CSC_OK;
}

void csc__http_transport_record_lost(csc__http_transport_t *t, const char *reason, const char *category,
                                     uint32_t quantity) {
    if (t) csc__reports_record(&t->reports, reason, category, quantity);
}
