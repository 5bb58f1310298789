/* The session options of cscope/health.h. */
#include "options_internal.h"

int csc_options_set_auto_session_tracking(csc_options_t *opts, bool enabled) {
    if (!opts) return CSC_ERR_NULL;
    opts->session_tracking = enabled ? 1 : 2;
    return CSC_OK;
}

int csc_options_set_session_mode(csc_options_t *opts, csc_session_mode_t mode) {
    if (!opts) return CSC_ERR_NULL;
    if (mode != CSC_SESSION_MODE_REQUEST && mode != CSC_SESSION_MODE_APPLICATION) return CSC_ERR_INVALID;
    opts->session_mode = (int8_t)mode;
    return CSC_OK;
}
