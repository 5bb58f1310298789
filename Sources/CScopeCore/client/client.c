/* The SDK's life cycle: csc_init / csc_close and access to the live client. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "client_state.h"
#include "crash/crash_internal.h"
#include "default_contexts.h"
#include "transport/http_transport.h"
#include "support/util.h"

static csc__lock_t g_client_lock;
static csc__client_t *g_client;              /* guarded by g_client_lock */
static atomic_long g_crumb_max = -1;         /* hot-path copies of the client's settings */
static atomic_bool g_scrub = true;
static atomic_bool g_has_before_breadcrumb;
static atomic_bool g_debug;
/* The logger of the options last passed to csc_init (set before g_debug turns on). */
typedef struct { csc_logger_fn fn; void *data; } logger_t;
static csc__lock_t g_logger_lock;
static logger_t g_logger;                    /* guarded by g_logger_lock */

static void set_logger(const csc_options_t *o) {
    csc__lock(&g_logger_lock);
    g_logger = (logger_t){ o->logger, o->logger_data };
    csc__unlock(&g_logger_lock);
}

static void vlog(const char *fmt, va_list ap) {
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    csc__lock(&g_logger_lock);
    logger_t l = g_logger;
    csc__unlock(&g_logger_lock);
    if (l.fn) l.fn(line, l.data);
    else fprintf(stderr, "[sentry] %s\n", line);
}

void csc__debug_log(const char *fmt, ...) {
    if (!atomic_load_explicit(&g_debug, memory_order_relaxed)) return;
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

/* A diagnostic reported with or without debug (a configuration error the user must see). */
static void always_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void always_log(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

csc__client_t *csc__client_get(void) {
    csc__lock(&g_client_lock);
    csc__client_t *c = g_client;
    if (c) atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    csc__unlock(&g_client_lock);
    return c;
}

static void client_free(csc__client_t *c) {
    if (c->http) csc__http_transport_shutdown(c->http, c->opts->shutdown_timeout_ms);
    csc_options_free(c->opts);
    free(c);
}

void csc__client_release(csc__client_t *c) {
    if (c && atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1) client_free(c);
}

long csc__client_max_breadcrumbs(void) { return atomic_load_explicit(&g_crumb_max, memory_order_relaxed); }

csc__crumb_config_t csc__crumb_config(void) {
    return (csc__crumb_config_t){
        .max = atomic_load_explicit(&g_crumb_max, memory_order_relaxed),
        .scrub = atomic_load_explicit(&g_scrub, memory_order_relaxed),
        .has_before_breadcrumb = atomic_load_explicit(&g_has_before_breadcrumb, memory_order_relaxed),
    };
}

bool csc__client_state_before_breadcrumb(csc__client_state_t *cs) {
    cs->client = csc__client_get();
    if (cs->client && cs->client->opts->before_breadcrumb) {
        cs->before_breadcrumb = cs->client->opts->before_breadcrumb;
        cs->before_breadcrumb_data = cs->client->opts->before_breadcrumb_data;
        return true;
    }
    csc__client_release(cs->client);
    cs->client = NULL;
    return false;
}

void csc__client_state_release(csc__client_state_t *cs) {
    csc__client_release(cs->client);
    cs->client = NULL;
}

static void publish(csc__client_t *c) {
    if (c) csc__crash_install(c->opts); /* crash handlers follow the live client */
    else csc__crash_uninstall();
    if (c) atomic_store(&g_debug, c->opts->debug);
    atomic_store(&g_scrub, c ? !c->opts->send_default_pii : true);
    atomic_store(&g_has_before_breadcrumb, c && c->opts->before_breadcrumb);
    atomic_store(&g_crumb_max, c ? (long)c->opts->max_breadcrumbs : -1);
    csc__lock(&g_client_lock);
    csc__client_t *old = g_client;
    g_client = c;
    csc__unlock(&g_client_lock);
    csc__client_release(old);
}

int csc_init(csc_options_t *opts) {
    if (!opts) return CSC_ERR_NULL;
    set_logger(opts);
    atomic_store(&g_debug, opts->debug);
    csc__crash_detect_last_run(opts);
    csc__client_t *c = calloc(1, sizeof *c);
    if (!c) { csc_options_free(opts); return CSC_ERR_NOMEM; }
    atomic_init(&c->refs, 1);
    c->opts = opts;
    if (opts->dsn && *opts->dsn) {
        const char *err = NULL;
        if (!csc__dsn_parse(opts->dsn, &c->dsn, &err)) {
            /* never print the DSN itself: it carries the key */
            always_log("invalid DSN (%s): the SDK is disabled", err ? err : "unparseable");
            csc_options_free(opts);
            free(c);
            publish(NULL);
            return CSC_ERR_PARSE;
        }
    }
    if (!opts->transport && !c->dsn.valid) {
        csc__debug_log("no DSN and no transport: the SDK is disabled");
        csc_options_free(opts);
        free(c);
        publish(NULL);
        return CSC_OK;
    }
    opts->default_contexts = csc__default_contexts_build(opts->runtime_name, opts->runtime_version);
    if (!opts->transport) {
        c->http = csc__http_transport_start(opts, &c->dsn);
        if (!c->http) csc__debug_log("the HTTP transport could not start; events will be dropped");
    }
    publish(c);
    return CSC_OK;
}

int csc_close(void) {
    /* the transport drains (bounded by shutdown_timeout) when the last reference goes:
     * here, unless a capture running on another thread still holds the client */
    publish(NULL);
    atomic_store(&g_debug, false);
    return CSC_OK;
}

bool csc_is_enabled(void) { return atomic_load_explicit(&g_crumb_max, memory_order_relaxed) >= 0; }
