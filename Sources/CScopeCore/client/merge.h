/* Internal: merging the scopes into an event (the Python SDK's _merge_scopes +
 * apply_to_event) and serializing it. */
#ifndef CSC_MERGE_H
#define CSC_MERGE_H

#include "options/options_internal.h"
#include "scope/scope_internal.h"

enum { CSC__G = 0, CSC__I, CSC__C, CSC__X, CSC__NSCOPES };

typedef struct csc__merge_s {
    csc__snapshot_t snap[CSC__NSCOPES];
    csc__crumb_t **crumbs; /* merged, sorted; borrowed from the snapshots' rings */
    size_t crumb_count;
    uint64_t evicted;
    bool inline_crumbs;              /* crumbs are in the event tree (slow path) rather than spliced */
    bool trace_injected;             /* contexts.trace came from the propagation context */
    csc__propagation_t *propagation; /* borrowed */
    json_t *span_trace;              /* borrowed: contexts.trace of a bound span (beats the propagation context) */
    json_t *meta;                    /* _meta to attach */
} csc__merge_t;

/* Takes snapshots and fills `event` with the merged scope data. `tree_crumbs`
 * forces breadcrumbs into the JSON tree (needed when processors or before_send
 * must see them). `opts` may be NULL (no release/environment/scrubbing).
 * = csc__merge_snapshot + csc__merge_apply. */
int csc__merge_into(csc__merge_t *m, json_t *event, const csc_scopes_t *scopes, const csc_options_t *opts,
                    bool tree_crumbs);
/* The part that must happen at capture time, on the capturing thread: consistent
 * snapshots of the scopes (reference counts only) and, when no scope has a
 * propagation context, a new trace on the isolation scope. Always succeeds. */
void csc__merge_snapshot(csc__merge_t *m, const csc_scopes_t *scopes);
/* The rest, on any thread: fills `event` from the snapshots (they are immutable). */
int csc__merge_apply(csc__merge_t *m, json_t *event, const csc_options_t *opts, bool tree_crumbs);
/* Serializes the event; breadcrumbs are spliced in from their cached JSON on the fast path. malloc'd. */
char *csc__merge_serialize(csc__merge_t *m, json_t *event, size_t *len);
void csc__merge_release(csc__merge_t *m);
/* True if any of g/i/c has event processors. */
bool csc__merge_has_processors(const csc__merge_t *m);

#endif
