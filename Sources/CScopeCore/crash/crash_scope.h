/* Internal (crash reporting): reading scopes from the signal handler (crash_scope.c).
 * SIGNAL SAFETY: async-signal-safe; see crash_scope.c. */
#ifndef CSC_CRASH_SCOPE_H
#define CSC_CRASH_SCOPE_H

#include "crash_internal.h"
#include "sigwriter.h"

typedef struct {
    csc_scope_t *s[3]; /* locked scopes, outermost first (global, isolation, current) */
    int n;
    int skipped; /* scopes left out: their lock did not come free */
} csc__crash_scopes_t;

/* Try-locks each distinct non-NULL scope (bounded spin). Returns how many are locked. */
int csc__crash_scopes_lock(csc__crash_scopes_t *cs, csc_scope_t *global, csc_scope_t *isolation, csc_scope_t *current);
void csc__crash_scopes_unlock(csc__crash_scopes_t *cs);
/* Writes ,"tags":..,"extra":..,"contexts":..,"user":..,"breadcrumbs":.. (each only when present). */
/* `scrub` (send_default_pii off): extra and user keys on the default denylist are "[Filtered]", user.ip_address dropped. */
/* `cfg`'s default contexts go into "contexts" unless a scope has one of the same name. */
void csc__crash_write_scope_fields(csc__sw_t *w, const csc__crash_scopes_t *cs, const csc__crash_config_t *cfg);
void csc__crash_write_breadcrumbs(csc__sw_t *w, const csc__crash_scopes_t *cs, size_t max_crumbs);

#endif
