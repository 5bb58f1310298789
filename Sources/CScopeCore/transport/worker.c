/* The transport's worker thread: takes envelopes from the disk cache (first) and the queue,
 * applies rate limits, attaches client reports, POSTs, retries with backoff, and caches
 * what cannot be sent. */
#include <stdlib.h>
#include <string.h>

#include "category.h"
#include "clock.h"
#include "transport_state.h"
#include "support/log.h"

/* ------------------------------------------------------------ accounting */

#define REPORT_RESERVE_BYTES 16384 /* more than a client report of CSC__CR_MAX entries takes */

/* One lost item, also in its second category: a transaction loses its spans and itself as
 * `span`s (as the Python SDK counts), a log its bytes. A lost client report is no loss to
 * report: its counts are recorded again, for the next report. */
static void count_item(csc__http_transport_t *t, const csc_envelope_t *env, const csc__item_t *it, const char *reason) {
    if (!csc__item_reportable(it->type)) {
        csc__reports_restore(&t->reports, it->payload, it->len);
        return;
    }
    const char *cat = csc__item_category(it->type), *second = csc__item_secondary_category(it->type);
    csc__reports_record(&t->reports, reason, cat,
                        it->item_count ? it->item_count : csc__item_quantity(it->type, it->len));
    if (second)
        csc__reports_record(&t->reports, reason, second,
                            !strcmp(cat, "transaction") ? (uint64_t)env->spans + 1 : it->len);
}

static void count_attachment(uint64_t len, void *ud) {
    const void **args = ud; /* {transport, reason} */
    csc__http_transport_t *t = (csc__http_transport_t *)args[0];
    csc__reports_record(&t->reports, args[1], "attachment", len);
}

void csc__transport_count_items(csc__http_transport_t *t, const csc_envelope_t *env, const char *reason) {
    for (size_t i = 0; env && i < env->count; i++) count_item(t, env, &env->items[i], reason);
    /* an event lost before it was rendered loses the attachments rendering would have added */
    if (env && env->pending && env->pending->each_attachment) {
        const void *args[2] = {t, reason};
        env->pending->each_attachment(env->pending, count_attachment, args);
    }
}

static void on_cache_evict(const char *data, size_t len, void *ud) {
    csc_envelope_t *env = csc__envelope_parse(data, len);
    csc__transport_count_items(ud, env, "cache_overflow");
    csc_envelope_free(env);
}

static csc_envelope_t *report_envelope(csc__http_transport_t *t) {
    size_t len = 0;
    char *payload = csc__reports_take_json(&t->reports, &len);
    if (!payload) return NULL;
    csc_envelope_t *env = csc__envelope_new(NULL);
    if (!env) {
        free(payload);
        return NULL;
    }
    if (csc__envelope_add_item(env, "client_report", "application/json", NULL, payload, len) != 0) {
        csc_envelope_free(env);
        return NULL;
    }
    return env;
}

/* ------------------------------------------------------------ rate limits */

/* Drops the items of limited categories (counted as ratelimit_backoff). Returns the
 * envelope to send (maybe a new one), or NULL when nothing is left. TAKES env. */
