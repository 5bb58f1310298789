/* Internal: the HTTP transport (worker thread, bounded queue, libcurl, rate
 * limits, retry, disk cache, client reports). The client in client.c calls
 * these; nothing else does. */
#ifndef CSC_HTTP_TRANSPORT_H
#define CSC_HTTP_TRANSPORT_H

#include <stdint.h>

#include "options/dsn.h"
#include "event/envelope_internal.h"
#include "options/options_internal.h"

typedef struct csc__http_transport_s csc__http_transport_t;

/* Starts the worker. NULL (with a diagnostic) when it cannot start; the client then drops events. */
csc__http_transport_t *csc__http_transport_start(const csc_options_t *opts, const csc__dsn_t *dsn);
/* Queues `env` (TAKES it). Never blocks; a full queue drops and counts (queue_overflow). */
void csc__http_transport_send(csc__http_transport_t *t, csc_envelope_t *env);
/* Waits until the queue is empty and nothing is in flight, at most timeout_ms. CSC_OK or CSC_ERR_TIMEOUT. */
int csc__http_transport_flush(csc__http_transport_t *t, uint32_t timeout_ms);
/* Drains for at most timeout_ms, writes what is left to the cache directory, stops the worker, frees `t`. */
int csc__http_transport_shutdown(csc__http_transport_t *t, uint32_t timeout_ms);
/* Counts a discarded event for client reports (reason e.g. "before_send", "sample_rate", "event_processor"; category e.g. "error"). */
void csc__http_transport_record_lost(csc__http_transport_t *t, const char *reason, const char *category,
                                     uint32_t quantity);

#endif
