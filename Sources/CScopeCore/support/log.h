/* Internal: the SDK's own diagnostics (csc_options_set_debug, csc_options_set_logger).
 * The bottom layer: depends on libc and the public csc_logger_fn type only, so every
 * unit (scope, transport, crash, client) may log without knowing about the client.
 * The client configures it (csc_init, csc_close); nothing else does. Not signal-safe. */
#ifndef CSC_LOG_H
#define CSC_LOG_H

#include <stdbool.h>

#include "cscope/options.h"

/* The sink for every line: `fn(line, data)`, or stderr ("[sentry] line") when fn is NULL.
 * `owner` (may be NULL) is what keeps `data` alive: the logger holds a reference to it,
 * taken with retain(owner) here and dropped with release(owner) when a later call replaces
 * it; each line retains it for the call, so a logger replaced on another thread is never
 * freed under a running fn. */
void csc__log_set_logger(csc_logger_fn fn, void *data, void (*retain)(void *), void (*release)(void *), void *owner);
/* Turns csc__debug_log on or off (csc__log_always is not affected). */
void csc__log_set_debug(bool on);
/* A diagnostic line, written only while debug is on (one relaxed atomic load when off).
 * Never through the SDK itself: no events, no breadcrumbs. */
void csc__debug_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A diagnostic written with or without debug (a configuration error the user must see). */
void csc__log_always(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