static csc_envelope_t *apply_rate_limits(csc__http_transport_t *t, csc_envelope_t *env, int64_t now) {
    /* an event captured on the fast path is rendered here, off the capturing thread (capture.c);
     * its attachments exist from then on, so they are limited like any others */
    if (env->pending && csc__envelope_finalize(env) != CSC_OK) {
        csc__reports_record(&t->reports, "internal_sdk_error", "error", 1);
        csc_envelope_free(env);
        return NULL;
    }
    size_t keep = 0;
    for (size_t i = 0; i < env->count; i++)
        keep += !csc__rl_limited(&t->rl, csc__item_category(env->items[i].type), now);
    if (keep == env->count) return env;
    csc_envelope_t *out = keep ? csc__envelope_new(env->event_id[0] ? env->event_id : NULL) : NULL;
    if (out && env->trace_json) out->trace_json = strdup(env->trace_json);
    if (out) out->spans = env->spans;
    for (size_t i = 0; i < env->count; i++) {
        csc__item_t *it = &env->items[i];
        if (csc__rl_limited(&t->rl, csc__item_category(it->type), now)) {
            count_item(t, env, it, "ratelimit_backoff");
            continue;
        }
        char *copy = out ? malloc(it->len + 1) : NULL;
        if (copy) {
            memcpy(copy, it->payload, it->len);
            copy[it->len] = 0;
        }
        if (!copy || csc__envelope_add_item(out, it->type, it->content_type, it->filename, copy, it->len) != 0) {
            csc_envelope_free(out);
            out = NULL;
            keep = 0;
        } else {
            out->items[out->count - 1].item_count = it->item_count;
        }
    }
    if (keep && !out) csc__transport_count_items(t, env, "internal_sdk_error");
    csc__debug_log("transport: rate limited, dropped %zu of %zu items", env->count - keep, env->count);
    csc_envelope_free(env);
    return out;
}

static bool has_item(const csc_envelope_t *env, const char *type) {
    for (size_t i = 0; i < env->count; i++)
        if (env->items[i].type && strcmp(env->items[i].type, type) == 0) return true;
    return false;
}

/* ------------------------------------------------------------ the worker */

static void job_done(job_t *job) {
    if (job->path[0]) csc__cache_remove(job->path);
    csc_envelope_free(job->env);
    memset(job, 0, sizeof *job);
}

static void job_release(job_t *job) { /* forget the job, keep its cache file */
    csc_envelope_free(job->env);
    memset(job, 0, sizeof *job);
}

/* Loads the oldest cached envelope into job; false when the cache is empty. */
static bool load_cached(csc__http_transport_t *t, job_t *job) {
    char path[sizeof job->path];
    while (csc__cache_oldest(t->cache, path, sizeof path)) {
        char *data = NULL;
        size_t len = 0;
        csc_envelope_t *env = NULL;
        if (csc__cache_read(path, &data, &len) == 0) env = csc__envelope_parse(data, len);
        free(data);
        if (!env || env->count == 0) {
            csc__debug_log("transport: skipping corrupt cache file %s (%zu bytes), removed", path, len);
            csc_envelope_free(env);
            csc__cache_remove(path);
            continue;
        }
        job->env = env;
        strcpy(job->path, path);
        job->attempts = 0;
        return true;
    }
    return false;
}

static int64_t backoff_delay(int streak) {
    int64_t d = BACKOFF_BASE_MS;
    for (int i = 1; i < streak && d < BACKOFF_MAX_MS; i++) d *= 2;
    return d < BACKOFF_MAX_MS ? d : BACKOFF_MAX_MS;
}

