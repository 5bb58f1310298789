/* Internal: the contexts every event gets unless a scope or the event sets them
 * (os, device, runtime), gathered once when a client starts. */
#ifndef CSC_DEFAULT_CONTEXTS_H
#define CSC_DEFAULT_CONTEXTS_H

#include <jansson.h>

#include "cscope.h"

/* {"os": {...}, "device": {...}, "runtime": {...}}; new reference, NULL on OOM.
 * runtime_name/version: what the host declared (csc_options_set_runtime), or
 * NULL for the C library the process runs with. Nothing personal: no host
 * name, user or address (server_name is a separate option). */
json_t *csc__default_contexts_build(const char *runtime_name, const char *runtime_version);

/* Adds each default context the event's contexts lack (copies, so event
 * processors and before_send may change them freely). */
int csc__default_contexts_apply(json_t *event, const json_t *defaults);

#endif
