/*
 * cscope/common.h: status codes, levels, limits and the export macro shared by
 * every part of the CScopeCore public API.
 *
 * Every exported symbol starts with `csc_` (types `csc_*_t`, macros `CSC_`), so a
 * host may link CScopeCore next to sentry-native without collisions.
 */
#ifndef CSCOPE_COMMON_H
#define CSCOPE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define CSC_API      __attribute__((visibility("default")))
#define CSC_MUST_USE __attribute__((warn_unused_result))
#else
#define CSC_API
#define CSC_MUST_USE
#endif

/** An envelope (event.h builds and reads them, options.h's transport receives them). Opaque. */
typedef struct csc_envelope_s csc_envelope_t;

/** Version of the C core; also reported in the event's `sdk.packages`. */
#define CSC_VERSION "0.1.0"

/**
 * Status codes. Zero is success; positive values are success with a remark
 * (the data was stored, but changed); negative values are errors (nothing was
 * stored and nothing that was there before was lost).
 */
typedef enum csc_status_e {
    CSC_OK = 0,
    /** Stored, but a string was cut to its documented limit (UTF-8 safe). */
    CSC_TRUNCATED = 1,
    /** Stored, but invalid UTF-8 sequences (or NUL bytes) were replaced by U+FFFD. */
    CSC_REPAIRED = 2,
    /** (CSC_TRUNCATED | CSC_REPAIRED) both happened. */
    CSC_TRUNCATED_AND_REPAIRED = 3,

    /** A required pointer argument was NULL. */
    CSC_ERR_NULL = -1,
    /** An argument has the wrong type or is out of range (e.g. a context that is not an object). */
    CSC_ERR_INVALID = -2,
    /** A JSON value is nested deeper than CSC_MAX_JSON_DEPTH. */
    CSC_ERR_DEPTH = -3,
    /** Memory allocation failed; the scope is unchanged. */
    CSC_ERR_NOMEM = -4,
    /** csc_pop_*: the token is not the innermost push of its kind in this context. */
    CSC_ERR_SCOPE_MISMATCH = -5,
    /** csc_pop_*: the token was already popped or was never pushed. */
    CSC_ERR_SCOPE_UNDERFLOW = -6,
    /** No enabled client: the SDK was not initialised, was closed, or has no DSN. */
    CSC_ERR_DISABLED = -7,
    /** The event was dropped (event processor, before_send, sample rate, rate limit, full queue). */
    CSC_ERR_DROPPED = -8,
    /** A string that must not be empty was empty, or a DSN could not be parsed. */
    CSC_ERR_PARSE = -9,
    /** An I/O operation failed (attachment file, cache directory). */
    CSC_ERR_IO = -10,
    /** The operation did not finish within its timeout. */
    CSC_ERR_TIMEOUT = -11,
} csc_status_t;

/** A short, static, English description of a status code. Never NULL. */
CSC_API const char *csc_status_str(int status);

/** Event and breadcrumb severity. CSC_LEVEL_NONE means "unset". */
typedef enum csc_level_e {
    CSC_LEVEL_NONE = -1,
    CSC_LEVEL_DEBUG = 0,
    CSC_LEVEL_INFO = 1,
    CSC_LEVEL_WARNING = 2,
    CSC_LEVEL_ERROR = 3,
    CSC_LEVEL_FATAL = 4,
} csc_level_t;

/** "debug", "info", ... ; NULL for CSC_LEVEL_NONE or out-of-range values. */
CSC_API const char *csc_level_name(csc_level_t level);
/** Parses "debug", "info", "warning" (or "warn"), "error", "fatal" (or "critical"). CSC_LEVEL_NONE if unknown or NULL. */
CSC_API csc_level_t csc_level_parse(const char *name);

/* Limits, in Unicode scalar values (characters) unless said otherwise. Longer
 * strings are cut at a character boundary and the setter returns CSC_TRUNCATED;
 * they match what Relay trims to, so nothing that would survive ingestion is cut. */
#define CSC_MAX_TAG_KEY_LEN     200
#define CSC_MAX_TAG_VALUE_LEN   200
#define CSC_MAX_MESSAGE_LEN     8192
#define CSC_MAX_TRANSACTION_LEN 200
/** Any other string (breadcrumb fields, exception values, file names). */
#define CSC_MAX_STRING_LEN 16384
/** JSON values nested deeper than this are rejected with CSC_ERR_DEPTH. */
#define CSC_MAX_JSON_DEPTH 32
/** Default and maximum ring size for breadcrumbs. */
#define CSC_DEFAULT_MAX_BREADCRUMBS 100
#define CSC_MAX_BREADCRUMBS_LIMIT   1000
/** Extras kept per event (Sentry's databag breadth); more are counted in `_meta`. */
#define CSC_MAX_DATABAG_BREADTH 10
/** Event processors per scope; adding one more first empties the list (as the Python SDK does). */
#define CSC_MAX_EVENT_PROCESSORS 20

/** Wall-clock time in microseconds since the Unix epoch. */
CSC_API int64_t csc_now_us(void);

#ifdef __cplusplus
}
#endif
#endif /* CSCOPE_COMMON_H */
