/*
 * cscope/tiers.h: the three scope tiers for C/C++ hosts.
 *
 * One global scope per process; an isolation scope and a current scope per
 * thread (pthread thread-local storage by default). A host with fibers or an
 * event loop replaces the storage with its own getter/setter. Every capture
 * function also accepts explicit scope handles (see capture.h), so code that
 * tracks scopes itself (the Swift overlay) never touches this storage.
 *
 * Thread safety: all functions are thread-safe. The thread-local defaults are
 * created lazily (empty scopes; a new thread starts with a new trace, as a
 * plain Python thread does).
 *
 * Side effect: while the crash handler is installed (cscope/crash.h), the
 * default storage also gives each thread it stores a scope for an alternate
 * signal stack (csc_crash_thread_init: a 64 KiB mmap and sigaltstack, once per
 * thread, freed at thread exit), so a stack overflow on that thread is
 * reported. The first csc_isolation_scope/csc_current_scope of a new thread
 * then costs a few microseconds instead of a fraction of one (tests/unit/
 * test_tiers.c prints both); later calls cost nothing extra. Custom storage
 * (csc_set_scope_storage) never does this: call csc_crash_thread_init (or
 * csc_crash_set_thread_scopes) on the host's threads instead.
 */
#ifndef CSCOPE_TIERS_H
#define CSCOPE_TIERS_H

#include "scope.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The process-wide global scope. BORROWED: valid until the process ends. */
CSC_API csc_scope_t *csc_global_scope(void);
/** This context's isolation scope. BORROWED: valid until it is replaced by a push/pop in this context. */
CSC_API csc_scope_t *csc_isolation_scope(void);
/** This context's current scope. BORROWED, as above. */
CSC_API csc_scope_t *csc_current_scope(void);

/** Which slot a storage callback reads or writes. */
typedef enum csc_tier_e { CSC_TIER_CURRENT = 0, CSC_TIER_ISOLATION = 1 } csc_tier_t;

/**
 * Replaceable storage of the current and isolation scopes. `get` returns the
 * stored scope without a new reference (NULL if none yet: the core then
 * creates one and calls `set`). `set` receives a new reference the storage
 * owns; it must release the scope it replaces (csc_scope_release).
 */
typedef struct csc_scope_storage_s {
    csc_scope_t *(*get)(csc_tier_t tier, void *user_data);
    void (*set)(csc_tier_t tier, csc_scope_t *scope, void *user_data);
    void *user_data;
} csc_scope_storage_t;

/** Installs `storage` (copied), or restores the pthread-local default with NULL. Call before other threads use the tiers. */
CSC_API int csc_set_scope_storage(const csc_scope_storage_t *storage);

/**
 * A push's record; lives on the caller's stack between push and pop. Its
 * fields are private.
 */
typedef struct csc_scope_token_s {
    void *_saved_current, *_saved_isolation, *_pushed_current, *_pushed_isolation;
    uint32_t _kind, _magic;
} csc_scope_token_t;

/** current = fork(current). Returns CSC_OK and fills `token`. */
CSC_API int csc_push_scope(csc_scope_token_t *token);
/** isolation = fork(isolation), current = fork(current). */
CSC_API int csc_push_isolation_scope(csc_scope_token_t *token);
/**
 * Restores what `token`'s push replaced. CSC_ERR_SCOPE_MISMATCH if a later push
 * of this context is still active (pop that first) or the token is of the other
 * kind; CSC_ERR_SCOPE_UNDERFLOW if the token was already popped or never pushed.
 * On error nothing changes.
 */
CSC_API int csc_pop_scope(csc_scope_token_t *token);
CSC_API int csc_pop_isolation_scope(csc_scope_token_t *token);

#ifdef __cplusplus
}
#endif
#endif /* CSCOPE_TIERS_H */
