/* Client options: defaults (from the environment), setters. */
#include <stdlib.h>
#include <unistd.h>

#include "cscope_spi.h" /* csc_options_set_release_hook, for the overlay */
#include "options_internal.h"
#include "support/util.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

static char *env_dup(const char *name) {
    const char *v = getenv(name);
    return v && *v ? csc__strdup(v) : NULL;
}

csc_options_t *csc_options_new(void) {
    csc_options_t *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    atomic_init(&o->refs, 1);
    o->dsn = env_dup("SENTRY_DSN");
    o->release = env_dup("SENTRY_RELEASE");
    o->environment = env_dup("SENTRY_ENVIRONMENT");
    if (!o->environment) o->environment = csc__strdup("production");
    char host[256];
    if (gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = 0;
        o->server_name = csc__strdup(host);
    }
    o->platform = csc__strdup("native");
    o->sdk_name = csc__strdup("sentry.cscope");
    o->sdk_version = csc__strdup(CSC_VERSION);
    o->max_breadcrumbs = CSC_DEFAULT_MAX_BREADCRUMBS;
    o->sample_rate = 1.0;
    const char *sr = getenv("SENTRY_SAMPLE_RATE");
    if (sr && *sr) {
        char *end;
        double d = strtod(sr, &end);
        if (*end == 0 && d >= 0 && d <= 1) o->sample_rate = d;
    }
    o->debug = getenv("SENTRY_DEBUG") && *getenv("SENTRY_DEBUG") && strcmp(getenv("SENTRY_DEBUG"), "0") != 0;
    o->max_queue_size = 100;
    o->shutdown_timeout_ms = 2000;
    o->send_client_reports = true;
    csc__tracing_opts_from_env(o);
    return o;
}

csc_options_t *csc__options_retain(csc_options_t *o) {
    if (o) atomic_fetch_add_explicit(&o->refs, 1, memory_order_relaxed);
    return o;
}

void csc_options_free(csc_options_t *o) {
    if (!o || atomic_fetch_sub_explicit(&o->refs, 1, memory_order_acq_rel) != 1) return;
    free(o->dsn);
    free(o->release);
    free(o->environment);
    free(o->dist);
    free(o->server_name);
    free(o->platform);
    free(o->sdk_name);
    free(o->sdk_version);
    free(o->cache_dir);
    free(o->http_proxy);
    free(o->ca_certs);
    free(o->runtime_name);
    free(o->runtime_version);
    json_decref(o->default_contexts);
    csc__tracing_opts_free(o->tracing);
    if (o->release_hook) o->release_hook(o->release_hook_ctx); /* the callbacks' user data */
    free(o);
}

int csc_options_set_release_hook(csc_options_t *o, void (*fn)(void *), void *ctx) {
    if (!o) return CSC_ERR_NULL;
    o->release_hook = fn;
    o->release_hook_ctx = fn ? ctx : NULL;
    return CSC_OK;
}

static int set_str(csc_options_t *o, char **slot, const char *v) {
    if (!o) return CSC_ERR_NULL;
    char *c = NULL;
    if (v) {
        const char *cl;
        size_t n;
        int st = csc__utf8_clean(v, strlen(v), CSC_MAX_STRING_LEN, &cl, &n);
        if (st < 0) return st;
        c = csc__strndup(cl, n);
        if (cl != v) free((void *)cl);
        if (!c) return CSC_ERR_NOMEM;
    }
    free(*slot);
    *slot = c;
    return CSC_OK;
}

int csc_options_set_dsn(csc_options_t *o, const char *v) { return set_str(o, o ? &o->dsn : NULL, v); }
int csc_options_set_release(csc_options_t *o, const char *v) { return set_str(o, o ? &o->release : NULL, v); }
int csc_options_set_environment(csc_options_t *o, const char *v) { return set_str(o, o ? &o->environment : NULL, v); }
int csc_options_set_dist(csc_options_t *o, const char *v) { return set_str(o, o ? &o->dist : NULL, v); }
int csc_options_set_server_name(csc_options_t *o, const char *v) { return set_str(o, o ? &o->server_name : NULL, v); }
int csc_options_set_platform(csc_options_t *o, const char *v) {
    if (!v) return CSC_ERR_NULL;
    return set_str(o, o ? &o->platform : NULL, v);
}
int csc_options_set_sdk(csc_options_t *o, const char *name, const char *version) {
    if (!o || !name || !version) return CSC_ERR_NULL;
    int rc = set_str(o, &o->sdk_name, name);
    return rc ? rc : set_str(o, &o->sdk_version, version);
}
int csc_options_set_max_breadcrumbs(csc_options_t *o, size_t n) {
    if (!o) return CSC_ERR_NULL;
    if (n > CSC_MAX_BREADCRUMBS_LIMIT) return CSC_ERR_INVALID;
    o->max_breadcrumbs = n;
    return CSC_OK;
}
int csc_options_set_max_value_length(csc_options_t *o, size_t n) {
    if (!o) return CSC_ERR_NULL;
    if (n && n < 3) return CSC_ERR_INVALID; /* room for the "..." */
    o->max_value_length = n;
    return CSC_OK;
}
int csc_options_set_sample_rate(csc_options_t *o, double rate) {
    if (!o) return CSC_ERR_NULL;
    if (!(rate >= 0.0 && rate <= 1.0)) return CSC_ERR_INVALID;
    o->sample_rate = rate;
    return CSC_OK;
}
int csc_options_set_send_default_pii(csc_options_t *o, bool v) {
    if (!o) return CSC_ERR_NULL;
    o->send_default_pii = v;
    return CSC_OK;
}
int csc_options_set_debug(csc_options_t *o, bool v) {
    if (!o) return CSC_ERR_NULL;
    o->debug = v;
    return CSC_OK;
}
int csc_options_set_before_send(csc_options_t *o, csc_before_send_fn fn, void *ud) {
    if (!o) return CSC_ERR_NULL;
    o->before_send = fn;
    o->before_send_data = ud;
    return CSC_OK;
}
int csc_options_set_before_breadcrumb(csc_options_t *o, csc_before_breadcrumb_fn fn, void *ud) {
    if (!o) return CSC_ERR_NULL;
    o->before_breadcrumb = fn;
    o->before_breadcrumb_data = ud;
    return CSC_OK;
}
int csc_options_set_transport(csc_options_t *o, csc_transport_fn fn, void *ud) {
    if (!o) return CSC_ERR_NULL;
    o->transport = fn;
    o->transport_data = ud;
    return CSC_OK;
}

int csc_options_set_runtime(csc_options_t *o, const char *name, const char *version) {
    int rc = set_str(o, o ? &o->runtime_name : NULL, name);
    if (rc != CSC_OK) return rc;
    return set_str(o, &o->runtime_version, name ? version : NULL);
}

int csc_options_set_logger(csc_options_t *o, csc_logger_fn fn, void *user_data) {
    if (!o) return CSC_ERR_NULL;
    o->logger = fn;
    o->logger_data = fn ? user_data : NULL;
    return CSC_OK;
}
