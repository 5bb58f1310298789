/* The SDK's life cycle: csc_init / csc_close and access to the live client. */
#include <stdio.h>
#include <stdlib.h>

#include "client_internal.h"
#include "crash/crash_internal.h"
#include "default_contexts.h"
#include "health/health_internal.h"
#include "logs/logs_internal.h"
#include "scope/breadcrumb.h"
#include "support/log.h"
#include "support/util.h"
#include "transport/http_transport.h"

static csc__lock_t g_client_lock;
static csc__client_t *g_client; /* guarded by g_client_lock */
static atomic_bool g_enabled;   /* g_client != NULL, for csc_is_enabled without the lock */
static atomic_bool g_tracing;   /* the client has a traces sample rate or sampler */

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

/* csc__crumb_filter_fn for the scope layer: the live client's before_breadcrumb, with the
 * client retained for the call (csc_close on another thread cannot free its user data). */
static int run_before_breadcrumb(json_t *crumb) {
    csc__client_t *c = csc__client_get();
    int verdict = -1;
    if (c && c->opts->before_breadcrumb)
        verdict = c->opts->before_breadcrumb(crumb, c->opts->before_breadcrumb_data) ? 1 : 0;
    csc__client_release(c);
    return verdict;
}

static void publish(csc__client_t *c) {
    if (c)
        csc__crash_install(c->opts); /* crash handlers follow the live client */
    else
        csc__crash_uninstall();
    if (c) csc__log_set_debug(c->opts->debug);
    csc__crumb_config_publish((csc__crumb_config_t){.max = c ? (long)c->opts->max_breadcrumbs : -1,
                                                    .scrub = c ? !c->opts->send_default_pii : true,
                                                    .has_before_breadcrumb = c && c->opts->before_breadcrumb},
                              run_before_breadcrumb);
    atomic_store(&g_enabled, c != NULL);
    atomic_store(&g_tracing, c != NULL && csc__tracing_enabled(c->opts));
    csc__lock(&g_client_lock);
    csc__client_t *old = g_client;
    g_client = c;
    csc__unlock(&g_client_lock);
    csc__client_release(old);
}

static void options_retain(void *o) { (void)csc__options_retain(o); }
static void options_release(void *o) { csc_options_free(o); }
/* csc__health_send_fn (and csc__logs_send_fn): sessions, check-ins and logs go to the live client's transport. */
static void health_send(csc_envelope_t *env) {
    csc__client_t *c = csc__client_get();
    if (c && c->opts->transport)
        c->opts->transport(env, c->opts->transport_data);
    else if (c && c->http)
        csc__http_transport_send(c->http, env);
    else
        csc_envelope_free(env); /* no transport: nothing to count it in (as events, capture.c) */
    csc__client_release(c);
}

/* csc__logs_lost_fn: lost log lines go into the live client's client reports. */
static void logs_lost(const char *reason, const char *category, uint32_t quantity) {
    csc__client_t *c = csc__client_get();
    if (c && c->http) csc__http_transport_record_lost(c->http, reason, category, quantity);
    csc__client_release(c);
}

int csc_init(csc_options_t *opts) {
    if (!opts) return CSC_ERR_NULL;
    /* the logger keeps its options (and so its user data) alive until the next csc_init */
    csc__log_set_logger(opts->logger, opts->logger_data, options_retain, options_release, opts->logger ? opts : NULL);
    csc__log_set_debug(opts->debug);
    csc__crash_detect_last_run(opts);
    csc__client_t *c = calloc(1, sizeof *c);
    if (!c) {
        csc_options_free(opts);
        return CSC_ERR_NOMEM;
    }
    atomic_init(&c->refs, 1);
    c->opts = opts;
    if (opts->dsn && *opts->dsn) {
        const char *err = NULL;
        if (!csc__dsn_parse(opts->dsn, &c->dsn, &err)) {
            /* never print the DSN itself: it carries the key */
            csc__log_always("invalid DSN (%s): the SDK is disabled", err ? err : "unparseable");
            csc_options_free(opts);
            free(c);
            csc__health_configure(NULL, NULL);
            csc__logs_configure(NULL, NULL, NULL);
            publish(NULL);
            return CSC_ERR_PARSE;
        }
    }
    if (!opts->transport && !c->dsn.valid) {
        csc__debug_log("no DSN and no transport: the SDK is disabled");
        csc_options_free(opts);
        free(c);
        csc__health_configure(NULL, NULL);
        csc__logs_configure(NULL, NULL, NULL);
        publish(NULL);
        return CSC_OK;
    }
    opts->default_contexts = csc__default_contexts_build(opts->runtime_name, opts->runtime_version);
    if (!opts->transport) {
        c->http = csc__http_transport_start(opts, &c->dsn);
        if (!c->http) csc__debug_log("the HTTP transport could not start; events will be dropped");
    }
    publish(c);
    csc__health_configure(c->opts, health_send);
    csc__logs_configure(c->opts, health_send, logs_lost);
    return CSC_OK;
}

int csc_close(void) {
    /* the transport drains (bounded by shutdown_timeout) when the last reference goes:
     * here, unless a capture running on another thread still holds the client;
     * sessions and queued log lines go out first, while the transport is live */
    csc__health_configure(NULL, NULL);
    csc__logs_configure(NULL, NULL, NULL);
    publish(NULL);
    csc__log_set_debug(false);
    return CSC_OK;
}

bool csc_is_enabled(void) { return atomic_load_explicit(&g_enabled, memory_order_relaxed); }

bool csc_is_tracing_enabled(void) { return atomic_load_explicit(&g_tracing, memory_order_relaxed); }

int csc_flush(uint32_t timeout_ms) {
    csc__client_t *c = csc__client_get();
    if (!c) return CSC_ERR_DISABLED;
    csc__logs_flush();
    csc__health_flush();
    int rc = c->http ? csc__http_transport_flush(c->http, timeout_ms) : CSC_OK;
    csc__client_release(c);
    return rc;
}
