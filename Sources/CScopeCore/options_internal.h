/* Internal: the options struct and the client built from it. Not public. */
#ifndef CSC_OPTIONS_INTERNAL_H
#define CSC_OPTIONS_INTERNAL_H

#include <stdatomic.h>

#include "cscope.h"
#include "dsn.h"

struct csc_options_s {
    atomic_int refs;  /* the client and events still being rendered by the transport hold one each */
    char *dsn, *release, *environment, *dist, *server_name, *platform, *sdk_name, *sdk_version;
    size_t max_breadcrumbs;
    double sample_rate;
    bool send_default_pii, debug;
    csc_logger_fn logger;
    void *logger_data;
    csc_before_send_fn before_send;
    void *before_send_data;
    csc_before_breadcrumb_fn before_breadcrumb;
    void *before_breadcrumb_data;
    csc_transport_fn transport;
    void *transport_data;
    /* Transport settings (used by the HTTP transport; see transport.h when present). */
    char *cache_dir, *http_proxy, *ca_certs;
    size_t max_queue_size;
    uint32_t shutdown_timeout_ms;
    bool send_client_reports;
    char *runtime_name, *runtime_version; /* csc_options_set_runtime */
    json_t *default_contexts;             /* os/device/runtime, built by csc_init */
    int8_t crash_handler; /* crash/crash_config.c: 0 default (on with a cache_dir), 1 on, 2 off */
    struct csc__tracing_opts_s *tracing;  /* tracing/tracing_options.c; NULL = the defaults */
};

/* A started client: immutable after csc_init, reference counted so captures
 * running while csc_close/csc_init swap it keep a valid pointer. */
typedef struct csc__client_s {
    atomic_int refs;
    csc_options_t *opts;
    csc__dsn_t dsn;         /* parsed; dsn.valid false when no DSN */
    void *http;             /* the HTTP transport when no custom transport is set (may be NULL) */
} csc__client_t;

/* Another reference to options (released with csc_options_free). */
csc_options_t *csc__options_retain(csc_options_t *opts);

/* Returns the live client retained, or NULL when disabled. Release with csc__client_release. */
csc__client_t *csc__client_get(void);
void csc__client_release(csc__client_t *c);
/* max_breadcrumbs of the live client, or -1 when there is none (breadcrumbs are then dropped). */
long csc__client_max_breadcrumbs(void);
/* Diagnostic output to stderr when opts->debug (never through the SDK itself). */
void csc__debug_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
