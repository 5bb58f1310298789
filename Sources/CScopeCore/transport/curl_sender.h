/* Internal: one keep-alive libcurl connection that POSTs gzip'd envelopes to the DSN's
 * envelope endpoint. Used by the worker thread only (csc__sender_wakeup from any thread). */
#ifndef CSC_TRANSPORT_CURL_SENDER_H
#define CSC_TRANSPORT_CURL_SENDER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "options/dsn.h"

typedef struct csc__sender_s csc__sender_t;

typedef enum {
    CSC__SEND_HTTP = 0,    /* got an HTTP response: see status */
    CSC__SEND_NETWORK = 1, /* connect/read error or timeout: retry later */
    CSC__SEND_ABORTED = 2, /* aborted because *abort_at_ms passed (shutdown) */
    CSC__SEND_FAILED = 3,  /* local failure (compression, OOM): not retriable */
} csc__send_outcome_t;

typedef struct {
    csc__send_outcome_t outcome;
    long status;
    char rate_limits[1024]; /* X-Sentry-Rate-Limits, "" when absent */
    char retry_after[64];   /* Retry-After, "" when absent */
    char error[256];        /* curl's message for NETWORK */
} csc__send_result_t;

typedef struct {
    const char *sdk_name, *sdk_version, *ca_certs, *http_proxy;
    long connect_timeout_ms, request_timeout_ms;
} csc__sender_config_t;

csc__sender_t *csc__sender_new(const csc__dsn_t *dsn, const csc__sender_config_t *cfg);
void csc__sender_free(csc__sender_t *s);
/* POSTs body[0..len) (gzip'd here). Gives up at `deadline_ms` (monotonic) or as soon as
 * the monotonic clock passes *abort_at_ms (0 = no abort), checked at least every 50 ms. */
void csc__sender_post(csc__sender_t *s, const char *body, size_t len, int64_t deadline_ms, _Atomic int64_t *abort_at_ms,
                      csc__send_result_t *out);
/* Wakes a post waiting on the network so it re-checks *abort_at_ms now. */
void csc__sender_wakeup(csc__sender_t *s);

#endif
