/*
 * cscope/transport.h: settings of the built-in HTTP transport and csc_flush.
 *
 * Without a custom transport (csc_options_set_transport), envelopes go to the DSN's
 * envelope endpoint through a background worker: captures only enqueue (never block,
 * and make no system call: an idle worker looks at its queue every 50 ms, csc_flush
 * and csc_close wake it at once);
 * the worker POSTs gzip'd envelopes with libcurl (TLS always verified), honours
 * Sentry's rate limits, retries network errors and 5xx with exponential backoff,
 * and reports what it had to drop in client reports.
 */
#ifndef CSCOPE_TRANSPORT_H
#define CSCOPE_TRANSPORT_H

#include "common.h"
#include "options.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Directory for envelopes that could not be sent (server unreachable, or still queued
 * when csc_close's shutdown timeout ran out). They are sent first at the next start.
 * At most 30 files (the oldest are evicted and counted as cache_overflow). Created
 * with mode 0700 if missing. NULL (the default): no disk cache, retries in memory only.
 */
CSC_API int csc_options_set_cache_dir(csc_options_t *opts, const char *dir);
/** Proxy URL (e.g. "http://proxy:3128"). NULL: libcurl's default (the http(s)_proxy environment variables). */
CSC_API int csc_options_set_http_proxy(csc_options_t *opts, const char *proxy);
/** PEM bundle of CA certificates to verify the server with. NULL: the system's. Verification is never disabled. */
CSC_API int csc_options_set_ca_certs(csc_options_t *opts, const char *path);
/** Envelopes waiting to be sent, 1..100000 (default 100). When full, new envelopes are dropped (queue_overflow). */
CSC_API int csc_options_set_max_queue_size(csc_options_t *opts, size_t max_queue_size);
/** How long csc_close may wait to send what is queued (default 2000 ms); the rest is cached. */
CSC_API int csc_options_set_shutdown_timeout(csc_options_t *opts, uint32_t timeout_ms);
/** Send client reports (counts of discarded events by reason and category). Default true. */
CSC_API int csc_options_set_send_client_reports(csc_options_t *opts, bool enabled);

/**
 * Waits until every envelope captured so far is sent (or definitively dropped), at most
 * `timeout_ms`; pending client reports are sent too. CSC_OK, CSC_ERR_TIMEOUT, or
 * CSC_ERR_DISABLED without a client. A custom transport has nothing to flush: CSC_OK.
 */
CSC_API int csc_flush(uint32_t timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* CSCOPE_TRANSPORT_H */
