/* Internal: what scope code needs to know about the live client, read without
 * taking a reference on the hot path. */
#ifndef CSC_CLIENT_STATE_H
#define CSC_CLIENT_STATE_H

#include "options/options_internal.h"

typedef struct {
    long max;                   /* max_breadcrumbs, -1 when no client (breadcrumbs dropped) */
    bool scrub;                 /* !send_default_pii */
    bool has_before_breadcrumb;
} csc__crumb_config_t;

csc__crumb_config_t csc__crumb_config(void);

typedef struct {
    csc__client_t *client;
    csc_before_breadcrumb_fn before_breadcrumb;
    void *before_breadcrumb_data;
} csc__client_state_t;

/* Retains the client if it has a before_breadcrumb; false otherwise. */
bool csc__client_state_before_breadcrumb(csc__client_state_t *cs);
void csc__client_state_release(csc__client_state_t *cs);

#endif
