/* Internal: the tracing layer's structures (spans, their transaction's shared state, the
 * tracing options) and what the capture path and the scopes call into. */
#ifndef CSC_TRACING_INTERNAL_H
#define CSC_TRACING_INTERNAL_H

#include "options/options_internal.h"
#include "scope/scope_internal.h"
#include "support/log.h"
#include "support/util.h"
#include "client/client_internal.h" /* tracing is the client layer's tracing half: the live client, capture */

/* The org id in effect: the option, else the DSN's. NULL when neither. */
const char *csc__tracing_org_id(const csc__client_t *c);

/* What a transaction's spans share: the lock, the span recorder and the transaction's own
 * state. Spans hold a reference; the transaction's recorder holds its children until it is
 * finished or freed (no cycle outlives the transaction). */
typedef struct csc__tree_s {
    atomic_int refs;
    csc__lock_t lock;
    bool closed;      /* the transaction is finished or freed: nothing changes any more */
    csc_span_t **rec; /* recorded children (retained) */
    size_t nrec, caprec, max;
    uint64_t overflow; /* children beyond max */
    char *name, *source;
    int8_t sampled, parent_sampled;
    bool has_rate;
    double sample_rate, sample_rand;
    json_t *dsc;   /* frozen DSC (incoming, or built at first use); NULL until then */
    char *baggage; /* the frozen DSC as sentry- baggage items, made at first use */
    json_t *contexts, *measurements;
} csc__tree_t;

struct csc_span_s {
    atomic_int refs;
    csc__tree_t *tree; /* NULL: a span outside any transaction */
    csc__lock_t own;   /* the lock of a span without tree */
    bool is_tx, finished, same_process;
    int8_t sampled;
    char trace_id[33], span_id[17], parent_span_id[17];
    char *op, *description, *origin, *status;
    int64_t start_us, end_us;
    json_t *tags, *data; /* NULL until set */
};

/* span.c */
void csc__span_slot_retain(void *span);
void csc__span_slot_release(void *span);
csc_span_t *csc__span_alloc(csc__tree_t *tree);
/* Same, started at `start_us` (microseconds since the epoch; <= 0: now). */
csc_span_t *csc__span_alloc_at(csc__tree_t *tree, int64_t start_us);
/* The span's JSON (an element of `spans`) and its trace context; call under the tree lock or after close. */
json_t *csc__span_to_json(const csc_span_t *s);
json_t *csc__span_trace_context(const csc_span_t *s);
/* The span bound to the first scope that has one among current, isolation, global (extra first); retained. */
csc_span_t *csc__span_from_scopes(const csc_scopes_t *sc);
/* Called by csc_scope_set_transaction: a bound transaction is renamed too (as Python's set_transaction_name). */
void csc__span_scope_renamed(void *span, const char *name, const char *source);

/* sampling.c */
/* Python's str(float): the shortest repr, with ".0" for integral values. */
void csc__float_repr(double v, char out[32]);
/* A sample_rand in [lower, upper) with 6 decimals. */
double csc__sample_rand_draw(double lower, double upper);
/* Decides tree->sampled / sample_rate; custom and forced as in csc_transaction_options_t. */
void csc__sample_transaction(const csc__client_t *c, csc__tree_t *t, const char *op, int forced, const json_t *custom);

/* dsc.c */
/* The DSC of a transaction (frozen at first use); a new reference, under the tree lock. */
json_t *csc__dsc_of_tree(const csc_options_t *o, const char *public_key, const char *org_id, csc__tree_t *t,
                         const char *trace_id);
/* The same with the live client's options and DSN (c may be NULL). */
json_t *csc__dsc_of_tree_client(const csc__client_t *c, csc__tree_t *t, const char *trace_id);
/* The DSC of a propagation context: the frozen incoming one, else made from the options. New reference. */
json_t *csc__dsc_of_propagation(const csc_options_t *o, const char *public_key, const char *org_id,
                                const csc__propagation_t *p);
/* The DSC as baggage: sentry-KEY=VALUE items, percent-encoded. malloc'd. */
char *csc__dsc_to_baggage(const json_t *dsc);
/* `existing` (may be NULL) without its sentry- items, then `sentry_items`. malloc'd. */
char *csc__baggage_merge(const char *existing, const char *sentry_items);

/* propagation.c */
/* Parses the incoming headers into a new propagation context (NULL when nothing continues). */
csc__propagation_t *csc__propagation_from_headers(const csc__client_t *c, const csc_header_t *h, size_t n);

/* capture.c: a capture of something other than an error event (a transaction). The hooks are
 * copied; ctx is freed with free_ctx whatever happens. */
typedef struct csc__capture_hooks_s {
    const char *item_type;          /* envelope item type, e.g. "transaction" */
    const char *category;           /* client reports; a "transaction" also counts spans + 1 as "span" */
    uint32_t spans;                 /* child spans in the event */
    csc_before_send_fn before_send; /* replaces the options' before_send */
    void *before_send_data;
    void *ctx;
    /* Fills the event before the merge (on the transport's worker on the fast path) and
     * returns the DSC for the envelope header (a new reference, or NULL). */
    json_t *(*build)(void *ctx, json_t *event, const csc_options_t *o, const char *public_key, const char *org_id);
    void (*free_ctx)(void *ctx);
} csc__capture_hooks_t;
int csc__capture_with_hooks(json_t *event, const csc_scopes_t *scopes, const csc__capture_hooks_t *hooks,
                            char *event_id_out);

/* transaction.c */
int csc__transaction_send(csc_span_t *tx, csc_span_t **spans, size_t nspans, uint64_t dropped,
                          const csc_scopes_t *scopes, char *id_out);

#endif
