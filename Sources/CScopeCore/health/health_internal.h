/* Internal: release health (sessions) and cron check-ins (cscope/health.h).
 *
 * Layering: health sits between crash and client. It reads the scopes' session slot
 * (csc__scope_swap_session / csc__scope_get_session) and their propagation context, the
 * options, and builds envelopes; it never calls up: the client hands it a send function
 * (csc__health_configure) that queues an envelope on the live client's transport. */
#ifndef CSC_HEALTH_INTERNAL_H
#define CSC_HEALTH_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "event/envelope_internal.h"
#include "options/options_internal.h"

/* Queues `env` on the live client's transport (TAKES it). */
typedef void (*csc__health_send_fn)(csc_envelope_t *env);

/* publish(): opts NULL when the SDK is off. Sends the aggregates and the application session
 * of the previous configuration, then adopts `opts` (release, environment, mode, cache dir):
 * sends the session file of a previous run (crashed/abnormal) and, in application mode,
 * starts the application session. Called by csc_init after the client is live, and by
 * csc_close before it goes (the send function still reaches the transport). */
void csc__health_configure(const csc_options_t *opts, csc__health_send_fn send);
/* csc_flush: the pending aggregates go out now. */
void csc__health_flush(void);
/* Counts a finished request session (started at wall-clock µs `started_us`) in its minute's
 * aggregate; `field` is "exited", "errored", "crashed" or "abnormal". */
void csc__health_aggregate(int64_t started_us, const char *field);

/* What a captured event means for a session: 0 nothing, 1 errored (an exception), 2 crashed
 * (an exception with mechanism.handled false), as sentry-python's _update_session_from_event. */
int csc__health_event_verdict(const json_t *event);
/* Applies a verdict to the session of `isolation`, else to the application session. */
void csc__health_mark(csc_scope_t *isolation, int verdict);
/* True when sessions are tracked (cheap: one atomic load). */
bool csc__health_active(void);
/* csc_capture_check_in's send path, shared with session.c. */
void csc__health_send(csc_envelope_t *env);
/* The options of the live configuration, retained (release with csc_options_free); NULL when off. */
csc_options_t *csc__health_retain_opts(void);

#endif
