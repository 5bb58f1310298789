/* Internal: the options struct (filled by the csc_options_set_* setters of options.h
 * and transport.h, read by the transport, crash and client layers). Not public. */
#ifndef CSC_OPTIONS_INTERNAL_H
#define CSC_OPTIONS_INTERNAL_H

#include <regex.h>
#include <stdatomic.h>

#include "cscope.h"

struct csc_options_s {
    atomic_int refs; /* the client and events still being rendered by the transport hold one each */
    char *dsn, *release, *environment, *dist, *server_name, *platform, *sdk_name, *sdk_version;
    size_t max_breadcrumbs;
    size_t max_value_length; /* 0: strings are sent whole (sentry-sdk 2.75.0's default) */
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
    int8_t crash_handler;                 /* crash/crash_config.c: 0 default (on with a cache_dir), 1 on, 2 off */
    struct csc__tracing_opts_s *tracing;  /* options/tracing_options.c; NULL = the defaults */
    void (*release_hook)(void *); /* csc_options_set_release_hook (cscope_spi.h): run by the last csc_options_free */
    void *release_hook_ctx;
    int8_t session_tracking; /* options/health_options.c: 0 default (on), 1 on, 2 off */
    int8_t session_mode;     /* csc_session_mode_t */
    bool enable_logs;        /* options/logs_options.c */
    csc_before_send_fn before_send_log;
    void *before_send_log_data;
};

/* Another reference to options (released with csc_options_free). */
csc_options_t *csc__options_retain(csc_options_t *opts);

/* The tracing part of csc_options_t (options->tracing, NULL = every default). */
typedef struct csc__tracing_opts_s {
    bool has_rate;
    double rate;
    csc_traces_sampler_fn sampler;
    void *sampler_data;
    csc_before_send_fn before_send_transaction;
    void *bst_data;
    size_t max_spans;
    char *org_id;
    bool strict, traceparent;
    bool targets_set; /* false: every URL */
    size_t ntargets;
    regex_t *targets;
} csc__tracing_opts_t;

void csc__tracing_opts_free(csc__tracing_opts_t *t);
/* Reads SENTRY_TRACES_SAMPLE_RATE into fresh options. */
void csc__tracing_opts_from_env(csc_options_t *o);
bool csc__tracing_enabled(const csc_options_t *o);
size_t csc__tracing_max_spans(const csc_options_t *o);

#endif
