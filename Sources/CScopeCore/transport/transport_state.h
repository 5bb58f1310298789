/* Internal: the HTTP transport's state, shared by its API (http_transport.c) and its
 * worker thread (worker.c). Fields above "worker-only" are guarded by `mu`. */
#ifndef CSC_TRANSPORT_STATE_H
#define CSC_TRANSPORT_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "client_report.h"
#include "curl_sender.h"
#include "disk_cache.h"
#include "http_transport.h"
#include "queue.h"
#include "ratelimit.h"

#define DEFAULT_QUEUE_SIZE 100
#define MAX_ATTEMPTS       4   /* per envelope: first try + 3 retries */
#define BACKOFF_BASE_MS    500 /* 0.5 s, 1 s, 2 s, ... */
#define BACKOFF_MAX_MS     30000
#define CONNECT_TIMEOUT_MS 5000
#define REQUEST_TIMEOUT_MS 15000
#define SHUTDOWN_MARGIN_MS 250 /* kept at the end of a shutdown to write the cache */
#define IDLE_POLL_MS       50  /* an idle worker looks at the queue this often (captures do not wake it) */

typedef struct {
    csc_envelope_t *env;
    char path[4096]; /* the cache file it came from, "" for a queued one */
    int attempts;
} job_t;

struct csc__http_transport_s {
    pthread_mutex_t mu;
    pthread_cond_t wake;    /* the worker waits on it */
    pthread_cond_t idle_cv; /* flush and shutdown wait on it */
    csc__queue_t q;
    bool stopping, worker_done, orphaned, idle, want_report, leftovers;
    bool awaiting_work;       /* the worker backs off with the server unreachable and a cache to spill
                                  to: only then does a send wake it (an idle worker polls, IDLE_POLL_MS) */
    int64_t work_deadline;    /* while stopping: stop sending at this monotonic time */
    _Atomic int64_t abort_at; /* a request in flight is aborted once this passes (0 = never) */
    pthread_t thread;
    csc__reports_t reports;
    /* worker-only */
    csc__sender_t *sender;
    csc__cache_t *cache;
    bool cache_maybe; /* there may be cached envelopes to send */
    bool unreachable; /* the last envelope gave up on network errors */
    int fail_streak;  /* consecutive failed attempts */
    int64_t backoff_until;
    csc__ratelimits_t rl;
};

/* The worker thread (worker.c). Frees `t` itself when shutdown gave up waiting for it. */
void *csc__worker_main(void *t);
/* Frees everything (the worker must be gone). */
void csc__transport_destroy(csc__http_transport_t *t);
/* Counts every reportable item of `env` as lost for `reason`. */
void csc__transport_count_items(csc__http_transport_t *t, const csc_envelope_t *env, const char *reason);

#endif
