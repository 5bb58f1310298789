/* Internal: the scope struct. Every field is protected by `lock`; the tables
 * (maps, ring, lists) are copy-on-write and may be shared with forks and with
 * in-flight captures (snapshots). */
#ifndef CSC_SCOPE_INTERNAL_H
#define CSC_SCOPE_INTERNAL_H

#include "breadcrumb.h"
#include "support/map.h"

/* A shared, reference-counted, immutable object: propagation context. */
typedef struct csc__propagation_s {
    atomic_int refs;
    char trace_id[33];
    char span_id[17];
    char parent_span_id[17]; /* "" = null */
    int8_t parent_sampled;   /* CSC_SAMPLED_* of an incoming trace (tracing/propagation.c) */
    json_t *dsc;             /* the incoming, frozen dynamic sampling context; NULL = none */
} csc__propagation_t;

typedef struct csc__processor_s {
    atomic_int refs;
    csc_event_processor_fn fn;
    void *user_data;
    void (*free_user_data)(void *);
} csc__processor_t;

typedef struct csc__attachment_s {
    atomic_int refs;
    char *filename, *content_type, *path; /* path set => read at send time */
    void *data;
    size_t len;
} csc__attachment_t;

/* A copy-on-write list of reference-counted pointers (processors, attachments). */
typedef struct csc__list_s {
    atomic_int refs;
    uint32_t count, cap;
    void *items[];
} csc__list_t;

typedef struct csc__span_slot_s {
    void *span;
    void (*retain)(void *);
    void (*release)(void *);
    /* Told when csc_scope_set_transaction renames the scope while this span is bound (the
     * tracing layer renames a bound transaction, as Python's set_transaction_name); may be NULL.
     * The scope layer knows spans only through these callbacks. */
    void (*renamed)(void *span, const char *name, const char *source);
} csc__span_slot_t;

/* csc_scope_set_span with a rename callback (see csc__span_slot_t). */
int csc__scope_set_span_slot(csc_scope_t *s, void *span, void (*retain)(void *), void (*release)(void *),
                             void (*renamed)(void *span, const char *name, const char *source));

struct csc_scope_s {
    csc__lock_t lock;
    atomic_int refs;
    int8_t level; /* csc_level_t, CSC_LEVEL_NONE = unset */
    csc__map_t *tags, *extras, *contexts;
    json_t *user;               /* NULL = unset; immutable once stored */
    json_t *fingerprint;        /* NULL = unset; immutable array */
    json_t *transaction;        /* NULL = unset; a jansson string */
    json_t *transaction_source; /* NULL = none recorded */
    csc__ring_t *crumbs;
    uint64_t crumbs_evicted;
    csc__list_t *attachments;
    csc__list_t *processors;
    csc__propagation_t *propagation;
    csc__span_slot_t span;
    csc__span_slot_t session; /* the health layer's session (same retain/release pattern); shared by forks */
    char last_event_id[33];
};

/* A consistent copy of a scope's references, taken under its lock. */
typedef struct csc__snapshot_s {
    bool present;
    int8_t level;
    csc__map_t *tags, *extras, *contexts;
    json_t *user, *fingerprint, *transaction, *transaction_source;
    csc__ring_t *crumbs;
    uint64_t crumbs_evicted;
    csc__list_t *attachments, *processors;
    csc__propagation_t *propagation;
} csc__snapshot_t;

void csc__scope_snapshot(csc_scope_t *s, csc__snapshot_t *out);
void csc__snapshot_release(csc__snapshot_t *snap);
/* Records the id of an event captured with this scope as isolation scope. */
void csc__scope_set_last_event_id(csc_scope_t *s, const char *id);
/* The session slot (health/ layer): stores `slot` (retained by the caller, moved in) and moves the
 * previous one to *old (the caller releases it outside the lock). */
void csc__scope_swap_session(csc_scope_t *s, csc__span_slot_t slot, csc__span_slot_t *old);
/* The scope's session, retained through its hook (NULL when none). */
void *csc__scope_get_session(csc_scope_t *s);
/* A new scope without a propagation context (the "current" kind of the Python SDK). */
csc_scope_t *csc__scope_new_bare(void);

csc__propagation_t *csc__propagation_new(void);
/* Makes `p` (retained) the scope's propagation context. */
void csc__scope_put_propagation(csc_scope_t *s, csc__propagation_t *p);
void csc__propagation_release(csc__propagation_t *p);
void csc__list_release(csc__list_t *l, void (*release_item)(void *));
void csc__processor_release(void *p);
void csc__attachment_release(void *a);

/* ---- tiers.c: hooks for the crash layer above (which calls down; tiers.c never calls up) */
/* `hook` runs on a thread whenever the default thread-local storage stores a scope for it
 * (its first csc_isolation_scope / csc_current_scope, push and pop). The crash layer installs
 * csc__crash_thread_attach here when its handler is installed. Never reset to NULL. */
void csc__tiers_set_thread_hook(void (*hook)(void));
/* Async-signal-safe reads of the default storage: nothing is created. */
csc_scope_t *csc__tiers_peek_global(void);
void csc__tiers_peek_thread(csc_scope_t **isolation, csc_scope_t **current);

#endif
