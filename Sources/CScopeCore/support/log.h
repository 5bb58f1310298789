/* Internal: the SDK's own diagnostics (csc_options_set_debug, csc_options_set_logger).
 * The bottom layer: depends on libc and the public csc_logger_fn type only, so every
 * unit (scope, transport, crash, client) may log without knowing about the client.
 * The client configures it (csc_init, csc_close); nothing else does. Not signal-safe. */
#ifndef CSC_LOG_H
#define CSC_LOG_H

#include <stdbool.h>

#include "cscope/options.h"

/* The sink for every line: `fn(line, data)`, or stderr ("[sentry] line") when fn is NULL. */
void csc__log_set_logger(csc_logger_fn fn, void *data);
/* Turns csc__debug_log on or off (csc__log_always is not affected). */
void csc__log_set_debug(bool on);
/* A diagnostic line, written only while debug is on (one relaxed atomic load when off).
 * Never through the SDK itself: no events, no breadcrumbs. */
void csc__debug_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A diagnostic written with or without debug (a configuration error the user must see). */
void csc__log_always(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
