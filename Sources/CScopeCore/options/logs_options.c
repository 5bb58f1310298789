/* The Sentry Logs options of cscope/logs.h. */
#include "options_internal.h"

int csc_options_set_enable_logs(csc_options_t *opts, bool enabled) {
    if (!opts) return CSC_ERR_NULL;
    opts->enable_logs = enabled;
    return CSC_OK;
}

int csc_options_set_before_send_log(csc_options_t *opts, csc_before_send_fn fn, void *user_data) {
    if (!opts) return CSC_ERR_NULL;
    opts->before_send_log = fn;
    opts->before_send_log_data = user_data;
    return CSC_OK;
}
