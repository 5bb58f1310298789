/* Status strings and level names. */
#include <string.h>
#include <strings.h>

#include "cscope.h"

const char *csc_status_str(int status) {
    switch (status) {
        case CSC_OK: return "ok";
        case CSC_TRUNCATED: return "stored; a string was cut to its limit";
        case CSC_REPAIRED: return "stored; invalid UTF-8 was replaced by U+FFFD";
        case CSC_TRUNCATED_AND_REPAIRED: return "stored; a string was cut and invalid UTF-8 replaced";
        case CSC_ERR_NULL: return "a required argument was NULL";
        case CSC_ERR_INVALID: return "an argument has the wrong type or is out of range";
        case CSC_ERR_DEPTH: return "a JSON value is nested too deeply";
        case CSC_ERR_NOMEM: return "out of memory";
        case CSC_ERR_SCOPE_MISMATCH: return "pop does not match the innermost push";
        case CSC_ERR_SCOPE_UNDERFLOW: return "pop without a matching push";
        case CSC_ERR_DISABLED: return "the SDK is not enabled";
        case CSC_ERR_DROPPED: return "the event was dropped";
        case CSC_ERR_PARSE: return "the input could not be parsed";
        case CSC_ERR_IO: return "an I/O operation failed";
        case CSC_ERR_TIMEOUT: return "the operation timed out";
        default: return "unknown status";
    }
}

static const char *const level_names[] = {"debug", "info", "warning", "error", "fatal"};

const char *csc_level_name(csc_level_t l) {
    return l >= CSC_LEVEL_DEBUG && l <= CSC_LEVEL_FATAL ? level_names[l] : NULL;
}

csc_level_t csc_level_parse(const char *name) {
    if (!name) return CSC_LEVEL_NONE;
    for (int i = 0; i < 5; i++)
        if (!strcasecmp(name, level_names[i])) return (csc_level_t)i;
    if (!strcasecmp(name, "warn")) return CSC_LEVEL_WARNING;
    if (!strcasecmp(name, "critical")) return CSC_LEVEL_FATAL;
    return CSC_LEVEL_NONE;
}