/* Sends job->env once and settles it, or leaves it in `job` for a retry/abort. Unlocked. */
static void process(csc__http_transport_t *t, job_t *job) {
    int64_t now = csc__mono_ms();
    job->env = apply_rate_limits(t, job->env, now);
    if (!job->env) {
        job_done(job);
        return;
    }
    /* Reports ride on queued envelopes only: a cache file kept for a retry is not rewritten. */
    if (t->reports.enabled && !job->path[0] && !csc__rl_limited(&t->rl, "internal", now) &&
        !has_item(job->env, "client_report")) {
        size_t len = 0;
        char *report = csc__reports_take_json(&t->reports, &len);
        if (report) csc__envelope_add_item(job->env, "client_report", "application/json", NULL, report, len);
    }
    size_t len = 0;
    const char *bytes = csc_envelope_serialize(job->env, &len);
    if (!bytes) {
        csc__transport_count_items(t, job->env, "internal_sdk_error");
        job_done(job);
        return;
    }

    csc__send_result_t r;
    csc__sender_post(t->sender, bytes, len, now + REQUEST_TIMEOUT_MS, &t->abort_at, &r);
    now = csc__mono_ms();
    if (r.outcome == CSC__SEND_ABORTED) return; /* shutdown: the job is cached by finalize */
    if (r.outcome == CSC__SEND_FAILED) {
        csc__debug_log("transport: cannot send envelope: %s", r.error);
        csc__transport_count_items(t, job->env, "internal_sdk_error");
        job_done(job);
        return;
    }
    if (r.outcome == CSC__SEND_HTTP) {
        csc__rl_update(&t->rl, r.status, r.rate_limits, r.retry_after, now);
        if (r.status >= 200 && r.status < 300) {
            if (t->unreachable) csc__debug_log("transport: server reachable again");
            t->fail_streak = 0;
            t->unreachable = false;
            t->backoff_until = 0;
            job_done(job);
            return;
        }
        t->unreachable = false;
        if (r.status == 429) { /* the server already counted it (outcome) */
            csc__debug_log("transport: 429 rate limited (retry-after '%s', limits '%s')", r.retry_after, r.rate_limits);
            job_done(job);
            return;
        }
        if (r.status < 500) {
            csc__debug_log("transport: server rejected envelope: HTTP %ld", r.status);
            csc__transport_count_items(t, job->env, "send_error");
            job_done(job);
            return;
        }
        csc__debug_log("transport: HTTP %ld, will retry", r.status);
    } else {
        csc__debug_log("transport: network error: %s", r.error);
    }
    /* 5xx or network error: back off, retry a few times, then cache or drop. */
    bool network = r.outcome == CSC__SEND_NETWORK;
    job->attempts++;
    t->fail_streak++;
    t->backoff_until = now + backoff_delay(t->fail_streak);
    int max_attempts = (network && t->unreachable) ? 1 : MAX_ATTEMPTS; /* while down: one probe each */
    if (job->attempts < max_attempts) return;
    if (network) t->unreachable = true;
    if (network && t->cache) {
        if (!job->path[0]) {
            if (csc__cache_store(t->cache, bytes, len, on_cache_evict, t) == 0)
                t->cache_maybe = true;
            else
                csc__transport_count_items(t, job->env, "cache_overflow");
        }
        job_release(job);
        return;
    }
    csc__transport_count_items(t, job->env, network ? "network_error" : "send_error");
    job_done(job);
}

/* Writes the queue to the cache while the server is unreachable (locked on entry and exit). */
static void spill_queue(csc__http_transport_t *t) {
    csc_envelope_t *env;
    while ((env = csc__queue_pop(&t->q))) {
        pthread_mutex_unlock(&t->mu);
        size_t len = 0;
        const char *bytes = csc_envelope_serialize(env, &len);
        if (bytes && csc__cache_store(t->cache, bytes, len, on_cache_evict, t) == 0)
            t->cache_maybe = true;
        else
            csc__transport_count_items(t, env, "cache_overflow");
        csc_envelope_free(env);
        pthread_mutex_lock(&t->mu);
    }
}

