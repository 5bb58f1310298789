/* The three tiers for C/C++ hosts: the global scope, and per-context isolation
 * and current scopes in replaceable storage (pthread TLS by default). */
#include <pthread.h>
#include <stdlib.h>

#include "scope_internal.h"

#define TOKEN_MAGIC 0x5C0BE5u
enum { KIND_CURRENT = 1, KIND_ISOLATION = 2 };

static csc_scope_t *_Atomic g_global;

csc_scope_t *csc_global_scope(void) {
    csc_scope_t *s = atomic_load_explicit(&g_global, memory_order_acquire);
    if (CSC_LIKELY(s)) return s;
    csc_scope_t *n = csc_scope_new();
    if (!n) return NULL;
    csc_scope_t *expected = NULL;
    if (!atomic_compare_exchange_strong(&g_global, &expected, n)) {
        csc_scope_release(n);
        return expected;
    }
    return n;
}

/* ---- default storage: thread-local, released when the thread exits */

static _Thread_local csc_scope_t *t_slots[2];
static pthread_key_t g_tls_key;
static pthread_once_t g_tls_once = PTHREAD_ONCE_INIT;

static void tls_destroy(void *unused) {
    (void)unused;
    for (int i = 0; i < 2; i++) {
        csc_scope_release(t_slots[i]);
        t_slots[i] = NULL;
    }
}
static void tls_init(void) { pthread_key_create(&g_tls_key, tls_destroy); }

static csc_scope_t *tls_get(csc_tier_t tier, void *ud) {
    (void)ud;
    return t_slots[tier];
}
/* Set by the crash layer when it installs its handler (csc__crash_thread_attach); never reset. */
static _Atomic(void (*)(void)) g_thread_hook;

void csc__tiers_set_thread_hook(void (*hook)(void)) { atomic_store(&g_thread_hook, hook); }

static void tls_set(csc_tier_t tier, csc_scope_t *s, void *ud) {
    (void)ud;
    void (*hook)(void) = atomic_load_explicit(&g_thread_hook, memory_order_acquire);
    if (hook) hook(); /* crash reporting on: an alternate signal stack for this thread (a TLS check once done) */
    pthread_once(&g_tls_once, tls_init);
    pthread_setspecific(g_tls_key, (void *)1); /* arms the destructor for this thread */
    csc_scope_t *old = t_slots[tier];
    t_slots[tier] = s;
    csc_scope_release(old);
}

/* For the crash handler: async-signal-safe reads, nothing is created. */
csc_scope_t *csc__tiers_peek_global(void) { return atomic_load_explicit(&g_global, memory_order_acquire); }
void csc__tiers_peek_thread(csc_scope_t **isolation, csc_scope_t **current) {
    *isolation = t_slots[CSC_TIER_ISOLATION];
    *current = t_slots[CSC_TIER_CURRENT];
}

static csc_scope_storage_t g_storage = {tls_get, tls_set, NULL};
static csc__lock_t g_storage_lock;

int csc_set_scope_storage(const csc_scope_storage_t *st) {
    if (st && (!st->get || !st->set)) return CSC_ERR_NULL;
    csc__lock(&g_storage_lock);
    g_storage = st ? *st : (csc_scope_storage_t){tls_get, tls_set, NULL};
    csc__unlock(&g_storage_lock);
    return CSC_OK;
}

static csc_scope_storage_t storage(void) {
    csc__lock(&g_storage_lock);
    csc_scope_storage_t s = g_storage;
    csc__unlock(&g_storage_lock);
    return s;
}

static csc_scope_t *tier_get(csc_tier_t tier) {
    csc_scope_storage_t st = storage();
    csc_scope_t *s = st.get(tier, st.user_data);
    if (CSC_LIKELY(s)) return s;
    /* lazily created: an isolation scope owns a trace, a current scope does not (as in the Python SDK) */
    s = tier == CSC_TIER_ISOLATION ? csc_scope_new() : csc__scope_new_bare();
    if (!s) return NULL;
    st.set(tier, s, st.user_data);
    return st.get(tier, st.user_data);
}

csc_scope_t *csc_isolation_scope(void) { return tier_get(CSC_TIER_ISOLATION); }
csc_scope_t *csc_current_scope(void) { return tier_get(CSC_TIER_CURRENT); }

/* ---- push / pop */

static int push(csc_scope_token_t *tok, uint32_t kind) {
    if (!tok) return CSC_ERR_NULL;
    csc_scope_storage_t st = storage();
    csc_scope_t *cur = tier_get(CSC_TIER_CURRENT), *iso = tier_get(CSC_TIER_ISOLATION);
    if (!cur || !iso) return CSC_ERR_NOMEM;
    csc_scope_t *new_cur = csc_scope_fork(cur);
    csc_scope_t *new_iso = kind == KIND_ISOLATION ? csc_scope_fork(iso) : NULL;
    if (!new_cur || (kind == KIND_ISOLATION && !new_iso)) {
        csc_scope_release(new_cur);
        csc_scope_release(new_iso);
        return CSC_ERR_NOMEM;
    }
    *tok = (csc_scope_token_t){._saved_current = csc_scope_retain(cur),
                               ._kind = kind,
                               ._magic = TOKEN_MAGIC,
                               ._pushed_current = new_cur,
                               ._pushed_isolation = new_iso};
    if (new_iso) {
        tok->_saved_isolation = csc_scope_retain(iso);
        st.set(CSC_TIER_ISOLATION, csc_scope_retain(new_iso), st.user_data);
    }
    st.set(CSC_TIER_CURRENT, csc_scope_retain(new_cur), st.user_data);
    return CSC_OK;
}

static int pop(csc_scope_token_t *tok, uint32_t kind) {
    if (!tok) return CSC_ERR_NULL;
    if (tok->_magic != TOKEN_MAGIC) return CSC_ERR_SCOPE_UNDERFLOW;
    if (tok->_kind != kind) return CSC_ERR_SCOPE_MISMATCH;
    csc_scope_storage_t st = storage();
    if (st.get(CSC_TIER_CURRENT, st.user_data) != tok->_pushed_current) return CSC_ERR_SCOPE_MISMATCH;
    if (kind == KIND_ISOLATION && st.get(CSC_TIER_ISOLATION, st.user_data) != tok->_pushed_isolation)
        return CSC_ERR_SCOPE_MISMATCH;
    /* restore current first, then isolation (as the Python SDK resets its context vars) */
    st.set(CSC_TIER_CURRENT, tok->_saved_current, st.user_data);
    if (kind == KIND_ISOLATION) st.set(CSC_TIER_ISOLATION, tok->_saved_isolation, st.user_data);
    csc_scope_release(tok->_pushed_current);
    csc_scope_release(tok->_pushed_isolation);
    *tok = (csc_scope_token_t){0};
    return CSC_OK;
}

int csc_push_scope(csc_scope_token_t *t) { return push(t, KIND_CURRENT); }
int csc_push_isolation_scope(csc_scope_token_t *t) { return push(t, KIND_ISOLATION); }
int csc_pop_scope(csc_scope_token_t *t) { return pop(t, KIND_CURRENT); }
int csc_pop_isolation_scope(csc_scope_token_t *t) { return pop(t, KIND_ISOLATION); }
