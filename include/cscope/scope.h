/*
 * cscope/scope.h: one scope's data (tags, extras, contexts, user, level,
 * transaction, fingerprint, breadcrumbs, attachments, event processors, the
 * propagation context and a span slot).
 *
 * Thread safety: a csc_scope_t is internally locked; every function here may be
 * called on the same scope from many threads at once. Reads see a consistent
 * state. The scope's tables are copy-on-write: csc_scope_fork() shares them and
 * the first write on either side copies only the table it writes.
 *
 * Ownership: functions that take a `json_t *` named `value` STEAL the reference
 * (also on error, as jansson's `_new` functions do). Strings are copied.
 */
#ifndef CSCOPE_SCOPE_H
#define CSCOPE_SCOPE_H

#include <jansson.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque, reference-counted scope handle. */
typedef struct csc_scope_s csc_scope_t;

/** Type of a value in a key/value list (breadcrumb data). */
typedef enum csc_kv_type_e {
    CSC_KV_NULL = 0,
    CSC_KV_STRING,
    CSC_KV_INT,
    CSC_KV_DOUBLE,
    CSC_KV_BOOL,
    /** A jansson value, BORROWED (the callee copies what it needs). */
    CSC_KV_JSON,
} csc_kv_type_t;

/** One key/value pair. Strings are UTF-8; `*_len` of 0 with a non-empty string means "use strlen". */
typedef struct csc_kv_s {
    const char *key;
    size_t key_len;
    csc_kv_type_t type;
    union {
        const char *s;
        int64_t i;
        double d;
        bool b;
        json_t *json;
    } v;
    size_t s_len;
} csc_kv_t;

/** Convenience initialisers: CSC_KV_STR("url", "/x"), CSC_KV_INT64("status", 200). */
#define CSC_KV_STR(k, val)     ((csc_kv_t){.key = (k), .type = CSC_KV_STRING, .v = {.s = (val)}})
#define CSC_KV_INT64(k, val)   ((csc_kv_t){.key = (k), .type = CSC_KV_INT, .v = {.i = (val)}})
#define CSC_KV_DBL(k, val)     ((csc_kv_t){.key = (k), .type = CSC_KV_DOUBLE, .v = {.d = (val)}})
#define CSC_KV_BOOLEAN(k, val) ((csc_kv_t){.key = (k), .type = CSC_KV_BOOL, .v = {.b = (val)}})

/**
 * A breadcrumb to add. All pointers are borrowed for the duration of the call;
 * the scope copies them. NULL fields are absent from the event, except `type`,
 * which defaults to "default" (as in the Python SDK). A breadcrumb with no
 * field set at all is ignored.
 */
typedef struct csc_breadcrumb_s {
    const char *type;
    const char *category;
    const char *message;
    csc_level_t level;    /**< CSC_LEVEL_NONE = absent */
    int64_t timestamp_us; /**< 0 = now */
    const csc_kv_t *data; /**< key/value pairs of `data`, or NULL */
    size_t data_count;
    json_t *data_json; /**< BORROWED object merged into `data` after `data`; or NULL */
} csc_breadcrumb_t;

/* ------------------------------------------------------------ life cycle */

/** A new empty scope with its own propagation context (a new trace). Caller releases with csc_scope_release. NULL on OOM. */
CSC_API csc_scope_t *csc_scope_new(void);
/** Another reference to `scope` (NULL-safe). */
CSC_API csc_scope_t *csc_scope_retain(csc_scope_t *scope);
/** Drops a reference; the last one frees the scope and everything it owns. NULL-safe. */
CSC_API void csc_scope_release(csc_scope_t *scope);
/**
 * A new scope with the same data (tags, extras, ..., breadcrumbs, processors,
 * the same propagation context). Later writes to either side never show in the
 * other. O(1): tables are shared copy-on-write. Caller releases. NULL on NULL or OOM.
 */
CSC_API csc_scope_t *csc_scope_fork(csc_scope_t *scope);
/**
 * Resets the data as the Python SDK's `Scope.clear()`: everything except event
 * processors; the propagation context and last event id become unset.
 */