/* Shutdown: caches (or counts) what was not sent. Locked on entry and exit. */
static void finalize(csc__http_transport_t *t, job_t *job) {
    size_t n = t->q.count + (job->env ? 1 : 0);
    csc_envelope_t **left = calloc(n ? n : 1, sizeof *left);
    size_t k = 0;
    if (job->env && !job->path[0])
        left[k++] = job->env; /* oldest first */
    else if (job->env)
        csc_envelope_free(job->env); /* already in the cache */
    memset(job, 0, sizeof *job);
    csc_envelope_t *e;
    while ((e = csc__queue_pop(&t->q))) {
        if (left)
            left[k++] = e;
        else {
            csc__transport_count_items(t, e, "queue_overflow");
            csc_envelope_free(e);
        }
    }
    t->leftovers = k > 0;
    pthread_mutex_unlock(&t->mu);

    size_t first = 0;
    if (t->cache) {
        size_t room = csc__cache_max_files(t->cache) - (t->reports.enabled ? 1 : 0);
        if (k > room) first = k - room; /* would be evicted right away: drop the oldest now */
    }
    for (size_t i = 0; i < k; i++) {
        size_t len = 0;
        const char *bytes = (t->cache && i >= first) ? csc_envelope_serialize(left[i], &len) : NULL;
        if (!bytes || csc__cache_store(t->cache, bytes, len, on_cache_evict, t) != 0)
            csc__transport_count_items(t, left[i], t->cache ? "cache_overflow" : "network_error");
        csc_envelope_free(left[i]);
    }
    free(left);
    if (k) csc__debug_log("transport: %zu envelope(s) not sent at shutdown%s", k, t->cache ? ", cached" : ", dropped");
    if (t->cache && t->reports.enabled) { /* keep the counts for the next run */
        /* room first, with what it evicts counted: storing the report must not evict an uncounted file */
        csc__cache_reserve(t->cache, 1, REPORT_RESERVE_BYTES, on_cache_evict, t);
        csc_envelope_t *rep = report_envelope(t);
        size_t len = 0;
        const char *bytes = rep ? csc_envelope_serialize(rep, &len) : NULL;
        if (bytes) csc__cache_store(t->cache, bytes, len, NULL, NULL);
        csc_envelope_free(rep);
    }
    pthread_mutex_lock(&t->mu);
}

void *csc__worker_main(void *arg) {
    csc__http_transport_t *t = arg;
    job_t job = {0};
    pthread_mutex_lock(&t->mu);
    for (;;) {
        int64_t now = csc__mono_ms();
        if (t->stopping && now >= t->work_deadline) break;
        if (now < t->backoff_until) {
            if (t->stopping) break; /* no retries while shutting down: cache what is left */
            if (t->cache && t->unreachable && t->q.count) {
                spill_queue(t);
                continue;
            }
            t->idle = false;
            struct timespec ts = csc__mono_ts(t->backoff_until);
            t->awaiting_work = t->cache && t->unreachable; /* then new envelopes go to disk at once */
            pthread_cond_timedwait(&t->wake, &t->mu, &ts);
            t->awaiting_work = false;
            continue;
        }
        if (!job.env) {
            if (t->cache && t->cache_maybe && !t->stopping) { /* at shutdown cached files just stay */
                pthread_mutex_unlock(&t->mu);
                bool got = load_cached(t, &job);
                pthread_mutex_lock(&t->mu);
                if (!got) t->cache_maybe = false;
                continue;
            }
            job.env = csc__queue_pop(&t->q);
            if (!job.env && t->want_report) {
                t->want_report = false;
                if (!csc__rl_limited(&t->rl, "internal", csc__mono_ms())) job.env = report_envelope(t);
            }
            if (!job.env) {
                if (t->stopping) break;
                t->idle = true;
                pthread_cond_broadcast(&t->idle_cv);
                /* captures do not wake an idle worker (that futex call was most of a capture's
                 * cost); it looks again within IDLE_POLL_MS, and flush/shutdown wake it at once */
                struct timespec ts = csc__mono_ts(csc__mono_ms() + IDLE_POLL_MS);
                pthread_cond_timedwait(&t->wake, &t->mu, &ts);
                continue;
            }
        }
        t->idle = false;
        pthread_mutex_unlock(&t->mu);
        process(t, &job);
        pthread_mutex_lock(&t->mu);
    }
    finalize(t, &job);
    t->worker_done = true;
    t->idle = true;
    pthread_cond_broadcast(&t->idle_cv);
    bool orphaned = t->orphaned;
    pthread_mutex_unlock(&t->mu);
    if (orphaned) csc__transport_destroy(t); /* shutdown gave up waiting: the worker cleans up */
    return NULL;
}
