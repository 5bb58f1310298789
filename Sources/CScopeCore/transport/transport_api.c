/* The public transport settings (cscope/transport.h; csc_flush lives with the client). */
#include <stdlib.h>
#include <string.h>

#include "cscope/transport.h"
#include "options/options_internal.h"

#define MAX_QUEUE_SIZE 100000

static int set_string(char **field, const char *value) {
    char *copy = NULL;
    if (value && !(copy = strdup(value))) return CSC_ERR_NOMEM;
    free(*field);
    *field = copy;
    return CSC_OK;
}

int csc_options_set_cache_dir(csc_options_t *opts, const char *dir) {
    if (!opts) return CSC_ERR_NULL;
    return set_string(&opts->cache_dir, dir && *dir ? dir : NULL);
}

int csc_options_set_http_proxy(csc_options_t *opts, const char *proxy) {
    if (!opts) return CSC_ERR_NULL;
    return set_string(&opts->http_proxy, proxy && *proxy ? proxy : NULL);
}

int csc_options_set_ca_certs(csc_options_t *opts, const char *path) {
    if (!opts) return CSC_ERR_NULL;
    return set_string(&opts->ca_certs, path && *path ? path : NULL);
}

int csc_options_set_max_queue_size(csc_options_t *opts, size_t max_queue_size) {
    if (!opts) return CSC_ERR_NULL;
    if (max_queue_size < 1 || max_queue_size > MAX_QUEUE_SIZE) return CSC_ERR_INVALID;
    opts->max_queue_size = max_queue_size;
    return CSC_OK;
}

int csc_options_set_shutdown_timeout(csc_options_t *opts, uint32_t timeout_ms) {
    if (!opts) return CSC_ERR_NULL;
    opts->shutdown_timeout_ms = timeout_ms;
    return CSC_OK;
}

int csc_options_set_send_client_reports(csc_options_t *opts, bool enabled) {
    if (!opts) return CSC_ERR_NULL;
    opts->send_client_reports = enabled;
    return CSC_OK;
}