CSC_API int csc_scope_clear(csc_scope_t *scope);
/**
 * Applies `other` on top of `scope` with the Python SDK's `update_from_scope`
 * rules: level/fingerprint/transaction/user replace when set; tags, extras and
 * contexts per key; breadcrumbs and attachments appended; truncation counts summed;
 * the propagation context replaced when set. Processors are not copied.
 */
CSC_API int csc_scope_update_from(csc_scope_t *scope, csc_scope_t *other);

/* ------------------------------------------------------------ tags */

/** Sets a string tag (NUL-terminated). Key and value are cut to 200 characters.
 *  An empty key is stored and sent, as the Python SDK does (Relay drops such tags); NUL bytes
 *  inside the _n variant's key or value are replaced by U+FFFD, as invalid UTF-8 is (CSC_REPAIRED). */
CSC_API int csc_scope_set_tag(csc_scope_t *scope, const char *key, const char *value);
/** Same with explicit lengths (no NUL needed). */
CSC_API int csc_scope_set_tag_n(csc_scope_t *scope, const char *key, size_t key_len, const char *value,
                                size_t value_len);
/** Sets a tag to any JSON value (as the Python SDK allows: numbers, booleans, null). STEALS `value`. */
CSC_API int csc_scope_set_tag_json(csc_scope_t *scope, const char *key, json_t *value);
/** Removes a tag from this scope only; a missing key is not an error. */
CSC_API int csc_scope_remove_tag(csc_scope_t *scope, const char *key);

/* ------------------------------------------------------------ extras and contexts */

/** Sets an extra to any JSON value. STEALS `value`. */
CSC_API int csc_scope_set_extra(csc_scope_t *scope, const char *key, json_t *value);
CSC_API int csc_scope_remove_extra(csc_scope_t *scope, const char *key);
/** Sets (replaces) a context; `value` must be a JSON object (else CSC_ERR_INVALID). STEALS `value`. */
CSC_API int csc_scope_set_context(csc_scope_t *scope, const char *key, json_t *value);
CSC_API int csc_scope_remove_context(csc_scope_t *scope, const char *key);

/* ------------------------------------------------------------ user, level, transaction, fingerprint */

/**
 * Sets the user (an object: id, email, username, ip_address, any other keys).
 * NULL unsets it on this scope (wider scopes then show through); an empty
 * object is a set value that hides wider scopes' users. STEALS `value`.
 */
CSC_API int csc_scope_set_user(csc_scope_t *scope, json_t *value);
/** CSC_LEVEL_NONE unsets. */
CSC_API int csc_scope_set_level(csc_scope_t *scope, csc_level_t level);
/**
 * Sets the transaction name (NULL unsets). A non-NULL `source` is recorded in
 * transaction_info; NULL leaves a source set earlier in place.
 */
CSC_API int csc_scope_set_transaction(csc_scope_t *scope, const char *name, const char *source);
/** Sets the fingerprint (`count` strings). `parts == NULL` unsets it; `count == 0` with non-NULL parts is an empty list. */
CSC_API int csc_scope_set_fingerprint(csc_scope_t *scope, const char *const *parts, size_t count);

/* ------------------------------------------------------------ breadcrumbs */

/**
 * Adds a breadcrumb. Needs an initialised client (as in the Python SDK, a
 * breadcrumb added before csc_init is dropped: CSC_ERR_DISABLED). Runs the
 * client's before_breadcrumb; a breadcrumb it drops returns CSC_OK (dropping is
 * the callback's decision, not an error), as does an empty one (nothing set).
 * The ring keeps the client's max_breadcrumbs newest; older ones are evicted
 * and counted.
 */
