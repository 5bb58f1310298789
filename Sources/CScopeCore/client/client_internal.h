/* Internal: the live client (csc_init .. csc_close), for the units of the client
 * layer (client.c, capture.c, capture_here.c). The layers below never call up
 * into it: the client configures them instead (csc__log_*, csc__crumb_config_publish,
 * csc__crash_install, csc__http_transport_start). */
#ifndef CSC_CLIENT_INTERNAL_H
#define CSC_CLIENT_INTERNAL_H

#include "options/dsn.h"
#include "options/options_internal.h"

/* A started client: immutable after csc_init, reference counted so captures
 * running while csc_close/csc_init swap it keep a valid pointer. */
typedef struct csc__client_s {
    atomic_int refs;
    csc_options_t *opts;
    csc__dsn_t dsn; /* parsed; dsn.valid false when no DSN */
    void *http;     /* the HTTP transport when no custom transport is set (may be NULL) */
} csc__client_t;

/* Returns the live client retained, or NULL when disabled. Release with csc__client_release. */
csc__client_t *csc__client_get(void);
void csc__client_release(csc__client_t *c);

#endif