CSC_API int csc_scope_add_breadcrumb(csc_scope_t *scope, const csc_breadcrumb_t *crumb);
/** Adds a breadcrumb given as a JSON object (message, category, level, type, data, timestamp as ISO-8601 or number). BORROWS `crumb`. */
CSC_API int csc_scope_add_breadcrumb_json(csc_scope_t *scope, json_t *crumb);
/** Empties the ring and resets the eviction counter. */
CSC_API int csc_scope_clear_breadcrumbs(csc_scope_t *scope);
/** Number of breadcrumbs currently held by this scope. */
CSC_API size_t csc_scope_breadcrumb_count(csc_scope_t *scope);

/* ------------------------------------------------------------ attachments */

/** Attaches bytes (copied). `content_type` NULL = inferred from the file name, else application/octet-stream. */
CSC_API int csc_scope_add_attachment_bytes(csc_scope_t *scope, const void *data, size_t len, const char *filename,
                                           const char *content_type);
/** Attaches a file, read when the event is sent. `filename` NULL = basename of `path`. */
CSC_API int csc_scope_add_attachment_path(csc_scope_t *scope, const char *path, const char *filename,
                                          const char *content_type);
CSC_API int csc_scope_clear_attachments(csc_scope_t *scope);

/* ------------------------------------------------------------ event processors */

/**
 * An event processor. `event` is the event being captured (a JSON object it may
 * change in place). Return false to drop the event. Called on the capturing thread.
 */
typedef bool (*csc_event_processor_fn)(json_t *event, void *user_data);

/**
 * Appends a processor. `free_user_data` (may be NULL) is called when the last
 * scope holding the processor lets go of it. At capture, processors of the
 * global, isolation and current scopes run in that order (not those of an extra
 * per-call scope). A scope holding more than 20 first drops all of its processors.
 */
CSC_API int csc_scope_add_event_processor(csc_scope_t *scope, csc_event_processor_fn fn, void *user_data,
                                          void (*free_user_data)(void *));

/**
 * Removes every processor of this scope (forks made before keep theirs: the list
 * is copy-on-write). Each processor's `free_user_data` is called, outside the
 * scope's lock and possibly later, when the last scope holding it lets go of it.
 * Thread-safe; a capture running concurrently uses the list it already read.
 */
CSC_API int csc_scope_clear_event_processors(csc_scope_t *scope);

/* ------------------------------------------------------------ propagation context, span slot, last event id */

/**
 * Sets the trace this scope propagates (32 and 16 lower-case hex characters;
 * `parent_span_id` may be NULL). CSC_ERR_INVALID when malformed.
 */
CSC_API int csc_scope_set_propagation_context(csc_scope_t *scope, const char *trace_id, const char *span_id,
                                              const char *parent_span_id);
/** Writes this scope's trace id (33 bytes incl. NUL). Returns false if the scope has no propagation context. */
CSC_API bool csc_scope_get_trace_id(csc_scope_t *scope, char out[33]);
/** Starts a new trace on this scope. */
CSC_API int csc_scope_new_trace(csc_scope_t *scope);

/**
 * The span slot: an opaque, reference-counted object the tracing layer stores
 * on a scope. `retain`/`release` manage its life time (may be NULL for static
 * objects). NULL clears the slot.
 */
CSC_API int csc_scope_set_span(csc_scope_t *scope, void *span, void (*retain)(void *), void (*release)(void *));
/** The span in the slot, retained for the caller (call its release), or NULL. */
CSC_API void *csc_scope_get_span(csc_scope_t *scope);

/** Writes the id of the last event captured with this scope as isolation scope (33 bytes). False if none. */
CSC_API bool csc_scope_get_last_event_id(csc_scope_t *scope, char out[33]);

/* ------------------------------------------------------------ reading */

CSC_API csc_level_t csc_scope_get_level(csc_scope_t *scope);
/**
 * This scope's own data as a JSON object: level, transaction, transaction_info,
 * user, tags, extra, contexts, fingerprint, breadcrumbs (values), trace_id, ...
 * Keys are present only when set. Caller owns the result (json_decref). NULL on OOM.
 * Slow path: meant for getters and tests, not for the hot path.
 */
CSC_API json_t *csc_scope_to_json(csc_scope_t *scope);

#ifdef __cplusplus
}
#endif
#endif /* CSCOPE_SCOPE_H */
